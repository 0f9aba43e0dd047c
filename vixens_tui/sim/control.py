"""The control channel of the demo's Terraform configuration: a plain HTTP server on loopback.

It stays up while the API server is "gone", because destroying and re-creating the cluster
goes through it. `POST /hook` with `{"action": ..., "args": [...]}` and the bearer token runs a
scenario action and answers what the hook prints and does (see hook.py). `GET /state` shows the
cluster's life (machines, releases, faults) for people debugging a demo.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vixens_tui.sim.scenario import Scenario

log = logging.getLogger(__name__)


class ControlServer:
    def __init__(
        self, scenario: Scenario, token: str, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.scenario = scenario
        self.token = token
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.control = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="sim-control",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        control: ControlServer = self.server.control  # type: ignore[attr-defined]
        return self.headers.get("Authorization", "") == f"Bearer {control.token}"

    def do_GET(self) -> None:
        control: ControlServer = self.server.control  # type: ignore[attr-defined]
        if self.path == "/healthz":
            self._reply(200, {"ok": True})
        elif not self._authorized():
            self._reply(401, {"error": "wrong or missing token (VIXENS_SIM_TOKEN)"})
        elif self.path == "/state":
            self._reply(200, control.scenario.state())
        else:
            self._reply(404, {"error": f"no such path {self.path}"})

    def do_POST(self) -> None:
        control: ControlServer = self.server.control  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not self._authorized():
            self._reply(401, {"error": "wrong or missing token (VIXENS_SIM_TOKEN)"})
            return
        if self.path != "/hook":
            self._reply(404, {"error": f"no such path {self.path}"})
            return
        try:
            request = json.loads(raw or b"{}")
            action = str(request["action"])
            args = [str(a) for a in request.get("args", [])]
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"error": 'expected {"action": NAME, "args": [...]}'})
            return
        try:
            result = control.scenario.hook(action, args)
        except Exception:
            log.exception("hook action %s %s failed", action, args)
            self._reply(500, {"error": f"the simulator failed running {action}"})
            return
        self._reply(200, result.wire(control.scenario.world.clock))
