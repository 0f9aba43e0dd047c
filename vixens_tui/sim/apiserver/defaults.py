"""Defaulting on write: the fields a real API server fills in before storing an object.

Clients read them back (`kubectl get secret -o yaml` shows `type: Opaque`, a new namespace is
`Active`), and the strict `kubernetes` models need some of them (a container's
`terminationMessagePolicy`, a namespace's status).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.kinds import Kind

Obj = dict[str, Any]


def _namespace(obj: Obj, _now: str) -> None:
    meta = obj["metadata"]
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def secret_string_data(obj: Obj) -> None:
    """`stringData` is write-only: merged into `data` as base64, never stored."""
    string_data = obj.pop("stringData", None)
    if string_data:
        data = obj.get("data") or {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


def _secret(obj: Obj, _now: str) -> None:
    if not obj.get("type"):
        obj["type"] = "Opaque"
    secret_string_data(obj)


def _pod(obj: Obj, _now: str) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("serviceAccountName", "default")
    for container in spec.get("containers") or []:
        if isinstance(container, dict):
            image = str(container.get("image", ""))
            pull = "Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent"
            container.setdefault("imagePullPolicy", pull)
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            container.setdefault("resources", {})
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", "BestEffort")


def _pvc(obj: Obj, _now: str) -> None:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def _event(obj: Obj, now: str) -> None:
    obj.setdefault("count", 1)
    obj.setdefault("type", "Normal")
    obj.setdefault("firstTimestamp", now)
    obj.setdefault("lastTimestamp", now)
    obj.setdefault("source", {})
    obj.setdefault("eventTime", None)
    obj.setdefault("reportingComponent", "")
    obj.setdefault("reportingInstance", "")


def service_defaults(obj: Obj, allocate_ip: Callable[[], str]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    if spec["type"] != "ExternalName":
        if not spec.get("clusterIP"):
            spec["clusterIP"] = allocate_ip()
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("sessionAffinity", "None")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _crd(obj: Obj, now: str) -> None:
    """apiextensions-apiserver's defaults (v1 defaults.go: listKind, conversion strategy None),
    then what its naming and establishing controllers write within milliseconds of a create:
    the accepted names, NamesAccepted and Established, the stored versions. Kept when present."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict) and names.get("kind"):
        names.setdefault("listKind", f"{names['kind']}List")
        names.setdefault("singular", str(names["kind"]).lower())
    spec.setdefault("conversion", {"strategy": "None"})
    status = obj.setdefault("status", {})
    if not isinstance(status, dict) or status.get("conditions"):
        return
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    storage = [str(v.get("name")) for v in versions if v.get("storage")]
    status["acceptedNames"] = dict(names) if isinstance(names, dict) else {}
    status["conditions"] = [
        {
            "type": "NamesAccepted",
            "status": "True",
            "lastTransitionTime": now,
            "reason": "NoConflicts",
            "message": "no conflicts found",
        },
        {
            "type": "Established",
            "status": "True",
            "lastTransitionTime": now,
            "reason": "InitialNamesAccepted",
            "message": "the initial names have been accepted",
        },
    ]
    status["storedVersions"] = storage


def _cilium_pool(obj: Obj, _now: str) -> None:
    """The pool CRD's structural default (`disabled: false`), applied on write."""
    spec = obj.get("spec")
    if isinstance(spec, dict):
        spec.setdefault("disabled", False)


_DEFAULTERS: dict[str, Callable[[Obj, str], None]] = {
    kinds.CRD.kind: _crd,
    kinds.CILIUM_LB_IP_POOL.kind: _cilium_pool,
    kinds.NAMESPACE.kind: _namespace,
    kinds.SECRET.kind: _secret,
    kinds.POD.kind: _pod,
    kinds.PVC.kind: _pvc,
    kinds.EVENT.kind: _event,
}


def apply_defaults(kind: Kind, obj: Obj, now: str, allocate_ip: Callable[[], str]) -> None:
    """Fill the server-side defaults of `obj` in place (a copy the caller owns)."""
    if kind is kinds.SERVICE:
        service_defaults(obj, allocate_ip)
        return
    defaulter = _DEFAULTERS.get(kind.kind)
    if defaulter is not None:
        defaulter(obj, now)
