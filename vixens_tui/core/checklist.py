"""The procedure's validation checklist, each item proved by a probe with evidence: its ten
checks, and the versions its "Résultat Final Attendu" promises (built_versions.py).

The probes read a cluster snapshot and the HTTP results; they never change anything. An item a
probe cannot prove stays unproved (the run then needs a human: exit 3), unless a person ticks it
by hand, which is recorded as "manual", never as "proved".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vixens_tui.core.built_versions import argocd_verdict, cilium_verdict, talos_verdict
from vixens_tui.core.certificates import issuer_state
from vixens_tui.core.cluster import ClusterSnapshot, PodInfo, pod_matches
from vixens_tui.core.http_checks import http_verdict
from vixens_tui.core.node_verdict import nodes_verdict
from vixens_tui.core.ports import HttpResult
from vixens_tui.core.profile.model import Profile

BAD_REASONS = ("CrashLoopBackOff", "Error")


@dataclass(frozen=True, slots=True)
class Observation:
    """What the probes look at."""

    profile: Profile
    snapshot: ClusterSnapshot
    http: Mapping[str, HttpResult]
    secrets_present: Mapping[str, bool | None]
    """"namespace/kind/name" -> exists as that kind (None: the API did not answer), for each
    object the secrets stage applies."""
    talos: tuple[bool, str] | None = None
    """Talos's own word on the control planes (talos_health.verdict); None: not asked."""


Probe = Callable[[Observation], tuple[bool, str]]


def figures(profile: Profile) -> dict[str, str]:
    """The profile's figures that the checklist names: the procedure says "Les 3 nodes",
    "Au moins 32 pods", "http://192.168.208.71" for dev; another environment has its own."""
    check = next(
        (c for c in profile.http_checks if c.name == profile.validation.argocd_http_check), None
    )
    s = profile.secrets
    return {
        "nodes": str(len(profile.nodes)),
        "min_pods": str(profile.validation.min_running_pods),
        "argocd": str(check.url).rstrip("/") if check else f"http://{profile.argocd.server}",
        "secrets": ", ".join(o.name for o in s.objects()),
        "talos": profile.versions.talos or "(any version)",
        "cilium": profile.versions.cilium or "(any version)",
        "argocd_chart": profile.versions.argocd_chart or "(any version)",
        "root_app": profile.argocd.root_app,
        "apps": str(len(profile.apps)),
    }


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    title_template: str
    procedure_template: str
    """The item as the procedure words it (French), for traceability; `{nodes}`, `{min_pods}`,
    `{argocd}`, `{secrets}`, the versions and `{apps}` are the profile's figures."""
    probe: Probe

    def title(self, profile: Profile) -> str:
        return self.title_template.format(**figures(profile))

    def procedure(self, profile: Profile) -> str:
        return self.procedure_template.format(**figures(profile))


def _pods_running(pods: tuple[PodInfo, ...], what: str) -> tuple[bool, str]:
    # A pod that Succeeded is a Job's (cert-manager's startupapicheck, a CronJob run): it ran to
    # its end and is not meant to be Running. `kubectl get pods` shows it Completed.
    completed = sum(1 for p in pods if p.phase == "Succeeded")
    serving = [p for p in pods if p.phase != "Succeeded"]
    done = f"; {completed} completed (Jobs)" if completed else ""
    if not serving:
        return False, f"no {what} pod found{done}"
    bad = [
        f"{p.name} {p.display_status} {p.ready}/{p.containers}" for p in serving if not p.is_ready
    ]
    if bad:
        return False, (
            f"{len(bad)}/{len(serving)} {what} pods not Running/ready: " + ", ".join(bad[:5]) + done
        )
    return True, f"{len(serving)}/{len(serving)} {what} pods Running and ready{done}"


def _nodes_ready(o: Observation) -> tuple[bool, str]:
    # The same verdict as the apply stage's wait: Ready and the version told apart.
    profile = o.profile
    names = [n.name for n in profile.nodes]
    ok, detail = nodes_verdict(
        o.snapshot, profile.nodes, profile.kubernetes_version, profile.kubernetes_version_match
    )
    if ok:
        at = detail.partition(" at ")[2]
        return True, f"{len(names)}/{len(names)} nodes Ready ({', '.join(names)}) at {at}"
    return False, detail


def _kube_system(o: Observation) -> tuple[bool, str]:
    return _pods_running(
        o.snapshot.pods_in(o.profile.validation.kube_system_namespace), "kube-system"
    )


def _cilium(o: Observation) -> tuple[bool, str]:
    selector = o.profile.validation.cilium_selector
    pods = tuple(p for p in o.snapshot.pods if pod_matches(p, selector))
    ok, detail = _pods_running(pods, "Cilium")
    if ok and len(pods) < len(o.profile.nodes):
        return False, f"{len(pods)} Cilium pods for {len(o.profile.nodes)} nodes"
    if ok:
        one = all(p.containers == 1 and p.ready == 1 for p in pods)
        detail += " (1/1 each)" if one else ""
    return ok, detail


def _argocd_http(o: Observation) -> tuple[bool, str]:
    name = o.profile.validation.argocd_http_check
    check = next((c for c in o.profile.http_checks if c.name == name), None)
    if check is None:
        return False, f"no HTTP check named {name!r} in the profile"
    return http_verdict(check, o.http.get(name), o.snapshot)


def _cert_manager(o: Observation) -> tuple[bool, str]:
    ns = o.profile.validation.cert_manager_namespace
    prefix = o.profile.validation.gandi_webhook_prefix
    pods = tuple(p for p in o.snapshot.pods_in(ns) if not p.name.startswith(prefix))
    return _pods_running(pods, "cert-manager")


def _webhook_gandi(o: Observation) -> tuple[bool, str]:
    ns = o.profile.validation.cert_manager_namespace
    prefix = o.profile.validation.gandi_webhook_prefix
    pods = tuple(p for p in o.snapshot.pods_in(ns) if p.name.startswith(prefix))
    return _pods_running(pods, prefix)


def _secrets(o: Observation) -> tuple[bool, str]:
    missing = [k for k, present in o.secrets_present.items() if present is False]
    unknown = [k for k, present in o.secrets_present.items() if present is None]
    if not o.secrets_present:
        return False, "secrets not checked"
    if missing:
        return False, "missing: " + ", ".join(missing)
    if unknown:
        return False, "could not check (API error): " + ", ".join(unknown)
    return True, "present: " + ", ".join(o.secrets_present) + " (values not read)"


def _issuers(o: Observation) -> tuple[bool, str]:
    issuers = o.snapshot.issuers
    if not issuers:
        return False, "no ClusterIssuer"
    not_ready = [f"{i.name} ({issuer_state(i)})" for i in issuers if not i.ready]
    names = ", ".join(i.name for i in issuers)
    if not_ready:
        return False, f"{len(issuers)} ClusterIssuers ({names}); not Ready: {'; '.join(not_ready)}"
    return True, f"{len(issuers)} ClusterIssuers Ready: {names}"


def _talos(o: Observation) -> tuple[bool, str]:
    ok, evidence = talos_verdict(o.profile, o.snapshot)
    if o.talos is None:
        return ok, evidence
    healthy, health = o.talos
    return ok and healthy, f"{evidence}; {health}"


def _cilium_version(o: Observation) -> tuple[bool, str]:
    return cilium_verdict(o.profile, o.snapshot)


def _argocd_version(o: Observation) -> tuple[bool, str]:
    return argocd_verdict(o.profile, o.snapshot)


def _min_running(o: Observation) -> tuple[bool, str]:
    running = o.snapshot.running_pods()
    want = o.profile.validation.min_running_pods
    return running >= want, f"{running} pods Running (at least {want} expected)"


def _no_crashloop(o: Observation) -> tuple[bool, str]:
    bad = [
        f"{p.namespace}/{p.name} {p.reason or p.phase}"
        for p in o.snapshot.pods
        if p.reason in BAD_REASONS or p.phase == "Failed"
    ]
    if bad:
        return False, f"{len(bad)} pods in CrashLoopBackOff/Error: " + ", ".join(bad[:5])
    return True, f"none of {len(o.snapshot.pods)} pods in CrashLoopBackOff or Error"


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "nodes-ready", "All {nodes} nodes are Ready", "Les {nodes} nodes sont Ready", _nodes_ready
    ),
    ChecklistItem(
        "kube-system-running",
        "All kube-system pods are Running",
        "Tous les pods kube-system sont Running",
        _kube_system,
    ),
    ChecklistItem(
        "cilium-running",
        "All Cilium pods are Running (1/1)",
        "Tous les pods Cilium sont Running (1/1)",
        _cilium,
    ),
    ChecklistItem(
        "argocd-reachable",
        "Argo CD is reachable ({argocd})",
        "ArgoCD est accessible ({argocd})",
        _argocd_http,
    ),
    ChecklistItem(
        "cert-manager-running",
        "cert-manager pods are Running",
        "cert-manager pods sont Running",
        _cert_manager,
    ),
    ChecklistItem(
        "webhook-gandi-running",
        "cert-manager-webhook-gandi is Running",
        "cert-manager-webhook-gandi est Running",
        _webhook_gandi,
    ),
    ChecklistItem(
        "secrets-applied",
        "The secrets are applied ({secrets})",
        "Les secrets sont appliqués ({secrets})",
        _secrets,
    ),
    ChecklistItem(
        "clusterissuers-created",
        "The ClusterIssuers are created",
        "Les ClusterIssuers sont créés",
        _issuers,
    ),
    ChecklistItem(
        "min-running-pods",
        "At least {min_pods} pods are Running in total",
        "Au moins {min_pods} pods sont Running au total",
        _min_running,
    ),
    ChecklistItem(
        "no-crashloop",
        "No pod in CrashLoopBackOff or Error",
        "Aucun pod en CrashLoopBackOff ou Error",
        _no_crashloop,
    ),
    # "Ressources créées" and "Résultat Final Attendu": what was built, not only that it runs.
    ChecklistItem(
        "talos-version",
        "Talos {talos} runs on the {nodes} control planes",
        "{nodes} control planes Talos {talos}",
        _talos,
    ),
    ChecklistItem(
        "cilium-version",
        "Cilium {cilium} with Hubble",
        "Cilium {cilium} (CNI + L2 Announcements + Hubble)",
        _cilium_version,
    ),
    ChecklistItem(
        "argocd-version",
        "Argo CD chart {argocd_chart} with its root app {root_app} managing the {apps} apps",
        "ArgoCD {argocd_chart} (avec root-app) gérant {apps} applications",
        _argocd_version,
    ),
)


def item(item_id: str) -> ChecklistItem:
    for entry in CHECKLIST:
        if entry.id == item_id:
            return entry
    raise KeyError(item_id)
