"""Validation on write, with the real server's field paths and messages.

It matters beyond realism: the `kubernetes` client 37 deserializes lists into strict models,
so one malformed stored object (a Pod without containers, a label that is not a label) makes
every later list of that kind fail for the product. Refusing bad writes keeps the store clean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vixens_tui.sim.apiserver import cilium_schema, crd_schema, kinds
from vixens_tui.sim.apiserver.errors import Cause
from vixens_tui.sim.apiserver.kinds import Kind

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def _required(field: str, detail: str = "") -> Cause:
    message = f"Required value: {detail}" if detail else "Required value"
    return Cause(field, "FieldValueRequired", message)


def _invalid_value(field: str, value: object, why: str) -> Cause:
    return Cause(field, "FieldValueInvalid", f'Invalid value: "{value}": {why}')


def valid_name(name: str, name_format: str) -> str | None:
    """Why `name` is not a valid object name of that format, or None when it is."""
    if name_format == "label":
        if len(name) > 63:
            return "must be no more than 63 characters"
        return None if _LABEL.match(name) else LABEL_MSG
    if len(name) > 253:
        return "must be no more than 253 characters"
    return None if _SUBDOMAIN.match(name) else SUBDOMAIN_MSG


def _label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        return "prefix part " + SUBDOMAIN_MSG
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return (
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character"
        )
    return None


def _metadata(kind: Kind, obj: Mapping[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return [_required("metadata.name", "name or generateName is required")]
    name = meta.get("name")
    if not name:
        causes.append(_required("metadata.name", "name or generateName is required"))
    elif not isinstance(name, str):
        causes.append(_invalid_value("metadata.name", name, "must be a string"))
    elif problem := valid_name(name, kind.name_format):
        causes.append(_invalid_value("metadata.name", name, problem))
    for field in ("labels", "annotations"):
        values = meta.get(field)
        if values is None:
            continue
        if not isinstance(values, Mapping):
            causes.append(_invalid_value(f"metadata.{field}", values, "must be a map"))
            continue
        for key, value in values.items():
            if problem := _label_key_problem(str(key)):
                causes.append(_invalid_value(f"metadata.{field}", key, problem))
            elif not isinstance(value, str):
                causes.append(_invalid_value(f"metadata.{field}", value, "must be a string"))
            elif field == "labels" and (len(value) > 63 or not _LABEL_VALUE.match(value)):
                causes.append(_invalid_value("metadata.labels", value, LABEL_VALUE_MSG))
    return causes


def _data_keys(field: str, data: object) -> list[Cause]:
    if data is None:
        return []
    if not isinstance(data, Mapping):
        return [_invalid_value(field, data, "must be a map of strings")]
    causes = []
    for key, value in data.items():
        if not _CONFIG_KEY.match(str(key)):
            causes.append(_invalid_value(f"{field}[{key}]", key, CONFIG_KEY_MSG))
        elif not isinstance(value, str):
            causes.append(_invalid_value(f"{field}[{key}]", value, "must be a string"))
    return causes


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else None


def _pod(obj: Mapping[str, Any]) -> list[Cause]:
    spec = _spec(obj)
    containers = spec.get("containers") if spec else None
    if not containers or not isinstance(containers, list):
        return [_required("spec.containers")]
    causes = []
    for index, container in enumerate(containers):
        where = f"spec.containers[{index}]"
        if not isinstance(container, Mapping):
            causes.append(_invalid_value(where, container, "must be an object"))
            continue
        if not container.get("name"):
            causes.append(_required(f"{where}.name"))
        elif problem := valid_name(str(container["name"]), "label"):
            causes.append(_invalid_value(f"{where}.name", container["name"], problem))
        if not container.get("image"):
            causes.append(_required(f"{where}.image"))
    return causes


def _service(obj: Mapping[str, Any]) -> list[Cause]:
    spec = _spec(obj) or {}
    if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
        return []
    ports = spec.get("ports")
    if not ports:
        return [_required("spec.ports")]
    causes = []
    for index, port in enumerate(ports):
        number = port.get("port") if isinstance(port, Mapping) else None
        if not isinstance(number, int) or not 0 < number < 65536:
            causes.append(
                _invalid_value(f"spec.ports[{index}].port", number, "must be between 1 and 65535")
            )
    return causes


def _pvc(obj: Mapping[str, Any]) -> list[Cause]:
    spec = _spec(obj) or {}
    causes = []
    if not spec.get("accessModes"):
        causes.append(_required("spec.accessModes", "at least 1 access mode is required"))
    requests = (spec.get("resources") or {}).get("requests") or {}
    if "storage" not in requests:
        causes.append(_required("spec.resources[storage]"))
    return causes


def _application(obj: Mapping[str, Any]) -> list[Cause]:
    # The CRD's structural schema first: a field of the wrong type fails the whole object.
    causes = crd_schema.type_causes(crd_schema.APPLICATION, obj)
    if causes:
        return causes
    spec = _spec(obj)
    if spec is None:
        return [_required("spec")]
    for field in ("destination", "project"):
        if field not in spec:
            causes.append(_required(f"spec.{field}"))
    return causes


def _certificate(obj: Mapping[str, Any]) -> list[Cause]:
    spec = _spec(obj)
    if spec is None:
        return [_required("spec")]
    causes = []
    if not spec.get("secretName"):
        causes.append(_required("spec.secretName"))
    issuer = spec.get("issuerRef")
    if not isinstance(issuer, Mapping):
        causes.append(_required("spec.issuerRef"))
    elif not issuer.get("name"):
        causes.append(_required("spec.issuerRef.name"))
    return causes


def _issuer(obj: Mapping[str, Any]) -> list[Cause]:
    return [] if _spec(obj) is not None else [_required("spec")]


def _crd(obj: Mapping[str, Any]) -> list[Cause]:
    """A few of apiextensions-apiserver's CRD checks (validation.go): the name is
    `<plural>.<group>`, the scope is one of two, exactly one version is stored."""
    spec = _spec(obj)
    if spec is None:
        return [_required("spec")]
    causes = []
    group = spec.get("group")
    raw_names = spec.get("names")
    names: Mapping[str, Any] = raw_names if isinstance(raw_names, Mapping) else {}
    plural = names.get("plural")
    if not group:
        causes.append(_required("spec.group"))
    if not plural:
        causes.append(_required("spec.names.plural"))
    if not names.get("kind"):
        causes.append(_required("spec.names.kind"))
    name = obj.get("metadata", {}).get("name")
    if group and plural and name != f"{plural}.{group}":
        causes.append(
            _invalid_value("metadata.name", name, 'must be spec.names.plural+"."+spec.group')
        )
    if spec.get("scope") not in ("Cluster", "Namespaced"):
        causes.append(
            Cause(
                "spec.scope",
                "FieldValueNotSupported",
                f'Unsupported value: "{spec.get("scope", "")}": supported values: '
                '"Cluster", "Namespaced"',
            )
        )
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        causes.append(_required("spec.versions"))
    elif sum(1 for v in versions if isinstance(v, Mapping) and v.get("storage")) != 1:
        stored = [v.get("name") for v in versions if isinstance(v, Mapping) and v.get("storage")]
        causes.append(
            _invalid_value(
                "spec.versions", stored, "must have exactly one version marked as storage version"
            )
        )
    return causes


def _event(obj: Mapping[str, Any]) -> list[Cause]:
    involved = obj.get("involvedObject")
    if not isinstance(involved, Mapping) or not involved.get("name"):
        return [_required("involvedObject.name")]
    return []


def validate(kind: Kind, obj: Mapping[str, Any]) -> list[Cause]:
    """The problems of an object about to be stored; empty when it is valid."""
    causes = _metadata(kind, obj)
    if kind is kinds.POD:
        causes += _pod(obj)
    elif kind is kinds.CONFIGMAP or kind is kinds.SECRET:
        causes += _data_keys("data", obj.get("data"))
    elif kind is kinds.SERVICE:
        causes += _service(obj)
    elif kind is kinds.PVC:
        causes += _pvc(obj)
    elif kind is kinds.EVENT:
        causes += _event(obj)
    elif kind is kinds.APPLICATION:
        causes += _application(obj)
    elif kind is kinds.CERTIFICATE:
        causes += _certificate(obj)
    elif kind in (kinds.CLUSTER_ISSUER, kinds.ISSUER):
        causes += _issuer(obj)
    elif kind is kinds.CRD:
        causes += _crd(obj)
    elif kind.kind in cilium_schema.SCHEMAS:
        causes += cilium_schema.causes(kind.kind, obj)
    return causes
