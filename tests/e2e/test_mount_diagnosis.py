"""The runbook's ConfigMap against the simulated cluster: the real engine and the real
kubernetes-client backend, the CSI pods mounting Secret client-info-secret as the repository's
manifests do.

The secrets stage applies ConfigMap synology-client-info (the runbook's étape 5, as an older
profile says); the CSI pods stay ContainerCreating with the kubelet's FailedMount event, and the
validation fails saying which object they wait for and which one the profile applies. With the
dev profile's object (the Secret), the same cluster validates.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_api_faults import Run, sim_profile
from tests.sim.helpers import Kubectl, rows, wait_for
from vixens_tui.core.events import Info
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.profile import load_profile
from vixens_tui.core.profile.secrets import SecretObject
from vixens_tui.sim.cluster import SimCluster

RUNBOOK_CONFIGMAP = SecretObject(
    kind="ConfigMap", name="synology-client-info", namespace="synology-csi", key="client-info.yml"
)


def test_the_run_names_the_secret_the_csi_pods_wait_for(tmp_path: Path) -> None:
    with SimCluster(load_profile("dev"), speed=50.0, seed=5) as sim:
        kubectl = Kubectl(sim, tmp_path / "person")
        # A cluster whose CSI Secret is gone: the restarted CSI pods cannot mount it.
        kubectl("delete", "secret", "client-info-secret", "-n", "synology-csi")
        kubectl("delete", "pods", "--all", "-n", "synology-csi", "--wait=false")

        def csi() -> list[list[str]]:
            return rows(kubectl("get", "pods", "-n", "synology-csi").stdout)[1:]

        wait_for(
            lambda: len(csi()) == 4 and {r[2] for r in csi()} == {"ContainerCreating"},
            what="the CSI pods stuck",
        )

        runbook = sim_profile(sim, tmp_path / "runbook", validate_s=8.0)
        runbook = runbook.model_copy(
            update={"secrets": runbook.secrets.model_copy(update={"synology": RUNBOOK_CONFIGMAP})}
        )
        run = Run(runbook, tmp_path / "state-runbook")
        result = run(StageName.SECRETS, StageName.VALIDATE)
        assert result.exit_code == ExitCode.STAGE_FAILED, result.message
        assert "synology-client-info" in kubectl("get", "configmaps", "-n", "synology-csi").stdout
        expected = (
            "wait for Secret synology-csi/client-info-secret (FailedMount), but the profile "
            "applies ConfigMap synology-csi/synology-client-info: set [secrets.synology] "
            'kind = "Secret", name = "client-info-secret"'
        )
        assert expected in result.message, result.message
        assert "synology-csi pods (synology-csi-controller-0, " in result.message
        told = [e.message for e in run.of(Info) if e.level == "warning" and expected in e.message]
        assert len(told) == 1, told
        assert {r[2] for r in csi()} == {"ContainerCreating"}

        # The dev profile applies what they mount: they start, and the cluster validates.
        dev = sim_profile(sim, tmp_path / "dev", validate_s=60.0)
        run = Run(dev, tmp_path / "state-dev")
        result = run(StageName.SECRETS, StageName.VALIDATE)
        assert result.exit_code == ExitCode.DONE, result.message
        assert {r[2] for r in csi()} == {"Running"}
        assert not [e for e in run.of(Info) if "FailedMount" in e.message]
