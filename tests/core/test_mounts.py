"""Pods waiting for a Secret or ConfigMap that is not there (FailedMount): the validation says
which object the workload expects and which one the profile applies.

The case of the vixens repository: the runbook (étape 5) creates ConfigMap synology-client-info,
while the CSI pods of apps/synology-csi-talos mount Secret client-info-secret; they stay
ContainerCreating, and the kubelet reports
`MountVolume.SetUp failed for volume "client-info" : secret "client-info-secret" not found`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GANDI_TOKEN, SYNOLOGY_PASSWORD, Harness, test_profile
from vixens_tui.backends.kube.actions import _event_line
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import Info
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.mounts import MissingObject, explain, missing_objects
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.profile import Profile, load_profile
from vixens_tui.core.profile.secrets import SecretObject

RUNBOOK_CONFIGMAP = SecretObject(
    kind="ConfigMap", name="synology-client-info", namespace="synology-csi", key="client-info.yml"
)
CSI_PODS = {
    # What the real manifests mount (apps/synology-csi-talos/base/controller.yaml, node.yaml).
    "synology-csi-controller": ("synology-csi", "Secret", "client-info-secret"),
    "synology-csi-node": ("synology-csi", "Secret", "client-info-secret"),
}


def kubelet_event(resource: str, name: str) -> dict[str, object]:
    """A FailedMount event as the kubelet records it (core/v1 Event)."""
    return {
        "type": "Warning",
        "reason": "FailedMount",
        "source": {"component": "kubelet", "host": "obsy"},
        "count": 7,
        "message": f'MountVolume.SetUp failed for volume "client-info" : {resource} "{name}" '
        "not found",
        "lastTimestamp": "2025-11-15T10:00:00Z",
    }


def test_the_kubelets_failed_mount_names_the_missing_object() -> None:
    lines = (
        "Normal Scheduled (default-scheduler): Successfully assigned synology-csi/x to obsy",
        _event_line(kubelet_event("secret", "client-info-secret")),
        _event_line(kubelet_event("configmap", "synology-client-info")),
        _event_line(kubelet_event("secret", "client-info-secret")),  # repeated: once
        # Not a missing object: another mount failure, another reason.
        'Warning FailedMount (kubelet): MountVolume.SetUp failed for volume "data" : '
        "rpc error: code = Internal",
        'Warning FailedScheduling: secret "nope" not found',
    )
    assert missing_objects("synology-csi", lines) == (
        MissingObject("Secret", "synology-csi", "client-info-secret", "client-info"),
        MissingObject("ConfigMap", "synology-csi", "synology-client-info", "client-info"),
    )


def test_the_explanation_says_what_the_workload_expects_and_what_the_profile_applies() -> None:
    dev = load_profile("dev")
    runbook = dev.secrets.model_copy(update={"synology": RUNBOOK_CONFIGMAP})
    wanted = MissingObject("Secret", "synology-csi", "client-info-secret", "client-info")
    pods = ["synology-csi-node-b", "synology-csi-controller-0", "synology-csi-node-a"]
    (line,) = explain(runbook, {wanted: pods}).values()
    assert line.startswith(
        "synology-csi pods (synology-csi-controller-0, synology-csi-node-a, synology-csi-node-b)"
        " wait for Secret synology-csi/client-info-secret (FailedMount), but the profile "
        "applies ConfigMap synology-csi/synology-client-info"
    ), line
    assert '[secrets.synology] kind = "Secret", name = "client-info-secret"' in line
    # The profile's own object, missing: it names it as such.
    (line,) = explain(dev.secrets, {wanted: pods}).values()
    assert "which the profile applies but the cluster lacks" in line
    # An object no profile entry is about.
    other = MissingObject("ConfigMap", "media-stack", "nfs-config", "config")
    (line,) = explain(dev.secrets, {other: ["jellyfin-0"]}).values()
    assert line == (
        "media-stack pods (jellyfin-0) wait for ConfigMap media-stack/nfs-config "
        "(FailedMount), which the profile does not apply"
    )


def _harness(tmp_path: Path, synology: SecretObject | None = None) -> Harness:
    base = test_profile(tmp_path / "env")
    timeouts = {**base.timeouts_s, StageName.VALIDATE: 3.0}
    secrets = base.secrets
    if synology is not None:
        secrets = secrets.model_copy(update={"synology": synology})
    profile: Profile = base.model_copy(update={"secrets": secrets, "timeouts_s": timeouts})
    h = Harness(profile, EnvState(tmp_path / "state", "dev").ensure())
    h.world.mounts = dict(CSI_PODS)
    h.world.prebuilt()
    return h


def test_the_runbooks_configmap_leaves_the_csi_pods_waiting_and_the_run_says_why(
    tmp_path: Path,
) -> None:
    h = _harness(tmp_path, RUNBOOK_CONFIGMAP)
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.STAGE_FAILED, result.message
    assert ("ConfigMap", "synology-csi", "synology-client-info") in h.world.secrets  # applied
    expected = (
        "wait for Secret synology-csi/client-info-secret (FailedMount), but the profile "
        "applies ConfigMap synology-csi/synology-client-info"
    )
    assert expected in result.message, result.message
    told = [e.message for e in h.of(Info) if e.level == "warning" and expected in e.message]
    assert len(told) == 1, told  # said once, when first seen, not at every probe
    assert "synology-csi-controller-" in told[0] and "synology-csi-node-" in told[0]
    checkpoint = h.state.load()
    assert checkpoint is not None
    validate = next(s for s in checkpoint.stages if s.name is StageName.VALIDATE)
    assert validate.error is not None and expected in validate.error
    dumped = json.dumps([e.to_dict() for e in h.events], default=str)
    assert GANDI_TOKEN not in dumped and SYNOLOGY_PASSWORD not in dumped


def test_the_dev_profile_applies_what_the_csi_pods_mount(tmp_path: Path) -> None:
    h = _harness(tmp_path)
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE, result.message
    assert ("Secret", "synology-csi", "client-info-secret") in h.world.secrets
    csi = [p for p in h.world.snapshot().pods if p.namespace == "synology-csi"]
    assert csi and all(p.phase == "Running" for p in csi)
    assert not [e for e in h.of(Info) if "FailedMount" in e.message]


def test_a_missing_object_the_profile_applies_is_named_as_such(tmp_path: Path) -> None:
    h = _harness(tmp_path)
    h.world.secrets.discard(("Secret", "synology-csi", "client-info-secret"))  # deleted by hand
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.VALIDATE)))
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert (
        "wait for Secret synology-csi/client-info-secret (FailedMount), which the profile "
        "applies but the cluster lacks" in result.message
    ), result.message
