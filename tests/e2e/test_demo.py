"""`vixens-tui --demo --auto --yes`, from nothing to a validated cluster (issue 4 acceptance).

The demo with a flaky API (`--faults api-flaky`) is in test_api_faults.py, with a harsher rate.
"""

from __future__ import annotations

import base64
import hashlib
import re
import stat
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.cliutil import CLI
from tests.e2e.conftest import KNOWN_ISSUES, Demo, FinishedDemo
from tests.fakes import addresses_for
from vixens_tui.core.checkpoint.model import ChecklistState, Outcome, StageStatus
from vixens_tui.core.profile import load_profile
from vixens_tui.sim.demo import DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD


# The plain run is shared by the two tests below, the known-issues run with test_security's.
@pytest.mark.xdist_group("demo-plain")
def test_demo_from_nothing_to_validated(finished_demo: Callable[[str], FinishedDemo]) -> None:
    demo, result = finished_demo("")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    assert cp.outcome is Outcome.DONE and cp.demo
    assert [r.status for r in cp.stages] == [StageStatus.DONE] * 7
    assert len(cp.checklist) == 13
    for item in cp.checklist:
        assert item.state is ChecklistState.PROVED and item.by == "probe" and item.evidence, item
    destroy = cp.stage(cp.stages[1].name)
    # The user's real configuration: 21 managed resources (its 4 data sources not counted),
    # at their real addresses: the destroy lists them and the apply creates each one.
    assert destroy.summary and destroy.summary.startswith("21 resources destroyed;")
    # etcd's snapshot, through the simulated control plane's Talos API, before the destroy:
    # in the state directory, private, as the checkpoint, the journal and the output say.
    snap = cp.etcd_snapshot
    assert snap is not None and snap.node == "obsy"
    path = Path(snap.path)
    assert path.is_relative_to(demo.root / "state") and path.stat().st_size == snap.size > 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert hashlib.sha256(path.read_bytes()).hexdigest() == snap.sha256
    assert f"[destroy] etcd snapshot saved: {path} ({snap.size:,} bytes" in result.stdout
    assert f"etcd snapshot saved: {path} ({snap.size:,} bytes)" in result.stdout  # what is lost
    status = subprocess.run(
        [*CLI, "status", "--env", demo.key], env=demo.env, capture_output=True, text=True
    )
    assert f"etcd snapshot: {path} ({snap.size:,} bytes, sha256 {snap.sha256}" in status.stdout
    # Every node proven in maintenance mode by its own Talos API (not by Terraform's word).
    assert "; 3/3 nodes in maintenance mode (obsy 127." in destroy.summary, destroy.summary
    for node in ("obsy", "onyx", "opale"):
        assert re.search(
            rf"\[destroy\] {node} \(127[.0-9]+\): maintenance: insecure Version: Unimplemented: "
            "API is not implemented in maintenance mode",
            result.stdout,
        ), node
    # Preflight found the demo's talosctl on Terraform's PATH, the version the provisioners need.
    assert re.search(
        r"\[preflight\] talosctl v1\.11\.5 at \S+/bin/talosctl \(>= 1\.11\.0; the provisioners run "
        r"talosctl reset \(modules/talos/main\.tf:171, modules/talos/main\.tf:276\), talosctl "
        r"upgrade",
        result.stdout,
    ), result.stdout[:3000]
    # Each node's way through the apply's Talos phase, from its own API (issue 12 point 7): in
    # maintenance first, Ready last, installed (or bootstrapped, a control plane's etcd
    # running) in between, never backwards. The phases a poll falls between may go unseen.
    order = ["maintenance", "configuration applied", "installed", "bootstrapped", "Ready"]
    phases: dict[str, list[str]] = {}
    for record in demo.journal(cp.run_id):
        if record["type"] == "node_phase":
            phases.setdefault(record["node"], []).append(record["phase"])
    assert set(phases) == {"obsy", "onyx", "opale"}, phases
    for node, seen in phases.items():
        assert seen[0] == "maintenance" and seen[-1] == "Ready", (node, seen)
        assert {"installed", "bootstrapped"} & set(seen), (node, seen)
        assert [order.index(p) for p in seen] == sorted(order.index(p) for p in seen), seen
        assert re.search(rf"\[apply\]   node {node} \(127[.0-9]+\): Ready: ", result.stdout)
    real = addresses_for(load_profile("dev"))
    assert len(real) == 21
    for address in real:
        assert f"[destroy]   | {address}\n" in result.stdout, address
        assert f"[apply]   {address}: create complete" in result.stdout, address
    assert "terraform_data" not in result.stdout
    # The simulator of a finished demo is stopped.
    assert not (demo.workspace / "sim.json").exists()


@pytest.mark.xdist_group("demo-plain")
def test_no_secret_value_anywhere(finished_demo: Callable[[str], FinishedDemo]) -> None:
    demo, result = finished_demo("")
    assert result.returncode == 0, result.stdout[-2000:]
    # The secrets did reach the cluster: the Gandi Secret, and the Synology CSI client
    # configuration as the Secret its pods mount (the run ends green: they started).
    assert (
        "applied Secret cert-manager/gandi-credentials and Secret synology-csi/client-info-secret"
        in result.stdout
    )
    needles = [DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD]
    # Talos's kubeconfig, as the real configuration writes it: an admin client key.
    kubeconfig = demo.workspace / "repo/terraform/environments/dev/kubeconfig-dev"
    user = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]
    needles.append(user["client-key-data"])
    needles.append(base64.b64decode(user["client-key-data"]).decode().splitlines()[1])
    files = [p for p in (demo.root / "state").rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        text = path.read_bytes().decode(errors="replace")
        for needle in needles:
            assert needle not in text, f"{needle[:6]}... found in {path}"
    for needle in needles:
        assert needle not in result.stdout and needle not in result.stderr


@pytest.mark.xdist_group("demo-known-issues")
def test_demo_with_its_known_issues(finished_demo: Callable[[str], FinishedDemo]) -> None:
    faults = KNOWN_ISSUES
    demo, result = finished_demo(faults)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    records = demo.journal(cp.run_id)
    detected = [r for r in records if r["type"] == "issue_detected"]
    fixed = [r for r in records if r["type"] == "fix_applied"]
    assert Counter(r["issue_id"] for r in fixed) == Counter(
        {
            "cilium-destroy-timeout": 1,
            "cert-manager-namespace-missing": 1,
            "repo-server-eof": 1,
            "node-reset-failed": 1,
        }
    )
    assert all(r["ok"] for r in fixed)
    assert {r["issue_id"] for r in detected} == set(faults.split(","))
    evidence = {r["issue_id"]: " ".join(r["evidence"]) for r in detected}
    assert (
        "module.environment.module.cilium.helm_release.cilium" in evidence["cilium-destroy-timeout"]
    )
    assert "Error uninstalling release" in evidence["cilium-destroy-timeout"]
    assert 'namespaces "cert-manager" not found' in evidence["cert-manager-namespace-missing"]
    assert "error reading from server: EOF" in evidence["repo-server-eof"]
    # The node whose reset the provisioner swallowed, as its own Talos API shows it: still
    # installed (it refuses a client without the old cluster's certificate); the fix reset it
    # through the API and every node then answered in maintenance mode.
    assert (
        "opale (" in evidence["node-reset-failed"] and "installed" in evidence["node-reset-failed"]
    )
    node_fix = next(r for r in fixed if r["issue_id"] == "node-reset-failed")
    assert node_fix["detail"].startswith(
        "reset opale through the Talos API; 3/3 nodes in maintenance"
    )
    assert [f.issue_id for f in cp.fixes] == [r["issue_id"] for r in fixed]


@pytest.mark.long
def test_no_etcd_snapshot_stops_the_demo_before_anything_is_destroyed(demo: Demo) -> None:
    """`--faults etcd-snapshot-failed`: every control plane's EtcdSnapshot fails over the real
    gRPC API; `--auto` stops at once (exit 3, needs a person), the state whole, no file kept,
    and says how to go on without a snapshot."""
    result = demo.run(faults="etcd-snapshot-failed")
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    assert cp.destroy_launched_at is None and cp.etcd_snapshot is None
    assert len(demo.state_resources()) == 21
    assert not any((demo.root / "state").rglob("*.db"))
    out = result.stdout + result.stderr
    for node in ("obsy", "onyx", "opale"):
        assert re.search(
            rf"etcd snapshot from {node} failed: 127[.0-9]+: etcd snapshot: Unknown: failed "
            "reading etcd snapshot: etcdserver: request timed out",
            out,
        ), node
    assert "KNOWN ISSUE etcd-snapshot-failed" in out
    assert "never automatic: a person must decide" in out
    assert "--allow-no-etcd-snapshot" in out
