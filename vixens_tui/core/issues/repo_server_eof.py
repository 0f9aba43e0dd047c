"""Known issue 3: Argo CD's repo-server answers EOF after the cluster restarts.

Symptom: `error reading from server: EOF` in an Application's conditions or operation state.
Fix: delete the repo-server pods, wait until the replacement is Ready (about 30 s), then
re-trigger the sync of the apps that showed the error. Only when the error matches.
"""

from __future__ import annotations

from vixens_tui.core.argocd import force_sync
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection, FixFailed, KnownIssue
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import ClusterError
from vixens_tui.core.waits import wait_for

SYMPTOM = "error reading from server: EOF"


class RepoServerEOF(KnownIssue):
    id = "repo-server-eof"
    title = "Argo CD repo-server answers EOF: apps cannot sync"
    stages = (StageName.ARGOCD_SYNC, StageName.VALIDATE)
    limit = 2

    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        lines = [t for t in failure.texts() if SYMPTOM in t]
        apps = affected_apps(ctx.cluster.snapshot())
        if not lines and not apps:
            return None
        # The failure's evidence already names the apps: keep each line once, at most six.
        evidence = list(dict.fromkeys(lines))[:6]
        if len(apps) > 5:
            evidence.append(f"{len(apps)} apps affected: {', '.join(apps)}")
        namespace = ctx.profile.argocd.namespace
        selector = ctx.profile.argocd.repo_server_selector
        return self.detection(
            evidence=evidence,
            fix=(
                f"kubectl delete pod -n {namespace} -l {selector}, wait for the new repo-server "
                f"to be Ready, then sync {', '.join(apps) if apps else 'the apps'} again"
            ),
            params={"apps": ",".join(apps)},
        )

    def fix(self, detection: Detection, ctx: StageContext) -> str:
        namespace = ctx.profile.argocd.namespace
        selector = ctx.profile.argocd.repo_server_selector
        ctx.info(f"kubectl delete pod -n {namespace} -l {selector}")
        try:
            deleted = ctx.cluster.delete_pods(namespace, selector)
        except ClusterError as exc:
            raise FixFailed(f"cannot delete the repo-server pods: {exc}") from None
        if not deleted:
            raise FixFailed(f"no pod matches {selector} in {namespace}")
        gone = set(deleted)

        def replacement_ready(snap: ClusterSnapshot) -> tuple[bool, str]:
            pods = [
                p
                for p in snap.pods_in(namespace)
                if p.name not in gone and _matches(p.labels, selector)
            ]
            ready = [p.name for p in pods if p.is_ready]
            if ready:
                return True, f"{', '.join(ready)} Ready"
            states = ", ".join(f"{p.name} {p.display_status}" for p in pods) or "no new pod yet"
            return False, states

        snap = wait_for(
            ctx,
            "the new argocd-repo-server pod to be Ready",
            replacement_ready,
            timeout_s=ctx.profile.known_issues.repo_server_ready_timeout_s,
        )
        _ok, ready = replacement_ready(snap)
        # Sync every app still showing the error now, plus those named at detection.
        named = [a for a in detection.params.get("apps", "").split(",") if a]
        apps = list(dict.fromkeys([*affected_apps(snap), *named]))
        synced = force_sync(ctx, apps) if apps else []
        return (
            f"deleted {', '.join(deleted)}; {ready}; "
            f"sync requested for {', '.join(synced) if synced else 'no app'}"
        )


def affected_apps(snapshot: ClusterSnapshot) -> list[str]:
    return [
        a.name
        for a in snapshot.apps
        if any(SYMPTOM in c for c in a.conditions) or SYMPTOM in a.operation_message
    ]


def _matches(labels: object, selector: str) -> bool:
    """Equality-only label selectors (`a=b,c=d`), as the profile uses."""
    if not hasattr(labels, "get"):
        return False
    for term in selector.split(","):
        key, _, value = term.partition("=")
        if labels.get(key.strip()) != value.strip():
            return False
    return True
