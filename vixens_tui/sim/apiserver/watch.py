"""Watches: the stream of `{"type", "object"}` events after a resourceVersion.

- No resourceVersion (or "0"): synthetic ADDED events for what exists, then changes.
- `sendInitialEvents=true` (WatchList, used by kubectl 1.37 for `wait` and `delete`): the same
  ADDED events, then a BOOKMARK whose object carries the annotation
  `k8s.io/initial-events-end: "true"`; without it those commands hang.
- A resourceVersion older than the history: HTTP 200, then an ERROR event holding a 410
  `Expired` Status, as the real watch cache answers (the `kubernetes` client raises
  ApiException(410) from it, kubectl relists).
- With a selector, an object that stops matching is sent as DELETED and one that starts
  matching as ADDED, like the real server's filtered watches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vixens_tui.sim.apiserver.errors import expired
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.selectors import FieldSelector, LabelSelector
from vixens_tui.sim.apiserver.store import Change, Store, TooOld

Obj = dict[str, Any]
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
BOOKMARK_EVERY_S = 15.0


class WatchDropped(Exception):
    """The fault injector wants this watch cut mid-stream (no terminating chunk)."""


@dataclass(frozen=True, slots=True)
class WatchRequest:
    kind: Kind
    namespace: str | None
    labels: LabelSelector
    fields: FieldSelector
    resource_version: str = ""
    send_initial_events: bool = False
    allow_bookmarks: bool = False
    timeout_s: float = 1800.0

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        if self.namespace and obj.get("metadata", {}).get("namespace") != self.namespace:
            return False
        return self.labels.matches_object(obj) and self.fields.matches(obj)


def bookmark(kind: Kind, rv: int, *, initial_end: bool = False) -> Obj:
    meta: Obj = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return {"kind": kind.kind, "apiVersion": kind.api_version, "metadata": meta}


def _translate(request: WatchRequest, change: Change) -> tuple[str, Obj] | None:
    now_matches = request.matches(change.obj)
    if change.type == "ADDED":
        return ("ADDED", change.obj) if now_matches else None
    if change.type == "DELETED":
        return ("DELETED", change.obj) if request.matches(change.old or change.obj) else None
    was_matching = request.matches(change.old)
    if now_matches and was_matching:
        return "MODIFIED", change.obj
    if now_matches:
        return "ADDED", change.obj
    if was_matching:
        return "DELETED", change.obj
    return None


def run_watch(
    store: Store,
    request: WatchRequest,
    send: Callable[[str, Obj], None],
    *,
    stop: Callable[[], bool],
    expire_resume: bool = False,
    drop_after_s: float | None = None,
) -> None:
    """Stream events through `send(type, object)` until the timeout, `stop()`, or an error.

    `expire_resume` (a fault) answers a resume with 410 as if the version were too old;
    `drop_after_s` (a fault) raises WatchDropped after that many real seconds.
    """
    started = time.monotonic()
    deadline = started + max(0.0, request.timeout_s)
    rv_text = request.resource_version
    initial = request.send_initial_events or rv_text in ("", "0")
    with store.lock:
        epoch = store.epoch
        if initial:
            cursor = store.resource_version
            snapshot = [o for o in store.list(request.kind) if request.matches(o)]
        else:
            try:
                cursor = int(rv_text)
            except ValueError:
                cursor = -1
            snapshot = []
            try:
                if cursor < 0 or expire_resume:
                    raise TooOld(cursor, store.resource_version)
                store.changes_after(cursor)
            except TooOld as exc:
                send("ERROR", expired(str(exc)).status())
                return
    for obj in snapshot:
        send("ADDED", obj)
    if request.send_initial_events:
        send("BOOKMARK", bookmark(request.kind, cursor, initial_end=True))
    last_bookmark = time.monotonic()
    while not stop():
        now = time.monotonic()
        if now >= deadline:
            return
        if drop_after_s is not None and now - started >= drop_after_s:
            raise WatchDropped
        with store.changed:
            if store.epoch != epoch:
                send("ERROR", expired("the cluster was recreated; relist").status())
                return
            try:
                changes = store.changes_after(cursor, (request.kind,))
            except TooOld as exc:
                send("ERROR", expired(str(exc)).status())
                return
            if not changes:
                store.changed.wait(timeout=min(0.25, max(0.0, deadline - now)))
                changes = (
                    store.changes_after(cursor, (request.kind,)) if store.epoch == epoch else []
                )
            latest = store.resource_version
        for change in changes:
            event = _translate(request, change)
            if event is not None:
                send(*event)
        # Every change up to `latest` was seen (those of other kinds too): resume after it.
        cursor = max(cursor, latest)
        if request.allow_bookmarks and time.monotonic() - last_bookmark >= BOOKMARK_EVERY_S:
            send("BOOKMARK", bookmark(request.kind, cursor))
            last_bookmark = time.monotonic()
