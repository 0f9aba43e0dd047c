"""After the destroy: every node proven in maintenance mode, by its own API.

The runbook's destroy ends with the nodes reset and back in maintenance mode, reachable on the
maintenance network, ready for the apply's `talos_machine_configuration_apply`. The user's Talos
module resets them from a destroy-time provisioner that turns a failure into a warning
(`talosctl reset ... || echo "Warning: Node reset failed, continuing destroy"`), so Terraform's
success proves nothing about the machines. Each node is asked instead, as
`talosctl --insecure version -n ADDRESS` asks it: a node in maintenance mode answers
"API is not implemented in maintenance mode"; an installed one refuses a client without the
cluster's certificate. A reset node reboots first (a minute or two on the real machines), so
the question is asked again until every node answers or the wait runs out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from vixens_tui.core.context import StageContext
from vixens_tui.core.ports import NodeModeReport, TalosBackend
from vixens_tui.core.profile import NodeSpec
from vixens_tui.core.waits import poll_until

NOT_IN_MAINTENANCE = "not_in_maintenance"
"""The failure's data key: `name=address` of each node not in maintenance mode, one per line."""


@dataclass(frozen=True, slots=True)
class NodeMode:
    node: NodeSpec
    report: NodeModeReport

    def line(self) -> str:
        return (
            f"{self.node.name} ({self.report.address}): {self.report.mode}: {self.report.evidence}"
        )


def probe_all(talos: TalosBackend, nodes: tuple[NodeSpec, ...]) -> list[NodeMode]:
    return [NodeMode(node, talos.probe(node.maintenance_address)) for node in nodes]


def wait_for_maintenance(
    ctx: StageContext,
    talos: TalosBackend,
    timeout_s: float,
    *,
    given_up: frozenset[str] = frozenset(),
) -> list[NodeMode]:
    """Ask every node until all say maintenance mode, or no answer can still change; the last
    answers. A node rebooting does not answer (unreachable): waited for up to `timeout_s`. A
    node still installed after a fifth of that has not taken its reset; one in `given_up` (a
    provisioner said its reset failed) is not waited for at all. Progress goes out every
    `wait_progress_s`, naming the nodes still waited for."""
    nodes = ctx.profile.nodes
    started = time.monotonic()
    installed_deadline = started + timeout_s / 5
    modes: list[NodeMode] = []

    def ask() -> tuple[bool, str]:
        nonlocal modes
        modes = probe_all(talos, nodes)
        now = time.monotonic()
        waiting = [
            m
            for m in modes
            if not m.report.in_maintenance
            and m.node.name not in given_up
            and (m.report.mode != "installed" or now < installed_deadline)
        ]
        return not waiting, (
            f"waiting for {len(waiting)}/{len(modes)} nodes to come back in maintenance mode: "
            + "; ".join(f"{m.node.name} {m.report.mode}" for m in waiting)
        )

    poll_until(ctx, ask, deadline=started + timeout_s)
    return modes


def named_in(lines: tuple[str, ...], nodes: tuple[NodeSpec, ...]) -> frozenset[str]:
    """The nodes a provisioner's swallowed failure names (its resource key, e.g.
    `node_reset_on_destroy["onyx"]`, or one of the node's addresses)."""
    return frozenset(
        n.name
        for n in nodes
        for line in lines
        if f'"{n.name}"' in line
        or (n.ip and n.ip in line)
        or (n.maintenance_ip and n.maintenance_ip in line)
    )


def summary(modes: list[NodeMode]) -> str:
    return (
        f"{len(modes)}/{len(modes)} nodes in maintenance mode ("
        + ", ".join(f"{m.node.name} {m.report.address}" for m in modes)
        + ")"
    )
