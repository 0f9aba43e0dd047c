"""Requests to the simulated API server: authentication, routing, content types, watches.

A stdlib `ThreadingHTTPServer` (one thread per connection) is enough for kubectl and the
`kubernetes` client. The traps of the stdlib (testing.md): every request body is read even when
unused (DELETE has one) or keep-alive breaks; HTTP/1.1; chunks are written by hand; the
connection is closed after a watch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from vixens_tui.sim.apiserver import discovery, errors, kinds, logstream, openapi, protobuf
from vixens_tui.sim.apiserver.errors import ApiError
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.selectors import FieldSelector, LabelSelector, SelectorError
from vixens_tui.sim.apiserver.tables import TABLE_CONTENT_TYPE, table
from vixens_tui.sim.apiserver.watch import WatchDropped, WatchRequest, run_watch

if TYPE_CHECKING:
    from vixens_tui.sim.apiserver.server import APIServer

Obj = dict[str, Any]
log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/version", "/healthz", "/livez", "/readyz"})
JSON = "application/json"
_PARTIAL_LIST = "as=PartialObjectMetadataList"
_PARTIAL = "as=PartialObjectMetadata"


@dataclass(frozen=True, slots=True)
class Route:
    kind: Kind
    namespace: str
    name: str
    subresource: str
    watch: bool


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


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, [""])[-1].lower() in ("true", "1")


def _param(query: dict[str, list[str]], name: str, default: str = "") -> str:
    return query.get(name, [default])[-1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HTTPServer
    # Idle keep-alive connections give their thread back after a while.
    timeout = 300

    def setup(self) -> None:
        api = self.server.api
        # Headers and body leave in separate writes: without NODELAY each answer can wait for
        # the client's delayed ACK (40 ms per request).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = api.tls.wrap_socket(self.request, server_side=True)
        api.track(self.request, True)
        self._generation = api.generation
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
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, code: int, obj: Any, content_type: str = JSON) -> None:
        self._send(code, json.dumps(obj, separators=(",", ":")).encode(), content_type)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self) -> None:
        api = self.server.api
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
            if path in PUBLIC_PATHS:
                return
            raise errors.anonymous_forbidden("get", path)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.server.api.token:
            raise errors.unauthorized()

    def _disrupt(self, path: str) -> None:
        disruptions = self.server.api.disruptions
        if disruptions is None:
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
            self._send_json(200, discovery.api_group_list())
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
                found = discovery.api_group(parts[1])
                if found is None:
                    raise errors.path_not_found()
                self._send_json(200, found)
                return
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise errors.path_not_found()
        if not rest:
            api.count("discovery")
            resources = discovery.resource_list(group, version)
            if resources is None:
                raise errors.path_not_found()
            self._send_json(200, resources)
            return
        route = self._resolve(group, version, rest)
        self._serve(route, query, body)

    def _openapi(self, path: str) -> None:
        if path == "/openapi/v3":
            self._send_json(200, openapi.index())
            return
        if path.startswith("/openapi/v3/"):
            parts = path.removeprefix("/openapi/v3/").split("/")
            doc = None
            if parts[0] == "api" and len(parts) == 2:
                doc = openapi.document("", parts[1])
            elif parts[0] == "apis" and len(parts) == 3:
                doc = openapi.document(parts[1], parts[2])
            if doc is not None:
                self._send_json(200, doc)
                return
        raise errors.path_not_found()

    def _resolve(self, group: str, version: str, rest: list[str]) -> Route:
        watch = False
        if rest and rest[0] == "watch":
            watch, rest = True, rest[1:]
        namespace = ""
        if len(rest) >= 3 and rest[0] == "namespaces" and kinds.lookup(group, version, rest[2]):
            namespace, rest = rest[1], rest[2:]
        elif (
            len(rest) == 3
            and rest[0] == "namespaces"
            and not group
            and rest[2] in kinds.NAMESPACE.subresources
        ):
            return Route(kinds.NAMESPACE, "", rest[1], rest[2], watch)
        kind = kinds.lookup(group, version, rest[0]) if rest else None
        if kind is None or len(rest) > 3:
            raise errors.path_not_found()
        if namespace and not kind.namespaced:
            raise errors.path_not_found()
        name = rest[1] if len(rest) >= 2 else ""
        sub = rest[2] if len(rest) == 3 else ""
        if sub and sub not in kind.subresources:
            raise errors.path_not_found()
        return Route(kind, namespace, name, sub, watch)

    # -- resources -------------------------------------------------------------------------

    def _accept(self) -> str:
        accept = self.headers.get("Accept", "")
        for option in accept.split(","):
            if "as=Table" in option and "meta.k8s.io" in option:
                return "table"
            if _PARTIAL_LIST in option or (_PARTIAL in option and "meta.k8s.io" in option):
                return "partial"
            if "json" in option or "*/*" in option or "protobuf" in option:
                return "json"
        return "json"

    def _parse_body(self, body: bytes) -> Any:
        content_type = self.headers.get("Content-Type", JSON).split(";")[0].strip()
        if content_type == protobuf.CONTENT_TYPE:
            try:
                return protobuf.decode(body)
            except protobuf.ProtobufError as exc:
                raise errors.unsupported_media_type(
                    content_type, (JSON, protobuf.CONTENT_TYPE)
                ) from exc
        if content_type in ("application/yaml", "application/apply-patch+yaml"):
            import yaml

            return yaml.safe_load(body.decode("utf-8") or "null")
        try:
            return json.loads(body.decode("utf-8") or "null")
        except ValueError as exc:
            raise errors.bad_request(f"error decoding the request body: {exc}") from None

    @staticmethod
    def _dry_run(query: dict[str, list[str]]) -> bool:
        values = [v for v in query.get("dryRun", []) if v]
        for value in values:
            if value != "All":
                raise errors.bad_request(
                    f"unsupported dry run value {value!r}; only All is supported"
                )
        return bool(values)

    @staticmethod
    def _selectors(query: dict[str, list[str]]) -> tuple[LabelSelector, FieldSelector]:
        try:
            return (
                LabelSelector.parse(_param(query, "labelSelector")),
                FieldSelector.parse(_param(query, "fieldSelector")),
            )
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from None

    def _serve(self, route: Route, query: dict[str, list[str]], body: bytes) -> None:
        api = self.server.api
        resources = api.resources
        kind = route.kind
        method = self.command
        dry_run = self._dry_run(query)
        if not route.name:
            labels, fields = self._selectors(query)
            scope = route.namespace or None
            if method == "GET" and (route.watch or _flag(query, "watch")):
                api.count(f"watch {kind.resource}")
                self._watch(route, query, labels, fields)
            elif method in ("GET", "HEAD"):
                api.count(f"list {kind.resource}")
                listed = resources.list(
                    kind,
                    scope,
                    labels,
                    fields,
                    limit=int(_param(query, "limit", "0") or 0),
                    continue_token=_param(query, "continue"),
                )
                self._respond_read(kind, listed, query, is_list=True)
            elif method == "POST":
                api.count(f"create {kind.resource}")
                created = resources.create(
                    kind, route.namespace, self._parse_body(body), dry_run=dry_run
                )
                self._send_json(201, created)
            elif method == "DELETE" and "deletecollection" in kind.verbs:
                api.count(f"deletecollection {kind.resource}")
                options = self._delete_options(query, body)
                self._send_json(
                    200,
                    resources.delete_collection(
                        kind, scope, labels, fields, options, dry_run=dry_run
                    ),
                )
            else:
                raise errors.method_not_allowed()
            return
        if route.subresource == "log":
            api.count(f"log {kind.resource}")
            self._log(route, query)
            return
        if method in ("GET", "HEAD"):
            api.count(f"get {kind.resource}")
            self._respond_read(
                kind, resources.get(kind, route.namespace, route.name), query, is_list=False
            )
        elif method == "PUT":
            api.count(f"update {kind.resource}")
            self._send_json(
                200,
                resources.update(
                    kind,
                    route.namespace,
                    route.name,
                    self._parse_body(body),
                    dry_run=dry_run,
                    subresource=route.subresource,
                ),
            )
        elif method == "PATCH":
            api.count(f"patch {kind.resource}")
            content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
            result, was_created = resources.patch(
                kind,
                route.namespace,
                route.name,
                content_type,
                body,
                dry_run=dry_run,
                subresource=route.subresource,
            )
            self._send_json(201 if was_created else 200, result)
        elif method == "DELETE":
            api.count(f"delete {kind.resource}")
            options = self._delete_options(query, body)
            self._send_json(
                200, resources.delete(kind, route.namespace, route.name, options, dry_run=dry_run)
            )
        else:
            raise errors.method_not_allowed()

    def _delete_options(self, query: dict[str, list[str]], body: bytes) -> Obj:
        options: Obj = {}
        if body.strip():
            parsed = self._parse_body(body)
            if isinstance(parsed, dict):
                options.update(parsed)
        if "gracePeriodSeconds" in query:
            try:
                options["gracePeriodSeconds"] = int(_param(query, "gracePeriodSeconds"))
            except ValueError:
                raise errors.bad_request("gracePeriodSeconds must be an integer") from None
        if "propagationPolicy" in query:
            options["propagationPolicy"] = _param(query, "propagationPolicy")
        return options

    def _respond_read(
        self, kind: Kind, obj: Obj, query: dict[str, list[str]], *, is_list: bool
    ) -> None:
        accept = self._accept()
        if accept == "table":
            objects = obj["items"] if is_list else [obj]
            meta = obj.get("metadata", {})
            rendered = table(
                kind,
                objects,
                now=self.server.api.now(),
                resource_version=str(meta.get("resourceVersion", "")),
                include_object=_param(query, "includeObject", "Metadata"),
                continue_token=str(meta.get("continue", "")) if is_list else "",
            )
            self._send_json(200, rendered, TABLE_CONTENT_TYPE)
        elif accept == "partial":
            if is_list:
                partial: Obj = {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata", {}),
                    "items": [_partial(o) for o in obj["items"]],
                }
            else:
                partial = _partial(obj)
            self._send_json(
                200,
                partial,
                f"{JSON};as=PartialObjectMetadata{'List' if is_list else ''};g=meta.k8s.io;v=v1",
            )
        else:
            self._send_json(200, obj)

    def _watch(
        self,
        route: Route,
        query: dict[str, list[str]],
        labels: LabelSelector,
        fields: FieldSelector,
    ) -> None:
        api = self.server.api
        timeout = _param(query, "timeoutSeconds")
        request = WatchRequest(
            kind=route.kind,
            namespace=route.namespace or None,
            labels=labels,
            fields=fields,
            resource_version=_param(query, "resourceVersion"),
            send_initial_events=_flag(query, "sendInitialEvents"),
            allow_bookmarks=_flag(query, "allowWatchBookmarks"),
            timeout_s=float(timeout) if timeout else 1800.0,
        )
        as_table = self._accept() == "table"
        resuming = request.resource_version not in ("", "0") and not request.send_initial_events
        disruptions = api.disruptions
        expire = bool(disruptions and resuming and disruptions.expire_resume())
        drop = disruptions.drop_watch_after_s() if disruptions else None
        self.send_response(200)
        self.send_header("Content-Type", TABLE_CONTENT_TYPE if as_table else JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        first = [True]

        def send(event_type: str, obj: Obj) -> None:
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


def _partial(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }
