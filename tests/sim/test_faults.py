"""Each fault of the CLI contract reproduces its symptom as the procedure and docs/known-issues.md
describe it, and only through that symptom."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.sim.helpers import (
    REBUILD_SPEED,
    Kubectl,
    MakeSim,
    api_client,
    raw_request,
    rows,
    run_hook,
    wait_for,
)
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

PROCEDURE_ERROR = "Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout"
SYNC_PATCH = '{"operation":{"initiatedBy":{"username":"admin"},"sync":{"revision":"dev"}}}'
EOF_TEXT = "rpc error: code = Unknown desc = error reading from server: EOF"


def apply_phase(sim: SimCluster) -> None:
    """Terraform's apply, in-process: every action is scheduled on the cluster's clock."""
    for node in sim.profile.nodes:
        assert sim.hook("talos-config", node.name).rc == 0
    for action in ("bootstrap", "cilium-install", "argocd-install"):
        assert sim.hook(action).rc == 0


def app(sim: SimCluster, name: str) -> dict[str, Any]:
    return sim.store.get(kinds.APPLICATION, "argocd", name) or {}


def op_phase(sim: SimCluster, name: str) -> str:
    return str(app(sim, name).get("status", {}).get("operationState", {}).get("phase", ""))


def synced_healthy(sim: SimCluster, name: str) -> bool:
    status = app(sim, name).get("status", {})
    return (
        status.get("sync", {}).get("status") == "Synced"
        and status.get("health", {}).get("status") == "Healthy"
    )


def test_cilium_destroy_timeout(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(faults=["cilium-destroy-timeout"], speed=REBUILD_SPEED)
    kubectl = Kubectl(sim, tmp_path)
    assert run_hook(sim, tmp_path, "argocd-uninstall").returncode == 0
    result = run_hook(sim, tmp_path, "cilium-uninstall")
    assert result.returncode == 1
    assert result.stderr.strip() == PROCEDURE_ERROR
    # The symptom's cause: the API is already unreachable.
    assert not sim.api_available
    assert kubectl("get", "nodes", check=False).returncode == 1
    # After `terraform state rm` the rest of the destroy goes through.
    assert run_hook(sim, tmp_path, "cluster-destroy").returncode == 0
    for node in sim.profile.nodes:
        assert sim.hook("node-reset", node.name).rc == 0
    apply_phase(sim)
    wait_for(lambda: sim.api_available, what="the API after the rebuild")


def test_cilium_uninstall_without_the_fault(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(speed=REBUILD_SPEED)
    result = run_hook(sim, tmp_path, "cilium-uninstall")
    assert result.returncode == 0 and 'release "cilium" uninstalled' in result.stdout
    assert sim.api_available


def test_cert_manager_namespace_missing(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(
        scenario="rebuild", faults=["cert-manager-namespace-missing"], speed=REBUILD_SPEED
    )
    apply_phase(sim)
    wait_for(
        lambda: op_phase(sim, "cert-manager") == "Failed",
        timeout=20,
        what="cert-manager's sync to fail",
    )
    status = app(sim, "cert-manager")["status"]
    assert 'namespaces "cert-manager" not found' in status["operationState"]["message"]
    assert status["conditions"][0]["type"] == "SyncError"
    assert 'namespaces "cert-manager" not found' in status["conditions"][0]["message"]
    assert status["sync"]["status"] == "OutOfSync"
    kubectl = Kubectl(sim, tmp_path)
    assert kubectl("get", "namespace", "cert-manager", check=False).returncode == 1
    wait_for(lambda: synced_healthy(sim, "whoami"), what="the other apps to sync")
    # The namespace alone is not enough: the failed auto-sync is not retried.
    kubectl("create", "namespace", "cert-manager")
    before = sim.clock.now()
    wait_for(lambda: sim.clock.now() > before + 120, what="two simulated minutes")
    assert op_phase(sim, "cert-manager") == "Failed"
    for name in ("cert-manager", "cert-manager-webhook-gandi", "cert-manager-config"):
        if op_phase(sim, name) == "Failed":
            kubectl(
                "patch", "application", name, "-n", "argocd", "--type", "merge", "-p", SYNC_PATCH
            )
    for name in ("cert-manager", "cert-manager-webhook-gandi", "cert-manager-config"):
        wait_for(
            lambda name=name: synced_healthy(sim, name), timeout=20, what=f"{name} Synced/Healthy"
        )
    assert "conditions" not in app(sim, "cert-manager")["status"]
    pods = rows(kubectl("get", "pods", "-n", "cert-manager").stdout)[1:]
    assert len(pods) == 4 and {r[2] for r in pods} == {"Running"}


def test_without_the_fault_cert_manager_creates_its_namespace(make_sim: MakeSim) -> None:
    sim = make_sim(scenario="rebuild", speed=REBUILD_SPEED)
    apply_phase(sim)
    wait_for(
        lambda: synced_healthy(sim, "cert-manager"), timeout=20, what="cert-manager Synced/Healthy"
    )
    assert sim.store.get(kinds.NAMESPACE, "", "cert-manager") is not None


def test_repo_server_eof(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(scenario="rebuild", faults=["repo-server-eof"], speed=REBUILD_SPEED)
    apply_phase(sim)
    children = [a.name for a in sim.profile.apps]

    def broken() -> list[str]:
        names = []
        for name in children:
            status = app(sim, name).get("status", {})
            conditions = status.get("conditions") or []
            if any(c["type"] == "ComparisonError" and EOF_TEXT in c["message"] for c in conditions):
                names.append(name)
        return names

    wait_for(lambda: len(broken()) == len(children), timeout=20, what="every app showing the EOF")
    status = app(sim, "whoami")["status"]
    assert EOF_TEXT in status["operationState"]["message"]
    assert status["sync"]["status"] == "Unknown" and status["health"]["status"] == "Unknown"
    kubectl = Kubectl(sim, tmp_path)
    table = {r[0]: r[1:] for r in rows(kubectl("get", "applications", "-n", "argocd").stdout)[1:]}
    assert table["whoami"] == ["Unknown", "Unknown"]
    repo = kubectl(
        "get",
        "pods",
        "-n",
        "argocd",
        "-l",
        "app.kubernetes.io/name=argocd-repo-server",
        "-o",
        "name",
    ).stdout.split()[0]
    assert "error reading from server: EOF" in kubectl("logs", "-n", "argocd", repo).stdout
    # A forced sync does not help while the repo-server is broken.
    kubectl("patch", "application", "whoami", "-n", "argocd", "--type", "merge", "-p", SYNC_PATCH)
    wait_for(lambda: "operation" not in app(sim, "whoami"), what="the forced sync to end")
    assert op_phase(sim, "whoami") == "Error"
    # The procedure's fix: restart the repo-server, wait for it, sync again.
    kubectl("delete", "pod", "-n", "argocd", "-l", "app.kubernetes.io/name=argocd-repo-server")
    kubectl(
        "wait",
        "--for=condition=Ready",
        "pod",
        "-n",
        "argocd",
        "-l",
        "app.kubernetes.io/name=argocd-repo-server",
        "--timeout=30s",
        timeout=40,
    )
    for name in children[1:]:
        # The same merge patch as kubectl's, sent directly (kubectl's own run is tested above).
        path = f"/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/{name}"
        headers = {"Content-Type": "application/merge-patch+json"}
        assert raw_request(sim, "PATCH", path, body=SYNC_PATCH.encode(), headers=headers)[0] == 200
    kubectl(
        "patch", "application", children[0], "-n", "argocd", "--type", "merge", "-p", SYNC_PATCH
    )
    # Synology CSI (and the claim of homeassistant) wait for the procedure's step 5.
    wait_for(
        lambda: sim.store.get(kinds.NAMESPACE, "", "synology-csi"),
        what="the synology-csi namespace",
    )
    kubectl(  # the Secret the CSI pods mount (the dev profile's [secrets.synology])
        "create",
        "secret",
        "generic",
        "client-info-secret",
        "-n",
        "synology-csi",
        "--from-literal=client-info.yml=x",
    )
    for name in children:
        wait_for(
            lambda name=name: synced_healthy(sim, name), timeout=20, what=f"{name} Synced/Healthy"
        )


def test_repo_server_eof_heals_by_auto_sync_after_the_restart(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(scenario="rebuild", faults=["repo-server-eof"], speed=REBUILD_SPEED)
    apply_phase(sim)
    wait_for(lambda: op_phase(sim, "whoami") == "Error", timeout=20, what="the EOF")
    Kubectl(sim, tmp_path)(
        "delete", "pod", "-n", "argocd", "-l", "app.kubernetes.io/name=argocd-repo-server"
    )
    wait_for(
        lambda: synced_healthy(sim, "whoami"), timeout=20, what="the next refresh to sync whoami"
    )


def test_api_flaky_fails_some_requests_but_never_loses_writes(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(faults=["api-flaky=0.5"], seed=5)
    assert sim.flaky is not None
    sim.flaky.max_delay_s = 0.01
    core = client.CoreV1Api(api_client(sim, tmp_path))
    codes: list[int] = []
    for _ in range(30):
        try:
            core.list_namespaced_config_map("default", _request_timeout=10)
            codes.append(200)
        except ApiException as exc:
            codes.append(exc.status)
    assert 200 in codes and {c for c in codes if c != 200} <= {500, 503} and len(set(codes)) > 1
    for index in range(10):
        for _attempt in range(50):
            try:
                core.create_namespaced_config_map(
                    "default",
                    {"metadata": {"name": f"flaky-{index}"}, "data": {"i": str(index)}},
                    _request_timeout=10,
                )
                break
            except ApiException as exc:
                assert exc.status in (500, 503), exc
    assert sim.flaky.stats["slow"] > 0 and sim.flaky.stats["5xx"] > 0
    sim.flaky.enabled = False
    stored = {
        c.metadata.name: c.data
        for c in core.list_namespaced_config_map("default").items
        if c.metadata.name.startswith("flaky-")
    }
    assert stored == {f"flaky-{i}": {"i": str(i)} for i in range(10)}


def test_api_flaky_spares_terraform_providers_and_kubectl(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    """The fault tests the product's own API traffic; the demo's Terraform providers (their
    User-Agent, HashiCorp/...) and its provisioners' kubectl go through."""
    import httpx

    sim = make_sim(faults=["api-flaky=1.0"], seed=5)
    assert sim.flaky is not None
    sim.flaky.max_delay_s = 0.01
    core = client.CoreV1Api(api_client(sim, tmp_path))
    failed = 0
    for _ in range(20):
        try:
            core.list_namespace(_request_timeout=10)
        except ApiException as exc:
            assert exc.status in (500, 503)
            failed += 1
    assert failed >= 5  # half of the hits are 5xx, the rest slow answers
    cert, key = sim.client_certificate()
    (tmp_path / "c.crt").write_bytes(cert)
    (tmp_path / "c.key").write_bytes(key)
    import ssl

    context = ssl.create_default_context(cadata=sim.ca_pem.decode())
    context.load_cert_chain(tmp_path / "c.crt", tmp_path / "c.key")
    for agent in ("HashiCorp/1.0 Terraform/1.15.5", "kubectl/v1.37.1 (linux/amd64)"):
        with httpx.Client(base_url=sim.api_url, verify=context, timeout=10) as http:
            codes = {
                http.get("/api/v1/namespaces", headers={"User-Agent": agent}).status_code
                for _ in range(20)
            }
        assert codes == {200}, agent


def _first_served(sim: SimCluster, path: str) -> tuple[int, dict[str, str], bytes]:
    for _ in range(50):
        try:
            answer = raw_request(sim, "GET", path, timeout=10)
        except http.client.IncompleteRead as exc:
            return 200, {}, bytes(exc.partial)
        if answer[0] == 200:
            return answer
    raise AssertionError("every request failed")


def test_api_flaky_watches_expire_and_drop(make_sim: MakeSim) -> None:
    sim = make_sim(faults=["api-flaky=1"], seed=3)
    assert sim.flaky is not None
    sim.flaky.max_delay_s = 0.01
    rv = None
    while rv is None:
        status, _, body = raw_request(sim, "GET", "/api/v1/namespaces/default/configmaps")
        if status == 200:
            rv = json.loads(body)["metadata"]["resourceVersion"]
    _, _, body = _first_served(
        sim, f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=5"
    )
    event = json.loads(body.decode().splitlines()[0])
    assert event["type"] == "ERROR" and event["object"]["code"] == 410
    assert sim.flaky is not None
    sim.flaky.max_watch_s = 0.5
    sim.flaky.max_delay_s = 0.01
    started = time.monotonic()
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        for _ in range(10):
            # A 5xx answers at once; a watch that gets through is cut long before its timeout.
            raw_request(
                sim,
                "GET",
                "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=30",
                timeout=35,
            )
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("spec", ["nope", "api-flaky=7"])
def test_unknown_fault_is_refused(dev_profile: Any, spec: str) -> None:
    from vixens_tui.sim.faults import FaultError

    with pytest.raises(FaultError):
        SimCluster(dev_profile, faults=[spec])
