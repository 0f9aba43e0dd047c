"""The simulated API server's lifecycle: TLS, the port, "gone" and back, request counters.

"The API is gone" (after a destroy) means: the listening socket is closed, so connections are
refused, while a bound, non-listening socket keeps the port reserved; the API comes back on the
same port, so kubeconfigs stay valid across a rebuild. Requests themselves are handled in
handler.py.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from vixens_tui.sim.apiserver import crd_gate
from vixens_tui.sim.apiserver.handler import HTTPServer
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.resources import ResourceAPI

Obj = dict[str, Any]
log = logging.getLogger(__name__)


class Disruptions(Protocol):
    """What the `api-flaky` fault does to requests (see faults.py)."""

    def failure(self) -> tuple[int, str, str] | None:
        """(code, reason, message) of a 5xx to answer instead of serving, or None."""
        ...

    def delay_s(self) -> float:
        """Real seconds to stall before answering (0 for none)."""
        ...

    def drop_watch_after_s(self) -> float | None:
        """Cut this watch after that many real seconds, or None."""
        ...

    def expire_resume(self) -> bool:
        """Answer this watch resume with 410 Gone."""
        ...


LogSource = Callable[[Obj, str], str]
"""(pod, container) -> the container's log text; raises ApiError when there is none."""


class APIServer:
    def __init__(
        self,
        resources: ResourceAPI,
        *,
        tls: ssl.SSLContext,
        token: str,
        git_version: str,
        now: Callable[[], datetime],
        advertise_address: str = "127.0.0.1:6443",
        host: str = "127.0.0.1",
        port: int = 0,
        disruptions: Disruptions | None = None,
        logs: LogSource | None = None,
    ) -> None:
        self.resources = resources
        self.store = resources.store
        self.tls = tls
        self.token = token
        self.git_version = git_version
        self.now = now
        self.advertise_address = advertise_address
        self.host = host
        self.port = port
        self.disruptions = disruptions
        self.logs = logs
        self._switch = threading.Lock()
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._placeholder: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._closed = False
        self.generation = 0
        """Bumped each time the API goes down: a watch of an older generation stops."""

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def available(self) -> bool:
        return self._httpd is not None

    def adopt(self, sock: socket.socket) -> None:
        """Take `sock`, bound to this server's address and not listening, as the placeholder
        that holds the port until the API comes up."""
        with self._switch:
            if self._placeholder is not None:
                self._placeholder.close()
            self._placeholder = sock
            self.port = sock.getsockname()[1]

    def reserve(self) -> int:
        """Bind the port without listening (connections refused); returns the port."""
        with self._switch:
            if self._placeholder is None and self._httpd is None:
                self._placeholder = self._bind(self.port)
                self.port = self._placeholder.getsockname()[1]
            return self.port

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, port))
        except OSError:
            sock.close()
            raise
        return sock

    def set_available(self, up: bool) -> None:
        """Bring the API up (listening) or make it gone (refusing, port kept)."""
        with self._switch:
            if self._closed:
                return
            if up and self._httpd is None:
                if self._placeholder is not None and not self._placeholder.getsockopt(
                    socket.SOL_SOCKET, socket.SO_REUSEADDR
                ):
                    # An adopted socket (addresses.pick_network's) cannot share the port:
                    # freed just before the server binds it, under this lock.
                    self._placeholder.close()
                    self._placeholder = None
                httpd = HTTPServer((self.host, self.port), self)
                try:
                    httpd.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    httpd.server_bind()
                    httpd.server_activate()
                except OSError:
                    httpd.server_close()
                    raise
                self.port = httpd.server_address[1]
                if self._placeholder is not None:
                    self._placeholder.close()
                    self._placeholder = None
                self._httpd = httpd
                self._thread = threading.Thread(
                    target=httpd.serve_forever,
                    kwargs={"poll_interval": 0.02},
                    name=f"sim-apiserver-{self.port}",
                    daemon=True,
                )
                self._thread.start()
            elif not up and self._httpd is not None:
                self._take_down()
                self._placeholder = self._bind(self.port)

    def _take_down(self) -> None:
        assert self._httpd is not None
        self.generation += 1
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            # Established connections (keep-alive, watches) die with the API.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        with self.store.changed:
            self.store.changed.notify_all()

    def close(self) -> None:
        with self._switch:
            if self._httpd is not None:
                self._take_down()
            if self._placeholder is not None:
                self._placeholder.close()
                self._placeholder = None
            self._closed = True

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- what is served ---------------------------------------------------------------------

    def serves(self, kind: Kind) -> bool:
        """Whether `kind` is served now: always, or while its CRD exists (crd_gate.py)."""
        return crd_gate.serves(self.store, kind)

    # -- counters --------------------------------------------------------------------------

    def count(self, key: str) -> None:
        with self._count_lock:
            self._counts[key] += 1

    def counts(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self._counts)
