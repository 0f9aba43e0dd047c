"""OpenAPI v3: the paths `kubectl apply` needs, and the schemas `kubectl explain` reads.

kubectl 1.37 looks, per group-version, for the PATCH operation tagged with the object's
`x-kubernetes-group-version-kind`: a `fieldValidation` query parameter there means "the server
validates", so kubectl sends `fieldValidation=Strict` instead of validating client-side with
the (absent) OpenAPI v2 document. The request body does not list strategic-merge-patch on
purpose: kubectl then computes the strategic patch of a built-in kind from its compiled-in
types (exact merge keys), and falls back to a JSON merge patch for custom resources, which is
what it does against a real cluster with CRDs.

The schemas (`openapi_schemas.json`, made by `openapi_build.py`) are the real ones, with their
descriptions: built-in kinds from the Kubernetes API, the Application from Argo CD's CRD. They
are read on the first OpenAPI request, never at start-up, and each document is built once per
set of served kinds: a group-version whose CRDs do not exist yet is absent (404, and not in the
index), and its document and hash change when a CRD comes or goes, as a real server's do.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from vixens_tui.sim.apiserver import cilium_schema
from vixens_tui.sim.apiserver.kinds import Kind, Served, group_versions, kinds_of

Obj = dict[str, Any]

_SCHEMA_PREFIX = {
    "": "io.k8s.api.core.v1",
    "apps": "io.k8s.api.apps.v1",
    "argoproj.io": "io.argoproj.v1alpha1",
    "cert-manager.io": "io.cert-manager.v1",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
}
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_PATCH_BODIES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
)


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def schema_name(kind: Kind) -> str:
    return f"{_SCHEMA_PREFIX.get(kind.group, kind.group)}.{kind.kind}"


def _gvk(kind: Kind) -> Obj:
    return {"group": kind.group, "version": kind.version, "kind": kind.kind}


def _query(name: str) -> Obj:
    return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _ref(kind: Kind) -> Obj:
    return {"$ref": f"#/components/schemas/{schema_name(kind)}"}


def _operation(kind: Kind, action: str, *, body_types: tuple[str, ...] = ()) -> Obj:
    op: Obj = {
        "operationId": f"{action}{kind.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(kind),
        "parameters": [_query("dryRun"), _query("fieldManager")],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ref(kind)}}}
        },
    }
    if action in ("patch", "put", "post"):
        op["parameters"].append(_query("fieldValidation"))
    if body_types:
        op["requestBody"] = {
            "content": {t: {"schema": {"type": "object"}} for t in body_types},
            "required": True,
        }
    return op


def _paths(kind: Kind) -> Obj:
    base = f"/{gv_path(kind.group, kind.version)}"
    collection = (
        f"{base}/namespaces/{{namespace}}/{kind.plural}"
        if kind.namespaced
        else f"{base}/{kind.plural}"
    )
    item = f"{collection}/{{name}}"
    paths: Obj = {
        collection: {
            "get": _operation(kind, "list"),
            "post": _operation(kind, "post", body_types=("application/json",)),
            "delete": _operation(kind, "deletecollection"),
        },
        item: {
            "get": _operation(kind, "get"),
            "put": _operation(kind, "put", body_types=("application/json",)),
            "patch": _operation(kind, "patch", body_types=_PATCH_BODIES),
            "delete": _operation(kind, "delete"),
        },
    }
    if kind.namespaced:
        paths[f"{base}/{kind.plural}"] = {"get": _operation(kind, "list")}
    return paths


_SCHEMAS_FILE = Path(__file__).with_name("openapi_schemas.json")


@functools.cache
def _known() -> Obj:
    """The real schemas by definition name ({} when the file is missing)."""
    try:
        loaded: Obj = json.loads(_SCHEMAS_FILE.read_text())
    except (OSError, ValueError):
        return {}
    return loaded


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = set()
        ref = schema.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in schema.values():
            found |= _refs(value)
        return found
    if isinstance(schema, list):
        return set().union(*(_refs(v) for v in schema)) if schema else set()
    return set()


def _with_references(schemas: Obj) -> Obj:
    """`schemas` plus every known schema they reference, directly or not."""
    known = _known()
    pending = set().union(*(_refs(s) for s in schemas.values())) if schemas else set()
    while pending:
        name = pending.pop()
        if name in schemas or name not in known:
            continue
        schemas[name] = known[name]
        pending |= _refs(known[name])
    return schemas


def _schema(kind: Kind) -> Obj:
    real = _known().get(schema_name(kind))
    if real is not None:
        return {**real, "x-kubernetes-group-version-kind": [_gvk(kind)]}
    structural = cilium_schema.SCHEMAS.get(kind.kind)
    if structural is not None:
        # What the CRD publishes: its structural schema, metadata as ObjectMeta.
        published = copy.deepcopy(dict(structural))
        published["properties"]["metadata"] = {
            "allOf": [{"$ref": f"#/components/schemas/{_OBJECT_META}"}],
            "default": {},
        }
        return {**published, "x-kubernetes-group-version-kind": [_gvk(kind)]}
    properties: Obj = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"allOf": [{"$ref": f"#/components/schemas/{_OBJECT_META}"}], "default": {}},
    }
    for field in ("spec", "status", "data", "stringData", "binaryData", "type", "involvedObject"):
        properties[field] = (
            {"type": "string"}
            if field == "type"
            else {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        )
    return {
        "type": "object",
        "properties": properties,
        "x-kubernetes-group-version-kind": [_gvk(kind)],
    }


def document(group: str, version: str, served: Served | None = None) -> Obj | None:
    """The OpenAPI v3 document of one group-version, or None when it is not served (built once
    per set of served kinds: callers must not change it)."""
    found = tuple(kinds_of(group, version, served))
    return _document(found) if found else None


@functools.cache
def _document(found: tuple[Kind, ...]) -> Obj:
    paths: Obj = {}
    schemas: Obj = {
        _OBJECT_META: {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    }
    for kind in found:
        paths.update(_paths(kind))
        schemas[schema_name(kind)] = _schema(kind)
    if _known():
        schemas[_OBJECT_META] = _known().get(_OBJECT_META, schemas[_OBJECT_META])
        _with_references(schemas)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "unversioned"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


@functools.cache
def _hash(found: tuple[Kind, ...]) -> str:
    text = json.dumps(_document(found), sort_keys=True).encode()
    return hashlib.sha512(text).hexdigest()[:128].upper()


def index(served: Served | None = None) -> Obj:
    """/openapi/v3: where each served group-version's document is."""
    paths = {}
    for group, version in group_versions(served):
        path = gv_path(group, version)
        found = tuple(kinds_of(group, version, served))
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={_hash(found)}"}
    return {"paths": paths}


# -- OpenAPI v2 ------------------------------------------------------------------------------

V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def v2_document(git_version: str) -> Obj:
    """/openapi/v2, without definitions. kubectl 1.37 reads it only to validate client-side an
    object whose group-version the v3 index lacks and no CRD serves (`kubectl apply` before the
    CRDs exist); a real v2 document has no definition of such a kind either, so kubectl skips
    validation and fails at the mapping: `no matches for kind ... ensure CRDs are installed
    first`. Without the document it would stop at `error validating data` instead."""
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": git_version},
        "paths": {},
        "definitions": {},
    }


def _length_delimited(field: int, payload: bytes) -> bytes:
    size = len(payload)
    varint = bytearray()
    while True:
        byte = size & 0x7F
        size >>= 7
        varint.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes([field << 3 | 2]) + bytes(varint) + payload


def v2_protobuf(git_version: str) -> bytes:
    """The same document as gnostic's openapi_v2.Document in protobuf, which client-go's
    OpenAPISchema asks for (Document: swagger 1, info 2; Info: title 1, version 2)."""
    info = _length_delimited(1, b"Kubernetes") + _length_delimited(2, git_version.encode())
    return _length_delimited(1, b"2.0") + _length_delimited(2, info)
