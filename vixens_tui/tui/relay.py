"""The hand-off from the engine's threads to the screen: an ordered, batched buffer.

The engine calls its sink from its own threads (the procedure worker and the cluster observer),
at up to thousands of events a second while Terraform streams and the cluster churns. Posting one
Textual message per event would flood the screen's queue, so the sink only appends to a buffer
and posts a single `EventsPending` wake-up when the buffer goes from empty to not empty; the
screen drains it at most every `FLUSH_S` seconds. A newer cluster snapshot replaces a pending
one (only the latest matters to the grids). Requests from the decider travel through the same
buffer, so a "decide now" always arrives after the failure and the detection it is about.

Nothing here imports Textual: the wake-up is a callable given by the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.events import ClusterChanged, Event, LogLine, LogLines

FLUSH_S = 0.08
"""The longest a screen waits before showing buffered events (and the shortest between drains)."""

MAX_PENDING_LINES = 20_000
"""Log lines kept while the screen is busy; beyond that the oldest pending ones are dropped."""


@dataclass(frozen=True, slots=True)
class Note:
    """A line from the front end itself (not the engine), shown in the log."""

    text: str
    level: str = "info"


Item = object
"""An engine `Event`, a decider request (see `vixens_tui.tui.decider`) or a `Note`."""


@dataclass(frozen=True, slots=True)
class Batch:
    """What the screen takes in one drain, in the order it happened."""

    items: tuple[Item, ...] = ()
    snapshot: ClusterSnapshot | None = None
    """The latest cluster snapshot, if one arrived since the last drain."""
    dropped: int = 0
    """Log lines dropped because the screen fell behind."""

    def __bool__(self) -> bool:
        return bool(self.items) or self.snapshot is not None or self.dropped > 0


@dataclass
class _Pending:
    items: list[Item] = field(default_factory=list)
    lines: int = 0
    snapshot: ClusterSnapshot | None = None
    dropped: int = 0


class EventRelay:
    """The engine's `EventSink` for the TUI. Thread-safe; never blocks on the screen."""

    def __init__(self, wake: Callable[[], None], *, max_lines: int = MAX_PENDING_LINES) -> None:
        self._wake = wake
        self._max_lines = max_lines
        self._lock = threading.Lock()
        self._pending = _Pending()
        self._signalled = False

    def __call__(self, event: Event) -> None:
        """Called by the engine (any thread) for every event."""
        if isinstance(event, ClusterChanged):
            self._put(None, snapshot=event.snapshot)
        else:
            self._put(event)

    def put(self, item: Item) -> None:
        """Queue a decider request or a note, after everything already queued."""
        self._put(item)

    def _put(self, item: Item | None, snapshot: ClusterSnapshot | None = None) -> None:
        with self._lock:
            pending = self._pending
            if snapshot is not None:
                pending.snapshot = snapshot
            if item is not None:
                pending.items.append(item)
                if isinstance(item, LogLines):
                    pending.lines += len(item.lines)
                    if pending.lines > 2 * self._max_lines:
                        self._compact(pending)
                elif isinstance(item, LogLine):
                    pending.lines += 1
                    if pending.lines > 2 * self._max_lines:
                        self._compact(pending)
            wake = not self._signalled
            self._signalled = True
        if wake:
            self._wake()

    def _compact(self, pending: _Pending) -> None:
        """Drop the oldest log lines so that `max_lines` of them remain.

        Only log lines: every other event (a resource's progress, a stage's end) carries state
        the panes show, and there are few of them even when Terraform floods its output."""
        excess = pending.lines - self._max_lines
        kept: list[Item] = []
        for item in pending.items:
            if excess > 0 and isinstance(item, LogLines):
                excess -= len(item.lines)
                pending.dropped += len(item.lines)
                continue
            if excess > 0 and isinstance(item, LogLine):
                excess -= 1
                pending.dropped += 1
                continue
            kept.append(item)
        pending.items = kept
        pending.lines = self._max_lines + excess

    def take(self) -> Batch:
        """Everything queued since the last call (UI thread)."""
        with self._lock:
            pending, self._pending = self._pending, _Pending()
            self._signalled = False
        return Batch(tuple(pending.items), pending.snapshot, pending.dropped)
