"""The printer columns of the custom resources: the additionalPrinterColumns of their real CRDs
(Argo CD's Application, cert-manager's Certificate, ClusterIssuer, Issuer, Order and Challenge,
Cilium's LB-IPAM pool and L2 announcement policy), whose cells are JSONPaths evaluated as the API server does;
and the CustomResourceDefinition's own (apiserver's default table convertor: NAME, CREATED AT).
The simulator's CRD objects list these columns as their additionalPrinterColumns (sim/crds.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.columns import CREATED_AT, Cell, Column, age_of
from vixens_tui.sim.apiserver.columns import NAME as _NAME

Obj = dict[str, Any]

# -- a JSONPath subset: dotted fields and [?(@.field=="value")] filters ------------------------

_FILTER = re.compile(
    r'^(?P<field>[A-Za-z0-9_]+)\[\?\(@\.(?P<key>[A-Za-z0-9_]+)=="(?P<value>[^"]*)"\)\]$'
)


def _segments(path: str) -> list[str]:
    """Split a JSONPath on the dots that are not inside a [...] filter."""
    parts: list[str] = []
    current = ""
    depth = 0
    for char in path.lstrip("."):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def jsonpath(obj: Any, path: str) -> Any:
    """The value at a CRD printer column's JSONPath, or None."""
    current: Any = obj
    for part in _segments(path):
        match = _FILTER.match(part)
        field = match["field"] if match else part
        if not isinstance(current, Mapping):
            return None
        current = current.get(field)
        if match:
            if not isinstance(current, list):
                return None
            current = next(
                (
                    i
                    for i in current
                    if isinstance(i, Mapping) and i.get(match["key"]) == match["value"]
                ),
                None,
            )
    return current


def _crd_cell(path: str, type_: str) -> Cell:
    def cell(obj: Obj, now: datetime) -> Any:
        value = jsonpath(obj, path)
        if type_ == "date":
            return age_of(value, now) if value is not None else None
        return value

    return cell


def _crd(
    name: str, path: str, description: str, *, type_: str = "string", priority: int = 0
) -> Column:
    return Column(name, type_, description, _crd_cell(path, type_), priority, json_path=path)


CRD_COLUMNS: dict[str, tuple[Column, ...]] = {
    # argo-cd's Application CRD: no Age column.
    kinds.APPLICATION.resource: (
        _NAME,
        _crd("Sync Status", ".status.sync.status", ""),
        _crd("Health Status", ".status.health.status", ""),
        _crd("Revision", ".status.sync.revision", "", priority=10),
        _crd("Project", ".spec.project", "", priority=10),
    ),
    kinds.CERTIFICATE.resource: (
        _NAME,
        _crd("Ready", '.status.conditions[?(@.type=="Ready")].status', ""),
        _crd("Secret", ".spec.secretName", ""),
        _crd("Issuer", ".spec.issuerRef.name", "", priority=1),
        _crd("Status", '.status.conditions[?(@.type=="Ready")].message', "", priority=1),
        _crd(
            "Age",
            ".metadata.creationTimestamp",
            "CreationTimestamp is a timestamp representing the server time when this object was "
            "created. It is not guaranteed to be set in happens-before order across separate "
            "operations. Clients may not set this value. It is represented in RFC3339 form and is "
            "in UTC.",
            type_="date",
        ),
    ),
}
_ISSUER_COLUMNS = (
    _NAME,
    _crd("Ready", '.status.conditions[?(@.type=="Ready")].status', ""),
    _crd("Status", '.status.conditions[?(@.type=="Ready")].message', "", priority=1),
    _crd(
        "Age",
        ".metadata.creationTimestamp",
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
        type_="date",
    ),
)
CRD_COLUMNS[kinds.CLUSTER_ISSUER.resource] = _ISSUER_COLUMNS
CRD_COLUMNS[kinds.ISSUER.resource] = _ISSUER_COLUMNS
_CREATED = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC."
)
# cert-manager v1.14 deploy/crds/crd-orders.yaml and crd-challenges.yaml.
CRD_COLUMNS[kinds.ORDER.resource] = (
    _NAME,
    _crd("State", ".status.state", ""),
    _crd("Issuer", ".spec.issuerRef.name", "", priority=1),
    _crd("Reason", ".status.reason", "", priority=1),
    _crd("Age", ".metadata.creationTimestamp", _CREATED, type_="date"),
)
CRD_COLUMNS[kinds.CHALLENGE.resource] = (
    _NAME,
    _crd("State", ".status.state", ""),
    _crd("Domain", ".spec.dnsName", ""),
    _crd("Reason", ".status.reason", "", priority=1),
    _crd("Age", ".metadata.creationTimestamp", _CREATED, type_="date"),
)

# Cilium 1.18's CRDs (pkg/k8s/apis/cilium.io/client/crds): the same columns in both versions of
# the pool. Without the operator's LB-IPAM status, Conflicting and IPs Available stay empty.
_CILIUM_AGE = _crd("Age", ".metadata.creationTimestamp", "", type_="date")
_POOL_COLUMNS = (
    _NAME,
    _crd("Disabled", ".spec.disabled", "", type_="boolean"),
    _crd("Conflicting", '.status.conditions[?(@.type=="cilium.io/PoolConflict")].status', ""),
    _crd("IPs Available", '.status.conditions[?(@.type=="cilium.io/IPsAvailable")].message', ""),
    _CILIUM_AGE,
)
CRD_COLUMNS[kinds.CILIUM_LB_IP_POOL.resource] = _POOL_COLUMNS
CRD_COLUMNS[kinds.CILIUM_L2_POLICY.resource] = (_NAME, _CILIUM_AGE)
CRD_COLUMNS[kinds.CRD.resource] = (_NAME, CREATED_AT)
