"""Keeps the checkpoint and the journal in step with the events, so nothing is lost.

Every event that changes what a resume needs to know is applied to the pydantic checkpoint,
which is then written atomically; every journaled event is appended to the journal with its
run id. The checkpoint is saved after every transition of the state machine.
"""

from __future__ import annotations

from datetime import UTC, datetime

from vixens_tui.core.checkpoint.model import (
    ChecklistRecord,
    ChecklistState,
    Checkpoint,
    FixRecord,
    Outcome,
    SnapshotRecord,
    StageStatus,
)
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.events import (
    ChecklistChanged,
    DestroyLaunched,
    EtcdSnapshotSaved,
    Event,
    FixApplied,
    IssueDetected,
    LogLine,
    LogLines,
    ResourceProgress,
    RunFinished,
    StageChecked,
    StageFailed,
    StageInterrupted,
    StageSkipped,
    StageStarted,
    StageSucceeded,
    Transitioned,
)
from vixens_tui.core.names import RunState, StageName


def _at(event: Event) -> datetime:
    return datetime.fromtimestamp(event.at, UTC)


class Recorder:
    def __init__(self, state: EnvState, checkpoint: Checkpoint) -> None:
        self.state = state
        self.checkpoint = checkpoint
        self._evidence: dict[str, list[str]] = {}

    def save(self) -> None:
        self.checkpoint.updated_at = datetime.now(UTC)
        self.state.save(self.checkpoint)

    def handle(self, event: Event) -> None:
        if type(event) is LogLine or type(event) is LogLines:
            return  # the highest-rate event: never journaled, never changes the checkpoint
        # The checkpoint first, then the journal: a kill between the two must leave the
        # checkpoint ahead (the journal line is lost, the stage is not re-run), never a journal
        # that says "succeeded" beside a checkpoint that still says "running".
        if self._apply(event):
            self.save()
        if event.journal:
            self.state.journal({"run_id": self.checkpoint.run_id, **event.to_dict()})

    def _apply(self, event: Event) -> bool:
        cp = self.checkpoint
        if isinstance(event, Transitioned):
            cp.state = RunState(event.dest)
            if event.stage is not None:
                cp.current_stage = event.stage
            return True
        if event.stage is None and not isinstance(event, RunFinished):
            return False
        if isinstance(event, StageStarted):
            assert event.stage is not None
            rec = cp.stage(event.stage)
            rec.status = StageStatus.RUNNING
            rec.attempts = event.attempt
            rec.started_at = _at(event)
            rec.finished_at = None
            rec.error = None
            rec.failure = None
            return True
        if isinstance(event, StageSucceeded | StageFailed | StageInterrupted):
            assert event.stage is not None
            rec = cp.stage(event.stage)
            rec.finished_at = _at(event)
            rec.duration_s = round(event.duration_s, 3)
            rec.total_s = round(rec.total_s + event.duration_s, 3)
            if isinstance(event, StageSucceeded):
                rec.status = StageStatus.DONE
                rec.summary = event.summary
            elif isinstance(event, StageFailed):
                rec.status = StageStatus.FAILED
                rec.error = event.error
                rec.failure = event.failure
            else:
                rec.status = StageStatus.INTERRUPTED
                rec.error = event.reason or "interrupted"
            return True
        if isinstance(event, StageSkipped):
            assert event.stage is not None
            rec = cp.stage(event.stage)
            rec.status = StageStatus.SKIPPED
            rec.skip_reason = event.reason
            return True
        if isinstance(event, StageChecked):
            assert event.stage is not None
            rec = cp.stage(event.stage)
            rec.checked_at = _at(event)
            if not event.satisfied:
                rec.status = StageStatus.PENDING
                rec.summary = f"re-check failed: {event.detail}"
            return True
        if isinstance(event, IssueDetected):
            self._evidence[event.issue_id] = list(event.evidence)
            return False
        if isinstance(event, FixApplied):
            assert event.stage is not None
            cp.fixes.append(
                FixRecord(
                    issue_id=event.issue_id,
                    stage=event.stage,
                    attempt=event.attempt,
                    at=_at(event),
                    ok=event.ok,
                    by="user" if event.by == "user" else "auto",
                    evidence=self._evidence.get(event.issue_id, []),
                    detail=event.detail,
                )
            )
            return True
        if isinstance(event, ChecklistChanged):
            item = next((c for c in cp.checklist if c.id == event.item_id), None)
            if item is None:
                item = ChecklistRecord(id=event.item_id, title=event.title)
                cp.checklist.append(item)
            item.state = ChecklistState(event.state)
            item.evidence = event.evidence
            item.by = "user" if event.by == "user" else "probe"
            item.at = _at(event)
            return True
        if isinstance(event, EtcdSnapshotSaved):
            cp.etcd_snapshot = SnapshotRecord(
                path=event.path,
                size=event.size,
                sha256=event.sha256,
                node=event.node,
                at=_at(event),
            )
            return True
        if isinstance(event, DestroyLaunched):
            if cp.destroy_launched_at is None:
                cp.destroy_launched_at = _at(event)
                cp.destroy_resources = event.resources
                return True
            return False
        if (
            isinstance(event, ResourceProgress)
            and event.stage is StageName.DESTROY
            and event.action == "delete"
            and event.status == "complete"
        ):
            cp.destroyed += 1
            return False  # counted; written with the stage's next transition
        if isinstance(event, RunFinished):
            cp.outcome = Outcome(event.outcome)
            cp.exit_code = event.exit_code
            cp.message = event.message
            return True
        return False
