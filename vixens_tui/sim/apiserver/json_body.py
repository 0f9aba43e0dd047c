"""Request bodies in JSON, refused the way the real server refuses them.

Python's `json` recurses once per nesting level and gives up near 1,000 (RecursionError, which
the handler would answer with a 500); Go's decoder walks 10,000 levels (encoding/json's
scanner, `maxNestingDepth`) and the API server answers 400 BadRequest for what it cannot use.
So a body too deep for `json.loads` is read again by a small iterative reader that keeps the
first levels and replaces what lies below them by a `Deep` marker, enough to give the answer
of the real decoding pipeline (apiserver handlers/create.go `transformDecodeError`):

- deeper than 10,000 levels: Go's scanner error, from the first step (`Interpret`) that reads
  apiVersion and kind: `the object provided is unrecognized (must be of type ConfigMap):
  couldn't get version/kind; json parse error: invalid character '[' exceeded max depth (...)`;
- a body that is no object: the same step fails to fill its struct:
  `json: cannot unmarshal array into Go value of type struct { APIVersion ... }`;
- a deep value where a built-in kind has a map of strings (labels, annotations, a ConfigMap's
  or Secret's data): Go's type error, `ConfigMap in version "v1" cannot be handled as a
  ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type string`.

A deep value anywhere else is refused as well (400), with a message of this simulator's own:
a real server would decode it, and this one cannot hold it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from vixens_tui.sim.apiserver import errors
from vixens_tui.sim.apiserver.errors import ApiError
from vixens_tui.sim.apiserver.kinds import Kind

GO_MAX_DEPTH = 10000
KEPT_DEPTH = 64
"""Levels kept by the iterative reader; no real object of these kinds goes deeper."""

_FIND_KIND_STRUCT = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
    'Kind string "json:\\"kind,omitempty\\"" }'
)
_TOKEN = re.compile(
    r'\s*(?:(?P<punct>[\[\]{},:])|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<literal>true|false|null)|(?P<number>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?))"
)


@dataclass(frozen=True, slots=True)
class Deep:
    """A value nested below KEPT_DEPTH: only its JSON type is kept."""

    type: str
    """"array" or "object", as Go's UnmarshalTypeError names it."""


class _Syntax(ValueError):
    pass


def _summary(body: bytes) -> str:
    """apiserver's summarizeData(body, 30): an object's start as text, anything else in hex."""
    if not body:
        return "<empty>"
    if body[:1] == b"{":
        text = body.decode("utf-8", "replace")
        return text[:30] + " ..." if len(body) > 30 else text
    return body[:30].hex() + " ..." if len(body) > 30 else body.hex()


def _max_depth(text: str) -> tuple[int, str]:
    """The deepest nesting of `text` and the bracket that first went past Go's limit."""
    depth = deepest = 0
    culprit = ""
    for match in _TOKEN.finditer(text):
        punct = match["punct"]
        if punct in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth == GO_MAX_DEPTH + 1:
                    culprit = punct
        elif punct in ("]", "}"):
            depth -= 1
    return deepest, culprit


def _read(text: str) -> Any:
    """An iterative JSON reader; containers below KEPT_DEPTH become Deep markers."""
    stack: list[tuple[Any, str | None]] = []
    pending_key: str | None = None
    result: Any = None
    done = False
    skip_depth = 0  # >0 while inside a container that is being replaced by a marker
    value: Any
    position = 0
    expect_key = False
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            raise _Syntax("invalid character")
        position = match.end()
        if done:
            raise _Syntax("invalid character after top-level value")
        punct = match["punct"]
        if skip_depth:
            if punct in ("[", "{"):
                skip_depth += 1
            elif punct in ("]", "}"):
                skip_depth -= 1
            continue  # the marker was placed when the skip began
        if punct in (",",):
            expect_key = bool(stack) and isinstance(stack[-1][0], dict)
            continue
        if punct == ":":
            continue
        if punct in ("]", "}"):
            container, key = stack.pop()
            value = container
            pending_key = key
        elif punct in ("[", "{"):
            if len(stack) >= KEPT_DEPTH:
                value = Deep("array" if punct == "[" else "object")
                skip_depth = 1
            else:
                stack.append(([] if punct == "[" else {}, pending_key))
                pending_key = None
                expect_key = punct == "{"
                continue
        elif match["string"] is not None:
            string = json.loads(match["string"])
            if expect_key:
                pending_key = string
                expect_key = False
                continue
            value = string
        elif match["literal"] is not None:
            value = {"true": True, "false": False, "null": None}[match["literal"]]
        elif match["number"] is not None:
            value = json.loads(match["number"])
        else:
            raise _Syntax("invalid character")
        if not stack:
            result, done = value, True
            continue
        parent = stack[-1][0]
        if isinstance(parent, list):
            parent.append(value)
        else:
            parent[pending_key] = value
            pending_key = None
    if text[position:].strip() or not done:
        raise _Syntax("unexpected end of JSON input")
    return result


def _deep_path(value: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], Deep] | None:
    """Where the first Deep marker sits (object keys only: list indices are skipped)."""
    if isinstance(value, Deep):
        return path, value
    if not isinstance(value, dict | list):
        return None
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        found = _deep_path(child, (*path, key) if isinstance(key, str) else path)
        if found is not None:
            return found
    return None


# Go struct fields of built-in kinds that hold a map of strings: (path, struct, Go type).
_STRING_MAPS: dict[tuple[str, ...], tuple[str, str]] = {
    ("metadata", "labels"): ("ObjectMeta", "string"),
    ("metadata", "annotations"): ("ObjectMeta", "string"),
}
_DATA_MAPS = {
    "ConfigMap": {("data",): "string", ("binaryData",): "[]uint8"},
    "Secret": {("data",): "[]uint8", ("stringData",): "string"},
}


def _type_error(kind: Kind, path: tuple[str, ...], deep: Deep) -> str | None:
    """Go's UnmarshalTypeError for a container where a built-in kind wants a string."""
    if not kind.builtin or len(path) < 2:
        return None
    holder = path[:-1]  # the map; its key (the last element) is not part of Go's field path
    if holder in _STRING_MAPS:
        struct, go_type = _STRING_MAPS[holder]
        field = ".".join(holder)
    elif holder in _DATA_MAPS.get(kind.kind, {}):
        struct, go_type = kind.kind, _DATA_MAPS[kind.kind][holder]
        field = ".".join(holder)
    else:
        return None
    return f"json: cannot unmarshal {deep.type} into Go struct field {struct}.{field} of type {go_type}"


_TOO_DEEP = object()
"""What _loads returns for a document nested deeper than Python's parser goes."""


def _loads(text: str, what: str) -> Any:
    """`text` parsed, or _TOO_DEEP; ApiError(400) "`what`: …" when it is not JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        return _TOO_DEEP
    except ValueError as exc:
        raise errors.bad_request(f"{what}: {exc}") from None


def decode(body: bytes, kind: Kind) -> Any:
    """The JSON body of a create or update of `kind`; ApiError(400) as the real server answers."""
    text = body.decode("utf-8", "replace") or "null"
    if (value := _loads(text, "error decoding the request body")) is not _TOO_DEEP:
        return value
    return _decode_deep(body, text, kind)


def decode_options(body: bytes) -> Any:
    """The JSON body of a DELETE (DeleteOptions). The real handler answers a decoding error
    with its bare message (handlers/delete.go: errors.NewBadRequest(err.Error()))."""
    text = body.decode("utf-8", "replace") or "null"
    if (value := _loads(text, "error decoding the request body")) is not _TOO_DEEP:
        return value
    deepest, culprit = _max_depth(text)
    if deepest > GO_MAX_DEPTH:
        cause = f"invalid character '{culprit}' exceeded max depth"
    elif text.lstrip()[:1] != "{":
        cause = f"json: cannot unmarshal array into Go value of type {_FIND_KIND_STRUCT}"
    else:
        raise errors.bad_request(
            f"DeleteOptions nested deeper than this simulated API server decodes ({KEPT_DEPTH} "
            "levels)"
        )
    raise errors.bad_request(f"couldn't get version/kind; json parse error: {cause}")


def decode_patch(body: bytes) -> Any:
    """A JSON patch document (merge, strategic or JSON patch); ApiError(400) when it cannot be
    read, including one nested too deep for this server (a real one reads 10,000 levels, then
    fails on the patched object's types)."""
    text = body.decode("utf-8", "replace") or "null"
    if (value := _loads(text, "error decoding patch")) is not _TOO_DEEP:
        return value
    deepest, culprit = _max_depth(text)
    if deepest > GO_MAX_DEPTH:
        raise errors.bad_request(f"invalid character '{culprit}' exceeded max depth")
    raise errors.bad_request(
        f"the patch is nested deeper than this simulated API server decodes ({KEPT_DEPTH} levels)"
    )


def _unrecognized(kind: Kind, cause: str, body: bytes) -> ApiError:
    return errors.bad_request(
        f"the object provided is unrecognized (must be of type {kind.kind}): couldn't get "
        f"version/kind; json parse error: {cause} ({_summary(body)})"
    )


def _decode_deep(body: bytes, text: str, kind: Kind) -> Any:
    deepest, culprit = _max_depth(text)
    if deepest > GO_MAX_DEPTH:
        raise _unrecognized(kind, f"invalid character '{culprit}' exceeded max depth", body)
    try:
        value = _read(text)
    except (_Syntax, ValueError) as exc:
        raise errors.bad_request(f"error decoding the request body: {exc}") from None
    if not isinstance(value, dict):
        shape = value.type if isinstance(value, Deep) else "array"
        raise _unrecognized(
            kind, f"json: cannot unmarshal {shape} into Go value of type {_FIND_KIND_STRUCT}", body
        )
    version = str(value.get("apiVersion") or kind.api_version).rpartition("/")[2]
    found = _deep_path(value)
    problem = _type_error(kind, *found) if found is not None else None
    if problem is None:
        where = ".".join(found[0]) if found and found[0] else "the body"
        problem = (
            f"{where} is nested deeper than this simulated API server decodes ({KEPT_DEPTH} levels)"
        )
    raise errors.bad_request(
        f'{kind.kind} in version "{version}" cannot be handled as a {kind.kind}: {problem}'
    )
