"""No traffic leaves the loopback: a guard on every Python socket of the test run.

The user's configuration names private addresses (192.168.x.x); the tests and the demo move them
to 127.0.0.0/8. This guard makes a slip fail loudly instead of reaching a real machine: every
`connect()` (TCP, TLS, asyncio; the kubernetes client, httpx, the simulated API server's own
clients) to an address outside 127.0.0.0/8 and ::1 is refused (ConnectionRefusedError, as an
unreachable host would be) and written to the file NETGUARD_LOG names; the session fails when
that file is not empty (tests/conftest.py). Child Pythons get it through `sitecustomize`
(tests/netguard on their PYTHONPATH). gRPC's C core and the Go programs (terraform's engine,
kubectl) open their sockets outside Python: their addresses are the demo's loopback network,
and the simulated providers record every address they are given (`reached.json`).
"""

from __future__ import annotations

import os
import socket
from typing import Any

LOG_ENV = "NETGUARD_LOG"
GUARD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "netguard")


def allowed(family: int, address: Any) -> bool:
    if family == getattr(socket, "AF_UNIX", None) or not isinstance(address, tuple):
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if family == socket.AF_INET:
        return host.startswith("127.") or host == "localhost"
    if family == socket.AF_INET6:
        return host in ("::1", "localhost") or host.startswith("::ffff:127.")
    return True


def _refuse(sock: socket.socket, address: Any) -> None:
    if allowed(sock.family, address):
        return
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"pid {os.getpid()}: connect to {address!r}\n")
    raise ConnectionRefusedError(
        f"netguard: {address!r} is not on the loopback (tests/loopback_only.py)"
    )


def install() -> None:
    if getattr(socket.socket.connect, "_netguard", False):
        return
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> None:
        _refuse(self, address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        _refuse(self, address)
        return connect_ex(self, address)

    guarded_connect._netguard = True  # type: ignore[attr-defined]
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
