"""core/talos_progress.py beside the apply: the thread asks the nodes, finish() has the last
word once the node gate passed (the demo run showed a node left at "bootstrapped" when the
thread's last question came just before its Node turned Ready)."""

from __future__ import annotations

import time
from pathlib import Path

from vixens_tui.core.cluster import ClusterSnapshot, NodeInfo
from vixens_tui.core.events import Event, NodePhaseChanged
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import (
    NodeModeReport,
    SnapshotInfo,
    TalosConfigInfo,
    TalosError,
    TalosHealth,
)
from vixens_tui.core.profile.model import NodeSpec
from vixens_tui.core.talos_progress import NodeProgress, Phase, read_node


class Installed:
    """Every node installed, etcd running: as after the bootstrap."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def probe(self, address: str) -> NodeModeReport:
        self.asked.append(address)
        return NodeModeReport(address, "installed", "refused in the TLS handshake")

    def health(self, address: str) -> TalosHealth:
        return TalosHealth(address, "v1.11.5", {"etcd": ("Running", True)}, ("obsy", "onyx"))

    def talosconfig(self) -> TalosConfigInfo:
        raise NotImplementedError

    def keep_credentials(self) -> bool:
        return False

    def reset(self, address: str) -> None:
        raise NotImplementedError

    def etcd_snapshot(self, address: str, target: Path) -> SnapshotInfo:
        raise NotImplementedError


def test_finish_says_ready_for_the_nodes_the_thread_left_before_it() -> None:
    nodes = (NodeSpec(name="obsy", ip="127.0.0.2"), NodeSpec(name="onyx", ip="127.0.0.3"))
    ready: list[NodeInfo] = []
    events: list[Event] = []
    talos = Installed()
    progress = NodeProgress(
        talos,
        nodes,
        lambda: ClusterSnapshot(reachable=True, nodes=tuple(ready)),
        events.append,
        stage=StageName.APPLY,
        interval_s=3600,
    ).start()
    # The thread's first question: both bootstrapped. Then the Nodes turn Ready, unseen by it.
    deadline = time.monotonic() + 10
    while len(events) < 2:
        assert time.monotonic() < deadline, events
        time.sleep(0.01)
    ready += [NodeInfo(name="obsy", ready=True), NodeInfo(name="onyx", ready=True)]
    progress.finish()
    said = [(e.node, e.phase) for e in events if isinstance(e, NodePhaseChanged)]
    assert said == [
        ("obsy", "bootstrapped"),
        ("onyx", "bootstrapped"),
        ("obsy", "Ready"),
        ("onyx", "Ready"),
    ]
    asked = len(talos.asked)
    progress.finish()  # Ready is the end: nobody is asked again, nothing said twice
    assert len(talos.asked) == asked and len(events) == 4


class ShuttingDown(Installed):
    """The maintenance service closing as the install starts: the handshake ends as an
    installed node's would, then nothing answers (seen in the demo: read as "installed",
    then "rebooting", of a node that was only starting its install)."""

    def health(self, address: str) -> TalosHealth:
        raise TalosError(
            f"{address}: version: Unavailable: failed to connect to all addresses",
            unreachable=True,
        )


def test_a_node_that_stops_answering_between_two_questions_is_down() -> None:
    node = NodeSpec(name="onyx", ip="127.0.0.3")
    phase, evidence = read_node(ShuttingDown(), node, ready=False, previous=Phase.MAINTENANCE)
    assert phase is Phase.APPLIED and "installing Talos" in evidence

    # Without the talosconfig yet (no credentials): the node's own answer says installed.
    class NoCredentials(Installed):
        def health(self, address: str) -> TalosHealth:
            raise TalosError("no talosconfig at /tf/talosconfig-dev")

    phase, evidence = read_node(NoCredentials(), node, ready=False, previous=Phase.APPLIED)
    assert phase is Phase.INSTALLED and "no talosconfig" in evidence
