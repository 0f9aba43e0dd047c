"""Pods that cannot start because the Secret or ConfigMap a volume names does not exist.

The kubelet keeps such a pod Pending, its containers waiting in ContainerCreating, and reports
a Warning event, reason FailedMount, whose message is
`MountVolume.SetUp failed for volume "client-info" : secret "client-info-secret" not found`:
kubernetes' operation executor (`generateVolumeMsg`: `%v for volume %q %v`, the error after
": ") around the error of the kubelet's watch-based secret or configmap manager (a NotFound of
resource "secret" or "configmap": `secret "NAME" not found`). The object is in the pod's own
namespace.

The secrets stage applies what the profile names; when a workload waits for another object
(the runbook's ConfigMap synology-client-info while the CSI pods mount Secret
client-info-secret), the validation says which object the workload expects and which one the
profile applies, instead of only "not Running".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from vixens_tui.core.profile.secrets import SecretObject, Secrets

WAITING_REASON = "ContainerCreating"
"""What `kubectl get pods` shows for a pod whose volumes are not mounted yet."""

FAILED_MOUNT = re.compile(
    r'MountVolume\.SetUp failed for volume "(?P<volume>[^"]*)" : '
    r'(?P<resource>secret|configmap) "(?P<name>[^"]+)" not found'
)
_KINDS = {"secret": "Secret", "configmap": "ConfigMap"}


@dataclass(frozen=True, slots=True)
class MissingObject:
    """A Secret or ConfigMap a pod's volume names, which the kubelet did not find."""

    kind: str
    """Secret or ConfigMap."""
    namespace: str
    name: str
    volume: str

    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def missing_objects(namespace: str, events: Iterable[str]) -> tuple[MissingObject, ...]:
    """The objects a pod's events (`ClusterBackend.pod_events` lines) say it waits for."""
    found: list[MissingObject] = []
    for line in events:
        if "FailedMount" not in line:
            continue
        for match in FAILED_MOUNT.finditer(line):
            missing = MissingObject(
                _KINDS[match["resource"]], namespace, match["name"], match["volume"]
            )
            if missing not in found:
                found.append(missing)
    return tuple(found)


def _field(secrets: Secrets, target: SecretObject) -> str:
    return "gandi" if target is secrets.gandi else "synology"


def explain(
    secrets: Secrets, waiting: Mapping[MissingObject, Sequence[str]]
) -> dict[MissingObject, str]:
    """One line per missing object: the pods that wait for it, and what the profile applies.

    `waiting` maps each missing object to the names of the pods waiting for it.
    """
    lines: dict[MissingObject, str] = {}
    for missing, pods in waiting.items():
        shown = ", ".join(sorted(pods)[:3]) + (
            f" and {len(pods) - 3} more" if len(pods) > 3 else ""
        )
        who = f"{missing.namespace} pods ({shown}) wait for {missing.ref()}"
        same = next(
            (
                o
                for o in secrets.objects()
                if (o.kind, o.namespace, o.name) == (missing.kind, missing.namespace, missing.name)
            ),
            None,
        )
        if same is not None:
            lines[missing] = (
                f"{who} (FailedMount), which the profile applies but the cluster lacks: "
                f"the secrets stage applies it (--only secrets)"
            )
            continue
        beside = [o for o in secrets.objects() if o.namespace == missing.namespace]
        if not beside:
            lines[missing] = f"{who} (FailedMount), which the profile does not apply"
            continue
        target = beside[0]
        lines[missing] = (
            f"{who} (FailedMount), but the profile applies {target.ref()}: set "
            f'[secrets.{_field(secrets, target)}] kind = "{missing.kind}", '
            f'name = "{missing.name}" to apply what the workload mounts'
        )
    return lines
