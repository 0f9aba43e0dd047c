"""Decode the protobuf request bodies kubectl 1.32+ sends for `create namespace|secret|configmap`.

kubectl does not fall back to JSON when the server answers 415, so the few messages it sends
must be understood (answering in JSON is fine). The envelope is `k8s\\0` then a
`runtime.Unknown`: field 1 TypeMeta (1 apiVersion, 2 kind), field 2 the raw object. Only the
fields those commands set are read: ObjectMeta 1 name, 2 generateName, 3 namespace,
11 labels, 12 annotations, 14 finalizers; Namespace 2 spec (1 finalizers); ConfigMap 2 data,
3 binaryData, 4 immutable; Secret 2 data, 3 type, 4 stringData, 5 immutable.

Without the .proto definitions of Kubernetes a protobuf library would only give the same raw
(field number, wire type, bytes) triples; the wire format itself is a few lines.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """A body that is not the protobuf envelope, or a kind this server cannot decode."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of each field: an int for varints, bytes otherwise."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == _VARINT:
            value, pos = _varint(buf, pos)
        elif wire == _LENGTH:
            size, pos = _varint(buf, pos)
            value = buf[pos : pos + size]
            if len(value) != size:
                raise ProtobufError("truncated field")
            pos += size
        elif wire == _FIXED64:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == _FIXED32:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, value


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise ProtobufError("expected a string field")
    return value.decode("utf-8")


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ProtobufError("expected a bytes field")
    return value


def _map_entry(value: int | bytes) -> tuple[str, bytes]:
    key, item = "", b""
    for number, part in fields(_bytes(value)):
        if number == 1:
            key = _text(part)
        elif number == 2:
            item = _bytes(part)
    return key, item


def _object_meta(buf: bytes) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    names = {1: "name", 2: "generateName", 3: "namespace", 6: "resourceVersion"}
    for number, value in fields(buf):
        if number in names:
            meta[names[number]] = _text(value)
        elif number in (11, 12):
            key, item = _map_entry(value)
            meta.setdefault("labels" if number == 11 else "annotations", {})[key] = item.decode()
        elif number == 14:
            meta.setdefault("finalizers", []).append(_text(value))
    return meta


def _namespace(buf: bytes) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for number, value in fields(buf):
        if number == 1:
            obj["metadata"] = _object_meta(_bytes(value))
        elif number == 2:
            finalizers = [_text(v) for n, v in fields(_bytes(value)) if n == 1]
            obj["spec"] = {"finalizers": finalizers} if finalizers else {}
    return obj


def _configmap(buf: bytes) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for number, value in fields(buf):
        if number == 1:
            obj["metadata"] = _object_meta(_bytes(value))
        elif number == 2:
            key, item = _map_entry(value)
            obj.setdefault("data", {})[key] = item.decode()
        elif number == 3:
            key, item = _map_entry(value)
            obj.setdefault("binaryData", {})[key] = base64.b64encode(item).decode()
        elif number == 4:
            obj["immutable"] = bool(value)
    return obj


def _secret(buf: bytes) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for number, value in fields(buf):
        if number == 1:
            obj["metadata"] = _object_meta(_bytes(value))
        elif number == 2:
            key, item = _map_entry(value)
            obj.setdefault("data", {})[key] = base64.b64encode(item).decode()
        elif number == 3:
            obj["type"] = _text(value)
        elif number == 4:
            key, item = _map_entry(value)
            obj.setdefault("stringData", {})[key] = item.decode()
        elif number == 5:
            obj["immutable"] = bool(value)
    return obj


def _delete_options(buf: bytes) -> dict[str, Any]:
    """meta.k8s.io/v1 DeleteOptions: 1 gracePeriodSeconds, 4 propagationPolicy, 5 dryRun."""
    obj: dict[str, Any] = {}
    for number, value in fields(buf):
        if number == 1 and isinstance(value, int):
            obj["gracePeriodSeconds"] = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 4:
            obj["propagationPolicy"] = _text(value)
        elif number == 5:
            obj.setdefault("dryRun", []).append(_text(value))
    return obj


_DECODERS = {
    "Namespace": _namespace,
    "ConfigMap": _configmap,
    "Secret": _secret,
    "DeleteOptions": _delete_options,
}


def decode(body: bytes) -> dict[str, Any]:
    """The JSON-shaped object of a protobuf request body."""
    if not body.startswith(MAGIC):
        raise ProtobufError("not a Kubernetes protobuf body (no k8s\\0 prefix)")
    api_version = kind = ""
    raw = b""
    for number, value in fields(body[len(MAGIC) :]):
        if number == 1:
            for part_no, part in fields(_bytes(value)):
                if part_no == 1:
                    api_version = _text(part)
                elif part_no == 2:
                    kind = _text(part)
        elif number == 2:
            raw = _bytes(value)
    decoder = _DECODERS.get(kind)
    if decoder is None:
        raise ProtobufError(f"cannot decode a protobuf {kind or 'object'}")
    obj = decoder(raw)
    return {"apiVersion": api_version, "kind": kind, **obj}
