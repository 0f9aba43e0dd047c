"""During the apply: each node's way through Talos's phase, read from the node itself.

Terraform's lines say what it asked for (`talos_machine_configuration_apply ... Creation
complete`); they do not say where a node is: installing to disk, rebooting, bootstrapping etcd,
registered. The apply stage asks each node every `talos_progress_s` and reports every change:

- **maintenance**: the insecure API answers as the maintenance service (no configuration yet);
- **configuration applied**: the node was in maintenance and its API went down: it installs
  Talos to its disk, then reboots into it (a real node: minutes without an answer);
- **installed**: it answers again, as an installed node (mutual TLS only; with the talosconfig
  the apply wrote, its Talos version);
- **rebooting**: an installed node whose API went down again (the upgrade the configuration
  starts after the bootstrap reboots it);
- **bootstrapped**: a control plane whose etcd runs (`talosctl services`: etcd Running);
- **Ready**: its Kubernetes Node is Ready (kubelet registered, the CNI up on it).

Unreachable before anything else was seen is said as such: an address nobody answers on is
not a phase of the install.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum

from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.events import Event, NodePhaseChanged
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TalosBackend, TalosError
from vixens_tui.core.profile.model import NodeSpec


class Phase(StrEnum):
    UNREACHABLE = "unreachable"
    MAINTENANCE = "maintenance"
    APPLIED = "configuration applied"
    INSTALLED = "installed"
    REBOOTING = "rebooting"
    BOOTSTRAPPED = "bootstrapped"
    READY = "Ready"


_UP = (Phase.INSTALLED, Phase.REBOOTING, Phase.BOOTSTRAPPED, Phase.READY)


def read_node(
    talos: TalosBackend, node: NodeSpec, *, ready: bool, previous: Phase | None
) -> tuple[Phase, str]:
    """(phase, evidence) of one node now, given what was seen of it last."""
    if ready:
        return Phase.READY, "its Kubernetes Node is Ready"
    report = talos.probe(node.ip)
    if report.mode == "unreachable" and node.maintenance_address != node.ip:
        # Before its configuration a node answers on its maintenance address only.
        report = talos.probe(node.maintenance_address)
    if report.mode == "maintenance":
        return Phase.MAINTENANCE, f"waiting for its configuration ({report.address})"
    if report.mode == "installed":
        found = _installed(talos, node)
        if found is not None:
            return found
        # It stopped answering between the two questions (a maintenance service shutting down
        # ends the handshake as an installed node's does): down, as said below.
    if previous in (Phase.MAINTENANCE, Phase.APPLIED):
        return Phase.APPLIED, "installing Talos to its disk, then rebooting: its API is down"
    if previous in _UP:
        return Phase.REBOOTING, f"its API is down ({report.evidence})"
    return Phase.UNREACHABLE, report.evidence


def _installed(talos: TalosBackend, node: NodeSpec) -> tuple[Phase, str] | None:
    """INSTALLED or BOOTSTRAPPED; None when the node no longer answers at all."""
    try:
        health = talos.health(node.ip)
    except TalosError as exc:
        if exc.unreachable:
            return None
        # The talosconfig may not be written yet: the node's own answer is proof enough.
        return Phase.INSTALLED, f"answers as an installed node ({exc})"
    etcd, healthy = health.services.get("etcd", ("absent", False))
    if node.role == "control-plane" and etcd == "Running" and healthy:
        members = len(health.etcd_members)
        return Phase.BOOTSTRAPPED, (
            f"etcd running, {members} member{'s' if members != 1 else ''}; Talos {health.version}"
        )
    return Phase.INSTALLED, f"Talos {health.version} answers over mutual TLS"


class NodeProgress:
    """Asks every node every `interval_s` from start() to stop(), in a thread of its own, and
    emits a NodePhaseChanged for each change. A node seen Ready is not asked again."""

    def __init__(
        self,
        talos: TalosBackend,
        nodes: tuple[NodeSpec, ...],
        snapshot: Callable[[], ClusterSnapshot],
        emit: Callable[[Event], None],
        *,
        stage: StageName,
        interval_s: float,
    ) -> None:
        self.talos = talos
        self.nodes = nodes
        self.snapshot = snapshot
        self.emit = emit
        self.stage = stage
        self.interval_s = interval_s
        self.phases: dict[str, Phase] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self, *, final: bool = False) -> None:
        snap = self.snapshot()
        ready = {n.name for n in snap.nodes if n.ready} if snap.reachable else set()
        for node in self.nodes:
            previous = self.phases.get(node.name)
            if previous is Phase.READY or (self._stop.is_set() and not final):
                continue
            phase, evidence = read_node(
                self.talos, node, ready=node.name in ready, previous=previous
            )
            if phase is previous:
                continue
            self.phases[node.name] = phase
            self.emit(
                NodePhaseChanged(
                    stage=self.stage,
                    node=node.name,
                    address=node.ip,
                    phase=phase.value,
                    evidence=evidence,
                )
            )

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll()
            if all(p is Phase.READY for p in self._seen()):
                return
            self._stop.wait(self.interval_s)

    def _seen(self) -> list[Phase]:
        return [self.phases.get(n.name, Phase.UNREACHABLE) for n in self.nodes]

    def start(self) -> NodeProgress:
        self._thread = threading.Thread(target=self._run, name="talos-progress", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def finish(self) -> None:
        """The stage's gate passed: stop, and say the last word on each node (its Node is
        Ready now; the thread may have asked last just before)."""
        self.stop()
        self.poll(final=True)
