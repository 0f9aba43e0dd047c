"""The plan of a simulated cluster: what workloads, apps, certificates and claims it has.

`catalog.build_catalog` fills these from a profile; the controllers only read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from vixens_tui.core.profile import AppSpec, Profile
from vixens_tui.sim.versions import BuiltVersions

Controller = Literal["Deployment", "DaemonSet", "StatefulSet", "Static"]
Layer = Literal["control-plane", "addons", "cni", "argocd", "app"]
"""What installs a workload: the bootstrap (static pods, CoreDNS), the Cilium release, the
Argo CD release, or an Argo CD Application."""


REPO_URL = "https://github.com/charchess/vixens.git"


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ConfigVolume:
    """A Secret or ConfigMap volume of the pods: as on a real kubelet, they stay
    ContainerCreating (a FailedMount event) until the object exists in their namespace."""

    volume: str
    kind: Literal["Secret", "ConfigMap"]
    name: str
    mount_path: str
    container: str
    """The container that mounts it."""
    key: str
    """The key it reads (the file of that name under `mount_path`)."""


@dataclass(frozen=True, slots=True)
class ServicePlan:
    name: str
    ports: tuple[tuple[str, int], ...]
    type: str = "ClusterIP"
    load_balancer_ip: str = ""
    cluster_ip: str = ""


@dataclass(frozen=True, slots=True)
class Workload:
    namespace: str
    name: str
    controller: Controller
    labels: tuple[tuple[str, str], ...]
    containers: tuple[Container, ...]
    layer: Layer
    app: str = ""
    """The Argo CD Application that deploys it (layer "app")."""
    replicas: int = 1
    start_s: float = 6.0
    """Simulated seconds from scheduled to containers running."""
    host_network: bool = False
    tolerates_not_ready: bool = False
    """Runs on a NotReady node (static pods, the CNI itself)."""
    control_plane_only: bool = False
    service: ServicePlan | None = None
    config_volume: ConfigVolume | None = None
    """A Secret or ConfigMap the pods mount, and wait for."""

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.name

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def template_hash(self) -> str:
        """The pod-template-hash of a Deployment's ReplicaSet (stable per workload)."""
        digest = hashlib.sha256(f"{self.namespace}/{self.name}".encode()).digest()
        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


@dataclass(frozen=True, slots=True)
class CertificatePlan:
    namespace: str
    name: str
    secret_name: str
    dns_names: tuple[str, ...]
    issuer: str


@dataclass(frozen=True, slots=True)
class PvcPlan:
    namespace: str
    name: str
    storage_class: str
    size: str
    access_mode: str


@dataclass(frozen=True, slots=True)
class AppPlan:
    spec: AppSpec
    path: str
    certificates: tuple[CertificatePlan, ...] = ()
    issuers: tuple[str, ...] = ()
    pvcs: tuple[PvcPlan, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, slots=True)
class Catalog:
    profile: Profile
    workloads: tuple[Workload, ...]
    apps: tuple[AppPlan, ...]
    cluster_name: str
    versions: BuiltVersions = field(default_factory=BuiltVersions)
    issuers_app: str = ""
    cert_manager_app: str = ""
    csi_app: str = ""
    traefik_lb_ip: str = ""
    _by_key: Mapping[tuple[str, str], Workload] = field(default_factory=dict, repr=False)

    def workload(self, namespace: str, name: str) -> Workload | None:
        return self._by_key.get((namespace, name))

    def app(self, name: str) -> AppPlan | None:
        return next((a for a in self.apps if a.name == name), None)

    def of_app(self, app: str) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.app == app)

    def of_layer(self, layer: Layer) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.layer == layer)

    def repo_server(self) -> Workload:
        return next(w for w in self.workloads if w.name == "argocd-repo-server")

    def expected_pods(self) -> int:
        """Pods of the whole cluster once everything runs."""
        return sum(self.pods_of(w) for w in self.workloads)

    def pods_of(self, workload: Workload) -> int:
        if workload.controller == "Static" or workload.control_plane_only:
            return len(self.control_planes())
        if workload.controller == "DaemonSet":
            return len(self.profile.nodes)
        return workload.replicas

    def control_planes(self) -> tuple[str, ...]:
        names = tuple(n.name for n in self.profile.nodes if n.role == "control-plane")
        return names or (self.profile.nodes[0].name,)

    def bootstrap_node(self) -> str:
        # The demo's Terraform bootstraps the first node by name (sort(keys(var.nodes))[0]).
        return sorted(self.control_planes())[0]

    def node_ip(self, name: str) -> str:
        for index, node in enumerate(self.profile.nodes):
            if node.name == name:
                return node.ip or f"10.10.0.{11 + index}"
        return ""
