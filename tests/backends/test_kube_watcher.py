"""One kind's list-then-watch loop against a scripted API function: the paths a real server
rarely shows on demand (404 before a CRD exists, ERROR 410 mid-stream, refused connections)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from vixens_tui.backends.kube import convert
from vixens_tui.backends.kube.kinds import KINDS, WatchedKind
from vixens_tui.backends.kube.state import ClusterState
from vixens_tui.backends.kube.watcher import CONNECT_TIMEOUT_S, Backoff, KindWatcher

SERVER = "https://127.0.0.1:6443"


class _Socket:
    def __init__(self, closed: threading.Event) -> None:
        self.closed = closed

    def shutdown(self, how: int) -> None:
        self.closed.set()


class _Connection:
    def __init__(self, closed: threading.Event) -> None:
        self.sock = _Socket(closed)


class FakeResponse:
    """What the client hands back with `_preload_content=False` (a urllib3 response)."""

    def __init__(
        self, data: bytes = b"", lines: list[dict[str, Any]] | None = None, hold: bool = False
    ) -> None:
        self.status = 200
        self.data = data
        self._lines = lines or []
        self._hold = hold
        self._closed = threading.Event()
        self.connection = _Connection(self._closed)

    def stream(self, amt: Any = None, decode_content: bool = False) -> Iterator[bytes]:
        for line in self._lines:
            yield (json.dumps(line) + "\n").encode()
        # A quiet, open watch: nothing until the connection is cut.
        while self._hold and not self._closed.wait(0.01):
            pass
        if self._hold:
            raise urllib3.exceptions.ProtocolError("connection cut")

    def close(self) -> None:
        self._closed.set()

    def release_conn(self) -> None:
        pass


def listing(rv: str, *objs: dict[str, Any]) -> FakeResponse:
    return FakeResponse(
        json.dumps({"metadata": {"resourceVersion": rv}, "items": list(objs)}).encode()
    )


def ns(name: str, rv: str = "1") -> dict[str, Any]:
    return {"metadata": {"name": name, "resourceVersion": rv}}


class Script:
    """The API function: answers (or raises) from two queues, records the calls."""

    def __init__(self, lists: list[Any], watches: list[Any]) -> None:
        self.lists = lists
        self.watches = watches
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.calls.append(kwargs)
            queue = self.watches if kwargs.get("watch") else self.lists
            answer = queue.pop(0) if queue else FakeResponse(hold=True)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def count(self, watch: bool) -> int:
        with self.lock:
            return sum(1 for c in self.calls if bool(c.get("watch")) == watch)


def run(
    kind_name: str, script: Script, custom: bool = False
) -> tuple[KindWatcher, ClusterState, threading.Event, int]:
    base = next(k for k in KINDS if k.name == kind_name)
    kind = WatchedKind(kind_name, lambda api: script, base.convert, custom=custom)
    state = ClusterState(k.name for k in KINDS)
    generation = state.begin(server=SERVER)
    stop = threading.Event()
    watcher = KindWatcher(
        kind=kind,
        api=cast(Any, None),
        server=SERVER,
        state=state,
        generation=generation,
        stop=stop,
        backoff=Backoff(first_s=0.02, max_s=0.1),
    )
    watcher.start()
    return watcher, state, stop, generation


def until(predicate: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met")
        time.sleep(0.01)


def finish(watcher: KindWatcher, stop: threading.Event) -> None:
    stop.set()
    watcher.interrupt()
    started = time.monotonic()
    watcher.join(CONNECT_TIMEOUT_S)
    assert not watcher.alive
    # Interrupted, not left to a read's timeout (these fakes never time out: they would hang).
    assert time.monotonic() - started < CONNECT_TIMEOUT_S


def test_list_then_events_then_resume_from_the_last_version() -> None:
    events = [
        {"type": "ADDED", "object": ns("cert-manager", "11")},
        {"type": "MODIFIED", "object": ns("default", "12")},
        {"type": "DELETED", "object": ns("old", "13")},
        {
            "type": "BOOKMARK",
            "object": {"kind": "Namespace", "metadata": {"resourceVersion": "20"}},
        },
    ]
    script = Script([listing("10", ns("default"), ns("old"))], [FakeResponse(lines=events)])
    watcher, state, stop, _ = run("namespaces", script)
    try:
        until(lambda: script.count(watch=True) >= 2)
        assert state.snapshot().namespaces == ("cert-manager", "default")
        watches = [c for c in script.calls if c.get("watch")]
        assert watches[0]["resource_version"] == "10"
        assert watches[1]["resource_version"] == "20"  # the bookmark's
        assert watches[0]["allow_watch_bookmarks"] is True
        assert watches[0]["timeout_seconds"] == 300
        assert script.count(watch=False) == 1  # resumed, not relisted
    finally:
        finish(watcher, stop)


def test_error_410_mid_stream_relists() -> None:
    gone = {
        "type": "ERROR",
        "object": {
            "kind": "Status",
            "code": 410,
            "reason": "Expired",
            "message": "too old resource version: 10 (50)",
        },
    }
    script = Script(
        [listing("10", ns("a")), listing("60", ns("b"))],
        [FakeResponse(lines=[{"type": "ADDED", "object": ns("x", "11")}, gone])],
    )
    watcher, state, stop, _ = run("namespaces", script)
    try:
        until(lambda: state.snapshot().namespaces == ("b",))
        until(lambda: script.count(watch=True) >= 2)
        assert [c for c in script.calls if c.get("watch")][1]["resource_version"] == "60"
    finally:
        finish(watcher, stop)


def test_missing_crd_is_synced_empty_and_retried() -> None:
    app = {
        "metadata": {"name": "whoami", "namespace": "argocd", "resourceVersion": "5"},
        "status": {"sync": {"status": "Synced"}},
    }
    script = Script(
        [
            ApiException(status=404, reason="Not Found"),
            ApiException(status=404, reason="Not Found"),
            listing("5", app),
        ],
        [],
    )
    watcher, state, stop, _ = run("applications", script, custom=True)
    try:
        until(lambda: "applications" in state.snapshot().synced_kinds)
        assert state.snapshot().reachable  # a 404 is an answer
        until(lambda: state.snapshot().apps != ())
        assert state.snapshot().apps[0] == convert.app_info(app)
        assert script.count(watch=False) == 3
    finally:
        finish(watcher, stop)


def test_refused_connections_make_it_unreachable_with_backoff() -> None:
    refused = urllib3.exceptions.MaxRetryError(
        cast(Any, None),
        "/api/v1/pods",
        urllib3.exceptions.NewConnectionError(
            cast(Any, None), "Failed to establish a new connection"
        ),
    )
    refused.reason.__cause__ = ConnectionRefusedError(111, "Connection refused")  # type: ignore[union-attr]
    script = Script([refused] * 4 + [listing("3")], [])
    watcher, state, stop, _ = run("pods", script)
    try:
        until(lambda: bool(state.snapshot().error))
        snap = state.snapshot()
        assert not snap.reachable and snap.error == f"connection refused to {SERVER}"
        assert "pods" not in snap.synced_kinds
        until(lambda: state.snapshot().reachable)
        assert "pods" in state.snapshot().synced_kinds
    finally:
        finish(watcher, stop)


def test_a_cut_watch_resumes_without_reporting_an_outage() -> None:
    class CutAfterOpen(FakeResponse):
        def stream(self, amt: Any = None, decode_content: bool = False) -> Iterator[bytes]:
            time.sleep(1.1)  # it worked for a while
            raise urllib3.exceptions.ProtocolError("Response ended prematurely")

    script = Script([listing("7", ns("default"))], [CutAfterOpen()])
    watcher, state, stop, _ = run("namespaces", script)
    try:
        until(lambda: script.count(watch=True) >= 2)
        assert state.snapshot().reachable and state.snapshot().error == ""
        assert [c for c in script.calls if c.get("watch")][1]["resource_version"] == "7"
        assert script.count(watch=False) == 1
    finally:
        finish(watcher, stop)


@pytest.mark.parametrize("where", ["watch", "backoff"])
def test_stop_is_prompt(where: str) -> None:
    answers: list[Any] = (
        [listing("1")] if where == "watch" else [ApiException(status=500, reason="x")] * 100
    )
    script = Script(answers, [])
    watcher, _state, stop, _ = run("nodes", script)
    until(lambda: script.count(watch=where == "watch") >= 1)
    finish(watcher, stop)
