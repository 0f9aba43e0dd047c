"""Secret values never reach a log, a checkpoint, the journal or the screen.

Every event passes through one Redactor before anyone sees it. It knows the secret values
loaded from the secret files (and the kubeconfig's token, registered by the cluster backend),
in plain and base64 form, and masks them wherever they appear.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import threading
from typing import Any, TypeVar

from vixens_tui.core.events import Event, LogLines

MASK = "********"
_MIN_SECRET = 4  # shorter values would mask ordinary words

E = TypeVar("E", bound=Event)


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._needles: tuple[str, ...] = ()

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
        return dataclasses.replace(event, **changes) if changes else event  # type: ignore[arg-type]


@functools.cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))
