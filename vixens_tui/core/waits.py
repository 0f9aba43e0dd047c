"""Waiting on the cluster: always says what for, since when, and until when.

A wait sleeps on the cluster backend's change notification (fed by watches), never polls the
API. It re-evaluates its condition on every change and reports progress every
`profile.wait_progress_s` seconds, so a person (or a log) always sees why the run is not moving.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vixens_tui.core.cancel import Cancelled
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.events import WaitEnded, Waiting
from vixens_tui.core.failures import FailureKind, StageError

MIN_REPORT_GAP_S = 2.0

Condition = Callable[[ClusterSnapshot], tuple[bool, str]]
"""Returns (satisfied, detail). `detail` says what is still missing. May raise StageError."""


def wait_for(
    ctx: StageContext,
    what: str,
    condition: Condition,
    *,
    timeout_s: float | None = None,
    recheck_s: float | None = None,
) -> ClusterSnapshot:
    """Wait until `condition` holds on the cluster snapshot.

    The condition is re-evaluated on every change of the snapshot, and at least every
    `recheck_s` seconds when it also depends on something no watch reports (HTTP probes).
    """
    started_wall = time.time()
    started = time.monotonic()
    limit = ctx.remaining() if timeout_s is None else min(timeout_s, ctx.remaining())
    deadline = started + max(0.0, limit)
    interval = ctx.profile.wait_progress_s
    snapshot = ctx.cluster.snapshot()
    satisfied, detail = condition(snapshot)
    if satisfied:
        ctx.emit(
            WaitEnded(stage=ctx.stage, what=what, satisfied=True, elapsed_s=0.0, detail=detail)
        )
        return snapshot
    ctx.emit(
        Waiting(stage=ctx.stage, what=what, since=started_wall, timeout_s=limit, detail=detail)
    )
    last_detail = detail
    last_report = started
    next_report = started + interval
    while True:
        if ctx.cancel.cancelled:
            raise Cancelled(ctx.cancel.reason)
        now = time.monotonic()
        if now >= deadline:
            elapsed = now - started
            ctx.emit(
                WaitEnded(
                    stage=ctx.stage, what=what, satisfied=False, elapsed_s=elapsed, detail=detail
                )
            )
            if not snapshot.reachable and snapshot.error:
                raise StageError(
                    f"the API stayed unreachable while waiting for {what} "
                    f"({elapsed:.0f}s): {snapshot.error}",
                    kind=FailureKind.TRANSIENT,
                )
            raise StageError(
                f"timed out after {elapsed:.0f}s waiting for {what}: {detail}",
                kind=FailureKind.TIMEOUT,
                evidence=(detail,),
            )
        # Report on schedule, or sooner when what is missing changed (but not on every change:
        # a churning cluster would flood the log).
        if now >= next_report or (detail != last_detail and now - last_report >= MIN_REPORT_GAP_S):
            ctx.emit(
                Waiting(
                    stage=ctx.stage, what=what, since=started_wall, timeout_s=limit, detail=detail
                )
            )
            last_detail = detail
            last_report = now
            while next_report <= now:
                next_report += interval
        wake = min(deadline, next_report)
        if recheck_s is not None:
            wake = min(wake, now + recheck_s)
        snapshot = ctx.cluster.wait_for_change(snapshot.version, max(0.0, wake - now), ctx.cancel)
        satisfied, detail = condition(snapshot)
        if satisfied:
            elapsed = time.monotonic() - started
            ctx.emit(
                WaitEnded(
                    stage=ctx.stage, what=what, satisfied=True, elapsed_s=elapsed, detail=detail
                )
            )
            return snapshot


def observe(ctx: StageContext, timeout_s: float = 15.0) -> ClusterSnapshot:
    """Wait (silently) until the backend has an answer: the kinds listed, or an error.

    Resume's re-checks read the snapshot right after the watches start; without this they
    would judge an empty snapshot and re-run a stage that is in fact done.
    """
    kinds = {"nodes", "pods", "namespaces"}
    deadline = time.monotonic() + timeout_s
    snapshot = ctx.cluster.snapshot()
    while time.monotonic() < deadline and not ctx.cancel.cancelled:
        if (snapshot.reachable and kinds <= snapshot.synced_kinds) or (
            not snapshot.reachable and snapshot.error
        ):
            return snapshot
        snapshot = ctx.cluster.wait_for_change(
            snapshot.version, deadline - time.monotonic(), ctx.cancel
        )
    return snapshot


TALOS_POLL_S = 2.0
"""How often a Talos wait asks again: the Talos API has no watch."""


def poll_until(
    ctx: StageContext,
    ask: Callable[[], tuple[bool, str]],
    *,
    deadline: float,
    interval_s: float | None = None,
) -> bool:
    """Ask until `ask()` says done (True) or `deadline` (monotonic) passes (False), every
    `interval_s` (TALOS_POLL_S), cancellable. `ask` returns (done, the line to say while
    waiting), said every `wait_progress_s`. For what no watch reports (the nodes' Talos
    API), where wait_for() sleeps on the cluster's changes."""
    interval = TALOS_POLL_S if interval_s is None else interval_s
    next_report = time.monotonic() + ctx.profile.wait_progress_s
    while True:
        done, progress = ask()
        if done:
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        if now >= next_report:
            ctx.info(progress)
            next_report = now + ctx.profile.wait_progress_s
        ctx.cancel.raise_if_cancelled()
        if ctx.cancel.wait(min(interval, max(0.0, deadline - now))):
            ctx.cancel.raise_if_cancelled()
