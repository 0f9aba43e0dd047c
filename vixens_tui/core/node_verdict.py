"""Are the profile's nodes Ready at its Kubernetes version? One verdict, two readers: the
apply stage's wait and the checklist's first item."""

from __future__ import annotations

from collections.abc import Sequence

from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.profile.model import NodeSpec
from vixens_tui.core.versions import same_version


def nodes_verdict(
    snap: ClusterSnapshot, nodes: Sequence[NodeSpec], version: str, match: str = "minor"
) -> tuple[bool, str]:
    """Whether the nodes are Ready, in their role, at `version` (as far as `match` goes: the
    profile's `kubernetes_version_match`), and the true reason when they are not.

    Ready and at the expected version are two facts: five Ready nodes at another version are
    "5/5 Ready, at v1.34.0 where v1.33.4 is expected", not "0/5 Ready" (which sends a person
    looking at the network while the profile or the Talos image is what differs). A control
    plane that lost its role (`node-role.kubernetes.io/control-plane`) is named.
    """
    names = [n.name for n in nodes]
    absent = [n for n in names if snap.node(n) is None]
    not_ready = [n for n in names if (node := snap.node(n)) is not None and not node.ready]
    ready = len(names) - len(absent) - len(not_ready)
    versions: dict[str, list[str]] = {}
    found: set[str] = set()
    roleless = []
    for spec in nodes:
        node = snap.node(spec.name)
        if node is None:
            continue
        found.add(node.version)
        if not same_version(node.version, version, match):
            versions.setdefault(node.version or "an unknown version", []).append(spec.name)
        if spec.role == "control-plane" and "control-plane" not in node.roles:
            roleless.append(spec.name)
    if not absent and not not_ready and not versions and not roleless:
        at = ", ".join(sorted(found))
        asked = "" if found == {version} else f" ({version} asked, same {match})"
        return True, f"{len(names)}/{len(names)} nodes Ready at {at}{asked}"
    parts = [f"{ready}/{len(names)} Ready"]
    if absent:
        parts.append(f"{', '.join(absent)} not joined")
    if not_ready:
        parts.append(f"{', '.join(not_ready)} NotReady")
    if roleless:
        parts.append(f"{', '.join(roleless)} without the control-plane role")
    joined = len(names) - len(absent)
    for seen, which in versions.items():
        who = "" if len(which) == joined else f"{', '.join(which)} "
        parts.append(f"{who}at {seen} where {version} is expected (same {match})")
    return False, ", ".join(parts)
