"""Raw API objects (the JSON dicts of lists and watch events) to the core's frozen infos.

The watches hand over parsed JSON, never the client's models: 1,000 pod updates a second
cannot afford a model per event, and one object the strict models reject would fail a whole
list. So every accessor here tolerates missing or null fields, as the API omits empty ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from vixens_tui.core.cluster import (
    AppInfo,
    CertificateInfo,
    ChallengeInfo,
    IssuerInfo,
    NodeInfo,
    OrderInfo,
    PodInfo,
    VolumeClaimInfo,
)

Obj = Mapping[str, Any]
_ROLE_PREFIX = "node-role.kubernetes.io/"
_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def _dict(value: Any) -> Obj:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def meta_of(obj: Obj) -> Obj:
    return _dict(obj.get("metadata"))


def key_of(obj: Obj) -> tuple[str, str]:
    """(namespace, name): the cache key; cluster-scoped objects have no namespace."""
    meta = meta_of(obj)
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def timestamp(value: Any) -> float:
    """An RFC 3339 timestamp as epoch seconds (0.0 when absent or unreadable)."""
    if not isinstance(value, str) or not value:
        return 0.0
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return 0.0


def _condition(obj: Obj, kind: str) -> Obj | None:
    for cond in _list(_dict(obj.get("status")).get("conditions")):
        if isinstance(cond, Mapping) and cond.get("type") == kind:
            return cond
    return None


def _labels(meta: Obj) -> Mapping[str, str]:
    labels = meta.get("labels")
    if not isinstance(labels, Mapping) or not labels:
        return _NO_LABELS
    return MappingProxyType({str(k): str(v) for k, v in labels.items()})


# -- built-in kinds --------------------------------------------------------------------------


def node_info(obj: Obj) -> NodeInfo:
    meta = meta_of(obj)
    status = _dict(obj.get("status"))
    labels = _dict(meta.get("labels"))
    # kubectl's ROLES column: every node-role.kubernetes.io/<role> label, plus the legacy
    # kubernetes.io/role=<role>.
    roles = {k[len(_ROLE_PREFIX) :] for k in labels if k.startswith(_ROLE_PREFIX)}
    legacy = labels.get("kubernetes.io/role")
    if legacy:
        roles.add(str(legacy))
    roles.discard("")
    ready = _condition(obj, "Ready")
    internal_ip = next(
        (
            str(a.get("address", ""))
            for a in _list(status.get("addresses"))
            if isinstance(a, Mapping) and a.get("type") == "InternalIP"
        ),
        "",
    )
    return NodeInfo(
        name=str(meta.get("name") or ""),
        ready=ready is not None and ready.get("status") == "True",
        roles=tuple(sorted(roles)),
        version=str(_dict(status.get("nodeInfo")).get("kubeletVersion") or ""),
        created=timestamp(meta.get("creationTimestamp")),
        internal_ip=internal_ip,
        os_image=str(_dict(status.get("nodeInfo")).get("osImage") or ""),
    )


def _terminated_reason(state: Obj) -> str:
    reason = str(state.get("reason") or "")
    if reason:
        return reason
    signal = state.get("signal") or 0
    return f"Signal:{signal}" if signal else f"ExitCode:{state.get('exitCode') or 0}"


def pod_status(obj: Obj) -> tuple[str, int, int]:
    """(STATUS, ready containers, restarts) computed the way `kubectl get pods` does
    (printPod in k8s.io/kubernetes/pkg/printers/internalversion/printers.go)."""
    meta = meta_of(obj)
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    reason = str(status.get("reason") or status.get("phase") or "")
    restarts = 0
    ready = 0
    init_specs = _list(spec.get("initContainers"))
    sidecars = {
        c.get("name")
        for c in init_specs
        if isinstance(c, Mapping) and c.get("restartPolicy") == "Always"
    }
    initializing = False
    for i, cs in enumerate(_list(status.get("initContainerStatuses"))):
        if not isinstance(cs, Mapping):
            continue
        restarts += int(cs.get("restartCount") or 0)
        state = _dict(cs.get("state"))
        terminated = state.get("terminated")
        waiting = _dict(state.get("waiting"))
        if isinstance(terminated, Mapping) and not terminated.get("exitCode"):
            continue
        if cs.get("name") in sidecars and cs.get("started"):
            continue
        if isinstance(terminated, Mapping):
            reason = "Init:" + _terminated_reason(terminated)
        elif waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = _condition(obj, "Initialized")
    if not initializing or (initialized is not None and initialized.get("status") == "True"):
        restarts = 0
        has_running = False
        for cs in reversed(_list(status.get("containerStatuses"))):
            if not isinstance(cs, Mapping):
                continue
            restarts += int(cs.get("restartCount") or 0)
            state = _dict(cs.get("state"))
            waiting = _dict(state.get("waiting"))
            terminated = state.get("terminated")
            if waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(terminated, Mapping):
                reason = _terminated_reason(terminated)
            elif cs.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = _condition(obj, "Ready")
            reason = "Running" if pod_ready and pod_ready.get("status") == "True" else "NotReady"
    if meta.get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason, ready, restarts


def pod_info(obj: Obj) -> PodInfo:
    meta = meta_of(obj)
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    phase = str(status.get("phase") or "Unknown")
    shown, ready, restarts = pod_status(obj)
    containers = len(_list(spec.get("containers"))) or len(_list(status.get("containerStatuses")))
    return PodInfo(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        phase=phase,
        ready=ready,
        containers=containers,
        restarts=restarts,
        created=timestamp(meta.get("creationTimestamp")),
        # Only what differs from the phase: PodInfo.display_status falls back on the phase.
        reason="" if shown == phase else shown,
        node=str(spec.get("nodeName") or ""),
        labels=_labels(meta),
        images=tuple(
            str(c.get("image") or "")
            for c in _list(spec.get("containers"))
            if isinstance(c, Mapping)
        ),
    )


def namespace_name(obj: Obj) -> str:
    return str(meta_of(obj).get("name") or "")


def volume_claim_info(obj: Obj) -> VolumeClaimInfo:
    meta = meta_of(obj)
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    capacity = _dict(status.get("capacity")).get("storage") or _dict(
        _dict(spec.get("resources")).get("requests")
    ).get("storage")
    return VolumeClaimInfo(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        phase=str(status.get("phase") or ""),
        capacity=str(capacity or ""),
        storage_class=str(spec.get("storageClassName") or ""),
        volume=str(spec.get("volumeName") or ""),
    )


# -- custom resources ------------------------------------------------------------------------


def app_info(obj: Obj) -> AppInfo:
    """An argoproj.io/v1alpha1 Application."""
    meta = meta_of(obj)
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    sync = _dict(status.get("sync"))
    health = _dict(status.get("health"))
    op_state = _dict(status.get("operationState"))
    revision = sync.get("revision")
    if not revision:
        # Multi-source apps report one revision per source.
        revision = ",".join(str(r) for r in _list(sync.get("revisions")) if r)
    conditions = tuple(
        f"{c.get('type', '')}: {c.get('message', '')}".strip()
        for c in _list(status.get("conditions"))
        if isinstance(c, Mapping)
    )
    return AppInfo(
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or ""),
        sync=str(sync.get("status") or "Unknown"),
        health=str(health.get("status") or "Unknown"),
        revision=str(revision or ""),
        destination_namespace=str(_dict(spec.get("destination")).get("namespace") or ""),
        conditions=conditions,
        operation_phase=str(op_state.get("phase") or ""),
        operation_message=str(op_state.get("message") or ""),
        operation_started_at=str(op_state.get("startedAt") or ""),
        # The controller clears `.operation` when it picks the request up.
        operation_pending=bool(obj.get("operation")),
    )


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _list(value) if isinstance(v, str))


def certificate_info(obj: Obj) -> CertificateInfo:
    """A cert-manager.io/v1 Certificate: its Ready condition, issuer and DNS names."""
    meta = meta_of(obj)
    spec = _dict(obj.get("spec"))
    issuer = _dict(spec.get("issuerRef"))
    ready = _condition(obj, "Ready") or {}
    return CertificateInfo(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        ready=ready.get("status") == "True",
        reason=str(ready.get("reason") or ""),
        message=str(ready.get("message") or ""),
        issuer=str(issuer.get("name") or ""),
        # cert-manager's default kind when issuerRef.kind is empty is Issuer.
        issuer_kind=str(issuer.get("kind") or "Issuer"),
        dns_names=_texts(spec.get("dnsNames")),
    )


def issuer_info(obj: Obj) -> IssuerInfo:
    """A cert-manager.io/v1 ClusterIssuer: its Ready condition."""
    ready = _condition(obj, "Ready") or {}
    return IssuerInfo(
        name=str(meta_of(obj).get("name") or ""),
        ready=ready.get("status") == "True",
        reason=str(ready.get("reason") or ""),
        message=str(ready.get("message") or ""),
    )


def _controller(meta: Obj) -> str:
    """The name of the object's controller ownerReference ('' when none)."""
    refs = [r for r in _list(meta.get("ownerReferences")) if isinstance(r, Mapping)]
    owner = next((r for r in refs if r.get("controller")), refs[0] if refs else {})
    return str(owner.get("name") or "")


def order_info(obj: Obj) -> OrderInfo:
    """An acme.cert-manager.io/v1 Order. cert-manager copies the CertificateRequest's
    annotations onto it (buildOrder), cert-manager.io/certificate-name among them."""
    meta = meta_of(obj)
    status = _dict(obj.get("status"))
    annotations = _dict(meta.get("annotations"))
    return OrderInfo(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        certificate=str(annotations.get("cert-manager.io/certificate-name") or ""),
        state=str(status.get("state") or ""),
        reason=str(status.get("reason") or ""),
        dns_names=_texts(_dict(obj.get("spec")).get("dnsNames")),
    )


def challenge_info(obj: Obj) -> ChallengeInfo:
    """An acme.cert-manager.io/v1 Challenge: named and owned by its Order (buildPartialChallenge
    sets only the owner reference, no labels or annotations)."""
    meta = meta_of(obj)
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    return ChallengeInfo(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        order=_controller(meta),
        dns_name=str(spec.get("dnsName") or ""),
        type=str(spec.get("type") or ""),
        state=str(status.get("state") or ""),
        reason=str(status.get("reason") or ""),
        presented=status.get("presented") is True,
        processing=status.get("processing") is True,
    )
