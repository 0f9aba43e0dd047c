"""Stage 7 (étape 6): the final validation and its 10-item checklist, each item proved by a
probe whose evidence is stored in the checkpoint. Waits (up to the stage's timeout) because
Certificates and some pods take minutes after the secrets; an unreachable API is reported as
unreachable, never as "0 pods". The Certificates have a bound of their own,
`validation.certificates_timeout_s` from the start of the wait (the procedure: 2-5 minutes after
the secrets). Every HTTP check's evidence goes to the journal when its verdict changes and when
the validation ends, not only Argo CD's (the checklist's)."""

from __future__ import annotations

import time

from vixens_tui.core import talos_health
from vixens_tui.core.argocd import app_ok
from vixens_tui.core.certificates import certificates_verdict
from vixens_tui.core.checklist import CHECKLIST, Observation
from vixens_tui.core.checkpoint.model import ChecklistState
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.events import ChecklistChanged
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.http_checks import http_verdict, probe_check
from vixens_tui.core.mounts import WAITING_REASON, MissingObject, explain, missing_objects
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import ClusterError, HttpResult
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.stages.secrets import secrets_present
from vixens_tui.core.waits import wait_for

PROBE_EVERY_S = 2.0
"""HTTP and secret-existence probes are not fed by watches: refresh them at most this often."""


JUDGED_KINDS = ("nodes", "pods", "applications", "certificates", "clusterissuers")
"""What the checklist looks at: judged only once each has been listed."""

EVENTS_RECHECK_S = 10.0
"""How often the events of a pod stuck in ContainerCreating are read again while they name
no missing Secret or ConfigMap (the kubelet reports FailedMount only after its first try)."""
EVENTS_PODS_PER_PROBE = 8
"""At most this many pods' events read per probe: a cluster of stuck pods costs a few calls."""


class Validation:
    def __init__(self, ctx: StageContext, *, report: bool) -> None:
        self.ctx = ctx
        self.report = report
        self._http: dict[str, HttpResult] = {}
        self._secrets: dict[str, bool | None] = {}
        self._talos: tuple[bool, str] | None = None
        self._probed_at = -1e9
        self._events_at = -1e9
        self._events_read: dict[tuple[str, str], float] = {}
        self._missing: dict[tuple[str, str], tuple[MissingObject, ...]] = {}
        """Pods stuck in ContainerCreating -> the objects their FailedMount events name."""
        self._present: set[MissingObject] = set()
        """Named by a FailedMount but there now: the kubelet mounts it on its next try."""
        self._told: set[MissingObject] = set()
        self.states: dict[str, tuple[str, str]] = {}
        self.http_states: dict[str, tuple[bool, str]] = {}
        """HTTP check -> (passed, evidence) as last told."""
        self.failing: list[str] = []
        self.final = False
        self.certificates_since: float | None = None
        """When the wait for the Certificates began (monotonic; set by the stage's run)."""
        self.certificates_expired = ""
        """Why the Certificates' own timeout ended the wait ('' while it has not)."""

    def _refresh_probes(self) -> None:
        now = time.monotonic()
        if now - self._probed_at < PROBE_EVERY_S and self._http:
            return
        self._probed_at = now
        for check in self.ctx.profile.http_checks:
            self._http[check.name] = probe_check(self.ctx.http, check)
        self._secrets = secrets_present(self.ctx)
        talos = self.ctx.talos
        if talos is not None:
            planes = tuple(n.name for n in self.ctx.profile.nodes if n.role == "control-plane")
            self._talos = talos_health.verdict(planes, talos_health.ask(talos, self.ctx))

    def _tell_http(self, snap: ClusterSnapshot, *, final: bool = False) -> list[str]:
        """Each HTTP check's verdict; journaled when it changes (the pass or fail, not every
        new millisecond) and, with `final`, as it stands at the end."""
        failing = []
        for check in self.ctx.profile.http_checks:
            ok, evidence = http_verdict(check, self._http.get(check.name), snap)
            if not ok:
                failing.append(f"http {check.name}: {evidence}")
            told = self.http_states.get(check.name)
            if self.report and (told is None or told[0] != ok or (final and told[1] != evidence)):
                self.http_states[check.name] = (ok, evidence)
                verdict = "passed" if ok else ("failed" if self.final else "not yet passing")
                self.ctx.info(f"HTTP check {check.name} {verdict}: {evidence}")
        return failing

    def _refresh_mounts(self, snap: ClusterSnapshot) -> None:
        """Read the events of the pods stuck in ContainerCreating: a FailedMount naming a
        missing Secret or ConfigMap says what the workload waits for."""
        now = time.monotonic()
        if now - self._events_at < PROBE_EVERY_S:
            return
        self._events_at = now
        stuck = {(p.namespace, p.name) for p in snap.pods if p.reason == WAITING_REASON}
        for known in (self._missing, self._events_read):
            for key in [k for k in known if k not in stuck]:
                del known[key]
        due = sorted(
            k
            for k in stuck
            if k not in self._missing and now - self._events_read.get(k, -1e9) >= EVENTS_RECHECK_S
        )
        for namespace, name in due[:EVENTS_PODS_PER_PROBE]:
            self._events_read[(namespace, name)] = now
            try:
                events = self.ctx.cluster.pod_events(namespace, name)
            except ClusterError:
                continue  # a diagnosis, not a verdict: the next probe reads them again
            missing = missing_objects(namespace, events)
            if missing:
                self._missing[(namespace, name)] = missing
        self._present = set()
        for item in {m for found in self._missing.values() for m in found}:
            try:
                if self.ctx.cluster.object_exists(item.kind, item.namespace, item.name):
                    self._present.add(item)
            except ClusterError:
                pass  # unknown: the events' word stands

    def mount_problems(self) -> tuple[str, ...]:
        """What the stuck pods wait for, against what the profile applies (see mounts.py)."""
        waiting: dict[MissingObject, list[str]] = {}
        for (_namespace, pod), missing in sorted(self._missing.items(), key=lambda kv: kv[0]):
            for item in missing:
                if item not in self._present:
                    waiting.setdefault(item, []).append(pod)
        lines = explain(self.ctx.profile.secrets, waiting)
        if self.report:
            for item, line in lines.items():
                if item not in self._told:
                    self._told.add(item)
                    self.ctx.info(line, "warning")
        return tuple(lines.values())

    def record_final(self, snap: ClusterSnapshot) -> None:
        """Store the evidence of every proved item as it stands at the end."""
        self._tell_http(snap, final=True)
        obs = Observation(self.ctx.profile, snap, self._http, self._secrets, self._talos)
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
        self._refresh_mounts(snap)
        obs = Observation(self.ctx.profile, snap, self._http, self._secrets, self._talos)
        manual = self.manual()
        failing = list(self.mount_problems())
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
        certs_ok, cert_problems, certs_summary = certificates_verdict(self.ctx.profile, snap)
        failing += cert_problems
        failing += self._tell_http(snap)
        self.failing = failing
        if not certs_ok:
            self._certificates_deadline(cert_problems)
        if failing:
            return False, f"{len(failing)} checks pending: " + "; ".join(failing[:6])
        proved = sum(1 for e in CHECKLIST if e.id not in manual)
        return (
            True,
            f"checklist {proved} proved, {len(manual)} ticked by hand; apps OK; "
            f"{certs_summary}; {len(self.ctx.profile.http_checks)} HTTP checks passed",
        )

    def _certificates_deadline(self, problems: list[str]) -> None:
        """Fail, as a timeout of its own, when the Certificates are still not all Ready
        `validation.certificates_timeout_s` after the wait began."""
        if self.certificates_since is None:
            return
        limit = self.ctx.profile.validation.certificates_timeout_s
        waited = time.monotonic() - self.certificates_since
        if waited < limit:
            return
        self.certificates_since = None  # said once; the stage ends with it
        self.certificates_expired = (
            f"certificates not Ready after {waited:.0f}s (validation.certificates_timeout_s "
            f"= {limit:g}): " + "; ".join(problems[:4])
        )
        raise StageError(
            self.certificates_expired, kind=FailureKind.TIMEOUT, evidence=tuple(problems)
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
        condition.certificates_since = time.monotonic()
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
                condition.certificates_since = None  # this last look only records
                condition(ctx.cluster.snapshot())
                # The certificates' own timeout names itself; the stage's lists what failed.
                message = condition.certificates_expired or (
                    "validation failed: " + "; ".join(condition.failing[:8])
                )
                raise StageError(
                    message, kind=FailureKind.TIMEOUT, evidence=tuple(condition.failing)
                ) from None
            raise
        _ok, detail = condition(ctx.cluster.snapshot())
        condition.record_final(ctx.cluster.snapshot())
        return detail
