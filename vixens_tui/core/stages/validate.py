"""Stage 7 (étape 6): the final validation and its 10-item checklist, each item proved by a
probe whose evidence is stored in the checkpoint. Waits (up to the stage's timeout) because
Certificates and some pods take minutes after the secrets; an unreachable API is reported as
unreachable, never as "0 pods"."""

from __future__ import annotations

import time

from vixens_tui.core.argocd import app_ok
from vixens_tui.core.checklist import CHECKLIST, Observation
from vixens_tui.core.checkpoint.model import ChecklistState
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.events import ChecklistChanged
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import HttpResult
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.stages.secrets import secrets_present
from vixens_tui.core.waits import wait_for

PROBE_EVERY_S = 2.0
"""HTTP and secret-existence probes are not fed by watches: refresh them at most this often."""


JUDGED_KINDS = ("nodes", "pods", "applications", "certificates", "clusterissuers")
"""What the checklist looks at: judged only once each has been listed."""


class Validation:
    def __init__(self, ctx: StageContext, *, report: bool) -> None:
        self.ctx = ctx
        self.report = report
        self._http: dict[str, HttpResult] = {}
        self._secrets: dict[str, bool | None] = {}
        self._probed_at = -1e9
        self.states: dict[str, tuple[str, str]] = {}
        self.failing: list[str] = []
        self.final = False

    def _refresh_probes(self) -> None:
        now = time.monotonic()
        if now - self._probed_at < PROBE_EVERY_S and self._http:
            return
        self._probed_at = now
        for check in self.ctx.profile.http_checks:
            self._http[check.name] = self.ctx.http.probe(
                str(check.url),
                method=check.method,
                headers=check.headers,
                timeout_s=check.timeout_s,
            )
        self._secrets = secrets_present(self.ctx)

    def record_final(self, snap: ClusterSnapshot) -> None:
        """Store the evidence of every proved item as it stands at the end."""
        obs = Observation(self.ctx.profile, snap, self._http, self._secrets)
        for entry in CHECKLIST:
            ok, evidence = entry.probe(obs)
            if ok and self.states.get(entry.id) != (ChecklistState.PROVED.value, evidence):
                self.states[entry.id] = (ChecklistState.PROVED.value, evidence)
                self.ctx.emit(
                    ChecklistChanged(
                        stage=self.ctx.stage,
                        item_id=entry.id,
                        title=entry.title(self.ctx.profile),
                        state=ChecklistState.PROVED.value,
                        evidence=evidence,
                        by="probe",
                    )
                )

    def manual(self) -> set[str]:
        return {c.id for c in self.ctx.run.checklist if c.state == ChecklistState.MANUAL}

    def __call__(self, snap: ClusterSnapshot) -> tuple[bool, str]:
        if not snap.reachable:
            why = f"API unreachable: {snap.error or 'no answer'} (not judging the cluster)"
            self.failing = [why]
            return False, why
        unlisted = snap.unlisted(*JUDGED_KINDS)
        if unlisted:
            # Reachable, but an empty list would be a guess: "0 pods Running" must mean zero.
            why = f"waiting for the first list of {', '.join(unlisted)} (not judging yet)"
            self.failing = [why]
            return False, why
        self._refresh_probes()
        obs = Observation(self.ctx.profile, snap, self._http, self._secrets)
        manual = self.manual()
        failing = []
        for entry in CHECKLIST:
            ok, evidence = entry.probe(obs)
            # While waiting an unproved item is pending; it is failed only when time is up.
            state = (
                ChecklistState.PROVED
                if ok
                else (ChecklistState.FAILED if self.final else ChecklistState.PENDING)
            )
            if not ok and entry.id in manual:
                continue
            if not ok:
                failing.append(f"{entry.id}: {evidence}")
            # A new line when the verdict changes (not on every new pod name in the evidence);
            # the final evidence is recorded by `record_final` once the stage settles.
            if self.report and self.states.get(entry.id, ("", ""))[0] != state.value:
                self.states[entry.id] = (state.value, evidence)
                self.ctx.emit(
                    ChecklistChanged(
                        stage=self.ctx.stage,
                        item_id=entry.id,
                        title=entry.title(self.ctx.profile),
                        state=state.value,
                        evidence=evidence,
                        by="probe",
                    )
                )
        for spec in self.ctx.profile.apps:
            app = snap.app(spec.name)
            if app is None:
                failing.append(f"app {spec.name}: missing")
            elif not app_ok(app, allow_progressing=spec.accept_progressing):
                failing.append(f"app {spec.name}: {app.sync}/{app.health} ({app.reason()})")
        for cert in snap.certificates:
            if not cert.ready:
                why = cert.message or cert.reason or "not Ready"
                failing.append(f"certificate {cert.namespace}/{cert.name}: {why}")
        for check in self.ctx.profile.http_checks:
            result = self._http.get(check.name)
            if result is not None and result.status not in check.expect_status:
                what = f"HTTP {result.status}" if result.status is not None else result.error
                failing.append(f"http {check.name} {check.url}: {what}")
        self.failing = failing
        if failing:
            return False, f"{len(failing)} checks pending: " + "; ".join(failing[:6])
        proved = sum(1 for e in CHECKLIST if e.id not in manual)
        return (
            True,
            f"checklist {proved} proved, {len(manual)} ticked by hand; apps, certificates, HTTP checks OK",
        )


class Validate(Stage):
    name = StageName.VALIDATE
    title = "Validate the cluster (checklist)"

    def check(self, ctx: StageContext) -> CheckResult:
        ctx.cluster.start()
        ok, detail = Validation(ctx, report=False)(ctx.cluster.snapshot())
        return CheckResult(ok, detail)

    def run(self, ctx: StageContext) -> str:
        ctx.cluster.start()
        condition = Validation(ctx, report=True)
        try:
            wait_for(
                ctx,
                "the cluster to pass the final validation",
                condition,
                recheck_s=PROBE_EVERY_S,
            )
        except StageError as exc:
            if exc.kind is FailureKind.TIMEOUT:
                condition.final = True
                condition(ctx.cluster.snapshot())
                raise StageError(
                    "validation failed: " + "; ".join(condition.failing[:8]),
                    kind=FailureKind.TIMEOUT,
                    evidence=tuple(condition.failing),
                ) from None
            raise
        _ok, detail = condition(ctx.cluster.snapshot())
        condition.record_final(ctx.cluster.snapshot())
        return detail
