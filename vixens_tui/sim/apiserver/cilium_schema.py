"""The structural schemas of Cilium's LB-IPAM pool and L2 announcement policy (types only), as
Cilium 1.18's CRDs declare them (pkg/k8s/apis/cilium.io/client/crds: v2 and v2alpha1 of
ciliumloadbalancerippools, v2alpha1 of ciliuml2announcementpolicies; both versions of the pool
have the same schema). The simulator's CRD objects carry them (sim/crds.py) and writes are
checked against them the way apiextensions-apiserver checks any custom resource (crd_schema.py).
Descriptions are left out: the field names and types are the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vixens_tui.sim.apiserver.crd_schema import Schema, type_causes
from vixens_tui.sim.apiserver.errors import Cause

_S: Schema = {"type": "string"}
_B: Schema = {"type": "boolean"}


def _obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


_LABEL_SELECTOR = _obj(
    matchExpressions=_arr(
        _obj(("key", "operator"), key=_S, operator=_S, values=_arr(_S)),
    ),
    matchLabels={"type": "object", "additionalProperties": _S},
)
_CONDITIONS = _arr(
    _obj(
        ("lastTransitionTime", "message", "reason", "status", "type"),
        lastTransitionTime={"type": "string", "format": "date-time"},
        message=_S,
        observedGeneration={"type": "integer", "format": "int64"},
        reason=_S,
        status=_S,
        type=_S,
    )
)
_TYPE_META = {"apiVersion": _S, "kind": _S, "metadata": {"type": "object"}}

LB_IP_POOL: Schema = _obj(
    ("metadata", "spec"),
    **_TYPE_META,
    spec=_obj(
        allowFirstLastIPs={"type": "string", "enum": ["Yes", "No"]},
        blocks=_arr(_obj(cidr={"type": "string", "format": "cidr"}, start=_S, stop=_S)),
        disabled={"type": "boolean", "default": False},
        serviceSelector=_LABEL_SELECTOR,
    ),
    status=_obj(conditions=_CONDITIONS),
)
L2_ANNOUNCEMENT_POLICY: Schema = _obj(
    ("metadata",),
    **_TYPE_META,
    spec=_obj(
        externalIPs=_B,
        interfaces=_arr(_S),
        loadBalancerIPs=_B,
        nodeSelector=_LABEL_SELECTOR,
        serviceSelector=_LABEL_SELECTOR,
    ),
    status=_obj(conditions=_CONDITIONS),
)
SCHEMAS: dict[str, Schema] = {
    "CiliumLoadBalancerIPPool": LB_IP_POOL,
    "CiliumL2AnnouncementPolicy": L2_ANNOUNCEMENT_POLICY,
}


def causes(kind: str, obj: Mapping[str, Any]) -> list[Cause]:
    """The schema problems of a Cilium object: wrong types first (they fail the whole object),
    then the top-level required fields (`spec: Required value` for a pool without one)."""
    schema = SCHEMAS[kind]
    found = type_causes(schema, obj)
    if found:
        return found
    return [
        Cause(field, "FieldValueRequired", "Required value")
        for field in schema.get("required", ())
        if field != "metadata" and obj.get(field) is None
    ]
