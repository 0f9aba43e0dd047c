"""Secret values never reach a log, a checkpoint, the journal or the screen.

Every event passes through one Redactor before anyone sees it, and so does everything read from
the cluster (see `redacted_cluster`). It knows the secret values of the secret files (learned
when the session opens, see `secret_values`) and the kubeconfig's token (registered by the
cluster backend), in plain and base64 form, and masks them wherever they appear. One Redactor
per session, shared by the backends, the engine and the screen.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import threading
from typing import Any, TypeVar

from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.events import Event, LogLines
from vixens_tui.core.failures import StageError
from vixens_tui.core.snapshot_text import scrub_snapshot

MASK = "********"
_MIN_SECRET = 4  # shorter values would mask ordinary words
_MEMO_SIZE = 4

E = TypeVar("E", bound=Event)


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._needles: tuple[str, ...] = ()
        self._memo: tuple[tuple[tuple[str, ...], ClusterSnapshot, ClusterSnapshot], ...] = ()
        """The last snapshots scrubbed (needles, raw, clean): a snapshot is read by several
        threads (the observer, a stage's wait, the grids' event) and scrubbed once."""

    def add(self, value: str) -> None:
        value = value.strip()
        if len(value) < _MIN_SECRET:
            return
        forms = {value, base64.b64encode(value.encode()).decode()}
        with self._lock:
            merged = set(self._needles) | forms
            # Longest first, so a value containing another is masked whole.
            self._needles = tuple(sorted(merged, key=len, reverse=True))

    @property
    def active(self) -> bool:
        return bool(self._needles)

    def scrub(self, text: str) -> str:
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, MASK)
        return text

    def scrub_snapshot(self, snap: ClusterSnapshot) -> ClusterSnapshot:
        """The snapshot with every secret masked in its text fields; the very same object
        when there is nothing to mask (the common case, at the cost of one search)."""
        needles = self._needles
        if not needles:
            return snap
        for known, raw, clean in self._memo:
            if known is needles and (snap is raw or snap is clean):
                return clean
        clean = scrub_snapshot(snap, needles, self.scrub)
        self._memo = ((needles, snap, clean), *self._memo[: _MEMO_SIZE - 1])
        return clean

    def scrub_error(self, error: StageError) -> StageError:
        """A stage's failure as the front ends may show it (the decider's report)."""
        texts = error.texts()
        if not self._needles or not any(self.scrub(t) != t for t in texts):
            return error
        clean = StageError(
            self.scrub(error.message),
            kind=error.kind,
            diagnostics=tuple(
                dataclasses.replace(d, summary=self.scrub(d.summary), detail=self.scrub(d.detail))
                for d in error.diagnostics
            ),
            evidence=tuple(self.scrub(e) for e in error.evidence),
            data=error.data,
        )
        return clean.with_traceback(error.__traceback__)

    def scrub_event(self, event: E) -> E:
        if not self._needles:
            return event
        if isinstance(event, LogLines):
            joined = "\n".join(text for text, _ in event.lines)
            if any(needle in joined for needle in self._needles):
                lines = tuple((self.scrub(t), lv) for t, lv in event.lines)
                return dataclasses.replace(event, lines=lines)
            return event
        changes: dict[str, object] = {}
        kind: Any = type(event)
        for name in _field_names(kind):
            value = getattr(event, name)
            if isinstance(value, str):
                clean = self.scrub(value)
                if clean is not value:
                    changes[name] = clean
            elif isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
                cleaned = tuple(self.scrub(v) for v in value)
                if cleaned != value:
                    changes[name] = cleaned
            elif isinstance(value, ClusterSnapshot):
                snap = self.scrub_snapshot(value)
                if snap is not value:
                    changes[name] = snap
        return dataclasses.replace(event, **changes) if changes else event  # type: ignore[arg-type]


@functools.cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))
