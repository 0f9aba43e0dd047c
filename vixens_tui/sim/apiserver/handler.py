"""Requests to the simulated API server: authentication, routing, content types, watches.

A stdlib `ThreadingHTTPServer` (one thread per connection) is enough for kubectl and the
`kubernetes` client. The traps of the stdlib (docs/testing.md): every request body is read even when
unused (DELETE has one) or keep-alive breaks; HTTP/1.1; chunks are written by hand; the
connection is closed after a watch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from vixens_tui.sim.apiserver import discovery, errors, kinds, logstream, openapi, reviews
from vixens_tui.sim.apiserver.errors import ApiError
from vixens_tui.sim.apiserver.query import ListOptions
from vixens_tui.sim.apiserver.selectors import FieldSelector, LabelSelector
from vixens_tui.sim.apiserver.serving import JSON, ResourceRequests, Route
from vixens_tui.sim.apiserver.tables import TABLE_CONTENT_TYPE, table
from vixens_tui.sim.apiserver.watch import WatchDropped, WatchRequest, run_watch

if TYPE_CHECKING:
    from vixens_tui.sim.apiserver.server import APIServer

Obj = dict[str, Any]
log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/version", "/healthz", "/livez", "/readyz"})
SPARED_AGENTS = ("kubectl/", "HashiCorp/")
"""User-Agents `api-flaky` leaves alone: kubectl's and Terraform providers' (see _spared)."""


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api: APIServer) -> None:
        super().__init__(address, _Handler, bind_and_activate=False)
        self.api = api

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-handshake or mid-watch are normal here; stay quiet.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


def _param(query: dict[str, list[str]], name: str, default: str = "") -> str:
    return query.get(name, [default])[-1]


class _Handler(ResourceRequests, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HTTPServer
    # Idle keep-alive connections give their thread back after a while.
    timeout = 300
    _warnings: list[str]
    """The Warning headers of the request being answered (deprecated versions)."""

    @property
    def api(self) -> APIServer:
        return self.server.api

    def setup(self) -> None:
        api = self.server.api
        # Headers and body leave in separate writes: without NODELAY each answer can wait for
        # the client's delayed ACK (40 ms per request).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = api.tls.wrap_socket(self.request, server_side=True)
        api.track(self.request, True)
        self._generation = api.generation
        self._warnings = []
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.api.track(self.request, False)
            # The TLS socket owns the descriptor now: socketserver would close the raw one.
            with contextlib.suppress(OSError):
                self.request.close()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    # -- plumbing --------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, code: int, body: bytes, content_type: str = JSON) -> None:
        self.send_response(code)
        self._send_warnings()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, code: int, obj: Any, content_type: str = JSON) -> None:
        self._send(code, json.dumps(obj, separators=(",", ":")).encode(), content_type)

    def _send_warnings(self) -> None:
        """RFC 7234 warning headers, as apiserver's warning recorder writes them: kubectl
        prints each as `Warning: TEXT` on stderr."""
        for text in self._warnings:
            escaped = text.replace("\\", "\\\\").replace('"', '\\"')
            self.send_header("Warning", f'299 - "{escaped}"')

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self) -> None:
        api = self.server.api
        self._warnings = []
        body = self._read_body()
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            self._authenticate(path)
            if path in ("/healthz", "/livez", "/readyz"):
                api.count("health")
                self._send(200, b"ok", "text/plain; charset=utf-8")
                return
            self._disrupt(path)
            self._route(path, query, body)
        except ApiError as exc:
            self._send_json(exc.code, exc.status())
        except OSError:
            # The client hung up, or the API went down under it (TLS errors are OSErrors too).
            self.close_connection = True
        except WatchDropped:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.request.shutdown(socket.SHUT_RDWR)
        except Exception:
            log.exception("sim API server: %s %s failed", self.command, self.path)
            status = ApiError(
                500, "InternalError", "Internal error occurred: sim API server bug"
            ).status()
            try:
                self._send_json(500, status)
            except OSError:
                self.close_connection = True

    def _authenticate(self, path: str) -> None:
        header = self.headers.get("Authorization", "")
        if not header:
            if path in PUBLIC_PATHS or self._certified_admin():
                return
            raise errors.anonymous_forbidden("get", path)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.server.api.token:
            raise errors.unauthorized()

    def _spared(self) -> bool:
        """`api-flaky` tests the product's own API traffic (its watches and calls). The demo's
        Terraform providers and its provisioners' kubectl are spared: a flaky API fails real
        Terraform too, in ways no product repairs, and that is not what the fault is about."""
        agent = self.headers.get("User-Agent", "")
        return agent.startswith(SPARED_AGENTS)

    def _certified_admin(self) -> bool:
        """A client certificate the cluster CA signed (the TLS handshake verified it) for a
        member of system:masters: Talos's admin certificate. No RBAC here beyond that."""
        getpeercert = getattr(self.request, "getpeercert", None)
        peer = getpeercert() if getpeercert is not None else None
        if not peer:
            return False
        groups = {
            value
            for rdn in peer.get("subject", ())
            for key, value in rdn
            if key == "organizationName"
        }
        return "system:masters" in groups

    def _disrupt(self, path: str) -> None:
        disruptions = self.server.api.disruptions
        if disruptions is None or self._spared():
            return
        delay = disruptions.delay_s()
        if delay > 0:
            time.sleep(delay)
        failure = disruptions.failure()
        if failure is not None:
            code, reason, message = failure
            raise ApiError(code, reason, message)

    def _route(self, path: str, query: dict[str, list[str]], body: bytes) -> None:
        api = self.server.api
        if path == "/version":
            api.count("version")
            self._send_json(200, discovery.version_info(api.git_version))
            return
        if path == "/api":
            api.count("discovery")
            self._send_json(200, discovery.api_versions(api.advertise_address))
            return
        if path == "/apis":
            api.count("discovery")
            self._send_json(200, discovery.api_group_list(api.serves))
            return
        if path.startswith("/openapi/"):
            api.count("openapi")
            self._openapi(path)
            return
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 2:
            if len(parts) == 2:
                api.count("discovery")
                found = discovery.api_group(parts[1], api.serves)
                if found is None:
                    raise errors.path_not_found()
                self._send_json(200, found)
                return
            group, version, rest = parts[1], parts[2], parts[3:]
            if group in reviews.RESOURCES and rest:
                api.count(f"create {rest[-1]}.{group}")
                content_type = self.headers.get("Content-Type", JSON).split(";")[0].strip()
                answer = reviews.serve(
                    group, version, rest, self.command, body, content_type=content_type
                )
                self._send_json(201, answer)
                return
        else:
            raise errors.path_not_found()
        if not rest:
            api.count("discovery")
            resources = discovery.resource_list(group, version, api.serves)
            if resources is None:
                raise errors.path_not_found()
            self._send_json(200, resources)
            return
        route = self._resolve(group, version, rest)
        self._serve(route, query, body)

    def _openapi(self, path: str) -> None:
        api = self.server.api
        served = api.serves
        if path == "/openapi/v2":
            if "protobuf" in self.headers.get("Accept", ""):
                self._send(200, openapi.v2_protobuf(api.git_version), openapi.V2_PROTOBUF)
            else:
                self._send_json(200, openapi.v2_document(api.git_version))
            return
        if path == "/openapi/v3":
            self._send_json(200, openapi.index(served))
            return
        if path.startswith("/openapi/v3/"):
            parts = path.removeprefix("/openapi/v3/").split("/")
            doc = None
            if parts[0] == "api" and len(parts) == 2:
                doc = openapi.document("", parts[1], served)
            elif parts[0] == "apis" and len(parts) == 3:
                doc = openapi.document(parts[1], parts[2], served)
            if doc is not None:
                self._send_json(200, doc)
                return
        raise errors.path_not_found()

    def _resolve(self, group: str, version: str, rest: list[str]) -> Route:
        # A kind whose CRD is missing is not found, as the delegate of a real crdHandler says.
        served = self.server.api.serves
        watch = False
        if rest and rest[0] == "watch":
            watch, rest = True, rest[1:]
        namespace = ""
        if (
            len(rest) >= 3
            and rest[0] == "namespaces"
            and kinds.lookup(group, version, rest[2], served)
        ):
            namespace, rest = rest[1], rest[2:]
        elif (
            len(rest) == 3
            and rest[0] == "namespaces"
            and not group
            and rest[2] in kinds.NAMESPACE.subresources
        ):
            return Route(kinds.NAMESPACE, "", rest[1], rest[2], watch)
        kind = kinds.lookup(group, version, rest[0], served) if rest else None
        if kind is None or len(rest) > 3:
            raise errors.path_not_found()
        if namespace and not kind.namespaced:
            raise errors.path_not_found()
        if kind.deprecated_for:
            self._warnings.append(kind.deprecation_warning)
        name = rest[1] if len(rest) >= 2 else ""
        sub = rest[2] if len(rest) == 3 else ""
        if sub and sub not in kind.subresources:
            raise errors.path_not_found()
        return Route(kind, namespace, name, sub, watch)

    def _watch(
        self, route: Route, query: dict[str, list[str]], options: ListOptions, fields: FieldSelector
    ) -> None:
        api = self.server.api
        request = WatchRequest(
            kind=route.kind,
            namespace=route.namespace or None,
            labels=LabelSelector.parse(options.label_selector),
            fields=fields,
            resource_version=options.resource_version,
            send_initial_events=options.send_initial_events,
            allow_bookmarks=options.allow_watch_bookmarks,
            timeout_s=float(options.timeout_seconds or 1800),
        )
        as_table = self._accept() == "table"
        resuming = request.resource_version not in ("", "0") and not request.send_initial_events
        disruptions = api.disruptions
        expire = bool(disruptions and resuming and disruptions.expire_resume())
        drop = disruptions.drop_watch_after_s() if disruptions else None
        self.send_response(200)
        self._send_warnings()
        self.send_header("Content-Type", TABLE_CONTENT_TYPE if as_table else JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        first = [True]

        def send(event_type: str, obj: Obj) -> None:
            if event_type == "ERROR":
                # Counted apart: a client's relist after it (410) is not polling, and a test
                # that counts requests can tell the two apart.
                api.count(f"watch-error {route.kind.resource} {obj.get('code')}")
            if event_type in ("ADDED", "MODIFIED", "DELETED"):
                obj = kinds.as_version(route.kind, obj)
            if as_table and event_type in ("ADDED", "MODIFIED", "DELETED"):
                obj = table(
                    route.kind,
                    [obj],
                    now=api.now(),
                    resource_version=str(obj.get("metadata", {}).get("resourceVersion", "")),
                    include_object=_param(query, "includeObject", "Metadata"),
                    headers=first[0],
                )
                first[0] = False
            self._chunk(
                json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode()
                + b"\n"
            )

        generation = self._generation
        run_watch(
            api.store,
            request,
            send,
            stop=lambda: api.generation != generation or not api.available,
            expire_resume=expire,
            drop_after_s=drop,
        )
        self._chunk(b"")
        self.close_connection = True

    def _log(self, route: Route, query: dict[str, list[str]]) -> None:
        api = self.server.api
        pod = api.resources.get(route.kind, route.namespace, route.name)
        containers = [c.get("name", "") for c in pod.get("spec", {}).get("containers") or []]
        container = _param(query, "container")
        if not container:
            default = (
                pod["metadata"]
                .get("annotations", {})
                .get("kubectl.kubernetes.io/default-container")
            )
            if default:
                container = default
            elif len(containers) == 1:
                container = containers[0]
            else:
                raise errors.bad_request(
                    f"a container name must be specified for pod {route.name}, choose one of: "
                    f"[{' '.join(containers)}]"
                )
        if container not in containers:
            raise errors.bad_request(f"container {container} is not valid for pod {route.name}")
        text = seen = api.logs(pod, container) if api.logs is not None else ""
        tail = _param(query, "tailLines")
        if tail.isdigit():
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-int(tail) :]) if int(tail) else ""
        if not (_param(query, "follow").lower() in ("true", "1") and api.logs is not None):
            self._send(200, text.encode(), "text/plain")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if text:
            self._chunk(text.encode())
        generation = self._generation
        logstream.follow(
            api.store,
            route.kind,
            pod,
            container,
            api.logs,
            seen=seen,
            write=self._chunk,
            connection=self.request,
            stop=lambda: api.generation != generation or not api.available,
        )
        self._chunk(b"")
        self.close_connection = True
