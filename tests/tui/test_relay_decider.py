"""The relay (engine threads -> screen) and the TUI decider (screen -> engine thread), without
a screen: ordering, batching, replacement of snapshots, blocking and release."""

from __future__ import annotations

import threading
import time

from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import DestroyPreview
from vixens_tui.core.decider import Action, Decision, FailureReport
from vixens_tui.core.events import ClusterChanged, Info, LogLine, ResourceProgress, StageFailed
from vixens_tui.core.failures import StageError
from vixens_tui.core.names import StageName
from vixens_tui.tui.decider import DecisionRequest, DestroyRequest, TuiDecider
from vixens_tui.tui.relay import EventRelay, Note


def test_one_wake_up_per_batch_and_order_kept() -> None:
    wakes: list[int] = []
    relay = EventRelay(lambda: wakes.append(1))
    relay(Info(message="first"))
    for i in range(1000):
        relay(LogLine(source="terraform", text=f"line {i}"))
    relay.put(Note("a note"))
    assert wakes == [1]  # one message however many events
    batch = relay.take()
    assert isinstance(batch.items[0], Info) and isinstance(batch.items[-1], Note)
    assert [i.text for i in batch.items[1:-1]] == [f"line {i}" for i in range(1000)]
    relay(Info(message="later"))
    assert wakes == [1, 1]  # woken again after a drain


def test_a_newer_snapshot_replaces_a_pending_one() -> None:
    relay = EventRelay(lambda: None)
    for version in range(1, 50):
        relay(ClusterChanged(snapshot=ClusterSnapshot(version=version)))
    batch = relay.take()
    assert batch.items == () and batch.snapshot is not None and batch.snapshot.version == 49
    assert not relay.take()


def test_a_flood_keeps_the_newest_lines_and_counts_the_rest() -> None:
    relay = EventRelay(lambda: None, max_lines=100)
    relay(Info(message="kept"))
    for i in range(1000):
        relay(LogLine(source="terraform", text=f"line {i}"))
    batch = relay.take()
    lines = [i for i in batch.items if isinstance(i, LogLine)]
    assert 100 <= len(lines) <= 200
    assert lines[-1].text == "line 999"
    assert batch.dropped == 1000 - len(lines)
    assert isinstance(batch.items[0], Info)  # never dropped


def test_a_flood_never_drops_resource_progress() -> None:
    relay = EventRelay(lambda: None, max_lines=100)
    for i in range(1000):
        relay(LogLine(source="terraform", text=f"line {i}"))
        if i % 10 == 0:
            relay(ResourceProgress(address=f"r{i}", action="create", status="complete"))
    batch = relay.take()
    progress = [i.address for i in batch.items if isinstance(i, ResourceProgress)]
    assert progress == [f"r{i}" for i in range(0, 1000, 10)]
    assert batch.dropped > 0  # lines were dropped, progress was not


def test_events_from_many_threads_all_arrive() -> None:
    relay = EventRelay(lambda: None)

    def produce(n: int) -> None:
        for i in range(500):
            relay(LogLine(source=f"t{n}", text=str(i)))

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = relay.take().items
    assert len(items) == 2000
    for n in range(4):
        mine = [int(i.text) for i in items if isinstance(i, LogLine) and i.source == f"t{n}"]
        assert mine == list(range(500))


def _report() -> FailureReport:
    return FailureReport(
        stage=StageName.APPLY, attempt=1, error=StageError("boom"), detections=(), fixes_applied={}
    )


def _preview(addresses: tuple[str, ...] = ("a", "b")) -> DestroyPreview:
    return DestroyPreview(
        env="dev", endpoint="https://x", kubeconfig_server=None, addresses=addresses
    )


def _in_thread(fn, *args):  # type: ignore[no-untyped-def]
    out: dict[str, object] = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", fn(*args)), daemon=True)
    thread.start()
    return thread, out


def test_decide_blocks_until_the_person_answers() -> None:
    asked: list[object] = []
    decider = TuiDecider(asked.append)
    thread, out = _in_thread(decider.decide, _report())
    deadline = time.monotonic() + 5
    while not asked and time.monotonic() < deadline:
        time.sleep(0.005)
    request = asked[0]
    assert isinstance(request, DecisionRequest) and decider.waiting == request.id
    time.sleep(0.05)
    assert thread.is_alive()  # still waiting
    assert not decider.answer(request.id + 1000, Decision(Action.RETRY))  # a stale answer
    assert decider.answer(request.id, Decision(Action.RETRY, by="user"))
    thread.join(5)
    assert out["r"] == Decision(Action.RETRY, by="user")
    assert decider.waiting is None


def test_abort_releases_a_blocked_engine_with_stop_and_refusal() -> None:
    asked: list[object] = []
    decider = TuiDecider(asked.append)
    thread, out = _in_thread(decider.decide, _report())
    while not asked:
        time.sleep(0.005)
    decider.abort()
    thread.join(5)
    assert out["r"] == Decision(Action.STOP, by="user")
    # Later questions are answered at once, without asking.
    assert decider.confirm_destroy(_preview()) is False
    assert len(asked) == 1
    decider.reset()
    thread, out = _in_thread(decider.confirm_destroy, _preview())
    while len(asked) < 2:
        time.sleep(0.005)
    assert isinstance(asked[1], DestroyRequest)
    decider.abort()
    thread.join(5)
    assert out["r"] is False


def test_a_destroy_confirmation_covers_the_retries_of_that_run_only() -> None:
    asked: list[object] = []
    decider = TuiDecider(asked.append)
    thread, out = _in_thread(decider.confirm_destroy, _preview(("a", "b", "cilium")))
    while not asked:
        time.sleep(0.005)
    decider.answer(asked[0].id, True)  # type: ignore[attr-defined]
    thread.join(5)
    assert out["r"] is True
    # The retry after the Cilium fix destroys fewer resources: not asked again.
    assert decider.confirm_destroy(_preview(("a", "b"))) is True
    assert len(asked) == 1
    # More resources than confirmed: asked again.
    thread, _ = _in_thread(decider.confirm_destroy, _preview(("a", "b", "cilium", "new")))
    while len(asked) < 2:
        time.sleep(0.005)
    decider.abort()
    thread.join(5)
    # A new run forgets the confirmation.
    decider.reset()
    thread, _ = _in_thread(decider.confirm_destroy, _preview(("a",)))
    while len(asked) < 3:
        time.sleep(0.005)
    decider.abort()
    thread.join(5)


def test_stage_failed_events_pass_through_unchanged() -> None:
    relay = EventRelay(lambda: None)
    event = StageFailed(
        stage=StageName.APPLY, attempt=1, duration_s=1.0, error="x", failure="unknown"
    )
    relay(event)
    assert relay.take().items == (event,)
