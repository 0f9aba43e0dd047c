"""The shared state of the simulation: the cluster's life outside the API (machines, releases),
the store, the clock, the faults, and the helpers every controller uses.

The controllers (nodes, workloads, argocd, certmanager) play the cluster's own controllers;
they run in the scenario's tick, holding the store lock, and only ever write through the store,
so every change reaches the watches like a real one.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vixens_tui.core.profile import Profile
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.resources import ResourceAPI
from vixens_tui.sim.apiserver.store import Store
from vixens_tui.sim.clock import Clock, rfc3339
from vixens_tui.sim.conditions import is_ready
from vixens_tui.sim.faults import Faults
from vixens_tui.sim.objects import event
from vixens_tui.sim.plans import Catalog, Workload
from vixens_tui.sim.rand import Rand
from vixens_tui.sim.timings import Timings

Obj = dict[str, Any]

BASE_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


@dataclass
class Machine:
    """A Talos node seen from outside Kubernetes."""

    state: str = "maintenance"
    """maintenance (reset, reachable on the maintenance VLAN), installing, running."""
    ready_at: float = 0.0


@dataclass
class Life:
    """What exists outside the API server: machines, etcd, the Helm releases."""

    machines: dict[str, Machine]
    bootstrap_at: float | None = None
    api_up_at: float | None = None
    blackout: bool = False
    """The API is unreachable although the cluster exists (cilium-destroy-timeout)."""
    seeded: bool = False
    cni_at: float | None = None
    argocd_at: float | None = None
    generation: int = 0
    """Bumped at each bootstrap: per-life state (Argo CD, faults) starts over."""
    deployed_apps: set[str] = field(default_factory=set)
    """Applications whose resources are in the cluster (synced at least once)."""
    root_created: bool = False
    eof_armed: bool = False
    """repo-server-eof struck in this life (it strikes once per life)."""
    eof_broken: bool = False
    eof_pods: set[str] = field(default_factory=set)
    """The repo-server pods that answer EOF; their replacements work."""


class World:
    def __init__(
        self,
        *,
        profile: Profile,
        catalog: Catalog,
        store: Store,
        resources: ResourceAPI,
        clock: Clock,
        rand: Rand,
        faults: Faults,
        timings: Timings,
    ) -> None:
        self.root_by_terraform = False
        """The root Application comes from Terraform's kubectl_manifest (the simulated
        providers); else the Argo CD controller creates it once Argo CD runs (the hooks)."""
        self.profile = profile
        self.catalog = catalog
        self.store = store
        self.resources = resources
        self.clock = clock
        self.rand = rand
        self.faults = faults
        self.timings = timings
        self.faults_enabled = True
        self.ca_pem = ""
        """The cluster CA (PEM), published in every namespace as kube-root-ca.crt."""
        self._last_event_ns = 0
        self.life = Life({n.name: Machine() for n in profile.nodes})

    # -- time and faults -------------------------------------------------------------------

    def ts(self) -> str:
        return rfc3339(self.clock.wall())

    def fault(self, name: str) -> bool:
        return self.faults_enabled and self.faults.has(name)

    def jitter(self, seconds: float, spread: float = 0.25) -> float:
        return seconds * self.rand.uniform(1 - spread, 1 + spread)

    # -- the API's availability ------------------------------------------------------------

    def api_should_be_up(self, now: float) -> bool:
        life = self.life
        if life.blackout or life.api_up_at is None or now < life.api_up_at:
            return False
        return any(m.state == "running" for m in life.machines.values())

    # -- store helpers ---------------------------------------------------------------------

    def emit(
        self,
        involved: Obj,
        reason: str,
        message: str,
        *,
        type_: str = "Normal",
        component: str = "kubelet",
        host: str = "",
        field_path: str = "",
    ) -> None:
        namespace = involved["metadata"].get("namespace") or "default"
        if self.store.get(kinds.NAMESPACE, "", namespace) is None:
            return
        # Real event names end with the creation time in hex nanoseconds: they sort in order.
        stamp = max(int(self.clock.wall().timestamp() * 1e9), self._last_event_ns + 1)
        self._last_event_ns = stamp
        obj = event(
            involved,
            reason,
            message,
            suffix=f"{stamp:x}",
            when=self.ts(),
            type_=type_,
            component=component,
            host=host,
            field_path=field_path,
        )
        self.store.add(kinds.EVENT, obj)

    def ensure_namespace(self, name: str, labels: dict[str, str] | None = None) -> bool:
        """Create a namespace if missing; True when it was created."""
        if self.store.get(kinds.NAMESPACE, "", name) is not None:
            return False
        body: Obj = {"metadata": {"name": name}}
        if labels:
            body["metadata"]["labels"] = labels
        self.resources.create(kinds.NAMESPACE, "", body)
        return True

    def namespace_exists(self, name: str) -> bool:
        return self.store.get(kinds.NAMESPACE, "", name) is not None

    def secret_key_exists(self, namespace: str, name: str, key: str) -> bool:
        return bool(self.secret_value(namespace, name, key))

    def secret_value(self, namespace: str, name: str, key: str) -> str:
        """A Secret's value under `key`, decoded ('' when absent)."""
        secret = self.store.get(kinds.SECRET, namespace, name)
        data = (secret.get("data") or {}).get(key) if secret else None
        if not data:
            return ""
        return base64.b64decode(data).decode(errors="replace")

    def configmap_exists(self, namespace: str, name: str) -> bool:
        return self.store.get(kinds.CONFIGMAP, namespace, name) is not None

    def update(self, kind: kinds.Kind, obj: Obj, **changes: Any) -> Obj:
        """Store a copy of `obj` with top-level fields replaced (status, spec...)."""
        edited = copy.deepcopy(obj)
        edited.update(changes)
        return self.store.put(kind, edited)

    # -- workloads -------------------------------------------------------------------------

    def pods_of(self, workload: Workload) -> list[Obj]:
        """Live (not terminating) pods of a workload."""
        labels = workload.label_map
        return [
            p
            for p in self.store.list(kinds.POD, workload.namespace)
            if not p["metadata"].get("deletionTimestamp")
            and all(p["metadata"].get("labels", {}).get(k) == v for k, v in labels.items())
        ]

    def workload_ready(self, workload: Workload) -> bool:
        pods = self.pods_of(workload)
        wanted = self.catalog.pods_of(workload)
        return len(pods) >= wanted and sum(1 for p in pods if is_ready(p)) >= wanted

    def any_ready(self, workloads: Iterable[Workload]) -> bool:
        return any(is_ready(p) for w in workloads for p in self.pods_of(w))

    def workload_named(self, name: str) -> Workload | None:
        return next((w for w in self.catalog.workloads if w.name == name), None)
