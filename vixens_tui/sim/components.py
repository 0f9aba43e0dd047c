"""The workloads of the vixens clusters, as their charts deploy them.

The control-plane static pods of each node, CoreDNS, Cilium (agent and envoy per node,
operator, Hubble), Argo CD, and what the dev environment's Argo CD apps deploy (Traefik,
whoami, cert-manager and its Gandi webhook, Synology CSI). An app this module does not know
gets one Deployment named after it.
"""

from __future__ import annotations

import dataclasses

from vixens_tui.core.profile import AppSpec, Profile
from vixens_tui.sim.plans import ConfigVolume, Container, ServicePlan, Workload
from vixens_tui.sim.versions import BuiltVersions

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


def system_workloads(profile: Profile, versions: BuiltVersions) -> list[Workload]:
    version = profile.kubernetes_version
    cilium = versions.cilium_tag
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


def argocd_workloads(profile: Profile, versions: BuiltVersions) -> list[Workload]:
    ns = profile.argocd.namespace
    image = f"quay.io/argoproj/argocd:{versions.argocd_image_tag}"

    def labels(name: str, component: str, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        pairs = dict(
            [
                ("app.kubernetes.io/name", name),
                ("app.kubernetes.io/instance", "argocd"),
                ("app.kubernetes.io/part-of", "argocd"),
                ("app.kubernetes.io/component", component),
                # argo-helm labels every pod it deploys with its chart and version.
                ("helm.sh/chart", f"argo-cd-{versions.argocd_chart}"),
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


CSI_CLIENT_INFO = ConfigVolume(
    volume="client-info",
    kind="Secret",
    name="client-info-secret",
    mount_path="/etc/synology",
    container="csi-plugin",
    key="client-info.yml",
)
"""What the CSI pods mount, whatever the profile applies: apps/synology-csi-talos/base's
controller.yaml and node.yaml give their csi-plugin container
the volume `client-info`, `secret: {secretName: client-info-secret}`, at /etc/synology, and
run it with `--client-info /etc/synology/client-info.yml`."""


def _synology(app: AppSpec) -> list[Workload]:
    ns = app.namespace
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
            config_volume=CSI_CLIENT_INFO,
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
            host_network=True,
            config_volume=CSI_CLIENT_INFO,
        ),
        # No snapshotter: base/kustomization.yaml leaves snapshotter/snapshotter.yaml commented
        # out.
    ]


def app_workloads(
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
        found += _synology(app)
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
