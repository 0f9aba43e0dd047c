"""`Table` output (`Accept: ...;as=Table;v=v1;g=meta.k8s.io`): what `kubectl get` prints.

Without it kubectl shows only NAME and AGE. Built-in kinds use the columns of the API server's
printers (pkg/printers/internalversion); custom resources use the additionalPrinterColumns of
their real CRDs (Argo CD's Application, cert-manager's Certificate and ClusterIssuer). Cells
are computed as the server computes them: a pod's STATUS is its waiting reason when it has one,
AGE is `duration.HumanDuration`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.columns import AGE as _AGE
from vixens_tui.sim.apiserver.columns import NAME as _NAME
from vixens_tui.sim.apiserver.columns import (
    Cell,
    Column,
    age_of,
    human_duration,  # noqa: F401 (its old home)
    name_cell,
)
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.tables_apps import APPS_COLUMNS
from vixens_tui.sim.apiserver.tables_crds import (
    CRD_COLUMNS,
    jsonpath,  # noqa: F401 (its old home)
)

Obj = dict[str, Any]

TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"


# -- pods ----------------------------------------------------------------------------------------


def pod_ready(pod: Obj) -> tuple[int, int]:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    total = len(pod.get("spec", {}).get("containers") or [])
    ready = sum(1 for s in statuses if s.get("ready") and "running" in (s.get("state") or {}))
    return ready, total


def pod_status(pod: Obj) -> str:
    """The STATUS column: the phase, replaced by a container's waiting/terminated reason."""
    status = pod.get("status", {})
    reason = status.get("reason") or status.get("phase", "")
    for container in reversed(status.get("containerStatuses") or []):
        state = container.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    if pod.get("metadata", {}).get("deletionTimestamp"):
        reason = "Terminating"
    return str(reason)


def _pod_ready(obj: Obj, _now: datetime) -> str:
    ready, total = pod_ready(obj)
    return f"{ready}/{total}"


def _pod_restarts(obj: Obj, _now: datetime) -> int:
    return sum(
        int(s.get("restartCount", 0)) for s in obj.get("status", {}).get("containerStatuses") or []
    )


def _none(value: object) -> object:
    return value if value not in (None, "") else "<none>"


# -- nodes -----------------------------------------------------------------------------------


def node_status(node: Obj) -> str:
    conditions = {
        c.get("type"): c.get("status") for c in node.get("status", {}).get("conditions") or []
    }
    status = "Ready" if conditions.get("Ready") == "True" else "NotReady"
    if conditions.get("Ready") is None:
        status = "Unknown"
    if node.get("spec", {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    return status


def node_roles(node: Obj) -> str:
    roles = sorted(
        key.split("/", 1)[1]
        for key in (node.get("metadata", {}).get("labels") or {})
        if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1]
    )
    return ",".join(roles) or "<none>"


def _node_address(kind: str) -> Cell:
    def cell(obj: Obj, _now: datetime) -> str:
        for address in obj.get("status", {}).get("addresses") or []:
            if address.get("type") == kind:
                return str(address.get("address"))
        return "<none>"

    return cell


def _node_info(field: str) -> Cell:
    return lambda obj, _now: obj.get("status", {}).get("nodeInfo", {}).get(field, "<unknown>")


# -- services --------------------------------------------------------------------------------


def _svc_external(obj: Obj, _now: datetime) -> str:
    spec = obj.get("spec", {})
    ingress = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    ips = [i.get("ip") or i.get("hostname") for i in ingress]
    if spec.get("type") == "LoadBalancer":
        return ",".join(str(i) for i in ips) if ips else "<pending>"
    if spec.get("type") == "ExternalName":
        return str(spec.get("externalName", "<none>"))
    return ",".join(spec.get("externalIPs") or []) or "<none>"


def _svc_ports(obj: Obj, _now: datetime) -> str:
    parts = []
    for port in obj.get("spec", {}).get("ports") or []:
        text = f"{port.get('port')}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        parts.append(f"{text}/{port.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _svc_selector(obj: Obj, _now: datetime) -> str:
    selector = obj.get("spec", {}).get("selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"


# -- events ----------------------------------------------------------------------------------


def _event_last_seen(obj: Obj, now: datetime) -> str:
    return age_of(
        obj.get("lastTimestamp")
        or obj.get("eventTime")
        or obj["metadata"].get("creationTimestamp"),
        now,
    )


def _event_object(obj: Obj, _now: datetime) -> str:
    involved = obj.get("involvedObject", {})
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


def _event_source(obj: Obj, _now: datetime) -> str:
    source = obj.get("source", {})
    parts = [p for p in (source.get("component"), source.get("host")) if p]
    return ", ".join(parts)


# -- persistent volume claims ---------------------------------------------------------------

_ACCESS = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _pvc_access(obj: Obj, _now: datetime) -> str:
    modes = obj.get("status", {}).get("accessModes") or []
    return ",".join(_ACCESS.get(m, m) for m in modes)


def _pvc_capacity(obj: Obj, _now: datetime) -> str:
    return str(obj.get("status", {}).get("capacity", {}).get("storage", ""))


# -- the columns of each kind ----------------------------------------------------------------

COLUMNS: dict[str, tuple[Column, ...]] = {
    kinds.POD.resource: (
        _NAME,
        Column(
            "Ready",
            "string",
            "The aggregate readiness state of this pod for accepting traffic.",
            _pod_ready,
        ),
        Column(
            "Status",
            "string",
            "The aggregate status of the containers in this pod.",
            lambda o, _n: pod_status(o),
        ),
        Column(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted.",
            _pod_restarts,
        ),
        _AGE,
        Column(
            "IP",
            "string",
            "IP address allocated to the pod.",
            lambda o, _n: _none(o.get("status", {}).get("podIP")),
            1,
        ),
        Column(
            "Node",
            "string",
            "Name of the Node this pod is assigned to.",
            lambda o, _n: _none(o.get("spec", {}).get("nodeName")),
            1,
        ),
        Column(
            "Nominated Node",
            "string",
            "Name of the Node nominated for this pod.",
            lambda o, _n: "<none>",
            1,
        ),
        Column(
            "Readiness Gates",
            "string",
            "The readiness gates of this pod.",
            lambda o, _n: "<none>",
            1,
        ),
    ),
    kinds.NODE.resource: (
        _NAME,
        Column("Status", "string", "The status of the node", lambda o, _n: node_status(o)),
        Column("Roles", "string", "The roles of the node", lambda o, _n: node_roles(o)),
        _AGE,
        Column(
            "Version",
            "string",
            "Kubelet Version reported by the node.",
            _node_info("kubeletVersion"),
        ),
        Column(
            "Internal-IP",
            "string",
            "List of internal IPs in the node.",
            _node_address("InternalIP"),
            1,
        ),
        Column(
            "External-IP",
            "string",
            "List of external IPs in the node.",
            _node_address("ExternalIP"),
            1,
        ),
        Column(
            "OS-Image",
            "string",
            "OS Image reported by the node from /etc/os-release.",
            _node_info("osImage"),
            1,
        ),
        Column(
            "Kernel-Version",
            "string",
            "Kernel Version reported by the node.",
            _node_info("kernelVersion"),
            1,
        ),
        Column(
            "Container-Runtime",
            "string",
            "Container Runtime Version reported by the node.",
            _node_info("containerRuntimeVersion"),
            1,
        ),
    ),
    kinds.NAMESPACE.resource: (
        _NAME,
        Column(
            "Status",
            "string",
            "The status of the namespace",
            lambda o, _n: o.get("status", {}).get("phase", ""),
        ),
        _AGE,
    ),
    kinds.SECRET.resource: (
        _NAME,
        Column("Type", "string", "The type of the secret", lambda o, _n: o.get("type", "")),
        Column(
            "Data",
            "string",
            "The number of keys in the secret.",
            lambda o, _n: len(o.get("data") or {}),
        ),
        _AGE,
    ),
    kinds.CONFIGMAP.resource: (
        _NAME,
        Column(
            "Data",
            "string",
            "Number of data in configmap",
            lambda o, _n: len(o.get("data") or {}) + len(o.get("binaryData") or {}),
        ),
        _AGE,
    ),
    kinds.SERVICE.resource: (
        _NAME,
        Column(
            "Type",
            "string",
            "The type of the service",
            lambda o, _n: o.get("spec", {}).get("type", ""),
        ),
        Column(
            "Cluster-IP",
            "string",
            "The cluster-ip of the service",
            lambda o, _n: _none(o.get("spec", {}).get("clusterIP")),
        ),
        Column("External-IP", "string", "The external-ip of the service", _svc_external),
        Column("Port(s)", "string", "The ports of the service", _svc_ports),
        _AGE,
        Column("Selector", "string", "The label selector of the service", _svc_selector, 1),
    ),
    kinds.EVENT.resource: (
        Column("Last Seen", "string", "Time when last event occurred", _event_last_seen),
        Column("Type", "string", "Type of event", lambda o, _n: o.get("type", "")),
        Column("Reason", "string", "Reason of event", lambda o, _n: o.get("reason", "")),
        Column("Object", "string", "Object to which event applies", _event_object),
        Column(
            "Subobject",
            "string",
            "Subobject to which event applies",
            lambda o, _n: o.get("involvedObject", {}).get("fieldPath", ""),
            1,
        ),
        Column("Source", "string", "The source of the event", _event_source, 1),
        Column("Message", "string", "Message of event", lambda o, _n: o.get("message", "")),
        Column(
            "First Seen",
            "string",
            "Time when first event occurred",
            lambda o, n: age_of(o.get("firstTimestamp"), n),
            1,
        ),
        Column(
            "Count",
            "string",
            "Number of occurrences of the event",
            lambda o, _n: o.get("count", 1),
            1,
        ),
        Column("Name", "string", "Name of the event", name_cell, 1),
    ),
    kinds.PVC.resource: (
        _NAME,
        Column(
            "Status",
            "string",
            "The phase of the claim",
            lambda o, _n: o.get("status", {}).get("phase", ""),
        ),
        Column(
            "Volume",
            "string",
            "The volume bound to the claim",
            lambda o, _n: o.get("spec", {}).get("volumeName", ""),
        ),
        Column("Capacity", "string", "The capacity of the volume", _pvc_capacity),
        Column("Access Modes", "string", "The access modes of the volume", _pvc_access),
        Column(
            "StorageClass",
            "string",
            "The storage class of the claim",
            lambda o, _n: o.get("spec", {}).get("storageClassName", ""),
        ),
        Column(
            "VolumeAttributesClass",
            "string",
            "The VolumeAttributesClass of the claim",
            lambda o, _n: o.get("spec", {}).get("volumeAttributesClassName") or "<unset>",
        ),
        _AGE,
        Column(
            "VolumeMode",
            "string",
            "The volume mode of the claim",
            lambda o, _n: o.get("spec", {}).get("volumeMode", ""),
            1,
        ),
    ),
}
COLUMNS.update(CRD_COLUMNS)
COLUMNS.update(APPS_COLUMNS)


def _row_object(obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def table(
    kind: Kind,
    objects: list[Obj],
    *,
    now: datetime,
    resource_version: str = "",
    include_object: str = "Metadata",
    headers: bool = True,
    continue_token: str = "",
) -> Obj:
    columns = COLUMNS.get(kind.resource, (_NAME, _AGE))
    rows = []
    for obj in objects:
        row: Obj = {"cells": [column.cell(obj, now) for column in columns]}
        embedded = _row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    meta: Obj = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": [c.definition() for c in columns] if headers else None,
        "rows": rows,
    }
