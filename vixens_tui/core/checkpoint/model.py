"""The checkpoint: our own versioned file format (never a pickled state machine).

`schema_version` is in every file. Older versions load (golden files under `state/golden/`);
a newer one is refused with a message, since guessing at a format we do not know could
lose the run. Never a secret value here: errors and evidence pass through the redactor first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vixens_tui.core.checkpoint.consistency import problems
from vixens_tui.core.checkpoint.values import Count, Moment, PlainName, Seconds, check_exit_code
from vixens_tui.core.names import STAGE_ORDER, RunState, StageName

SCHEMA_VERSION = 2


def utcnow() -> datetime:
    return datetime.now(UTC)


class StageStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"
    NOT_PLANNED = "not-planned"


class Outcome(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    NEEDS_HUMAN = "needs-human"
    INTERRUPTED = "interrupted"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StageRecord(_Model):
    name: StageName
    status: StageStatus = StageStatus.PENDING
    attempts: Count = 0
    started_at: Moment | None = None
    finished_at: Moment | None = None
    duration_s: Seconds | None = None
    """Wall time of the last attempt."""
    total_s: Seconds = 0.0
    """Wall time of all attempts together."""
    error: str | None = None
    failure: str | None = None
    """transient, timeout, known-issue, manual-fix or unknown."""
    summary: str | None = None
    checked_at: Moment | None = None
    """When a resume last re-checked this stage against the world."""
    skip_reason: str | None = None


class FixRecord(_Model):
    issue_id: str
    stage: StageName
    attempt: Count
    at: Moment
    ok: bool
    by: Literal["auto", "user"] = "auto"
    evidence: list[str] = Field(default_factory=list)
    detail: str = ""


class SnapshotRecord(_Model):
    """etcd's snapshot taken before the destroy (`bootstrap --recover-from` reads it)."""

    path: str
    size: Count
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    node: str
    at: Moment


class ChecklistState(StrEnum):
    PENDING = "pending"
    PROVED = "proved"
    FAILED = "failed"
    MANUAL = "manual"
    """Ticked by hand: recorded as such, never passed off as proved."""


class ChecklistRecord(_Model):
    id: str
    title: str
    state: ChecklistState = ChecklistState.PENDING
    evidence: str = ""
    by: Literal["probe", "user", ""] = ""
    at: Moment | None = None


class Checkpoint(_Model):
    schema_version: int = SCHEMA_VERSION
    run_id: PlainName
    """Names the run's log directory and its archive under runs/: a plain file name."""
    env: PlainName
    """Names the environment's state directory: a plain file name."""
    profile_digest: str
    created_at: Moment = Field(default_factory=utcnow)
    updated_at: Moment = Field(default_factory=utcnow)
    state: RunState = RunState.IDLE
    """The state machine's state at the last transition."""
    current_stage: StageName | None = None
    outcome: Outcome = Outcome.RUNNING
    exit_code: int | None = None
    message: str = ""
    mode: Literal["auto", "tui"] = "auto"
    demo: bool = False
    plan: list[StageName] = Field(default_factory=lambda: list(STAGE_ORDER))
    stages: list[StageRecord] = Field(
        default_factory=lambda: [StageRecord(name=s) for s in STAGE_ORDER]
    )
    fixes: list[FixRecord] = Field(default_factory=list)
    checklist: list[ChecklistRecord] = Field(default_factory=list)
    resumes: Count = 0
    holder: str = ""
    """pid@host of the process that last wrote this file."""
    inputs: dict[str, str | list[str]] | None = None
    """What the run was asked to build, from the profile (`core.inputs`): a resume compares
    it with the profile of the day, shows what changed and re-opens the stages it concerns.
    None for a run recorded before version 2."""
    etcd_snapshot: SnapshotRecord | None = None
    """The etcd snapshot this run saved before its destroy (none: not taken, or not yet)."""
    destroy_launched_at: Moment | None = None
    """When this run launched `terraform destroy`, after the wrong-cluster guard and the
    confirmation. From then on a missing kubeconfig is the destroy's doing, not a typo."""
    destroy_resources: Count | None = None
    """Managed resources in the Terraform state when this run's first destroy was launched."""
    destroyed: Count = 0
    """Resources this run's destroys deleted, every attempt together: with the ones a fix
    removed from the state (known issue 1), the arithmetic of the runbook's "20 destroyed"."""

    _exit_code = field_validator("exit_code")(check_exit_code)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Checked on load and on every assignment: a checkpoint that breaks one of these was
        # written by no version of this program, and resuming it would act on a guess.
        found = problems(
            self.plan,
            [(r.name, r.status is StageStatus.NOT_PLANNED) for r in self.stages],
            self.current_stage,
            [c.id for c in self.checklist],
        )
        if found:
            raise ValueError("; ".join(found))
        return self

    def stage(self, name: StageName) -> StageRecord:
        for record in self.stages:
            if record.name == name:
                return record
        record = StageRecord(name=name)
        self.stages.append(record)
        return record

    def first_not_done(self) -> StageName | None:
        for name in self.plan:
            if self.stage(name).status not in (StageStatus.DONE, StageStatus.SKIPPED):
                return name
        return None

    def fixes_for(self, issue_id: str) -> int:
        return sum(1 for f in self.fixes if f.issue_id == issue_id)

    @property
    def unfinished(self) -> bool:
        return self.outcome is not Outcome.DONE
