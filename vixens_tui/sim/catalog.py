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
import ipaddress

from vixens_tui.core.profile import AppSpec, Profile
from vixens_tui.sim.components import app_workloads, argocd_workloads, system_workloads
from vixens_tui.sim.plans import AppPlan, Catalog, CertificatePlan, PvcPlan, Workload
from vixens_tui.sim.versions import BuiltVersions


def _neighbour_ip(address: str, delta: int) -> str:
    try:
        ip = ipaddress.ip_address(address)
        return str(ip + delta) if isinstance(ip, ipaddress.IPv4Address) else ""
    except ValueError:
        return ""


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
        (a for a in apps if a.namespace == profile.secrets.synology.namespace), None
    )
    if csi:
        roles["csi"] = csi.name
    traefik = _pick(apps, "traefik") or next(
        (a for a in apps if "traefik" in a.name and a.name != "traefik-dashboard"), None
    )
    if traefik:
        roles["traefik"] = traefik.name
    return roles


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


STAGING_ISSUER = "letsencrypt-staging"
"""The issuer every Certificate and TLS Ingress of the repository's dev overlays names."""


UNDECLARED_ISSUER = "gandi"
"""The ClusterIssuer the mail-gateway Ingress names and the repository does not declare."""


def _declared(profile: Profile) -> dict[str, list[CertificatePlan]]:
    """The Certificates the profile says the repository declares (validation.certificates),
    each deployed by the app of its namespace whose name starts it (traefik-dashboard-tls:
    traefik-dashboard, not traefik), for the host of the HTTP check it names, else
    `<app>.<domain>`, issued by letsencrypt-staging as in the dev overlays."""
    hosts = dict(_dns_hosts(profile))
    domain = next(iter(hosts.values())).split(".", 1)[1] if hosts else f"{profile.name}.vixens.lab"
    by_app: dict[str, list[CertificatePlan]] = {}
    for ref in profile.validation.certificates:
        namespace, name = ref.split("/", 1)
        in_namespace = sorted(
            (a for a in profile.apps if a.namespace == namespace),
            key=lambda a: (not name.startswith(a.name), -len(a.name)),
        )
        if not in_namespace:
            continue
        owner = in_namespace[0]
        check = max((c for c in hosts if name.startswith(c)), key=len, default="")
        host = hosts[check] if check else f"{owner.name}.{domain}"
        by_app.setdefault(owner.name, []).append(
            CertificatePlan(namespace, name, name, (host,), STAGING_ISSUER)
        )
    # apps/mail-gateway/overlays/<env>/ingress.yaml: a TLS Ingress annotated
    # cert-manager.io/cluster-issuer "gandi", a ClusterIssuer the repository never declares.
    # cert-manager's ingress-shim makes its Certificate all the same; it is never issued.
    mail = next((a for a in profile.apps if a.name == "mail-gateway"), None)
    ref = f"{mail.namespace}/mail-gateway-tls-{profile.name}" if mail else ""
    if mail and ref not in profile.validation.certificates:
        name = ref.split("/", 1)[1]
        by_app.setdefault(mail.name, []).append(
            CertificatePlan(mail.namespace, name, name, (f"mail.{domain}",), UNDECLARED_ISSUER)
        )
    return by_app


def _certificates(profile: Profile, roles: dict[str, str]) -> dict[str, list[CertificatePlan]]:
    issuers_app = roles.get("issuers")
    if not issuers_app:
        return {}
    if profile.validation.certificates:
        return _declared(profile)
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
        if w.layer == "app" and w.controller == "Deployment" and not w.config_volume
    ] or [i for i, w in enumerate(catalog_workloads) if w.name == "coredns"]
    turn = 0
    while count < needed and candidates:
        index = candidates[turn % len(candidates)]
        workload = catalog_workloads[index]
        catalog_workloads[index] = dataclasses.replace(workload, replicas=workload.replicas + 1)
        count += 1
        turn += 1
    return catalog_workloads


def build_catalog(profile: Profile, versions: BuiltVersions | None = None) -> Catalog:
    versions = versions or BuiltVersions.of_profile(profile)
    roles = _roles(profile)
    traefik_ip = _neighbour_ip(profile.argocd.server, -1)
    workloads = system_workloads(profile, versions) + argocd_workloads(profile, versions)
    certs = _certificates(profile, roles)
    plans = []
    for app in profile.apps:
        workloads += app_workloads(app, roles, profile, traefik_ip)
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
    catalog = Catalog(
        profile, tuple(workloads), tuple(plans), f"vixens-{profile.name}", versions=versions
    )
    needed = profile.validation.min_running_pods
    if catalog.expected_pods() < needed:
        workloads = _pad(list(workloads), needed, catalog.expected_pods())
    return Catalog(
        profile,
        tuple(workloads),
        tuple(plans),
        f"vixens-{profile.name}",
        versions=versions,
        issuers_app=roles.get("issuers", ""),
        cert_manager_app=roles.get("cert-manager", ""),
        csi_app=roles.get("csi", ""),
        traefik_lb_ip=traefik_ip,
        _by_key={w.key: w for w in workloads},
    )
