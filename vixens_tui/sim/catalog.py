"""What runs in the simulated cluster, derived from the profile.

The procedure's dev cluster, component by component: the control-plane static pods of each
node, CoreDNS, Cilium (agent and envoy per node, operator, Hubble), Argo CD, and what each
Argo CD Application deploys (Traefik, whoami, cert-manager and its Gandi webhook, Synology CSI,
ClusterIssuers, Certificates, volume claims). App names the dev environment uses get their
real workloads; any other app gets one Deployment named after it, so a profile with other
apps simulates that cluster. When the pods would not reach `validation.min_running_pods`,
app Deployments get more replicas.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from vixens_tui.core.profile import AppSpec, Profile

Controller = Literal["Deployment", "DaemonSet", "StatefulSet", "Static"]
Layer = Literal["control-plane", "addons", "cni", "argocd", "app"]
"""What installs a workload: the bootstrap (static pods, CoreDNS), the Cilium release, the
Argo CD release, or an Argo CD Application."""

GATE_SYNOLOGY = "synology-config"
"""The workload mounts the Synology client-info ConfigMap and cannot start without it."""

REPO_URL = "https://github.com/charchess/vixens.git"
ARGOCD_VERSION = "v2.13.1"  # the app version of chart 7.7.7
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.12.1"
CERT_MANAGER_VERSION = "v1.14.4"
# The dev apps that deploy no pod: CRs, an IngressRoute, external Services, NFS volumes.
_NO_PODS = frozenset(
    {
        "cilium-lb",
        "traefik-dashboard",
        "argocd",
        "cert-manager-config",
        "nfs-storage",
        "mail-gateway",
        "homeassistant",
    }
)


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    port: int | None = None


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
    gate: str = ""
    host_network: bool = False
    tolerates_not_ready: bool = False
    """Runs on a NotReady node (static pods, the CNI itself)."""
    control_plane_only: bool = False
    service: ServicePlan | None = None
    configmap_volume: str = ""
    """A ConfigMap mounted by the pods (shown in the pod spec and in FailedMount events)."""

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


def _kv(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(pairs)


def _selector_labels(selector: str) -> list[tuple[str, str]]:
    """Equality terms of a label selector (the profile's repo_server_selector)."""
    pairs = []
    for term in selector.split(","):
        key, sep, value = term.partition("=")
        if sep and key.strip() and not key.strip().endswith("!"):
            pairs.append((key.strip(), value.strip().lstrip("=")))
    return pairs


def _neighbour_ip(address: str, delta: int) -> str:
    try:
        ip = ipaddress.ip_address(address)
        return str(ip + delta) if isinstance(ip, ipaddress.IPv4Address) else ""
    except ValueError:
        return ""


def _system(profile: Profile) -> list[Workload]:
    version = profile.kubernetes_version
    cilium = profile.versions.cilium or "v1.18.3"
    nodes = len(profile.nodes)
    workloads = [
        Workload(
            "kube-system",
            component,
            "Static",
            _kv(("component", component), ("tier", "control-plane")),
            (Container(component, f"registry.k8s.io/{component}:{version}"),),
            "control-plane",
            start_s=3,
            host_network=True,
            tolerates_not_ready=True,
            control_plane_only=True,
        )
        for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    ]
    workloads += [
        Workload(
            "kube-system",
            "coredns",
            "Deployment",
            _kv(("k8s-app", "kube-dns")),
            (Container("coredns", COREDNS_IMAGE, 53),),
            "addons",
            replicas=2,
            start_s=4,
            service=ServicePlan(
                "kube-dns",
                (("dns", 53), ("dns-tcp", 53), ("metrics", 9153)),
                cluster_ip="10.96.0.10",
            ),
        ),
        Workload(
            "kube-system",
            "cilium",
            "DaemonSet",
            _kv(
                ("k8s-app", "cilium"),
                ("app.kubernetes.io/name", "cilium-agent"),
                ("app.kubernetes.io/part-of", "cilium"),
            ),
            (Container("cilium-agent", f"quay.io/cilium/cilium:{cilium}"),),
            "cni",
            start_s=12,
            host_network=True,
            tolerates_not_ready=True,
        ),
        Workload(
            "kube-system",
            "cilium-envoy",
            "DaemonSet",
            _kv(
                ("k8s-app", "cilium-envoy"),
                ("app.kubernetes.io/name", "cilium-envoy"),
                ("app.kubernetes.io/part-of", "cilium"),
            ),
            (
                Container(
                    "cilium-envoy",
                    "quay.io/cilium/cilium-envoy:v1.34.10-1761014632-c360e8557eb41011dfb5210f8fb53fed6c0b3222",
                ),
            ),
            "cni",
            start_s=8,
            host_network=True,
            tolerates_not_ready=True,
        ),
        Workload(
            "kube-system",
            "cilium-operator",
            "Deployment",
            _kv(
                ("io.cilium/app", "operator"),
                ("name", "cilium-operator"),
                ("app.kubernetes.io/name", "cilium-operator"),
                ("app.kubernetes.io/part-of", "cilium"),
            ),
            (Container("cilium-operator", f"quay.io/cilium/operator-generic:{cilium}"),),
            "cni",
            replicas=min(2, nodes),
            start_s=6,
            host_network=True,
            tolerates_not_ready=True,
        ),
        Workload(
            "kube-system",
            "hubble-relay",
            "Deployment",
            _kv(("k8s-app", "hubble-relay"), ("app.kubernetes.io/name", "hubble-relay")),
            (Container("hubble-relay", f"quay.io/cilium/hubble-relay:{cilium}", 4245),),
            "cni",
            start_s=6,
            service=ServicePlan("hubble-relay", (("grpc", 80),)),
        ),
        Workload(
            "kube-system",
            "hubble-ui",
            "Deployment",
            _kv(("k8s-app", "hubble-ui"), ("app.kubernetes.io/name", "hubble-ui")),
            (Container("frontend", "quay.io/cilium/hubble-ui:v0.13.3", 8081),),
            "cni",
            start_s=6,
            service=ServicePlan("hubble-ui", (("http", 80),)),
        ),
    ]
    return workloads


def _argocd(profile: Profile) -> list[Workload]:
    ns = profile.argocd.namespace
    image = f"quay.io/argoproj/argocd:{ARGOCD_VERSION}"

    def labels(name: str, component: str, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        pairs = dict(
            [
                ("app.kubernetes.io/name", name),
                ("app.kubernetes.io/instance", "argocd"),
                ("app.kubernetes.io/part-of", "argocd"),
                ("app.kubernetes.io/component", component),
            ]
        )
        pairs.update(dict(extra))
        return tuple(pairs.items())

    repo_extra = _selector_labels(profile.argocd.repo_server_selector)
    return [
        Workload(
            ns,
            "argocd-server",
            "Deployment",
            labels("argocd-server", "server"),
            (Container("server", image, 8080),),
            "argocd",
            start_s=8,
            service=ServicePlan(
                "argocd-server",
                (("http", 80), ("https", 443)),
                "LoadBalancer",
                profile.argocd.server,
            ),
        ),
        Workload(
            ns,
            "argocd-repo-server",
            "Deployment",
            labels("argocd-repo-server", "repo-server", *repo_extra),
            (Container("repo-server", image, 8081),),
            "argocd",
            start_s=8,
            service=ServicePlan("argocd-repo-server", (("tcp-repo-server", 8081),)),
        ),
        Workload(
            ns,
            "argocd-application-controller",
            "StatefulSet",
            labels("argocd-application-controller", "application-controller"),
            (Container("application-controller", image, 8082),),
            "argocd",
            start_s=8,
        ),
        Workload(
            ns,
            "argocd-redis",
            "Deployment",
            labels("argocd-redis", "redis"),
            (Container("redis", "ecr-public.aws.com/docker/library/redis:7.4.1-alpine", 6379),),
            "argocd",
            start_s=5,
            service=ServicePlan("argocd-redis", (("tcp-redis", 6379),)),
        ),
        Workload(
            ns,
            "argocd-dex-server",
            "Deployment",
            labels("argocd-dex-server", "dex-server"),
            (Container("dex-server", "ghcr.io/dexidp/dex:v2.41.1", 5556),),
            "argocd",
            start_s=6,
        ),
        Workload(
            ns,
            "argocd-applicationset-controller",
            "Deployment",
            labels("argocd-applicationset-controller", "applicationset-controller"),
            (Container("applicationset-controller", image, 7000),),
            "argocd",
            start_s=6,
        ),
        Workload(
            ns,
            "argocd-notifications-controller",
            "Deployment",
            labels("argocd-notifications-controller", "notifications-controller"),
            (Container("notifications-controller", image, 9001),),
            "argocd",
            start_s=6,
        ),
    ]


def _pick(apps: tuple[AppSpec, ...], name: str) -> AppSpec | None:
    return next((a for a in apps if a.name == name), None)


def _roles(profile: Profile) -> dict[str, str]:
    """Which app deploys cert-manager, its Gandi webhook, the issuers, Synology CSI, Traefik."""
    apps = profile.apps
    cm_ns = profile.validation.cert_manager_namespace
    in_cm = [a for a in apps if a.namespace == cm_ns]
    roles: dict[str, str] = {}
    cert_manager = _pick(apps, "cert-manager") or (in_cm[0] if in_cm else None)
    if cert_manager:
        roles["cert-manager"] = cert_manager.name
        gandi = _pick(apps, "cert-manager-webhook-gandi") or next(
            (a for a in apps if "gandi" in a.name), cert_manager
        )
        roles["gandi"] = gandi.name
        issuers = _pick(apps, "cert-manager-config") or max(
            in_cm, key=lambda a: a.sync_wave, default=cert_manager
        )
        roles["issuers"] = issuers.name
    csi = _pick(apps, "synology-csi") or next(
        (a for a in apps if a.namespace == profile.secrets.synology_namespace), None
    )
    if csi:
        roles["csi"] = csi.name
    traefik = _pick(apps, "traefik") or next(
        (a for a in apps if "traefik" in a.name and a.name != "traefik-dashboard"), None
    )
    if traefik:
        roles["traefik"] = traefik.name
    return roles


def _deployment(app: AppSpec, name: str, image: str, port: int, **extra: object) -> Workload:
    labels = _kv(
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/instance", app.name),
    )
    return Workload(
        app.namespace,
        name,
        "Deployment",
        labels,
        (Container(name, image, port),),
        "app",
        app=app.name,
        service=ServicePlan(name, (("http", port),)),
        **extra,  # type: ignore[arg-type]
    )


def _cert_manager(app: AppSpec) -> list[Workload]:
    version = CERT_MANAGER_VERSION

    def one(name: str, component: str, image: str, port: int) -> Workload:
        return Workload(
            app.namespace,
            name,
            "Deployment",
            _kv(
                ("app", name),
                ("app.kubernetes.io/name", name),
                ("app.kubernetes.io/instance", "cert-manager"),
                ("app.kubernetes.io/component", component),
            ),
            (Container(name, f"quay.io/jetstack/{image}:{version}", port),),
            "app",
            app=app.name,
            start_s=6,
            service=ServicePlan(name, (("tcp", port),)) if component != "cainjector" else None,
        )

    return [
        one("cert-manager", "controller", "cert-manager-controller", 9402),
        one("cert-manager-cainjector", "cainjector", "cert-manager-cainjector", 9402),
        one("cert-manager-webhook", "webhook", "cert-manager-webhook", 10250),
    ]


def _synology(app: AppSpec, profile: Profile) -> list[Workload]:
    ns = app.namespace
    configmap = profile.secrets.synology_configmap
    plugin = Container("csi-plugin", "synology/synology-csi:v1.2.0")

    def labels(name: str) -> tuple[tuple[str, str], ...]:
        return _kv(
            ("app", name),
            ("app.kubernetes.io/name", name),
            ("app.kubernetes.io/instance", app.name),
        )

    return [
        Workload(
            ns,
            "synology-csi-controller",
            "StatefulSet",
            labels("synology-csi-controller"),
            (
                Container("csi-provisioner", "registry.k8s.io/sig-storage/csi-provisioner:v3.6.2"),
                Container("csi-attacher", "registry.k8s.io/sig-storage/csi-attacher:v4.4.2"),
                Container("csi-resizer", "registry.k8s.io/sig-storage/csi-resizer:v1.9.2"),
                plugin,
            ),
            "app",
            app=app.name,
            start_s=8,
            gate=GATE_SYNOLOGY,
            configmap_volume=configmap,
        ),
        Workload(
            ns,
            "synology-csi-node",
            "DaemonSet",
            labels("synology-csi-node"),
            (
                Container(
                    "csi-driver-registrar",
                    "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.9.1",
                ),
                plugin,
            ),
            "app",
            app=app.name,
            start_s=8,
            gate=GATE_SYNOLOGY,
            host_network=True,
            configmap_volume=configmap,
        ),
        Workload(
            ns,
            "synology-csi-snapshotter",
            "StatefulSet",
            labels("synology-csi-snapshotter"),
            (
                Container("csi-snapshotter", "registry.k8s.io/sig-storage/csi-snapshotter:v6.3.2"),
                plugin,
            ),
            "app",
            app=app.name,
            start_s=8,
            gate=GATE_SYNOLOGY,
            configmap_volume=configmap,
        ),
    ]


def _app_workloads(
    app: AppSpec, roles: dict[str, str], profile: Profile, traefik_ip: str
) -> list[Workload]:
    found: list[Workload] = []
    if roles.get("cert-manager") == app.name:
        found += _cert_manager(app)
    if roles.get("gandi") == app.name:
        found.append(
            _deployment(
                app,
                profile.validation.gandi_webhook_prefix,
                "ghcr.io/sintef/cert-manager-webhook-gandi:v0.5.2",
                443,
            )
        )
    if roles.get("csi") == app.name:
        found += _synology(app, profile)
    if roles.get("traefik") == app.name:
        traefik = _deployment(app, "traefik", "docker.io/traefik:v2.10.7", 8000)
        service = ServicePlan(
            "traefik", (("web", 80), ("websecure", 443)), "LoadBalancer", traefik_ip
        )
        found.append(dataclasses.replace(traefik, service=service, start_s=7))
    if app.name == "whoami":
        found.append(_deployment(app, "whoami", "docker.io/traefik/whoami:v1.10.3", 80, start_s=4))
    if not found and app.name not in _NO_PODS:
        found.append(
            _deployment(app, app.name, f"ghcr.io/vixens/{app.name}:latest", 8080, start_s=5)
        )
    return found


def _dns_hosts(profile: Profile) -> list[tuple[str, str]]:
    """(check name, host) of the HTTP checks whose host is a DNS name, not an IP."""
    hosts = []
    for check in profile.http_checks:
        host = check.url.host or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host and "." in host:
                hosts.append((check.name, host))
    return hosts


def _certificates(profile: Profile, roles: dict[str, str]) -> dict[str, list[CertificatePlan]]:
    issuers_app = roles.get("issuers")
    if not issuers_app:
        return {}
    by_app: dict[str, list[CertificatePlan]] = {}
    apps = {a.name: a for a in profile.apps}
    hosts = _dns_hosts(profile)
    for check_name, host in hosts:
        owner = apps.get(check_name) or apps[issuers_app]
        cert = CertificatePlan(
            owner.namespace, f"{check_name}-tls", f"{check_name}-tls", (host,), "letsencrypt-prod"
        )
        by_app.setdefault(owner.name, []).append(cert)
    domain = hosts[0][1].split(".", 1)[1] if hosts else f"{profile.name}.vixens.lab"
    wildcard = f"wildcard-{domain.replace('.', '-')}"
    by_app.setdefault(issuers_app, []).append(
        CertificatePlan(
            apps[issuers_app].namespace,
            wildcard,
            f"{wildcard}-tls",
            (f"*.{domain}", domain),
            "letsencrypt-prod",
        )
    )
    return by_app


def _pvcs(app: AppSpec) -> tuple[PvcPlan, ...]:
    if app.name == "nfs-storage":
        return (
            PvcPlan(app.namespace, "media-nfs", "nfs-static", "1Ti", "ReadWriteMany"),
            PvcPlan(app.namespace, "downloads-nfs", "nfs-static", "500Gi", "ReadWriteMany"),
        )
    if app.name == "homeassistant":
        return (
            PvcPlan(
                app.namespace,
                "homeassistant-config",
                "synology-iscsi-storage",
                "10Gi",
                "ReadWriteOnce",
            ),
        )
    return ()


def _pad(catalog_workloads: list[Workload], needed: int, count: int) -> list[Workload]:
    """More replicas for plain app Deployments until the cluster has `needed` pods."""
    candidates = [
        i
        for i, w in enumerate(catalog_workloads)
        if w.layer == "app" and w.controller == "Deployment" and not w.gate
    ] or [i for i, w in enumerate(catalog_workloads) if w.name == "coredns"]
    turn = 0
    while count < needed and candidates:
        index = candidates[turn % len(candidates)]
        workload = catalog_workloads[index]
        catalog_workloads[index] = dataclasses.replace(workload, replicas=workload.replicas + 1)
        count += 1
        turn += 1
    return catalog_workloads


def build_catalog(profile: Profile) -> Catalog:
    roles = _roles(profile)
    traefik_ip = _neighbour_ip(profile.argocd.server, -1)
    workloads = _system(profile) + _argocd(profile)
    certs = _certificates(profile, roles)
    plans = []
    for app in profile.apps:
        workloads += _app_workloads(app, roles, profile, traefik_ip)
        plans.append(
            AppPlan(
                app,
                path=f"apps/{app.name}/overlays/{profile.argocd.revision}",
                certificates=tuple(certs.get(app.name, ())),
                issuers=("letsencrypt-staging", "letsencrypt-prod")
                if roles.get("issuers") == app.name
                else (),
                pvcs=_pvcs(app),
            )
        )
    catalog = Catalog(profile, tuple(workloads), tuple(plans), f"vixens-{profile.name}")
    needed = profile.validation.min_running_pods
    if catalog.expected_pods() < needed:
        workloads = _pad(list(workloads), needed, catalog.expected_pods())
    return Catalog(
        profile,
        tuple(workloads),
        tuple(plans),
        f"vixens-{profile.name}",
        issuers_app=roles.get("issuers", ""),
        cert_manager_app=roles.get("cert-manager", ""),
        csi_app=roles.get("csi", ""),
        traefik_lb_ip=traefik_ip,
        _by_key={w.key: w for w in workloads},
    )
