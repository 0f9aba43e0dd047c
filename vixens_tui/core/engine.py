"""The engine: runs the plan's stages through the state machine, one attempt at a time.

Long work happens here, outside the machine's callbacks; the machine is only told the outcome
(`succeed`, `fail`, `skip`, `interrupt`). Every event goes through the redactor, then the
recorder (checkpoint and journal), then the front end's sink. Both front ends drive this same
class: the headless one from its main thread's worker, the TUI from a thread worker.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import IO

from vixens_tui.core.cancel import Cancelled, CancelToken
from vixens_tui.core.checklist import CHECKLIST
from vixens_tui.core.checkpoint.model import (
    ChecklistRecord,
    ChecklistState,
    Checkpoint,
    Outcome,
    StageRecord,
    StageStatus,
)
from vixens_tui.core.checkpoint.store import EnvState, StateError
from vixens_tui.core.cluster_observer import ClusterObserver
from vixens_tui.core.context import StageContext
from vixens_tui.core.decider import Action, Decider, FailureReport
from vixens_tui.core.events import (
    ChecklistChanged,
    Event,
    EventSink,
    FixApplied,
    Info,
    IssueDetected,
    RunFinished,
    RunStarted,
    StageChecked,
    StageFailed,
    StageInterrupted,
    StageSkipped,
    StageStarted,
    StageSucceeded,
)
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.inputs import inputs_of
from vixens_tui.core.issues import Catalogue, default_catalogue
from vixens_tui.core.issues.base import Detection, FixFailed
from vixens_tui.core.machine import ProcedureModel, build_machine
from vixens_tui.core.names import STAGE_ORDER, RunState, StageName
from vixens_tui.core.ports import Backends, ClusterError
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.profile_change import take_profile_change
from vixens_tui.core.recorder import Recorder
from vixens_tui.core.redact import Redactor
from vixens_tui.core.resumable import new_run_id, refuse_unless_resumable
from vixens_tui.core.run_result import RunResult, result_of
from vixens_tui.core.stages import Stage, default_stages
from vixens_tui.core.waits import observe


@dataclass(frozen=True, slots=True)
class RunRequest:
    plan: tuple[StageName, ...] = STAGE_ORDER
    resume: bool = False
    mode: str = "auto"
    demo: bool = False
    accept_profile_change: bool = False
    """A resume goes on with a profile whose inputs changed since the run started (the TUI
    asked, or `--accept-profile-change`); the stages the change concerns are re-opened."""


class _Settled(Enum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class Engine:
    def __init__(
        self,
        profile: Profile,
        backends: Backends,
        state: EnvState,
        decider: Decider,
        sink: EventSink,
        *,
        catalogue: Catalogue | None = None,
        stages: Mapping[StageName, Stage] | None = None,
        cancel: CancelToken | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.profile = profile
        self.backends = backends
        self.state = state
        self.decider = decider
        self.sink = sink
        self.catalogue = catalogue or default_catalogue()
        self.stages = dict(stages or default_stages())
        self.cancel = cancel or CancelToken()
        self.redactor = redactor or Redactor()
        self._emit_lock = threading.Lock()
        self._recorder: Recorder | None = None
        self._stop_on: tuple[FailureKind, tuple[Detection, ...]] | None = None
        self._profile_notes: tuple[str, ...] = ()
        """What a resume found changed in the profile, said once the run has started."""

    # -- events ----------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        event = self.redactor.scrub_event(event)
        with self._emit_lock:
            if self._recorder is not None:
                self._recorder.handle(event)
            self.sink(event)

    # -- checklist ticks from a person (TUI) ----------------------------------------------

    def tick(self, item_id: str, ticked: bool) -> None:
        """Record a checklist item ticked (or unticked) by hand."""
        entry = next(e for e in CHECKLIST if e.id == item_id)
        self.emit(
            ChecklistChanged(
                stage=StageName.VALIDATE,
                item_id=item_id,
                title=entry.title(self.profile),
                state=(ChecklistState.MANUAL if ticked else ChecklistState.PENDING).value,
                evidence="ticked by hand" if ticked else "",
                by="user",
            )
        )

    # -- the run ---------------------------------------------------------------------------

    def _new_checkpoint(self, request: RunRequest) -> Checkpoint:
        return Checkpoint(
            run_id=new_run_id(),
            env=self.state.env,
            profile_digest=self.profile.digest(),
            inputs=inputs_of(self.profile),
            plan=list(request.plan),
            stages=[
                StageRecord(
                    name=s,
                    status=StageStatus.PENDING if s in request.plan else StageStatus.NOT_PLANNED,
                )
                for s in STAGE_ORDER
            ],
            checklist=[ChecklistRecord(id=e.id, title=e.title(self.profile)) for e in CHECKLIST],
        )

    def prepare(self, request: RunRequest) -> Checkpoint:
        """Load (resume) or create (new run) the checkpoint. Raises StateError, NothingToResume."""
        previous = self.state.load()
        if request.resume:
            checkpoint = refuse_unless_resumable(previous, self.state.env)
            checkpoint.resumes += 1
            checkpoint.outcome = Outcome.RUNNING
            checkpoint.exit_code = None
            for rec in checkpoint.stages:
                if rec.status in (StageStatus.RUNNING, StageStatus.FAILED, StageStatus.INTERRUPTED):
                    # A stage caught mid-run by a crash or a stop is simply not done.
                    rec.status = StageStatus.PENDING
            self._profile_notes = take_profile_change(
                checkpoint, self.profile, accept=request.accept_profile_change
            )
        else:
            if previous is not None:
                self.state.archive(previous)
            checkpoint = self._new_checkpoint(request)
        checkpoint.mode = "tui" if request.mode == "tui" else "auto"
        checkpoint.demo = request.demo
        checkpoint.holder = f"{os.getpid()}@{socket.gethostname()}"
        return checkpoint

    def run(self, request: RunRequest, checkpoint: Checkpoint | None = None) -> RunResult:
        """Run (or resume) the procedure. Raises StateError if the state cannot be written."""
        if checkpoint is None:
            checkpoint = self.prepare(request)
        self._recorder = Recorder(self.state, checkpoint)
        self._recorder.save()
        observer = ClusterObserver(self)
        try:
            self.emit(
                RunStarted(
                    run_id=checkpoint.run_id,
                    env=checkpoint.env,
                    plan=tuple(checkpoint.plan),
                    resumed=request.resume,
                    demo=request.demo,
                )
            )
            for note in self._profile_notes:
                self.emit(Info(message=note, level="warning"))
            self._start_cluster()
            observer.start()
            result = self._drive(checkpoint, request)
        finally:
            observer.stop()
        try:
            self.emit(
                RunFinished(
                    outcome=result.outcome.value,
                    exit_code=int(result.exit_code),
                    message=result.message,
                )
            )
        finally:
            self.state.close_journal()
        return result

    def _start_cluster(self) -> None:
        try:
            self.backends.cluster.start()
        except ClusterError as exc:
            self.emit(Info(message=f"cluster not observable yet: {exc}", level="warning"))

    def _drive(self, checkpoint: Checkpoint, request: RunRequest) -> RunResult:
        plan = tuple(checkpoint.plan)
        start = self._resume_point(checkpoint) if request.resume else plan[0]
        if start is None:
            return RunResult(
                ExitCode.DONE, Outcome.DONE, "every stage of the plan is done", checkpoint.run_id
            )
        remaining = plan[plan.index(start) :]
        model = ProcedureModel(self.emit)
        build_machine(model, remaining)
        model.start()
        while (stage_name := RunState(model.state).stage) is not None:
            if self.cancel.cancelled:
                model.interrupt()
                break
            settled = self._settle(self.stages[stage_name], checkpoint)
            if settled is _Settled.DONE:
                model.succeed()
            elif settled is _Settled.SKIPPED:
                model.skip()
            elif settled is _Settled.INTERRUPTED:
                model.interrupt()
            else:
                model.fail()
        return self._result(RunState(model.state), checkpoint)

    def _result(self, final: RunState, checkpoint: Checkpoint) -> RunResult:
        return result_of(final, checkpoint, self._stop_on)

    def _context(
        self, name: StageName, attempt: int, checkpoint: Checkpoint, log: IO[str] | None
    ) -> StageContext:
        return StageContext(
            profile=self.profile,
            backends=self.backends,
            stage=name,
            attempt=attempt,
            cancel=self.cancel,
            run=checkpoint,
            redactor=self.redactor,
            emit_raw=self.emit,
            confirm_destroy=self.decider.confirm_destroy,
            deadline=time.monotonic() + self.profile.timeout(name),
            log_file=log,
            state_dir=self.state.dir,
        )

    def _resume_point(self, checkpoint: Checkpoint) -> StageName | None:
        """Re-check the stages marked done; the first one not done (or no longer true)."""
        for name in checkpoint.plan:
            rec = checkpoint.stage(name)
            if rec.status is StageStatus.SKIPPED:
                continue
            if rec.status is not StageStatus.DONE:
                return name
            ctx = self._context(name, rec.attempts, checkpoint, None)
            ctx.deadline = time.monotonic() + 30
            try:
                observe(ctx)
                result = self.stages[name].check(ctx)
                satisfied, detail = result.satisfied, result.detail
            except (StageError, ClusterError) as exc:
                satisfied, detail = False, str(exc)
            except Cancelled:
                return name
            self.emit(StageChecked(stage=name, satisfied=satisfied, detail=detail))
            if not satisfied:
                return name
        return None

    def _open_log(self, checkpoint: Checkpoint, name: StageName, attempt: int) -> IO[str]:
        path = self.state.log_path(checkpoint.run_id, name.value, attempt)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "w", buffering=1 << 16, encoding="utf-8")

    def _settle(self, stage: Stage, checkpoint: Checkpoint) -> _Settled:
        """Attempt the stage until it succeeds, is skipped, stopped or interrupted."""
        name = stage.name
        attempt = checkpoint.stage(name).attempts
        while True:
            attempt += 1
            with self._open_log(checkpoint, name, attempt) as log:
                ctx = self._context(name, attempt, checkpoint, log)
                self.emit(
                    StageStarted(
                        stage=name,
                        title=stage.title,
                        attempt=attempt,
                        timeout_s=self.profile.timeout(name),
                        expected_s=self.profile.expected(name),
                    )
                )
                began = time.monotonic()
                try:
                    self.cancel.raise_if_cancelled()
                    summary = stage.run(ctx)
                except Cancelled as exc:
                    self.emit(
                        StageInterrupted(
                            stage=name,
                            attempt=attempt,
                            duration_s=time.monotonic() - began,
                            reason=str(exc),
                        )
                    )
                    return _Settled.INTERRUPTED
                except StageError as exc:
                    error = exc
                except ClusterError as exc:
                    kind = (
                        FailureKind.TRANSIENT
                        if exc.unreachable or exc.status >= 500
                        else FailureKind.UNKNOWN
                    )
                    error = StageError(f"Kubernetes API: {exc}", kind=kind)
                except (StateError, KeyboardInterrupt):
                    raise
                except Exception as exc:
                    # A bug or an unforeseen error: the traceback goes to the attempt log, the
                    # person gets one line and a run that can resume.
                    ctx.write_log(traceback.format_exc())
                    error = StageError(f"internal error: {type(exc).__name__}: {exc}")
                else:
                    self.emit(
                        StageSucceeded(
                            stage=name,
                            attempt=attempt,
                            duration_s=time.monotonic() - began,
                            summary=summary,
                        )
                    )
                    return _Settled.DONE
                decision_result = self._after_failure(
                    ctx, error, time.monotonic() - began, checkpoint
                )
            if decision_result is not None:
                return decision_result

    def _after_failure(
        self, ctx: StageContext, error: StageError, duration: float, checkpoint: Checkpoint
    ) -> _Settled | None:
        """Detect, decide, maybe fix. None means "attempt the stage again"."""
        error = self.redactor.scrub_error(error)  # the TUI shows the decider's report as is
        try:
            detections = tuple(self.catalogue.detect(error, ctx))
        except Exception as exc:  # a detector must never hide the failure itself
            ctx.write_log(traceback.format_exc())
            self.emit(
                Info(
                    stage=ctx.stage, message=f"known-issue detection failed: {exc}", level="warning"
                )
            )
            detections = ()
        label = "known-issue" if detections else error.kind.value
        self.emit(
            StageFailed(
                stage=ctx.stage,
                attempt=ctx.attempt,
                duration_s=duration,
                error=error.message,
                failure=label,
            )
        )
        for line in error.evidence[:10]:
            ctx.write_log(f"# evidence: {line}")
        for d in detections:
            self.emit(
                IssueDetected(
                    stage=ctx.stage,
                    issue_id=d.issue_id,
                    title=d.title,
                    evidence=d.evidence,
                    fix=d.fix,
                    automatic=d.automatic,
                    applied_so_far=checkpoint.fixes_for(d.issue_id),
                    limit=d.limit,
                )
            )
        while True:
            report = FailureReport(
                stage=ctx.stage,
                attempt=ctx.attempt,
                error=error,
                detections=detections,
                fixes_applied={d.issue_id: checkpoint.fixes_for(d.issue_id) for d in detections},
            )
            if self.cancel.cancelled:
                return _Settled.INTERRUPTED
            decision = self.decider.decide(report)
            if self.cancel.cancelled:
                return _Settled.INTERRUPTED
            if decision.action is Action.FIX:
                detection = next((d for d in detections if d.issue_id == decision.issue_id), None)
                if detection is None:
                    continue
                if self._apply_fix(ctx, detection, decision.by):
                    return None
                continue  # the fix failed: ask again (auto: its limit now stops it)
            if decision.action is Action.RETRY:
                return None
            if decision.action is Action.SKIP and not report.skippable:
                # Whoever asked (a stale key, a front end of another version): never skip the
                # safety gate nor act past bad input. Asked again.
                self.emit(
                    Info(
                        stage=ctx.stage,
                        message=f"{ctx.stage.value} cannot be skipped after this failure",
                        level="warning",
                    )
                )
                continue
            if decision.action is Action.SKIP:
                self.emit(
                    StageSkipped(
                        stage=ctx.stage, reason=f"skipped by {decision.by} after: {error.message}"
                    )
                )
                return _Settled.SKIPPED
            self._stop_on = (error.kind, detections)
            return _Settled.FAILED

    def _apply_fix(self, ctx: StageContext, detection: Detection, by: str) -> bool:
        issue = self.catalogue.get(detection.issue_id)
        ctx.info(f"applying the fix for {detection.issue_id}: {detection.fix}")
        try:
            detail = issue.fix(detection, ctx)
        except Cancelled:
            raise
        except (FixFailed, StageError, ClusterError) as exc:
            self.emit(
                FixApplied(
                    stage=ctx.stage,
                    issue_id=detection.issue_id,
                    attempt=ctx.attempt,
                    ok=False,
                    detail=str(exc),
                    by=by,
                )
            )
            return False
        self.emit(
            FixApplied(
                stage=ctx.stage,
                issue_id=detection.issue_id,
                attempt=ctx.attempt,
                ok=True,
                detail=detail,
                by=by,
            )
        )
        return True
