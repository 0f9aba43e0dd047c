"""The kube backend's in-memory picture: versions, lazy snapshots, generations, reachability."""

from __future__ import annotations

import threading
import time

from vixens_tui.backends.kube.kinds import KINDS
from vixens_tui.backends.kube.state import ClusterState
from vixens_tui.core.cluster import NodeInfo, PodInfo


def new_state() -> tuple[ClusterState, int]:
    state = ClusterState(kind.name for kind in KINDS)
    return state, state.begin(server="https://127.0.0.1:6443")


def pod(name: str, phase: str = "Running", ns: str = "default") -> PodInfo:
    return PodInfo(namespace=ns, name=name, phase=phase, ready=1, containers=1)


def test_nothing_known_yet_is_neither_reachable_nor_an_error() -> None:
    state, _ = new_state()
    snap = state.snapshot()
    assert (snap.reachable, snap.error, snap.synced_kinds) == (False, "", frozenset())
    assert snap.server == "https://127.0.0.1:6443"


def test_list_then_events_bump_the_version_and_sort() -> None:
    state, gen = new_state()
    state.replace(gen, "pods", {("b", "p2"): pod("p2", ns="b"), ("a", "p1"): pod("p1", ns="a")})
    snap = state.snapshot()
    assert snap.reachable and "pods" in snap.synced_kinds
    assert [p.name for p in snap.pods] == ["p1", "p2"]
    assert state.snapshot() is snap  # nothing changed: the same immutable object
    state.put(gen, "pods", ("a", "p0"), pod("p0", ns="a"))
    state.put(gen, "pods", ("b", "p2"), pod("p2", "Failed", ns="b"))
    later = state.snapshot()
    assert later.version == snap.version + 2
    assert [(p.name, p.phase) for p in later.pods] == [
        ("p0", "Running"),
        ("p1", "Running"),
        ("p2", "Failed"),
    ]
    state.put(gen, "pods", ("a", "p1"), None)
    assert [p.name for p in state.snapshot().pods] == ["p0", "p2"]


def test_an_update_that_changes_nothing_shown_is_not_a_change() -> None:
    state, gen = new_state()
    state.put(gen, "pods", ("a", "p1"), pod("p1", ns="a"))
    version = state.snapshot().version
    state.put(gen, "pods", ("a", "p1"), pod("p1", ns="a"))
    state.put(gen, "pods", ("a", "gone"), None)
    assert state.snapshot().version == version


def test_relist_to_the_same_content_is_not_a_change() -> None:
    state, gen = new_state()
    items = {("", "obsy"): NodeInfo("obsy", True)}
    state.replace(gen, "nodes", items)
    version = state.snapshot().version
    state.replace(gen, "nodes", dict(items))
    assert state.snapshot().version == version


def test_writes_of_an_old_generation_are_ignored() -> None:
    state, old = new_state()
    state.replace(old, "nodes", {("", "obsy"): NodeInfo("obsy", True)})
    new = state.begin(server="https://127.0.0.1:7443")
    state.put(old, "nodes", ("", "onyx"), NodeInfo("onyx", True))
    state.replace(old, "pods", {})
    state.contact(old, "pods", True)
    snap = state.snapshot()
    assert snap.nodes == () and snap.synced_kinds == frozenset() and not snap.reachable
    state.end(new)
    state.put(new, "nodes", ("", "onyx"), NodeInfo("onyx", True))
    assert state.snapshot().nodes == ()


def test_reachable_while_any_watch_works() -> None:
    state, gen = new_state()
    for kind in ("nodes", "pods"):
        state.contact(gen, kind, True)
    state.contact(gen, "pods", False, "API error 503")
    assert state.snapshot().reachable  # one flaky kind does not make the API gone
    state.contact(gen, "nodes", False, "connection refused to https://127.0.0.1:6443")
    snap = state.snapshot()
    assert not snap.reachable
    assert snap.error == "connection refused to https://127.0.0.1:6443"
    version = snap.version
    state.contact(gen, "pods", False, "connection refused to https://127.0.0.1:6443")
    assert state.snapshot().version == version  # the same outage again: no change
    state.contact(gen, "nodes", True)
    snap = state.snapshot()
    assert snap.reachable and snap.error == ""


def test_kept_data_survives_an_outage() -> None:
    state, gen = new_state()
    state.replace(gen, "pods", {("a", "p1"): pod("p1", ns="a")})
    state.contact(gen, "pods", False, "connection refused to x")
    snap = state.snapshot()
    # Unreachable, and never "0 pods": the last known pods stay, flagged by reachable=False.
    assert not snap.reachable and len(snap.pods) == 1


def test_config_error_wins() -> None:
    state = ClusterState(kind.name for kind in KINDS)
    state.begin(config_error="no kubeconfig at /x")
    snap = state.snapshot()
    assert (snap.reachable, snap.error) == (False, "no kubeconfig at /x")


def test_waiters_wake_on_a_change_from_another_thread() -> None:
    state, gen = new_state()
    version = state.snapshot().version
    threading.Timer(0.05, lambda: state.put(gen, "pods", ("a", "p"), pod("p", ns="a"))).start()
    started = time.monotonic()
    snap = state.wait_for_change(version, 60.0)
    assert snap.version > version
    # Woken by the change, not by the end of the wait (60 s), however busy the machine.
    assert time.monotonic() - started < 30.0


def test_many_pods_many_updates_rebuild_only_what_changed() -> None:
    """5,000 pods and 1,000 updates, each followed by a snapshot (a busy dashboard): an update
    of a known pod keeps the sorted order (no re-sort) and the other kinds' tuples as they are.
    What it costs in time is measured by bench/ (bench.engine_overhead), not asserted here."""
    state, gen = new_state()
    state.replace(
        gen,
        "pods",
        {(f"ns{i % 50}", f"pod-{i}"): pod(f"pod-{i}", ns=f"ns{i % 50}") for i in range(5000)},
    )
    first = state.snapshot()
    order = [(p.namespace, p.name) for p in first.pods]
    assert order == sorted(order)
    for i in range(1000):
        j = (i * 7) % 5000
        phase = "Pending" if i % 2 else "Running"
        state.put(
            gen, "pods", (f"ns{j % 50}", f"pod-{j}"), pod(f"pod-{j}", phase, ns=f"ns{j % 50}")
        )
        snap = state.snapshot()
        assert len(snap.pods) == 5000
        assert snap.nodes is first.nodes and snap.apps is first.apps  # untouched kinds reused
        assert snap is state.snapshot()  # no change, no new snapshot
    assert [(p.namespace, p.name) for p in snap.pods] == order
    assert sum(1 for p in snap.pods if p.phase == "Pending") == 500
