"""What the engine knows of the cluster: immutable snapshots built by the cluster backend.

The backend keeps one `ClusterSnapshot` up to date from its watches and hands out the current
one; stages read it and wait for it to change. Nothing here talks to an API server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class NodeInfo:
    name: str
    ready: bool
    roles: tuple[str, ...] = ()
    version: str = ""
    created: float = 0.0
    internal_ip: str = ""
    os_image: str = ""
    """status.nodeInfo.osImage: "Talos (v1.11.5)" on a Talos node."""


@dataclass(frozen=True, slots=True)
class PodInfo:
    namespace: str
    name: str
    phase: str
    """Pending, Running, Succeeded, Failed or Unknown."""
    ready: int = 0
    containers: int = 0
    restarts: int = 0
    created: float = 0.0
    reason: str = ""
    """A waiting/terminated container reason such as CrashLoopBackOff or Error, if any."""
    node: str = ""
    labels: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    images: tuple[str, ...] = ()
    """The containers' images as the spec names them (init containers left out)."""

    @property
    def is_ready(self) -> bool:
        return self.phase == "Running" and self.containers > 0 and self.ready == self.containers

    @property
    def display_status(self) -> str:
        """What `kubectl get pods` shows in STATUS: the reason wins over the phase."""
        return self.reason or self.phase


def selector_terms(selector: str) -> dict[str, str]:
    """The `key=value` terms of a label selector such as the profile's `k8s-app=cilium`."""
    terms = (t.partition("=") for t in selector.split(",") if t.strip())
    return {k.strip(): v.strip() for k, _, v in terms}


def pod_matches(pod: PodInfo, selector: str) -> bool:
    """Whether the pod's labels satisfy every term (an empty selector matches nothing)."""
    wanted = selector_terms(selector)
    return bool(wanted) and all(pod.labels.get(k) == v for k, v in wanted.items())


@dataclass(frozen=True, slots=True)
class AppInfo:
    """An Argo CD Application as the engine needs it."""

    name: str
    namespace: str
    sync: str = "Unknown"
    """Synced, OutOfSync or Unknown."""
    health: str = "Unknown"
    """Healthy, Progressing, Degraded, Suspended, Missing or Unknown."""
    revision: str = ""
    destination_namespace: str = ""
    conditions: tuple[str, ...] = ()
    """`type: message` of each status condition (ComparisonError, SyncError, ...)."""
    operation_phase: str = ""
    """Phase of status.operationState: Running, Succeeded, Failed, Error, Terminating or ''."""
    operation_message: str = ""
    operation_started_at: str = ""
    operation_pending: bool = False
    """A sync was requested (`operation` is set) and the controller has not picked it up yet."""

    def reason(self) -> str:
        """Why the app is not Synced/Healthy, in one line (empty when it is)."""
        if self.sync == "Synced" and self.health == "Healthy":
            return ""
        parts = [c for c in self.conditions if c]
        if self.operation_phase in ("Failed", "Error") and self.operation_message:
            parts.append(f"last sync {self.operation_phase}: {self.operation_message}")
        elif self.operation_phase == "Running":
            parts.append("sync running")
        elif self.operation_pending:
            parts.append("sync requested")
        if not parts:
            parts.append(f"{self.sync}/{self.health}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    namespace: str
    name: str
    ready: bool
    reason: str = ""
    message: str = ""
    issuer: str = ""
    """spec.issuerRef.name."""
    issuer_kind: str = ""
    """spec.issuerRef.kind: Issuer (cert-manager's default) or ClusterIssuer."""
    dns_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IssuerInfo:
    name: str
    ready: bool
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class OrderInfo:
    """An acme.cert-manager.io/v1 Order: one certificate request to the ACME server."""

    namespace: str
    name: str
    certificate: str = ""
    """The Certificate it serves (annotation cert-manager.io/certificate-name)."""
    state: str = ""
    """pending, ready, valid, invalid, expired, errored (status.state; '' not yet known)."""
    reason: str = ""
    dns_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChallengeInfo:
    """An acme.cert-manager.io/v1 Challenge: one domain of an Order being proved (DNS-01
    through the Gandi webhook here). Its status says where it is stuck."""

    namespace: str
    name: str
    order: str = ""
    """The Order that owns it (its controller ownerReference)."""
    dns_name: str = ""
    type: str = ""
    """DNS-01 or HTTP-01."""
    state: str = ""
    reason: str = ""
    presented: bool = False
    """The DNS record was submitted (not that it has propagated)."""
    processing: bool = False


@dataclass(frozen=True, slots=True)
class VolumeClaimInfo:
    """A PersistentVolumeClaim: what a destroy would lose (the confirmation lists them)."""

    namespace: str
    name: str
    phase: str = ""
    capacity: str = ""
    storage_class: str = ""
    volume: str = ""

    def describe(self) -> str:
        extra = ", ".join(x for x in (self.capacity, self.storage_class) if x)
        return f"{self.namespace}/{self.name}" + (f" ({extra})" if extra else "")


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    """The cluster as last observed. `version` grows by one with every change."""

    version: int = 0
    reachable: bool = False
    error: str = ""
    """Why the API is not reachable (when `reachable` is false)."""
    server: str = ""
    nodes: tuple[NodeInfo, ...] = ()
    pods: tuple[PodInfo, ...] = ()
    apps: tuple[AppInfo, ...] = ()
    certificates: tuple[CertificateInfo, ...] = ()
    issuers: tuple[IssuerInfo, ...] = ()
    orders: tuple[OrderInfo, ...] = ()
    challenges: tuple[ChallengeInfo, ...] = ()
    namespaces: tuple[str, ...] = ()
    volume_claims: tuple[VolumeClaimInfo, ...] = ()
    synced_kinds: frozenset[str] = frozenset()
    """Kinds whose initial list has arrived: an empty tuple means "none" only for these."""

    def unlisted(self, *kinds: str) -> tuple[str, ...]:
        """Of these kinds, those whose first list has not arrived: their tuples say nothing."""
        return tuple(k for k in kinds if k not in self.synced_kinds)

    def node(self, name: str) -> NodeInfo | None:
        return next((n for n in self.nodes if n.name == name), None)

    def app(self, name: str) -> AppInfo | None:
        return next((a for a in self.apps if a.name == name), None)

    def pods_in(self, namespace: str) -> tuple[PodInfo, ...]:
        return tuple(p for p in self.pods if p.namespace == namespace)

    def running_pods(self) -> int:
        return sum(1 for p in self.pods if p.phase == "Running")

    def summary(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "error": self.error,
            "nodes_ready": sum(1 for n in self.nodes if n.ready),
            "nodes": len(self.nodes),
            "pods_running": self.running_pods(),
            "pods": len(self.pods),
            "apps_synced_healthy": sum(
                1 for a in self.apps if a.sync == "Synced" and a.health == "Healthy"
            ),
            "apps": len(self.apps),
        }
