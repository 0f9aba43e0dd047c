"""One thread per kind: list once, then watch from that resourceVersion, for as long as the
backend runs.

The loop is client-go's reflector in small: a watch that ends (its timeout) or drops is
resumed from the last resourceVersion seen (events and bookmarks); a 410 Gone (the version
left the server's history, or the cluster was recreated) means list again; a custom kind
whose CRD is not installed yet (404) counts as listed-and-empty and is retried later.
Failures back off from 0.2 s doubling to a few seconds, so an API coming back is noticed
quickly and one going away is not hammered. There is no polling: while the cluster is quiet,
each kind holds exactly one open watch request.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from vixens_tui.backends.kube.convert import key_of
from vixens_tui.backends.kube.errors import to_cluster_error
from vixens_tui.backends.kube.kinds import WatchedKind
from vixens_tui.backends.kube.state import ClusterState, Key

WATCH_TIMEOUT_S = 300
CONNECT_TIMEOUT_S = 5.0
LIST_READ_TIMEOUT_S = 60.0
SHORT_WATCH_S = 1.0
"""A watch that ends sooner than this did not really work: pause before the next one."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pause after a failure: `first_s`, doubling up to `max_s` (reset by a success)."""

    first_s: float = 0.2
    max_s: float = 5.0


class _Stopped(Exception):
    """The backend stopped while a request was being opened."""


class _RawWatch(watch.Watch):
    """The client's Watch, handing each event's object over as the parsed JSON dict.

    Its default turns every object into a model (or, for custom objects, re-serialises it);
    the backend converts dicts itself, so that work would be wasted on every pod update.
    Errors (the ERROR event of a 410) are still raised by the client's own loop.
    """

    def get_return_type(self, func: Any) -> None:
        return None


def _shutdown(response: Any) -> None:
    """Unblock a thread reading `response` (the same trick as Watch.stop in the client)."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class KindWatcher:
    def __init__(
        self,
        *,
        kind: WatchedKind,
        api: client.ApiClient,
        server: str,
        state: ClusterState,
        generation: int,
        stop: threading.Event,
        backoff: Backoff,
    ) -> None:
        self.kind = kind
        self._func = kind.lister(api)
        self._server = server
        self._state = state
        self._generation = generation
        self._stop = stop
        self._backoff = backoff
        self._rv: str | None = None
        """Where the watch resumes; None means list first."""
        self._watch: _RawWatch | None = None
        self._response: Any = None
        """The open response (list or watch), so that stop can cut it."""
        self._opened = False
        self.endings: deque[str] = deque(maxlen=8)
        """Why the last requests ended (a timeout, a 410, a dropped connection...): what a
        person, or a test counting requests, needs to tell a resume from a poll."""
        self._thread = threading.Thread(
            target=self._run, name=f"kube-watch-{kind.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def interrupt(self) -> None:
        """Called after the stop event is set: cut the request in flight, if any."""
        current = self._watch
        if current is not None:
            current.stop()  # type: ignore[no-untyped-call]
        response = self._response
        if response is not None:
            _shutdown(response)

    def join(self, timeout: float) -> None:
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the loop --------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._backoff.first_s
        while not self._stop.is_set():
            started = time.monotonic()
            self._opened = False
            try:
                if self._rv is None:
                    self._rv = self._list()
                    delay = self._backoff.first_s
                self._watch_once()
            except _Stopped:
                break
            except ApiException as exc:
                if self._stop.is_set():
                    break
                self.endings.append(f"HTTP {exc.status} after {time.monotonic() - started:.1f}s")
                quick = time.monotonic() - started < SHORT_WATCH_S
                if exc.status == 410:
                    self._rv = None
                    # Relist at once, unless the server keeps expiring fresh versions.
                    if quick and self._pause(delay):
                        break
                    delay = self._grow(delay) if quick else self._backoff.first_s
                    continue
                if exc.status == 404 and self.kind.custom:
                    # The CRD is not installed yet (Argo CD and cert-manager arrive after
                    # the apply): nothing of this kind exists; look again later.
                    self._state.replace(self._generation, self.kind.name, {})
                    self._rv = None
                    if self._pause(delay):
                        break
                    delay = self._grow(delay)
                    continue
                if self._failed(exc, delay):
                    break
                delay = self._grow(delay)
            except Exception as exc:  # transport errors, and anything else: never die
                if self._stop.is_set():
                    break
                lasted = time.monotonic() - started
                self.endings.append(
                    f"{type(exc).__name__} after {lasted:.1f}s"
                    + (" (watch open)" if self._opened else "")
                    + f": {str(exc)[:120]}"
                )
                if self._opened:
                    # A working watch was cut (a proxy, a restart, a dropped connection):
                    # resume at once; only a watch that keeps dying early waits.
                    if lasted >= SHORT_WATCH_S:
                        delay = self._backoff.first_s
                        continue
                    if self._pause(delay):
                        break
                    delay = self._grow(delay)
                    continue
                if self._failed(exc, delay):
                    break
                delay = self._grow(delay)
            else:
                self.endings.append(f"watch ended after {time.monotonic() - started:.1f}s")
                # The watch reached its timeout: resume it (at once, if it lasted).
                if time.monotonic() - started < SHORT_WATCH_S:
                    if self._pause(delay):
                        break
                    delay = self._grow(delay)
                else:
                    delay = self._backoff.first_s
        self._watch = None
        self._response = None

    def _grow(self, delay: float) -> float:
        return min(delay * 2, self._backoff.max_s)

    def _pause(self, delay: float) -> bool:
        """Sleep `delay` unless stopped meanwhile; True when stopped."""
        return self._stop.wait(delay)

    def _failed(self, exc: BaseException, delay: float) -> bool:
        error = to_cluster_error(exc, self._server)
        self._state.contact(self._generation, self.kind.name, False, str(error))
        return self._pause(delay)

    def _opening(self, response: Any) -> Any:
        """Keep the response so stop can cut it; give up if stop came first."""
        self._response = response
        if self._stop.is_set():
            _shutdown(response)
            with contextlib.suppress(Exception):
                response.close()
            raise _Stopped
        return response

    def _list(self) -> str:
        response = self._opening(
            self._func(
                _preload_content=False,
                _request_timeout=(CONNECT_TIMEOUT_S, LIST_READ_TIMEOUT_S),
            )
        )
        try:
            body = json.loads(response.data)
        finally:
            self._response = None
            response.release_conn()
        convert = self.kind.convert
        items: dict[Key, object] = {}
        for obj in body.get("items") or ():
            if isinstance(obj, dict):
                items[key_of(obj)] = convert(obj)
        self._state.replace(self._generation, self.kind.name, items)
        return str((body.get("metadata") or {}).get("resourceVersion") or "")

    def _open_watch(self, **kwargs: Any) -> Any:
        response = self._opening(self._func(**kwargs))
        self._opened = True
        self._state.contact(self._generation, self.kind.name, True)
        return response

    def _watch_once(self) -> None:
        current = _RawWatch()  # type: ignore[no-untyped-call]
        self._watch = current
        generation, name, convert, state = (
            self._generation,
            self.kind.name,
            self.kind.convert,
            self._state,
        )
        try:
            stream = current.stream(  # type: ignore[no-untyped-call]
                self._open_watch,
                allow_watch_bookmarks=True,
                resource_version=self._rv,
                timeout_seconds=WATCH_TIMEOUT_S,
                _request_timeout=(CONNECT_TIMEOUT_S, WATCH_TIMEOUT_S + 30),
            )
            for event in stream:
                obj = event.get("object")
                if not isinstance(obj, dict):
                    continue
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                kind = event.get("type")
                if kind in ("ADDED", "MODIFIED"):
                    state.put(generation, name, key_of(obj), convert(obj))
                elif kind == "DELETED":
                    state.put(generation, name, key_of(obj), None)
                if rv:
                    self._rv = str(rv)
                if self._stop.is_set():
                    break
        finally:
            self._watch = None
            self._response = None
