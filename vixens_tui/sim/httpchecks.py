"""The services the procedure curls (section 6.4), answered on loopback.

Two servers stand for the cluster's load balancers, one for Traefik's `web` entry point (plain
HTTP) and one for `websecure` (HTTPS); requests are routed by their Host header, one route per
HTTP check of the profile (`argocd` -> the Argo CD server's IP, `whoami.dev...` and
`traefik.dev.../dashboard/` -> through Traefik). A route answers only while the pods behind it
are Ready, else 503 `no available server` as Traefik does.

What each host answers is what the vixens repository's dev manifests make Traefik answer:

- whoami (apps/whoami/base/ingress.yaml): the `web` Ingress only redirects, through the
  `redirect-https` middleware (apps/traefik-dashboard/base, redirectScheme `https`, permanent),
  so plain HTTP gets 301 to a GET and 308 to any other method (traefik
  pkg/middlewares/redirect/redirect.go), Location `https://<host><path>` without the request's
  port; the page is on HTTPS. The middleware belongs to the traefik-dashboard app: until that
  app is deployed the router has no middleware and Traefik answers 404.
- traefik (apps/traefik-dashboard/overlays/dev, the chart's values): on `web`, the chart's own
  dashboard IngressRoute (`PathPrefix(/dashboard) || PathPrefix(/api)`, 46 characters) outranks
  the repository's redirecting `Host(traefik.dev...)` one (34): Traefik v2 ranks a router by the
  length of its rule (pkg/muxer/http/mux.go). So /dashboard/ is served over plain HTTP and any
  other path redirects. On `websecure` the dashboard; `/` answers 302 to /dashboard/.
- argocd: the Argo CD server's own LoadBalancer, `--insecure` in the dev tfvars: 200 over HTTP.

HTTPS serves the host's certificate once cert-manager has issued its TLS Secret, from Let's
Encrypt's staging hierarchy (ingress_tls.py), else Traefik's default certificate. The demo uses
`demo_checks()`: the profile's checks pointed at this server, same names, with a Host header
each and a `connect_to` that sends their HTTPS URLs to the HTTPS server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import ssl
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vixens_tui.core.profile import HttpCheck
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.conditions import condition, is_ready
from vixens_tui.sim.ingress_tls import IngressCertificates
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


REDIRECT_MIDDLEWARE_APP = "traefik-dashboard"
"""The app whose base deploys the `redirect-https` Middleware the ingresses name."""
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Route:
    check: HttpCheck
    host: str
    kind: str
    """argocd, whoami, traefik or generic: what the page looks like."""
    backends: tuple[Workload, ...]

    @property
    def behind_traefik(self) -> bool:
        return self.kind in ("whoami", "traefik")


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: str
    location: str = ""


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
        self._httpd.tls = None  # type: ignore[attr-defined]
        self.certificates = IngressCertificates(self.issued)
        self._httpsd = ThreadingHTTPServer((host, 0), _Handler)
        self._httpsd.daemon_threads = True
        self._httpsd.checks = self  # type: ignore[attr-defined]
        self._httpsd.tls = self.certificates.server_context  # type: ignore[attr-defined]
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_port(self) -> int:
        return int(self._httpsd.server_address[1])

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

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
        for name, server in (("sim-http-checks", self._httpd), ("sim-https-checks", self._httpsd)):
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=name,
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in (self._httpd, self._httpsd):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def demo_checks(self) -> tuple[HttpCheck, ...]:
        """The profile's checks, pointed at this server (one Host header per check); the
        HTTPS URL of each named host goes to the HTTPS server (`connect_to`)."""
        https = {
            f"{host}:443": f"127.0.0.1:{self.https_port}"
            for host in sorted({r.host.lower() for r in self.routes.values()})
            if host and not _is_ip(host)
        }
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
                        "connect_to": {**https, **check.connect_to},
                    }
                )
            )
        return tuple(checks)

    # -- answering -------------------------------------------------------------------------

    def backend_pod(self, route: Route, *, traefik_only: bool = False) -> tuple[bool, str, str]:
        """(every backend has a Ready pod, the app pod's name, its IP); `traefik_only`: only
        Traefik's pods count (a redirect never reaches the app)."""
        world = self.world
        with world.store.lock:
            if not route.backends:
                return world.api_should_be_up(world.clock.now()), "", ""
            chosen = ("", "")
            for workload in route.backends:
                if traefik_only and workload.name != "traefik":
                    continue
                ready = [p for p in world.pods_of(workload) if is_ready(p)]
                if not ready:
                    return False, "", ""
                chosen = (ready[0]["metadata"]["name"], ready[0]["status"].get("podIP", ""))
            return True, chosen[0], chosen[1]

    def issued(self, host: str) -> bool:
        """Whether a Ready Certificate names `host` and its TLS Secret exists (Traefik then
        serves it; before, its default certificate)."""
        world = self.world
        with world.store.lock:
            for cert in world.store.list(kinds.CERTIFICATE):
                spec = cert.get("spec", {})
                ready = condition(cert, "Ready")
                if host not in (spec.get("dnsNames") or []) or not ready:
                    continue
                if ready.get("status") != "True":
                    continue
                namespace = cert["metadata"]["namespace"]
                if world.store.get(kinds.SECRET, namespace, spec.get("secretName", "")):
                    return True
        return False

    def _redirects(self) -> bool:
        """The `redirect-https` Middleware exists (its app is deployed): without it Traefik
        drops the router that names it."""
        world = self.world
        if all(plan.name != REDIRECT_MIDDLEWARE_APP for plan in world.catalog.apps):
            return True
        with world.store.lock:
            return REDIRECT_MIDDLEWARE_APP in world.life.deployed_apps

    def respond(self, handler: BaseHTTPRequestHandler, *, secure: bool) -> Answer:
        """What Traefik (or the Argo CD server) answers to a request."""
        host = handler.headers.get("Host", "").lower()
        route = self.routes.get(host) or self.routes.get(host.split(":")[0])
        if route is None or (secure and not route.behind_traefik):
            return Answer(404, TEXT, "404 page not found\n")
        path = handler.path.split("?", 1)[0]
        dashboard = path.startswith(("/dashboard", "/api"))
        if not secure and (route.kind == "whoami" or (route.kind == "traefik" and not dashboard)):
            if not self.backend_pod(route, traefik_only=True)[0]:
                return Answer(503, TEXT, "no available server\n")
            if not self._redirects():
                return Answer(404, TEXT, "404 page not found\n")
            # redirectScheme: 301 to a GET, 308 to anything else; the request's port dropped.
            status = 301 if handler.command == "GET" else 308
            location = f"https://{host.split(':')[0]}{handler.path}"
            return Answer(status, TEXT, HTTPStatus(status).phrase, location)
        up, pod, pod_ip = self.backend_pod(route)
        if not up:
            return Answer(503, TEXT, "no available server\n")
        if route.kind == "argocd":
            return Answer(200, HTML, ARGOCD_PAGE)
        if route.kind == "traefik":
            if path == "/":
                # api@internal: http.Redirect(..., "/dashboard/", http.StatusFound).
                return Answer(302, HTML, '<a href="/dashboard/">Found</a>.\n\n', "/dashboard/")
            return Answer(200, HTML, TRAEFIK_PAGE)
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
                f"X-Forwarded-Port: {443 if secure else 80}",
                f"X-Forwarded-Proto: {'https' if secure else 'http'}",
                f"X-Real-Ip: {client}",
            ]
            return Answer(200, TEXT, "\n".join(lines) + "\n")
        return Answer(200, TEXT, "OK\n")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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
    timeout = 60

    def setup(self) -> None:
        tls: ssl.SSLContext | None = self.server.tls  # type: ignore[attr-defined]
        if tls is not None:
            # The handshake runs in this thread, at the first read: a client that never
            # completes it does not hold up the accept loop.
            self.request = tls.wrap_socket(
                self.request, server_side=True, do_handshake_on_connect=False
            )
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if isinstance(self.request, ssl.SSLSocket):
                # The TLS socket owns the descriptor now: socketserver would close the raw one.
                with contextlib.suppress(OSError):
                    self.request.close()

    def handle(self) -> None:
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        checks: CheckServer = self.server.checks  # type: ignore[attr-defined]
        answer = checks.respond(self, secure=self.server.tls is not None)  # type: ignore[attr-defined]
        data = answer.body.encode()
        self.send_response(answer.status)
        if answer.location:
            self.send_header("Location", answer.location)
        self.send_header("Content-Type", answer.content_type)
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
