"""Are the profile's nodes Ready at its Kubernetes version? One verdict, two readers: the
apply stage's wait and the checklist's first item."""

from __future__ import annotations

from vixens_tui.core.cluster import ClusterSnapshot


def nodes_verdict(snap: ClusterSnapshot, names: list[str], version: str) -> tuple[bool, str]:
    """Whether the nodes are Ready at `version`, and the true reason when they are not.

    Ready and at the expected version are two facts: five Ready nodes at another version are
    "5/5 Ready, at v1.34.0 where v1.33.4 is expected", not "0/5 Ready" (which sends a person
    looking at the network while the profile or the Talos image is what differs).
    """
    absent = [n for n in names if snap.node(n) is None]
    not_ready = [n for n in names if (node := snap.node(n)) is not None and not node.ready]
    ready = len(names) - len(absent) - len(not_ready)
    versions: dict[str, list[str]] = {}
    for name in names:
        node = snap.node(name)
        if node is not None and node.version != version:
            versions.setdefault(node.version or "an unknown version", []).append(name)
    if not absent and not not_ready and not versions:
        return True, f"{len(names)}/{len(names)} nodes Ready at {version}"
    parts = [f"{ready}/{len(names)} Ready"]
    if absent:
        parts.append(f"{', '.join(absent)} not joined")
    if not_ready:
        parts.append(f"{', '.join(not_ready)} NotReady")
    joined = len(names) - len(absent)
    for found, which in versions.items():
        who = "" if len(which) == joined else f"{', '.join(which)} "
        parts.append(f"{who}at {found} where {version} is expected")
    return False, ", ".join(parts)
