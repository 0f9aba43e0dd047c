"""A v1 Secret manifest checked as a real API server checks it on create.

From kubernetes' `pkg/apis/core/validation` (ValidateSecret, ValidateObjectMeta) and
apimachinery's `util/validation` (IsConfigMapKey, IsDNS1123Subdomain, IsDNS1123Label,
IsQualifiedName, IsValidLabelValue), plus what the server's decoding and strict field
validation (kubectl's default) refuse before that: an unknown field, a value of the wrong
type. `stringData` is merged into `data` before validation, so its keys follow the same rule.

Messages name fields and keys, never a value: the values are secrets.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

MAX_SECRET_BYTES = 1 << 20
"""core.MaxSecretSize: the data of one Secret, all values together."""
MAX_ANNOTATIONS_BYTES = 256 << 10
"""TotalAnnotationSizeLimitB."""

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*")
_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL)
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")

SECRET_FIELDS = frozenset(
    ("apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable")
)
OBJECT_META_FIELDS = frozenset(
    (
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    )
)


def dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character"
        )
    return errors


def dns1123_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _DNS1123_LABEL_RE.fullmatch(value):
        errors.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character"
        )
    return errors


def config_key(value: str) -> list[str]:
    """IsConfigMapKey: a key of a Secret's or a ConfigMap's data."""
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _CONFIG_KEY.fullmatch(value):
        errors.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.'")
    if value in (".", ".."):
        errors.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def qualified_name(value: str) -> list[str]:
    """IsQualifiedName: a label or annotation key, `[prefix/]name`."""
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name must be a name with an optional DNS subdomain prefix and '/'"]
    errors = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        found = dns1123_subdomain(prefix) if prefix else ["must be non-empty"]
        errors += [f"prefix part {e}" for e in found]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME.fullmatch(name):
        errors.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character"
        )
    return errors


def label_value(value: str) -> list[str]:
    if len(value) > 63:
        return ["must be no more than 63 characters"]
    if not _LABEL_VALUE.fullmatch(value):
        return [
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character"
        ]
    return []


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _string_map(value: object, where: str, problems: list[str]) -> dict[str, str]:
    """A map of strings as the server decodes it (YAML keys become strings; a null value is
    the empty string); anything else is a problem."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: must be a mapping, not {_type_name(value)}")
        return {}
    out: dict[str, str] = {}
    for key, item in value.items():
        name = str(key)
        text = "" if item is None else item
        if not isinstance(text, str):
            problems.append(f"{where}[{name!r}]: must be a string, not {_type_name(text)}")
            continue
        out[name] = text
    return out


def _meta_problems(meta: object) -> list[str]:
    if not isinstance(meta, Mapping):
        return ["metadata: must be a mapping"]
    problems = [
        f"unknown field 'metadata.{k}' (a real API server refuses it)"
        for k in meta
        if k not in OBJECT_META_FIELDS
    ]
    for field, rule in (("name", dns1123_subdomain), ("namespace", dns1123_label)):
        value = meta.get(field)
        if not isinstance(value, str) or not value:
            problems.append(f"metadata.{field}: required (a string)")
            continue
        problems += [f"metadata.{field} {value!r}: {e}" for e in rule(value)]
    labels = _string_map(meta.get("labels"), "metadata.labels", problems)
    for key, value in labels.items():
        problems += [f"metadata.labels[{key!r}]: key {e}" for e in qualified_name(key)]
        problems += [f"metadata.labels[{key!r}]: value {e}" for e in label_value(value)]
    annotations = _string_map(meta.get("annotations"), "metadata.annotations", problems)
    for key in annotations:
        problems += [f"metadata.annotations[{key!r}]: key {e}" for e in qualified_name(key.lower())]
    size = sum(len(k) + len(v) for k, v in annotations.items())
    if size > MAX_ANNOTATIONS_BYTES:
        problems.append(f"metadata.annotations: {size} bytes, more than {MAX_ANNOTATIONS_BYTES}")
    return problems


def decode_data(value: str) -> bytes:
    """A `data` value as the server decodes it (Go's base64.StdEncoding skips newlines)."""
    return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)


def secret_problems(doc: Mapping[str, Any]) -> list[str]:
    """What a real API server would refuse in this v1 Secret, first things first (the caller
    has checked apiVersion and kind)."""
    problems = [
        f"unknown field {k!r} (a real API server refuses it)" for k in doc if k not in SECRET_FIELDS
    ]
    problems += _meta_problems(doc.get("metadata"))
    if not isinstance(doc.get("type", ""), str):
        problems.append(f"type: must be a string, not {_type_name(doc.get('type'))}")
    if not isinstance(doc.get("immutable", False), bool):
        problems.append("immutable: must be true or false")
    data = _string_map(doc.get("data"), "data", problems)
    string_data = _string_map(doc.get("stringData"), "stringData", problems)
    sizes: dict[str, int] = {}
    for key, value in data.items():
        try:
            sizes[key] = len(decode_data(value))
        except (binascii.Error, ValueError):
            problems.append(f"data[{key!r}]: not valid base64")
    for key, value in string_data.items():
        sizes[key] = len(value.encode())  # stringData wins over data for the same key
    for where, keys in (("data", data), ("stringData", string_data)):
        for key in keys:
            problems += [f"{where}[{key!r}]: invalid key: {e}" for e in config_key(key)]
    total = sum(sizes.values())
    if total > MAX_SECRET_BYTES:
        problems.append(
            f"data: the values total {total} bytes, more than the {MAX_SECRET_BYTES} a Secret "
            f"may hold"
        )
    return problems
