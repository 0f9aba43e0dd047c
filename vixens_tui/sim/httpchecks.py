"""The services the procedure curls (section 6.4), answered on loopback.

One plain HTTP server stands for the cluster's load balancers: requests are routed by their
Host header, one route per HTTP check of the profile (`argocd` -> the Argo CD server's IP,
`whoami.dev...` and `traefik.dev.../dashboard/` -> through Traefik). A route answers 200 only
while the pods behind it are Ready, else 503 `no available server` as Traefik does. The demo
uses `demo_checks()`: the profile's checks pointed at this server, same names, with a Host
header each.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vixens_tui.core.profile import HttpCheck
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.conditions import is_ready
from vixens_tui.sim.plans import Workload
from vixens_tui.sim.world import World

log = logging.getLogger(__name__)

ARGOCD_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Argo CD</title>'
    '<base href="/"><meta name="viewport" content="width=device-width,initial-scale=1">'
    '<link rel="icon" type="image/png" href="assets/favicon/favicon-32x32.png" sizes="32x32"/>'
    "</head><body><noscript><p>Your browser does not support JavaScript. Please enable JavaScript "
    "to view the site. Alternatively, Argo CD can be used with the "
    '<a href="https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd/">Argo CD CLI</a>.'
    '</p></noscript><div id="app"></div></body><script defer="defer" src="main.js"></script></html>'
)
TRAEFIK_PAGE = (
    "<!DOCTYPE html><html><head><title>Traefik</title><meta charset=utf-8>"
    '<meta name=description content="Traefik UI"><meta name=format-detection content="telephone=no">'
    '<meta name=msapplication-tap-highlight content=no><meta name=viewport content="user-scalable=no,'
    'initial-scale=1,maximum-scale=1,minimum-scale=1,width=device-width">'
    "<link rel=icon type=image/png href=./app-logo-128x128.png></head><body><div id=q-app></div></body></html>"
)


@dataclass(frozen=True, slots=True)
class Route:
    check: HttpCheck
    host: str
    kind: str
    """argocd, whoami, traefik or generic: what the page looks like."""
    backends: tuple[Workload, ...]


def _host_header(check: HttpCheck) -> str:
    host = check.url.host or ""
    default = 443 if check.url.scheme == "https" else 80
    return f"{host}:{check.url.port}" if check.url.port and check.url.port != default else host


class CheckServer:
    def __init__(self, world: World, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world
        self.routes = {_host_header(r.check).lower(): r for r in self._routes()}
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.checks = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _routes(self) -> list[Route]:
        world = self.world
        profile = world.profile
        catalog = world.catalog
        traefik = tuple(w for w in catalog.workloads if w.name == "traefik")
        routes = []
        for check in profile.http_checks:
            host = check.url.host or ""
            if check.name == profile.validation.argocd_http_check or host == profile.argocd.server:
                server = world.workload_named("argocd-server")
                routes.append(Route(check, host, "argocd", (server,) if server else ()))
                continue
            app_workloads = catalog.of_app(check.name)
            if app_workloads:
                kind = "whoami" if check.name == "whoami" else "generic"
                routes.append(Route(check, host, kind, traefik + app_workloads))
            elif "traefik" in check.name or "dashboard" in (check.url.path or ""):
                routes.append(Route(check, host, "traefik", traefik))
            else:
                routes.append(Route(check, host, "generic", traefik))
        return routes

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="sim-http-checks",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def demo_checks(self) -> tuple[HttpCheck, ...]:
        """The profile's checks, pointed at this server (one Host header per check)."""
        checks = []
        for check in self.world.profile.http_checks:
            path = check.url.path or "/"
            if check.url.query:
                path += f"?{check.url.query}"
            checks.append(
                check.model_copy(
                    update={
                        "url": type(check.url)(f"{self.url}{path}"),
                        "headers": {**check.headers, "Host": _host_header(check)},
                    }
                )
            )
        return tuple(checks)

    # -- answering -------------------------------------------------------------------------

    def backend_pod(self, route: Route) -> tuple[bool, str, str]:
        """(every backend has a Ready pod, the app pod's name, its IP)."""
        world = self.world
        with world.store.lock:
            if not route.backends:
                return world.api_should_be_up(world.clock.now()), "", ""
            chosen = ("", "")
            for workload in route.backends:
                ready = [p for p in world.pods_of(workload) if is_ready(p)]
                if not ready:
                    return False, "", ""
                chosen = (ready[0]["metadata"]["name"], ready[0]["status"].get("podIP", ""))
            return True, chosen[0], chosen[1]

    def respond(self, handler: BaseHTTPRequestHandler) -> tuple[int, str, str]:
        """(status, content type, body) for a request."""
        host = handler.headers.get("Host", "").lower()
        route = self.routes.get(host) or self.routes.get(host.split(":")[0])
        if route is None:
            return 404, "text/plain; charset=utf-8", "404 page not found\n"
        up, pod, pod_ip = self.backend_pod(route)
        if not up:
            return 503, "text/plain; charset=utf-8", "no available server\n"
        if route.kind == "argocd":
            return 200, "text/html; charset=utf-8", ARGOCD_PAGE
        if route.kind == "traefik":
            return 200, "text/html; charset=utf-8", TRAEFIK_PAGE
        if route.kind == "whoami":
            lines = [
                f"Hostname: {pod}",
                "IP: 127.0.0.1",
                "IP: ::1",
                f"IP: {pod_ip}",
                f"RemoteAddr: {world_traefik_ip(self.world)}:41234",
                f"{handler.command} {handler.path} {handler.request_version}",
                f"Host: {handler.headers.get('Host', '')}",
            ]
            for key, value in handler.headers.items():
                if key.lower() != "host":
                    lines.append(f"{key}: {value}")
            client = handler.client_address[0]
            lines += [
                f"X-Forwarded-For: {client}",
                f"X-Forwarded-Host: {handler.headers.get('Host', '')}",
                "X-Forwarded-Port: 80",
                "X-Forwarded-Proto: http",
                f"X-Real-Ip: {client}",
            ]
            return 200, "text/plain; charset=utf-8", "\n".join(lines) + "\n"
        return 200, "text/plain; charset=utf-8", "OK\n"


def world_traefik_ip(world: World) -> str:
    traefik = world.workload_named("traefik")
    if traefik is None:
        return "10.244.0.1"
    pods = [
        p
        for p in world.store.list(kinds.POD, traefik.namespace)
        if p["metadata"]["name"].startswith("traefik-")
    ]
    return pods[0]["status"].get("podIP", "10.244.0.1") if pods else "10.244.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "traefik"
    disable_nagle_algorithm = True
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        checks: CheckServer = self.server.checks  # type: ignore[attr-defined]
        status, content_type, body = checks.respond(self)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()
