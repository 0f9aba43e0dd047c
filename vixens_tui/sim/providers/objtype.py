"""A cty object type for the `tf` framework, which has only primitives, lists, sets and maps.

The Helm provider's `kubernetes = { host = ..., client_certificate = ... }` (helm v3 syntax) is
an object-typed provider attribute. Its value reaches the provider with Unknown at any level:
during a plan the attributes that come from a resource not yet created (the Talos cluster's
host and certificates) are `tf.types.Unknown`, and the whole object is Unknown when Terraform
cannot even tell which attributes it will have. Every level passes None and Unknown through
untouched; the provider decides what an unknown connection means.

Terraform 1.6+ sends most unknowns *refined* (cty's msgpack extension 12, carrying what is
already known: not null, a string prefix such as "https://"), which `tf` only knows as
extension 0 and hands on as a raw `msgpack.ExtType`. `is_unknown` knows both, and `decode`
turns a refined unknown anywhere inside the object into `Unknown`.

On the wire (msgpack) an object is a map holding every attribute, null when unset; its type
is cty's JSON `["object", {name: type, ...}]`, with a third element listing the optional
attributes when there are any (so the configuration may leave them out; without it Terraform
requires each one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from msgpack import ExtType  # type: ignore[import-untyped]  # a dependency of tf, untyped
from tf.types import TfType, Unknown

REFINED_UNKNOWN = 12
"""cty's msgpack extension code of an unknown value with refinements (cty/msgpack/unknown.go)."""


def is_unknown(value: Any) -> bool:
    """Whether a value Terraform sent is unknown, refined or not."""
    return value is Unknown or (isinstance(value, ExtType) and value.code == REFINED_UNKNOWN)


def plain(value: Any) -> Any:
    """`value` with every refined unknown in it, at any depth, replaced by `Unknown`."""
    if is_unknown(value):
        return Unknown
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _absent(value: Any) -> bool:
    """None or unknown: a value no attribute type should be asked to convert."""
    return value is None or is_unknown(value)


class Object(TfType):  # type: ignore[misc]  # tf ships no type information
    """cty `object({...})`: a Python dict with exactly the declared attribute names.

    Args:
        attrs: Each attribute's name and type.
        optional: The attributes a configuration may omit (null then).
    """

    def __init__(self, attrs: Mapping[str, TfType], optional: tuple[str, ...] = ()) -> None:
        unknown = set(optional) - set(attrs)
        if unknown:
            raise ValueError(f"optional attributes not declared: {', '.join(sorted(unknown))}")
        self.attrs = dict(attrs)
        self.optional = tuple(sorted(set(optional)))

    def _check(self, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise ValueError(f"an object needs a mapping, got {type(value).__name__}")
        extra = set(value) - set(self.attrs)
        if extra:
            raise ValueError(f"unsupported attributes: {', '.join(sorted(extra))}")
        return value

    def encode(self, value: Any) -> Any:
        if _absent(value):
            return value
        value = self._check(value)
        # cty's msgpack object holds every attribute: a missing one is sent as null.
        out = {}
        for name, kind in self.attrs.items():
            item = value.get(name)
            out[name] = item if _absent(item) else kind.encode(item)
        return out

    def decode(self, value: Any) -> Any:
        value = plain(value)
        if _absent(value):
            return value
        value = self._check(value)
        out = {}
        for name, kind in self.attrs.items():
            item = value.get(name)
            out[name] = item if _absent(item) else kind.decode(item)
        return out

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        a_decoded, b_decoded = plain(a_decoded), plain(b_decoded)
        if _absent(a_decoded) or _absent(b_decoded):
            return a_decoded is b_decoded
        for name, kind in self.attrs.items():
            a, b = a_decoded.get(name), b_decoded.get(name)
            if _absent(a) or _absent(b):
                if a is not b:
                    return False
            elif not kind.semantically_equal(a, b):
                return False
        return True

    def tf_type(self) -> bytes:
        # Nested types come as JSON bytes already: splice them in rather than re-encode.
        fields = ",".join(
            f"{json.dumps(name)}:{kind.tf_type().decode()}" for name, kind in self.attrs.items()
        )
        optional = f",{json.dumps(list(self.optional))}" if self.optional else ""
        return f'["object",{{{fields}}}{optional}]'.encode()
