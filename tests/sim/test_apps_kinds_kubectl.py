"""The workload objects pods belong to (Deployment, ReplicaSet, StatefulSet, DaemonSet, apps/v1),
read by the real kubectl 1.37: `get deploy,rs,sts,ds` with the server's printer columns and
`rollout status`, whose messages are kubectl's (pkg/polymorphichelpers/rollout_status.go)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sim.helpers import Kubectl, MakeSim, rows, wait_for
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster
from vixens_tui.sim.conditions import is_ready

ARGOCD = "argocd"
REPO_SERVER = "app.kubernetes.io/name=argocd-repo-server"


def _kind(name: str) -> kinds.Kind:
    return kinds.by_kind(name)


def test_get_workloads_print_the_server_columns(kubectl: Kubectl) -> None:
    deployments = rows(kubectl("get", "deploy", "-A").stdout)
    assert deployments[0] == ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    by_name = {(r[0], r[1]): r for r in deployments[1:]}
    assert by_name[(ARGOCD, "argocd-repo-server")][2:5] == ["1/1", "1", "1"]
    assert by_name[("kube-system", "coredns")][2:5] == ["2/2", "2", "2"]

    replica_sets = rows(kubectl("get", "rs", "-n", ARGOCD).stdout)
    assert replica_sets[0] == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    pods = json.loads(kubectl("get", "pods", "-n", ARGOCD, "-l", REPO_SERVER, "-o", "json").stdout)
    owner = pods["items"][0]["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "ReplicaSet"
    assert [owner["name"], "1", "1", "1"] in [r[:4] for r in replica_sets[1:]]

    stateful_sets = rows(kubectl("get", "sts", "-A").stdout)
    assert stateful_sets[0] == ["NAMESPACE", "NAME", "READY", "AGE"]
    assert [ARGOCD, "argocd-application-controller", "1/1"] in [r[:3] for r in stateful_sets]

    daemon_sets = rows(kubectl("get", "ds", "-n", "kube-system").stdout)
    assert daemon_sets[0] == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "NODE SELECTOR",
        "AGE",
    ]
    assert ["cilium", "3", "3", "3", "3", "3", "<none>"] in [r[:7] for r in daemon_sets]

    together = kubectl("get", "deploy,rs,sts,ds", "-A").stdout
    for prefix in ("deployment.apps/", "replicaset.apps/", "statefulset.apps/", "daemonset.apps/"):
        assert prefix in together


def test_every_pod_owner_exists_with_its_uid(built: SimCluster) -> None:
    """Pods point at their controller; a ReplicaSet points at its Deployment."""
    checked = 0
    for owned_kind in (kinds.POD, _kind("ReplicaSet")):
        for obj in built.store.list(owned_kind):
            meta = obj["metadata"]
            for ref in meta.get("ownerReferences") or []:
                if ref["kind"] == "Node":
                    continue
                assert ref["apiVersion"] == "apps/v1"
                owner = built.store.get(_kind(ref["kind"]), meta["namespace"], ref["name"])
                assert owner is not None, (meta["name"], ref)
                assert owner["metadata"]["uid"] == ref["uid"]
                checked += 1
    assert checked > 20
    replica_set = built.store.list(_kind("ReplicaSet"), ARGOCD)[0]
    assert replica_set["metadata"]["ownerReferences"][0]["kind"] == "Deployment"


def test_rollout_status_of_each_workload_kind(kubectl: Kubectl) -> None:
    result = kubectl("rollout", "status", "deploy/argocd-repo-server", "-n", ARGOCD)
    assert result.stdout == 'deployment "argocd-repo-server" successfully rolled out\n'
    result = kubectl("rollout", "status", "daemonset/cilium", "-n", "kube-system")
    assert result.stdout == 'daemon set "cilium" successfully rolled out\n'
    # A defaulted StatefulSet has a rollingUpdate partition of 0.
    result = kubectl("rollout", "status", "sts/argocd-application-controller", "-n", ARGOCD)
    assert result.stdout == "partitioned roll out complete: 1 new pods have been updated...\n"


def test_rollout_status_waits_for_the_replacement_of_a_deleted_pod(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    kubectl("delete", "pod", "-n", ARGOCD, "-l", REPO_SERVER, "--wait=false")

    def replacement_not_ready() -> bool:
        pods = [
            p for p in sim.store.list(kinds.POD, ARGOCD) if "repo-server" in p["metadata"]["name"]
        ]
        return any(not p["metadata"].get("deletionTimestamp") and not is_ready(p) for p in pods)

    wait_for(replacement_not_ready, what="a replacement pod not ready yet")
    with sim.store.lock:
        deployment = sim.store.get(_kind("Deployment"), ARGOCD, "argocd-repo-server")
        pods = [
            p for p in sim.store.list(kinds.POD, ARGOCD) if "repo-server" in p["metadata"]["name"]
        ]
    assert deployment is not None
    if not any(is_ready(p) and not p["metadata"].get("deletionTimestamp") for p in pods):
        assert deployment["status"].get("availableReplicas", 0) == 0
        available = [c for c in deployment["status"]["conditions"] if c["type"] == "Available"]
        assert available[0]["status"] == "False"
    result = kubectl(
        "rollout", "status", "deploy/argocd-repo-server", "-n", ARGOCD, "--timeout=60s", timeout=70
    )
    assert result.stdout.endswith('deployment "argocd-repo-server" successfully rolled out\n')


def test_applications_list_their_workloads_as_resources(built: SimCluster) -> None:
    app = built.store.get(kinds.APPLICATION, ARGOCD, "cert-manager")
    assert app is not None
    listed = {
        (r["kind"], r["name"]) for r in app["status"]["resources"] if r.get("group") == "apps"
    }
    assert ("Deployment", "cert-manager-webhook") in listed
    for kind_name, name in listed:
        assert built.store.get(_kind(kind_name), "cert-manager", name) is not None
