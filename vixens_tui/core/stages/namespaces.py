"""Stage 4 (étape 3): the namespaces the charts do not create. Known issue 2 lives here.

The stage does not create anything itself: it waits for Argo CD's Applications, then for each
required namespace either sees it exist or reports it missing with the evidence (an
Application's `namespaces "X" not found`, or the API's own answer). The catalogue's fix creates
it, so the journal shows the issue, its evidence and its fix like any other.
"""

from __future__ import annotations

from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.waits import wait_for


def apps_present(ctx: StageContext) -> AppsPresent:
    return AppsPresent(tuple(a.name for a in ctx.profile.apps), ctx.profile.argocd.root_app)


def why_absent(snap: ClusterSnapshot, root_app: str) -> str:
    """Why an expected Application is not there: not yet, or (once the root app has synced)
    because the GitOps repository does not declare it: a profile ahead of the repository
    waits forever otherwise, saying only "missing"."""
    root = snap.app(root_app)
    if root is not None and root.sync == "Synced":
        return f"absent although {root.name} is Synced (not declared in the GitOps repository?)"
    return "not created yet"


class AppsPresent:
    def __init__(self, names: tuple[str, ...], root_app: str) -> None:
        self.names = names
        self.root_app = root_app

    def __call__(self, snap: ClusterSnapshot) -> tuple[bool, str]:
        if not snap.reachable:
            return False, f"API not reachable ({snap.error or 'connecting'})"
        have = {a.name for a in snap.apps}
        missing = [n for n in self.names if n not in have]
        if missing:
            shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
            present = len(self.names) - len(missing)
            return (
                False,
                f"{present}/{len(self.names)} present; missing {shown}: "
                + why_absent(snap, self.root_app),
            )
        return True, f"{len(self.names)}/{len(self.names)} Applications present"


def missing_symptoms(snap: ClusterSnapshot, namespace: str) -> list[str]:
    needle = f'namespaces "{namespace}" not found'
    found = []
    for app in snap.apps:
        texts = (*app.conditions, app.operation_message)
        for text in texts:
            if needle in text:
                found.append(f"Application {app.name}: {text}")
                break
    return found


class Namespaces(Stage):
    name = StageName.NAMESPACES
    title = "Create the missing namespaces"

    def check(self, ctx: StageContext) -> CheckResult:
        ctx.cluster.start()
        snap = ctx.cluster.snapshot()
        missing = [
            n for n in ctx.profile.known_issues.required_namespaces if n not in snap.namespaces
        ]
        if not snap.reachable:
            return CheckResult(False, "API not reachable")
        if missing:
            return CheckResult(False, "missing namespaces: " + ", ".join(missing))
        return CheckResult(True, "required namespaces present")

    def run(self, ctx: StageContext) -> str:
        ctx.cluster.start()
        required = ctx.profile.known_issues.required_namespaces
        wait_for(ctx, "Argo CD to create the Applications", apps_present(ctx))
        for namespace in required:
            self._settle(ctx, namespace)
        return "namespaces present: " + ", ".join(required) if required else "nothing required"

    def _settle(self, ctx: StageContext, namespace: str) -> None:
        symptoms: list[str] = []

        def settled(snap: ClusterSnapshot) -> tuple[bool, str]:
            if namespace in snap.namespaces:
                return True, f"namespace {namespace} exists"
            symptoms[:] = missing_symptoms(snap, namespace)
            if symptoms:
                return True, symptoms[0]
            return False, f"namespace {namespace} not created yet; no app reports it missing"

        try:
            snap = wait_for(
                ctx,
                f"namespace {namespace} (created by Argo CD or reported missing)",
                settled,
                timeout_s=ctx.profile.known_issues.namespace_grace_s,
            )
        except StageError as exc:
            if exc.kind.value != "timeout":
                raise
            snap = ctx.cluster.snapshot()
            if namespace in snap.namespaces:
                return
            raise StageError(
                f'namespaces "{namespace}" not found',
                evidence=(
                    f'GET /api/v1/namespaces/{namespace}: namespaces "{namespace}" not found',
                    f"Argo CD did not create it within {ctx.profile.known_issues.namespace_grace_s:.0f}s",
                ),
                data={"namespace": namespace},
            ) from None
        if namespace in snap.namespaces:
            ctx.info(f"namespace {namespace} exists")
            return
        raise StageError(
            f'namespaces "{namespace}" not found',
            evidence=tuple(symptoms),
            data={"namespace": namespace},
        )
