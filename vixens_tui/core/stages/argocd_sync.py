"""Stage 5 (étape 4): get every Application Synced. Known issue 3 lives here.

Apps that did not start on their own (OutOfSync with no operation running, or whose last sync
failed) get the procedure's forced sync, the safe way (`core.argocd`). While waiting, each app
still waiting says why. The repo-server EOF error and a missing namespace stop the wait at once
with their evidence, for the catalogue to fix.
"""

from __future__ import annotations

import re
import time

from vixens_tui.core.argocd import app_ok, force_sync
from vixens_tui.core.cluster import AppInfo, ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.repo_server_eof import SYMPTOM as EOF_SYMPTOM
from vixens_tui.core.names import StageName
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.stages.namespaces import apps_present, why_absent
from vixens_tui.core.waits import wait_for

MAX_FORCED_SYNCS = 3
"""Per app and attempt: a sync that keeps failing is a problem to show, not to hammer."""


_MISSING_NS = re.compile(r'namespaces "([^"]+)" not found')


def _texts(app: AppInfo) -> tuple[str, ...]:
    return (*app.conditions, app.operation_message)


def _absent(snap: ClusterSnapshot, namespace: str) -> bool:
    """Whether a namespace an app's error names is still missing. Once it exists (created by
    the namespaces stage or its fix), the error is stale: a forced sync clears it."""
    if "namespaces" not in snap.synced_kinds:
        return True  # not known yet: trust the app's own word
    return namespace not in snap.namespaces


class AppsSynced:
    """Condition: all expected apps Synced and Healthy (Progressing tolerated here)."""

    def __init__(self, ctx: StageContext, *, strict_health: bool) -> None:
        self.ctx = ctx
        self.apps = ctx.profile.apps
        self.strict = strict_health
        self.forced: dict[str, int] = {}
        self.first_seen_unsynced: dict[str, float] = {}
        self.patched_over: dict[str, str] = {}
        """App -> the startedAt of the operation its status showed when we forced a sync: until
        another operation has started, that status is the old sync's, not ours."""

    def __call__(self, snap: ClusterSnapshot) -> tuple[bool, str]:
        if not snap.reachable:
            return False, f"API not reachable ({snap.error or 'connecting'})"
        if snap.unlisted("applications"):
            return False, "waiting for the first list of the Applications"
        waiting = []
        eof = []
        for spec in self.apps:
            app = snap.app(spec.name)
            if app is None:
                waiting.append(f"{spec.name}: {why_absent(snap, self.ctx.profile.argocd.root_app)}")
                continue
            # A sync in flight will replace a stale condition: judge the app by its result.
            syncing = app.operation_phase == "Running" or app.operation_pending
            if not syncing and any(EOF_SYMPTOM in t for t in _texts(app)):
                eof.append(f"{app.name}: {app.reason()}")
            allow = (not self.strict) or spec.accept_progressing
            if app_ok(app, allow_progressing=allow):
                self.first_seen_unsynced.pop(spec.name, None)
                continue
            waiting.append(f"{app.name}: {app.sync}/{app.health} ({app.reason()})")
        if eof:
            raise StageError(
                f"Argo CD cannot sync: {EOF_SYMPTOM}",
                evidence=tuple(eof),
                data={"apps": ",".join(e.split(":")[0] for e in eof)},
            )
        missing_ns = [
            f"{a.name}: {t}"
            for a in snap.apps
            for t in _texts(a)
            if (m := _MISSING_NS.search(t)) and _absent(snap, m.group(1))
        ]
        if missing_ns:
            raise StageError(missing_ns[0].split(": ", 1)[1], evidence=tuple(missing_ns))
        self._force_stalled(snap)
        if waiting:
            done = len(self.apps) - len(waiting)
            return False, f"{done}/{len(self.apps)} ready; waiting: " + "; ".join(waiting)
        return True, self.summary(snap)

    def _force_stalled(self, snap: ClusterSnapshot) -> None:
        now = time.monotonic()
        grace = self.ctx.profile.argocd.sync_grace_s
        stalled = []
        for spec in self.apps:
            app = snap.app(spec.name)
            if app is None or app.sync == "Synced":
                continue
            if app.operation_phase == "Running" or app.operation_pending:
                continue
            stale = self.patched_over.get(spec.name)
            if stale is not None and app.operation_started_at == stale:
                # Our patch is not picked up yet (or not visible yet): the failure shown is the
                # earlier operation's. Only the grace period may force again.
                failed = False
            else:
                self.patched_over.pop(spec.name, None)
                failed = app.operation_phase in ("Failed", "Error")
            first = self.first_seen_unsynced.setdefault(spec.name, now)
            if (failed or now - first >= grace) and self.forced.get(
                spec.name, 0
            ) < MAX_FORCED_SYNCS:
                stalled.append(spec.name)
        if stalled:
            for name in force_sync(self.ctx, stalled):
                self.forced[name] = self.forced.get(name, 0) + 1
                self.first_seen_unsynced[name] = now
                app = snap.app(name)
                self.patched_over[name] = app.operation_started_at if app is not None else ""

    def summary(self, snap: ClusterSnapshot) -> str:
        apps = [snap.app(s.name) for s in self.apps]
        healthy = sum(1 for a in apps if a is not None and a.health == "Healthy")
        progressing = sum(1 for a in apps if a is not None and a.health == "Progressing")
        text = f"{len(self.apps)}/{len(self.apps)} apps Synced ({healthy} Healthy"
        return text + (f", {progressing} Progressing)" if progressing else ")")


class ArgoCDSync(Stage):
    name = StageName.ARGOCD_SYNC
    title = "Get the Argo CD apps Synced"

    def check(self, ctx: StageContext) -> CheckResult:
        ctx.cluster.start()
        try:
            ok, detail = AppsSynced(ctx, strict_health=False)(ctx.cluster.snapshot())
        except StageError as exc:
            return CheckResult(False, exc.message)
        return CheckResult(ok, detail)

    def run(self, ctx: StageContext) -> str:
        ctx.cluster.start()
        wait_for(ctx, "the Argo CD Applications", apps_present(ctx))
        condition = AppsSynced(ctx, strict_health=False)
        snap = wait_for(ctx, f"{len(condition.apps)} apps Synced", condition)
        forced = sorted(condition.forced)
        return condition.summary(snap) + (f"; forced sync of {', '.join(forced)}" if forced else "")
