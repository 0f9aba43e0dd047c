"""CustomResourceDefinitions and the kinds that live by them, through the real kubectl, the real
`wait_for_cilium_crds.sh` of the vixens repository and the `kubernetes` client.

Before Cilium is installed a real API server has no cilium.io group: kubectl cannot map the
LB-IPAM pool (`no matches for kind ... ensure CRDs are installed first`). The cilium-operator
registers the CRDs when it starts; from then on the fixture files apply, read and delete.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kubernetes import client

from tests.sim.helpers import (
    REBUILD_SPEED,
    Kubectl,
    MakeSim,
    api_client,
    raw_request,
    rows,
    wait_for,
)
from vixens_tui.sim import crds
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

FIXTURE = Path("/work/shared/fixtures/vixens-repo-2025-11-15")
WAIT_SCRIPT = FIXTURE / "terraform/modules/cilium/wait_for_cilium_crds.sh"
IP_POOL = FIXTURE / "apps/cilium-lb/overlays/dev/ippool.yaml"
L2_POLICY = FIXTURE / "apps/cilium-lb/base/l2policy.yaml"
WAITED_FOR = (
    "ciliumnodes.cilium.io",
    "ciliumendpoints.cilium.io",
    "ciliumidentities.cilium.io",
    "ciliumnetworkpolicies.cilium.io",
    "ciliuml2announcementpolicies.cilium.io",
    "ciliumloadbalancerippools.cilium.io",
)
DEPRECATED = (
    "Warning: cilium.io/v2alpha1 CiliumLoadBalancerIPPool is deprecated; "
    "use cilium.io/v2 CiliumLoadBalancerIPPool"
)


def script_env(kubectl: Kubectl, bin_dir: Path | None = None) -> dict[str, str]:
    """The provisioner's environment: KUBECONFIG_PATH, and `kubectl` found on PATH (the venv's,
    never /usr/bin/kubectl), optionally behind a directory of shims."""
    path = [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    if bin_dir is not None:
        path.insert(0, str(bin_dir))
    return {**kubectl.env, "KUBECONFIG_PATH": str(kubectl.kubeconfig), "PATH": ":".join(path)}


def rebuilt_to_the_api(make_sim: MakeSim) -> SimCluster:
    """A cluster whose control plane is up and nothing installed on it yet."""
    sim = make_sim(scenario="rebuild", speed=REBUILD_SPEED)
    for node in sim.profile.nodes:
        sim.hook("talos-config", node.name)
    assert sim.hook("bootstrap").rc == 0
    wait_for(lambda: sim.api_available and sim.scenario.world.life.seeded, what="the API")
    return sim


def crd_names(sim: SimCluster) -> set[str]:
    return {crd["metadata"]["name"] for crd in sim.store.list(kinds.CRD)}


# -- a built cluster -------------------------------------------------------------------------


def test_get_crds_lists_what_the_installs_registered(kubectl: Kubectl) -> None:
    table = rows(kubectl("get", "crds").stdout)
    assert table[0] == ["NAME", "CREATED AT"]
    listed = [r[0] for r in table[1:]]
    assert listed == sorted(listed)
    expected = crds.CILIUM_CRDS + crds.ARGOCD_CRDS + crds.CERT_MANAGER_CRDS
    assert set(listed) == {plan.name for plan in expected}
    assert set(WAITED_FOR) <= set(listed)
    # The default table convertor's cell: the creation time in RFC 3339, UTC.
    assert all(len(r[1]) == 20 and r[1].endswith("Z") and r[1][10] == "T" for r in table[1:])

    one = rows(kubectl("get", "crd", "ciliumloadbalancerippools.cilium.io").stdout)
    assert [r[0] for r in one] == ["NAME", "ciliumloadbalancerippools.cilium.io"]
    missing = kubectl("get", "crd", "ciliumbgppeeringpolicies.cilium.io", check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "
        '"ciliumbgppeeringpolicies.cilium.io" not found'
    )


def test_a_crd_reads_as_the_real_one(kubectl: Kubectl) -> None:
    crd = json.loads(
        kubectl("get", "crd", "ciliumloadbalancerippools.cilium.io", "-o", "json").stdout
    )
    spec = crd["spec"]
    assert (spec["group"], spec["scope"], spec["names"]["kind"]) == (
        "cilium.io",
        "Cluster",
        "CiliumLoadBalancerIPPool",
    )
    assert spec["names"]["shortNames"] == ["ippools", "ippool", "lbippool", "lbippools"]
    assert [(v["name"], v["storage"], v.get("deprecated", False)) for v in spec["versions"]] == [
        ("v2", True, False),
        ("v2alpha1", False, True),
    ]
    columns = [c["name"] for c in spec["versions"][0]["additionalPrinterColumns"]]
    assert columns == ["Disabled", "Conflicting", "IPs Available", "Age"]
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    assert crd["status"]["storedVersions"] == ["v2"]
    explained = kubectl("explain", "ippool.spec").stdout
    assert "KIND:       CiliumLoadBalancerIPPool\nVERSION:    v2\n" in explained
    assert "blocks\t<[]Object>" in explained and "disabled\t<boolean>" in explained
    app = json.loads(kubectl("get", "crd", "applications.argoproj.io", "-o", "json").stdout)
    assert app["metadata"]["annotations"]["meta.helm.sh/release-name"] == "argocd"
    assert app["metadata"]["labels"]["app.kubernetes.io/name"] == "applications.argoproj.io"


def test_wait_for_cilium_crds_succeeds_at_once(kubectl: Kubectl) -> None:
    result = subprocess.run(
        ["bash", str(WAIT_SCRIPT)],
        env=script_env(kubectl),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "All required Cilium CRDs are registered.\n"


def test_discovery_lists_cilium_io_once_with_v2_preferred(built: SimCluster) -> None:
    groups = json.loads(raw_request(built, "GET", "/apis")[2])["groups"]
    cilium = [g for g in groups if g["name"] == "cilium.io"]
    assert len(cilium) == 1
    assert [v["version"] for v in cilium[0]["versions"]] == ["v2", "v2alpha1"]
    assert cilium[0]["preferredVersion"]["groupVersion"] == "cilium.io/v2"
    resources = json.loads(raw_request(built, "GET", "/apis/cilium.io/v2alpha1")[2])["resources"]
    assert [r["name"] for r in resources] == [
        "ciliumloadbalancerippools",
        "ciliumloadbalancerippools/status",
        "ciliuml2announcementpolicies",
        "ciliuml2announcementpolicies/status",
    ]


def test_the_python_client_reads_the_crds(built: SimCluster, tmp_path: Path) -> None:
    api = client.ApiextensionsV1Api(api_client(built, tmp_path))
    listed = api.list_custom_resource_definition()
    assert set(WAITED_FOR) <= {crd.metadata.name for crd in listed.items if crd.metadata}
    pool = api.read_custom_resource_definition("ciliumloadbalancerippools.cilium.io")
    assert pool.spec.names.kind == "CiliumLoadBalancerIPPool"
    assert [v.name for v in pool.spec.versions] == ["v2", "v2alpha1"]
    schema = pool.spec.versions[0].schema
    assert schema is not None and schema.open_apiv3_schema is not None
    properties = schema.open_apiv3_schema.properties or {}
    assert properties["spec"].type == "object"


# -- a cluster being rebuilt ---------------------------------------------------------------------


def test_cilium_kinds_come_with_the_operator(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = rebuilt_to_the_api(make_sim)
    kubectl = Kubectl(sim, tmp_path)
    assert kubectl("get", "crds").stderr.strip() == "No resources found"
    assert raw_request(sim, "GET", "/apis/cilium.io")[0] == 404
    assert raw_request(sim, "GET", "/apis/cilium.io/v2alpha1/ciliumloadbalancerippools")[0] == 404
    refused = kubectl("apply", "-f", str(IP_POOL), check=False)
    assert refused.returncode == 1
    assert refused.stderr == (
        f'error: resource mapping not found for name: "vixens-dev-pool" namespace: "" from '
        f'"{IP_POOL}": no matches for kind "CiliumLoadBalancerIPPool" in version '
        '"cilium.io/v2alpha1"\nensure CRDs are installed first\n'
    )
    unknown = kubectl("get", "ippools", check=False)
    assert unknown.stderr.strip() == 'error: the server doesn\'t have a resource type "ippools"'

    # The provisioner waits (its sleeps shortened) while Helm installs Cilium.
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "sleep").write_text("#!/bin/sh\nexec /bin/sleep 0.05\n")
    (shims / "sleep").chmod(0o755)
    waiting = subprocess.Popen(
        ["bash", str(WAIT_SCRIPT)],
        env=script_env(kubectl, shims),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert waiting.stdout is not None
        assert waiting.stdout.readline() == "Waiting for CRD: ciliumnodes.cilium.io\n"
        assert sim.hook("cilium-install").rc == 0
        out, err = waiting.communicate(timeout=20)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    assert waiting.returncode == 0, err
    assert out.splitlines()[-1] == "All required Cilium CRDs are registered."
    # The operator's CRDs only: Argo CD is not installed yet.
    assert crd_names(sim) == {plan.name for plan in crds.CILIUM_CRDS}

    applied = kubectl("apply", "-f", str(IP_POOL))
    assert applied.stdout == "ciliumloadbalancerippool.cilium.io/vixens-dev-pool created\n"
    assert applied.stderr.strip() == DEPRECATED
    applied = kubectl("apply", "-f", str(L2_POLICY))
    assert applied.stdout == "ciliuml2announcementpolicy.cilium.io/vixens-l2policy created\n"
    assert applied.stderr == ""
    again = kubectl("apply", "-f", str(IP_POOL))
    assert again.stdout == "ciliumloadbalancerippool.cilium.io/vixens-dev-pool unchanged\n"

    pools = rows(kubectl("get", "ippools").stdout)
    assert pools[0] == ["NAME", "DISABLED", "CONFLICTING", "IPS AVAILABLE", "AGE"]
    assert pools[1][:2] == ["vixens-dev-pool", "false"]
    policies = rows(kubectl("get", "l2announcement").stdout)
    assert [r[0] for r in policies] == ["NAME", "vixens-l2policy"]
    # Stored once, read through either version.
    as_v2 = json.loads(kubectl("get", "ippool", "vixens-dev-pool", "-o", "json").stdout)
    assert as_v2["apiVersion"] == "cilium.io/v2"
    assert as_v2["spec"]["blocks"][0] == {"start": "192.168.208.70", "stop": "192.168.208.79"}
    assert as_v2["spec"]["disabled"] is False  # the CRD's default
    old = kubectl(
        "get", "ciliumloadbalancerippools.v2alpha1.cilium.io", "vixens-dev-pool", "-o", "json"
    )
    assert json.loads(old.stdout)["apiVersion"] == "cilium.io/v2alpha1"

    deleted = kubectl("delete", "-f", str(IP_POOL), "-f", str(L2_POLICY))
    assert deleted.stdout.splitlines() == [
        'ciliumloadbalancerippool.cilium.io "vixens-dev-pool" deleted',
        'ciliuml2announcementpolicy.cilium.io "vixens-l2policy" deleted',
    ]
    assert kubectl("get", "ippools").stderr.strip() == "No resources found"


def test_a_pool_of_the_wrong_shape_is_refused(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    bad = "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: bad\n"
    refused = kubectl("apply", "-f", "-", input=bad, check=False)
    assert refused.returncode == 1
    assert refused.stderr == 'The CiliumLoadBalancerIPPool "bad" is invalid: spec: Required value\n'
    typed = bad + "spec:\n  blocks: 192.168.208.70\n"
    refused = kubectl("apply", "-f", "-", input=typed, check=False)
    assert refused.returncode == 1
    assert "spec.blocks in body must be of type array" in refused.stderr


def test_deleting_a_crd_takes_its_kind_away(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    kubectl("apply", "-f", str(L2_POLICY))
    gone = kubectl("delete", "crd", "ciliuml2announcementpolicies.cilium.io")
    assert gone.stdout == (
        'customresourcedefinition.apiextensions.k8s.io "ciliuml2announcementpolicies.cilium.io" '
        "deleted\n"
    )
    assert sim.store.list(kinds.CILIUM_L2_POLICY) == []
    path = "/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies"
    assert raw_request(sim, "GET", path)[0] == 404
    # The pool's CRD still serves both its versions.
    assert raw_request(sim, "GET", "/apis/cilium.io/v2alpha1/ciliumloadbalancerippools")[0] == 200
    # kubectl's cached discovery still maps the kind: the server answers 404.
    stale = kubectl("apply", "-f", str(L2_POLICY), check=False)
    assert stale.stderr == (
        f'Error from server (NotFound): error when creating "{L2_POLICY}": '
        "the server could not find the requested resource\n"
    )
    fresh = Kubectl(sim, tmp_path / "fresh")
    refused = fresh("apply", "-f", str(L2_POLICY), check=False)
    assert 'no matches for kind "CiliumL2AnnouncementPolicy"' in refused.stderr


def test_a_new_life_starts_without_crds(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    api = client.CustomObjectsApi(api_client(sim, tmp_path))
    body = {
        "apiVersion": "cilium.io/v2alpha1",
        "kind": "CiliumLoadBalancerIPPool",
        "metadata": {"name": "pool"},
        "spec": {"blocks": [{"cidr": "192.168.208.64/28"}]},
    }
    created = api.create_cluster_custom_object(
        "cilium.io", "v2alpha1", "ciliumloadbalancerippools", body
    )
    assert isinstance(created, dict) and created["apiVersion"] == "cilium.io/v2alpha1"
    read = api.get_cluster_custom_object("cilium.io", "v2", "ciliumloadbalancerippools", "pool")
    assert isinstance(read, dict) and read["apiVersion"] == "cilium.io/v2"
    assert read["spec"]["blocks"] == [{"cidr": "192.168.208.64/28"}]

    assert sim.hook("cluster-destroy").rc == 0
    assert sim.hook("bootstrap").rc == 0
    wait_for(lambda: sim.api_available and sim.scenario.world.life.seeded, what="the API")
    assert crd_names(sim) == set()
    assert raw_request(sim, "GET", "/apis/cilium.io/v2/ciliumloadbalancerippools")[0] == 404
    assert sim.hook("cilium-install").rc == 0
    wait_for(lambda: crd_names(sim), what="the operator's CRDs")
    assert raw_request(sim, "GET", "/apis/cilium.io/v2/ciliumloadbalancerippools")[0] == 200
    assert sim.store.list(kinds.CILIUM_LB_IP_POOL) == []


# -- the plans agree with what the server serves ---------------------------------------------------


def test_served_kinds_match_their_crds() -> None:
    plans = {
        plan.name: plan for plan in crds.CILIUM_CRDS + crds.ARGOCD_CRDS + crds.CERT_MANAGER_CRDS
    }
    for kind in kinds.KINDS:
        if kind.builtin:
            continue
        plan = plans[kind.resource]
        assert (plan.kind, plan.plural, plan.singular) == (kind.kind, kind.plural, kind.singular)
        assert plan.short_names == kind.short_names
        assert plan.categories == kind.categories
        assert (plan.scope == "Namespaced") == kind.namespaced
        version = next(v for v in plan.versions if v.name == kind.version)
        assert version.status == ("status" in kind.subresources)
        assert version.deprecated == bool(kind.deprecated_for)
        assert version.storage == (kinds.storage_of(kind) is kind)
