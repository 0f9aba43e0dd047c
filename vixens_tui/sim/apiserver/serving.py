"""The resource verbs of a request (list, get, create, update, patch, delete, deletecollection):
parameters decoded and bodies read as the real server does, then answered in JSON, as a Table
or as partial object metadata. A mixin of the request handler (handler.py), which keeps the
plumbing, the routing, watches and logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vixens_tui.sim.apiserver import errors, field_labels, json_body, kinds, protobuf
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.query import (
    ListOptions,
    Query,
    check_dry_run,
    first,
    int_param,
    list_options,
)
from vixens_tui.sim.apiserver.selectors import FieldSelector, LabelSelector, SelectorError
from vixens_tui.sim.apiserver.tables import TABLE_CONTENT_TYPE, table

if TYPE_CHECKING:
    from email.message import Message

    from vixens_tui.sim.apiserver.server import APIServer

Obj = dict[str, Any]
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


def _versioned(kind: Kind, answer: Obj) -> Obj:
    """An answer as the request's version reads it: objects are stored in their CRD's storage
    version (cilium.io/v2 for the LB-IPAM pool) and converted on the way out."""
    if answer.get("kind") == kind.list_kind and isinstance(answer.get("items"), list):
        return {**answer, "items": [kinds.as_version(kind, o) for o in answer["items"]]}
    if answer.get("kind") == kind.kind:
        return kinds.as_version(kind, answer)
    return answer


def _partial(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


class ResourceRequests:
    """What the handler answers for a resource route."""

    command: str
    headers: Message

    @property
    def api(self) -> APIServer:
        raise NotImplementedError

    def _send_json(self, code: int, obj: Any, content_type: str = JSON) -> None:
        raise NotImplementedError

    def _watch(
        self, route: Route, query: Query, options: ListOptions, fields: FieldSelector
    ) -> None:
        raise NotImplementedError

    def _log(self, route: Route, query: Query) -> None:
        raise NotImplementedError

    # -- reading the request ---------------------------------------------------------------

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

    def _parse_body(self, body: bytes, kind: Kind) -> Any:
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
        return json_body.decode(body, kind)

    def _parse_options(self, body: bytes) -> Any:
        content_type = self.headers.get("Content-Type", JSON).split(";")[0].strip()
        if content_type == protobuf.CONTENT_TYPE:
            try:
                return protobuf.decode(body)
            except protobuf.ProtobufError as exc:
                raise errors.bad_request(str(exc)) from None
        return json_body.decode_options(body)

    @staticmethod
    def _selectors(kind: Kind, options: ListOptions) -> tuple[LabelSelector, FieldSelector]:
        try:
            labels = LabelSelector.parse(options.label_selector)
            fields = FieldSelector.parse(options.field_selector)
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from None
        # Each kind's field label conversion: an unsupported label is a 400.
        return labels, field_labels.convert(kind, fields)

    def _delete_options(self, query: Query, body: bytes, kind: Kind) -> tuple[Obj, bool]:
        """(DeleteOptions, dry run). As in apiserver's handlers/delete.go, a body is the whole
        of the options (the query is then not read); without one the query is decoded."""
        options: Obj = {}
        if body.strip():
            parsed = self._parse_options(body)
            if isinstance(parsed, dict):
                options.update(parsed)
            dry_run = options.get("dryRun") or []
            if not isinstance(dry_run, list):
                raise errors.bad_request("dryRun must be a list of strings")
        else:
            grace = int_param(query, "gracePeriodSeconds")
            if grace is not None:
                options["gracePeriodSeconds"] = grace
            if "propagationPolicy" in query:
                options["propagationPolicy"] = first(query, "propagationPolicy")
            dry_run = query.get("dryRun", [])
        return options, check_dry_run([str(v) for v in dry_run], "DeleteOptions")

    # -- answering -------------------------------------------------------------------------

    def _serve(self, route: Route, query: Query, body: bytes) -> None:
        api = self.api
        resources = api.resources
        kind = route.kind
        method = self.command
        if not route.name:
            self._serve_collection(route, query, body)
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
            dry_run = check_dry_run(query.get("dryRun", []), "UpdateOptions")
            updated = resources.update(
                kind,
                route.namespace,
                route.name,
                self._parse_body(body, kind),
                dry_run=dry_run,
                subresource=route.subresource,
            )
            self._send_json(200, _versioned(kind, updated))
        elif method == "PATCH":
            api.count(f"patch {kind.resource}")
            dry_run = check_dry_run(query.get("dryRun", []), "PatchOptions")
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
            self._send_json(201 if was_created else 200, _versioned(kind, result))
        elif method == "DELETE":
            api.count(f"delete {kind.resource}")
            options, dry_run = self._delete_options(query, body, kind)
            deleted = resources.delete(kind, route.namespace, route.name, options, dry_run=dry_run)
            self._send_json(200, _versioned(kind, deleted))
        else:
            raise errors.method_not_allowed()

    def _serve_collection(self, route: Route, query: Query, body: bytes) -> None:
        api = self.api
        resources = api.resources
        kind = route.kind
        method = self.command
        if method == "POST":
            api.count(f"create {kind.resource}")
            dry_run = check_dry_run(query.get("dryRun", []), "CreateOptions")
            created = resources.create(
                kind, route.namespace, self._parse_body(body, kind), dry_run=dry_run
            )
            self._send_json(201, _versioned(kind, created))
            return
        if method not in ("GET", "HEAD", "DELETE"):
            raise errors.method_not_allowed()
        options = list_options(query)
        labels, fields = self._selectors(kind, options)
        scope = route.namespace or None
        if method == "GET" and (route.watch or options.watch):
            api.count(f"watch {kind.resource}")
            self._watch(route, query, options, fields)
        elif method in ("GET", "HEAD"):
            api.count(f"list {kind.resource}")
            listed = resources.list(
                kind,
                scope,
                labels,
                fields,
                limit=options.limit,
                continue_token=options.continue_token,
            )
            self._respond_read(kind, listed, query, is_list=True)
        elif "deletecollection" in kind.verbs:
            api.count(f"deletecollection {kind.resource}")
            delete_options, dry_run = self._delete_options(query, body, kind)
            deleted = resources.delete_collection(
                kind, scope, labels, fields, delete_options, dry_run=dry_run
            )
            self._send_json(200, _versioned(kind, deleted))
        else:
            raise errors.method_not_allowed()

    def _respond_read(self, kind: Kind, obj: Obj, query: Query, *, is_list: bool) -> None:
        obj = _versioned(kind, obj)
        accept = self._accept()
        if accept == "table":
            objects = obj["items"] if is_list else [obj]
            meta = obj.get("metadata", {})
            rendered = table(
                kind,
                objects,
                now=self.api.now(),
                resource_version=str(meta.get("resourceVersion", "")),
                include_object=first(query, "includeObject", "Metadata"),
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
