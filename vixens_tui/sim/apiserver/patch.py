"""The four PATCH flavours of the API server.

- JSON merge patch (RFC 7386): what `kubectl patch --type merge` and Argo CD sync requests send.
- Strategic merge patch: merge patch plus lists merged by a key (containers by name...) and the
  `$patch`/`$retainKeys`/`$setElementOrder`/`$deleteFromPrimitiveList` directives that
  client-side `kubectl apply` emits. Only built-in kinds know their merge keys; the server
  refuses it on custom resources (415), as a real one does.
- JSON patch (RFC 6902).
- Server-side apply (`application/apply-patch+yaml`), approximated as a strategic merge of the
  applied configuration: field ownership is not tracked.

The `jsonpatch` package would cover RFC 6902, but it is not a dependency of this project and
the operations are short; the rest has no library that knows Kubernetes merge keys.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# Merge keys of the built-in types' lists (the patchMergeKey tags of the Go structs).
MERGE_KEYS: Mapping[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "addresses": "type",
    "ports": "port",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}
# Container ports merge on containerPort, Service ports on port.
CONTAINER_PORT_KEY = "containerPort"
# Lists of scalars with patchStrategy "merge": their items are a set.
MERGED_SCALAR_LISTS = frozenset({"finalizers"})


class PatchError(ValueError):
    """A patch that cannot be applied: the server answers 422 (or 400 for malformed ones)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any, *, keep_nulls: bool = False) -> Any:
    """A strategic merge patch of a built-in object (see the module docstring)."""
    return _smp_value(target, patch, field="", keep_nulls=keep_nulls)


def _smp_value(target: Any, patch: Any, *, field: str, keep_nulls: bool) -> Any:
    if isinstance(patch, dict):
        return _smp_map(target if isinstance(target, dict) else {}, patch, keep_nulls=keep_nulls)
    if isinstance(patch, list) and isinstance(target, list):
        return _smp_list(target, patch, field=field, keep_nulls=keep_nulls)
    return copy.deepcopy(patch)


def _smp_map(target: dict[str, Any], patch: dict[str, Any], *, keep_nulls: bool) -> dict[str, Any]:
    directive = patch.get("$patch")
    if directive == "delete":
        return {}
    body = {k: v for k, v in patch.items() if k != "$patch"}
    if directive == "replace":
        replaced: dict[str, Any] = _strip_directives(body)
        return replaced
    result = copy.deepcopy(target)
    retain = body.pop("$retainKeys", None)
    for key in [k for k in body if k.startswith("$setElementOrder/")]:
        body.pop(key)
    for key in [k for k in body if k.startswith("$deleteFromPrimitiveList/")]:
        field = key.split("/", 1)[1]
        drop = body.pop(key) or []
        if isinstance(result.get(field), list):
            result[field] = [v for v in result[field] if v not in drop]
    for key, value in body.items():
        if value is None and not keep_nulls:
            result.pop(key, None)
        elif key in result:
            result[key] = _smp_value(result[key], value, field=key, keep_nulls=keep_nulls)
        else:
            result[key] = _strip_directives(copy.deepcopy(value))
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_key(field: str, items: list[Any]) -> str | None:
    key = MERGE_KEYS.get(field)
    if field == "ports" and any(isinstance(i, dict) and CONTAINER_PORT_KEY in i for i in items):
        return CONTAINER_PORT_KEY
    return key


def _smp_list(target: list[Any], patch: list[Any], *, field: str, keep_nulls: bool) -> list[Any]:
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [_strip_directives(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    if field in MERGED_SCALAR_LISTS and all(not isinstance(i, dict | list) for i in patch):
        return list(target) + [i for i in patch if i not in target]
    key = _merge_key(field, target + patch)
    if key is None or not all(isinstance(i, dict) for i in target + patch):
        return [_strip_directives(copy.deepcopy(i)) for i in patch]
    result = [copy.deepcopy(i) for i in target]
    for item in patch:
        index = next((n for n, cur in enumerate(result) if cur.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(_strip_directives(copy.deepcopy(item)))
        else:
            result[index] = _smp_map(result[index], item, keep_nulls=keep_nulls)
    return result


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


# -- RFC 6902 ----------------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit():
        raise PatchError(f"invalid array index {token!r}")
    index = int(token)
    limit = len(container) + (1 if allow_end else 0)
    if index >= limit:
        raise PatchError(f"array index {index} out of bounds")
    return index


def _parent(doc: Any, tokens: list[str]) -> Any:
    current = doc
    for token in tokens[:-1]:
        if isinstance(current, dict):
            if token not in current:
                raise PatchError(f"path segment {token!r} does not exist")
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, allow_end=False)]
        else:
            raise PatchError(f"cannot descend into {token!r}")
    return current


def _get(doc: Any, tokens: list[str]) -> Any:
    if not tokens:
        return doc
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"path {'/'.join(tokens)!r} does not exist")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, allow_end=False)]
    raise PatchError(f"cannot read {last!r}")


def _remove(doc: Any, tokens: list[str]) -> Any:
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"unable to remove nonexistent key: {last}")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, allow_end=False))
    raise PatchError(f"cannot remove {last!r}")


def _add(doc: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, allow_end=True), value)
    else:
        raise PatchError(f"cannot add at {last!r}")
    return doc


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902 on a copy of `doc`."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch is a list of operations")
    result = copy.deepcopy(doc)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid JSON patch operation {op!r}")
        tokens = _pointer(str(op["path"]))
        kind = op["op"]
        if kind == "add":
            result = _add(result, tokens, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(result, tokens)
        elif kind == "replace":
            _get(result, tokens)
            if tokens:
                _remove(result, tokens)
            result = _add(result, tokens, copy.deepcopy(op.get("value")))
        elif kind in ("move", "copy"):
            source = _pointer(str(op.get("from", "")))
            value = _get(result, source)
            if kind == "move":
                _remove(result, source)
            result = _add(result, tokens, copy.deepcopy(value))
        elif kind == "test":
            if _get(result, tokens) != op.get("value"):
                raise PatchError(f"testing value {op['path']} failed")
        else:
            raise PatchError(f"unknown JSON patch operation {kind!r}")
    return result


def apply_patch(target: Any, applied: Any) -> Any:
    """Server-side apply, approximated: the applied configuration merged over the live object."""
    if not isinstance(applied, dict):
        raise PatchError("an apply configuration must be an object")
    return _smp_value(target, applied, field="", keep_nulls=False)
