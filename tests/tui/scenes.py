"""Deterministic moments of a run, as the engine would report them: fixed times, fixed ids.

The snapshot tests feed these to the real screen (through `MainScreen.apply_batch`, the path
the relay's batches take), so an SVG never depends on the clock, the machine or timing.
"""

from __future__ import annotations

from vixens_tui.core.checklist import CHECKLIST
from vixens_tui.core.cluster import AppInfo, ClusterSnapshot, IssuerInfo, NodeInfo, PodInfo
from vixens_tui.core.decider import FailureReport
from vixens_tui.core.events import (
    ChecklistChanged,
    Event,
    Info,
    IssueDetected,
    LogLine,
    NodePhaseChanged,
    PhaseChanged,
    ResourceProgress,
    RunFinished,
    RunStarted,
    StageFailed,
    StageStarted,
    StageSucceeded,
)
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection
from vixens_tui.core.names import STAGE_ORDER, StageName
from vixens_tui.core.profile import load_profile
from vixens_tui.tui.decider import DecisionRequest
from vixens_tui.tui.relay import Batch

T0 = 1_767_225_600.0
"""2026-01-01 00:00:00 UTC: the scenes' epoch."""
NOW = T0 + 1_500.0
"""The screen's clock in the snapshots."""

RUN_ID = "20260101T000000-5a1e0f"
NODES = ("obsy", "onyx", "opale")
APPS = (
    "cilium-lb",
    "traefik",
    "argocd",
    "whoami",
    "cert-manager",
    "cert-manager-webhook-gandi",
    "cert-manager-config",
    "synology-csi",
    "nfs-storage",
    "mail-gateway",
    "homeassistant",
)
CILIUM = "module.environment.module.cilium.helm_release.cilium"
EXPECTED = {
    StageName.PREFLIGHT: (0.0, 60.0),
    StageName.DESTROY: (300.0, 600.0),
    StageName.APPLY: (900.0, 1500.0),
    StageName.NAMESPACES: (0.0, 60.0),
    StageName.ARGOCD_SYNC: (120.0, 300.0),
    StageName.SECRETS: (0.0, 60.0),
    StageName.VALIDATE: (300.0, 600.0),
}
TITLES = {
    StageName.PREFLIGHT: "Preflight checks",
    StageName.DESTROY: "Destroy the cluster (terraform destroy)",
    StageName.APPLY: "Re-create the cluster (terraform apply)",
    StageName.NAMESPACES: "Create the missing namespaces",
    StageName.ARGOCD_SYNC: "Get the Argo CD apps Synced",
    StageName.SECRETS: "Apply the secrets",
    StageName.VALIDATE: "Validate the cluster (checklist)",
}
DURATIONS = {
    StageName.PREFLIGHT: 4.0,
    StageName.DESTROY: 412.0,
    StageName.APPLY: 1_084.0,
    StageName.NAMESPACES: 2.0,
    StageName.ARGOCD_SYNC: 171.0,
    StageName.SECRETS: 1.0,
    StageName.VALIDATE: 344.0,
}


def _stage(stage: StageName, at: float, attempt: int = 1) -> StageStarted:
    return StageStarted(
        stage=stage,
        at=at,
        title=TITLES[stage],
        attempt=attempt,
        timeout_s=1200.0,
        expected_s=EXPECTED[stage],
    )


def _done(stage: StageName, at: float, summary: str) -> StageSucceeded:
    return StageSucceeded(
        stage=stage, at=at, attempt=1, duration_s=DURATIONS[stage], summary=summary
    )


def _pods(ready: bool) -> tuple[PodInfo, ...]:
    made = []
    for i, node in enumerate(NODES):
        made.append(PodInfo("kube-system", f"kube-apiserver-{node}", "Running", 1, 1, 0, T0 - 900))
        made.append(
            PodInfo(
                "kube-system",
                f"cilium-{node[:2]}{i}x7",
                "Running" if ready or i else "Pending",
                1 if ready or i else 0,
                1,
                0,
                T0 - 800,
                labels={"k8s-app": "cilium"},
            )
        )
    made += [
        PodInfo("kube-system", "coredns-7d9f8b6c5-x2k4z", "Running", 1, 1, 0, T0 - 700),
        PodInfo("kube-system", "coredns-7d9f8b6c5-q8w2n", "Running", 1, 1, 0, T0 - 700),
        PodInfo("argocd", "argocd-server-5f7d9c8b4-kq2xw", "Running", 1, 1, 0, T0 - 600),
        PodInfo(
            "argocd",
            "argocd-repo-server-6c9d7f5b8-m4n7p",
            "Running",
            1 if ready else 0,
            1,
            0 if ready else 3,
            T0 - 600,
            reason="" if ready else "CrashLoopBackOff",
        ),
    ]
    if ready:
        made += [
            PodInfo("cert-manager", "cert-manager-7c5f8d9b6-h2j4k", "Running", 1, 1, 0, T0 - 300),
            PodInfo(
                "cert-manager",
                "cert-manager-webhook-gandi-5b8c7d6f9-p3q5r",
                "Running",
                1,
                1,
                0,
                T0 - 300,
            ),
        ]
        made += [
            PodInfo("whoami", f"whoami-6d8f7c9b5-{i:05d}", "Running", 1, 1, 0, T0 - 200)
            for i in range(24)
        ]
    return tuple(made)


def _apps(state: str) -> tuple[AppInfo, ...]:
    out = []
    for name in APPS:
        if state == "synced":
            out.append(AppInfo(name, "argocd", "Synced", "Healthy", "9f3c2e1"))
        else:
            out.append(
                AppInfo(
                    name,
                    "argocd",
                    "Unknown",
                    "Missing",
                    "",
                    conditions=(
                        "ComparisonError: rpc error: code = Unknown desc = error reading "
                        "from server: EOF",
                    ),
                )
            )
    return tuple(out)


def snapshot(version: int, *, ready: bool, apps: str) -> ClusterSnapshot:
    return ClusterSnapshot(
        version=version,
        reachable=True,
        server="https://192.168.111.160:6443",
        nodes=tuple(NodeInfo(n, True, ("control-plane",), "v1.34.0", T0 - 900) for n in NODES),
        pods=_pods(ready),
        apps=_apps(apps),
        issuers=(IssuerInfo("letsencrypt-prod", True),) if ready else (),
        namespaces=("argocd", "cert-manager", "default", "kube-system", "whoami"),
    )


def _run_started() -> list[Event]:
    return [
        RunStarted(at=T0, run_id=RUN_ID, env="dev", plan=STAGE_ORDER),
        _stage(StageName.PREFLIGHT, T0),
        Info(stage=StageName.PREFLIGHT, at=T0 + 1, message="terraform 1.15.5 (>= 1.5.0)"),
        Info(stage=StageName.PREFLIGHT, at=T0 + 2, message="kubeconfig points at the dev API"),
        _done(StageName.PREFLIGHT, T0 + 4, "tools, Terraform dir, secrets and cluster OK"),
        _stage(StageName.DESTROY, T0 + 4),
        Info(stage=StageName.DESTROY, at=T0 + 5, message="terraform destroy -auto-approve"),
        _done(
            StageName.DESTROY,
            T0 + 416,
            "20 resources destroyed (20 in all over 2 attempts: 21 in the state at the start - "
            "1 left it without being destroyed (removed by a fix: "
            "module.environment.module.cilium.helm_release.cilium) = 20); kubeconfig and "
            "talosconfig removed",
        ),
    ]


def apply_running() -> list[Batch]:
    """Terraform apply in its third phase, Cilium; the cluster half up."""
    at = T0 + 416
    events: list[Event] = [*_run_started(), _stage(StageName.APPLY, at)]
    events.append(Info(stage=StageName.APPLY, at=at, message="terraform apply -auto-approve"))
    phases = ("Talos configuration", "Bootstrap", "Cilium CNI", "Argo CD")
    addresses = [
        ("module.environment.module.talos_cluster.talos_machine_secrets.cluster", 0),
        *(
            (
                f'module.environment.module.talos_cluster.talos_machine_configuration_apply.control_plane["{n}"]',
                0,
            )
            for n in NODES
        ),
        ("module.environment.module.talos_cluster.talos_machine_bootstrap.this", 1),
        ("module.environment.module.talos_cluster.talos_cluster_kubeconfig.this", 1),
        (CILIUM, 2),
    ]
    phase = -1
    for i, (address, index) in enumerate(addresses):
        t = at + 30 * (i + 1)
        if index != phase:
            phase = index
            events.append(
                PhaseChanged(stage=StageName.APPLY, at=t, phase=phases[index], index=index, total=4)
            )
        events.append(
            ResourceProgress(
                stage=StageName.APPLY, at=t, address=address, action="create", status="started"
            )
        )
        if address != CILIUM:
            events.append(
                LogLine(
                    stage=StageName.APPLY,
                    at=t + 20,
                    source="terraform",
                    text=f"{address}: Creation complete after 20s",
                )
            )
            events.append(
                ResourceProgress(
                    stage=StageName.APPLY,
                    at=t + 20,
                    address=address,
                    action="create",
                    status="complete",
                    elapsed_s=20,
                )
            )
        else:
            events.append(
                LogLine(
                    stage=StageName.APPLY,
                    at=t + 10,
                    source="terraform",
                    text=f"{address}: Still creating... [10s elapsed]",
                )
            )
            events.append(
                LogLine(
                    stage=StageName.APPLY,
                    at=t + 15,
                    source="terraform",
                    text='Warning: Helm release "cilium" was created but has a failed status',
                    level="warning",
                )
            )
    # Where each node is, from its own Talos API (core/talos_progress.py).
    for name, phase, evidence in (
        ("obsy", "bootstrapped", "etcd running, 1 member; Talos v1.11.5"),
        ("onyx", "installed", "Talos v1.11.5 answers over mutual TLS"),
        ("opale", "configuration applied", "installing Talos to its disk, then rebooting"),
    ):
        events.append(
            NodePhaseChanged(
                stage=StageName.APPLY,
                at=at + 200,
                node=name,
                address=f"192.168.111.{162 + NODES.index(name)}",
                phase=phase,
                evidence=evidence,
            )
        )
    return [Batch(items=tuple(events), snapshot=snapshot(3, ready=False, apps="eof"))]


def issue_proposed() -> list[Batch]:
    """argocd-sync failed on the repo-server EOF: the bar proposes the fix, f applies it."""
    at = T0 + 1_500
    events: list[Event] = [*_run_started(), _stage(StageName.APPLY, T0 + 416)]
    events.append(_done(StageName.APPLY, T0 + 1_500, "20 resources created; 3/3 nodes Ready"))
    events.append(_stage(StageName.NAMESPACES, at))
    events.append(_done(StageName.NAMESPACES, at + 2, "namespaces present: cert-manager"))
    events.append(_stage(StageName.ARGOCD_SYNC, at + 2))
    error = "Argo CD cannot sync: error reading from server: EOF"
    evidence = (
        "cilium-lb: ComparisonError: rpc error: code = Unknown desc = error reading from server: EOF",
        "traefik: ComparisonError: rpc error: code = Unknown desc = error reading from server: EOF",
        "argocd-repo-server-6c9d7f5b8-m4n7p: CrashLoopBackOff, 3 restarts",
    )
    fix = (
        "kubectl delete pod -n argocd -l app.kubernetes.io/name=argocd-repo-server, wait for "
        "the new repo-server to be Ready, then sync the apps again"
    )
    events.append(
        StageFailed(
            stage=StageName.ARGOCD_SYNC,
            at=at + 60,
            attempt=1,
            duration_s=58.0,
            error=error,
            failure="known-issue",
        )
    )
    events.append(
        IssueDetected(
            stage=StageName.ARGOCD_SYNC,
            at=at + 60,
            issue_id="repo-server-eof",
            title="Argo CD repo-server answers EOF: apps cannot sync",
            evidence=evidence,
            fix=fix,
            automatic=True,
            applied_so_far=0,
            limit=2,
        )
    )
    detection = Detection(
        issue_id="repo-server-eof",
        title="Argo CD repo-server answers EOF: apps cannot sync",
        evidence=evidence,
        fix=fix,
        automatic=True,
        limit=2,
    )
    request = DecisionRequest(
        id=1,
        report=FailureReport(
            stage=StageName.ARGOCD_SYNC,
            attempt=1,
            error=StageError(error),
            detections=(detection,),
            fixes_applied={"repo-server-eof": 0},
        ),
    )
    return [Batch(items=(*events, request), snapshot=snapshot(5, ready=False, apps="eof"))]


def all_green() -> list[Batch]:
    """The run is done: every stage, every checklist item proved."""
    events: list[Event] = [*_run_started()]
    at = T0 + 416
    for stage in STAGE_ORDER[2:]:
        events.append(_stage(stage, at))
        at += DURATIONS[stage]
        events.append(_done(stage, at, "ok"))
    evidence = {
        "nodes-ready": "3/3 nodes Ready (obsy, onyx, opale) at v1.34.0",
        "kube-system-running": "8/8 kube-system pods Running and ready",
        "cilium-running": "3/3 Cilium pods Running and ready (1/1 each)",
        "argocd-reachable": "GET http://192.168.208.71/ -> HTTP 200 in 4 ms",
        "cert-manager-running": "1/1 cert-manager pods Running and ready",
        "webhook-gandi-running": "1/1 cert-manager-webhook-gandi pods Running and ready",
        "secrets-applied": "present: cert-manager/Secret/gandi-credentials, "
        "synology-csi/Secret/client-info-secret (values not read)",
        "clusterissuers-created": "1 ClusterIssuers Ready: letsencrypt-prod",
        "min-running-pods": "36 pods Running (at least 32 expected)",
        "no-crashloop": "none of 36 pods in CrashLoopBackOff or Error",
        "talos-version": "3/3 nodes run Talos v1.11.5 (obsy, onyx, opale: osImage)",
        "cilium-version": "3 agents run v1.18.3; hubble-relay 1/1 ready; hubble-ui 1/1 ready",
        "argocd-version": "7 pods from chart argo-cd 7.7.7; root app vixens-app-of-apps "
        "Synced/Healthy managing 12 applications",
    }
    for entry in CHECKLIST:
        events.append(
            ChecklistChanged(
                stage=StageName.VALIDATE,
                at=at,
                item_id=entry.id,
                title=entry.title(load_profile("dev")),
                state="proved",
                evidence=evidence[entry.id],
            )
        )
    events.append(RunFinished(at=at, outcome="done", exit_code=0, message="all stages done"))
    return [Batch(items=tuple(events), snapshot=snapshot(9, ready=True, apps="synced"))]
