"""`GET .../pods/{name}/log?follow=true`: the answer stays open and streams the lines the
container writes, as the kubelet does, until the pod is deleted (its container stops), the
client hangs up, or the API goes away.

The simulated log is recomputed from the pod and the time (`sim/logs.py`); what it gained since
the last look is sent. Lines are compared as a multiset, so a line that rotation dropped is not
sent again and a line inserted before the end (a fault striking) is sent once.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
from collections import Counter
from collections.abc import Callable
from typing import Any

from vixens_tui.sim.apiserver.errors import ApiError
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.store import Store

Obj = dict[str, Any]
LogSource = Callable[[Obj, str], str]
POLL_S = 0.2
"""Real seconds between two looks at the log when nothing else happens in the store."""


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def hung_up(connection: socket.socket) -> bool:
    """Whether the client closed its end (a readable socket that reads nothing)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        previous = connection.gettimeout()
        connection.settimeout(0.01)
        try:
            return connection.recv(1) == b""
        finally:
            connection.settimeout(previous)
    except (TimeoutError, ssl.SSLWantReadError, BlockingIOError):
        return False
    except (OSError, ValueError):
        return True


def follow(
    store: Store,
    kind: Kind,
    pod: Obj,
    container: str,
    logs: LogSource,
    *,
    seen: str,
    write: Callable[[bytes], None],
    connection: socket.socket,
    stop: Callable[[], bool],
) -> None:
    """Stream the lines of `container` that are not in `seen` (the log already answered)."""
    meta = pod["metadata"]
    namespace, name, uid = meta.get("namespace", ""), meta["name"], meta.get("uid")
    sent = Counter(_lines(seen))
    while not stop() and not hung_up(connection):
        with store.changed:
            store.changed.wait(POLL_S)
            current = store.get(kind, namespace, name)
        if current is None or current["metadata"].get("uid") != uid:
            return
        with contextlib.suppress(ApiError):
            fresh: list[str] = []
            counts: Counter[str] = Counter()
            for line in _lines(logs(current, container)):
                counts[line] += 1
                if counts[line] > sent[line]:
                    sent[line] += 1
                    fresh.append(line)
            if fresh:
                write("".join(fresh).encode())
        if current["metadata"].get("deletionTimestamp"):
            return
