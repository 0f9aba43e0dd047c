"""Plain, frozen events: everything the engine has to say to the world.

The engine emits these through one callback. The headless front end prints them, the TUI wraps
each in a Textual message, the recorder writes them to the journal and keeps the checkpoint up to
date. None of them ever carries a secret value (see `vixens_tui.core.redact`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from vixens_tui.core.names import StageName


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events: when it happened and in which stage."""

    kind: ClassVar[str] = "event"
    journal: ClassVar[bool] = True
    """Whether the event belongs in the journal (high-rate log lines go to the attempt log)."""

    stage: StageName | None = None
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: `type` first, then the fields in declaration order."""
        out: dict[str, Any] = {"type": self.kind}
        for f in dataclasses.fields(self):
            out[f.name] = _jsonable(getattr(self, f.name))
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, StageName):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


EventSink = Callable[[Event], None]
"""Where the engine sends its events. Called from the engine's thread."""


# -- run -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(Event):
    kind: ClassVar[str] = "run_started"
    run_id: str
    env: str
    plan: tuple[StageName, ...]
    resumed: bool = False
    demo: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished(Event):
    kind: ClassVar[str] = "run_finished"
    outcome: str
    """done, failed, needs-human or interrupted."""
    exit_code: int
    message: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transitioned(Event):
    """The state machine moved. Emitted by the machine's only callback."""

    kind: ClassVar[str] = "transitioned"
    trigger: str
    source: str
    dest: str


# -- stages ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StageChecked(Event):
    """On resume, a stage marked done was checked against the world again."""

    kind: ClassVar[str] = "stage_checked"
    satisfied: bool
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageStarted(Event):
    kind: ClassVar[str] = "stage_started"
    title: str
    attempt: int
    timeout_s: float
    expected_s: tuple[float, float]
    """The procedure's expected duration, low and high, in seconds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageSucceeded(Event):
    kind: ClassVar[str] = "stage_succeeded"
    attempt: int
    duration_s: float
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageFailed(Event):
    kind: ClassVar[str] = "stage_failed"
    attempt: int
    duration_s: float
    error: str
    failure: str
    """The failure's class: transient, timeout, known-issue, manual-fix or unknown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageSkipped(Event):
    kind: ClassVar[str] = "stage_skipped"
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StageInterrupted(Event):
    kind: ClassVar[str] = "stage_interrupted"
    attempt: int
    duration_s: float
    reason: str = ""


# -- progress inside a stage ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DestroyLaunched(Event):
    """`terraform destroy` is about to run: both sides of the wrong-cluster guard passed and
    the destroy was confirmed. Recorded in the checkpoint (`destroy_launched_at`)."""

    kind: ClassVar[str] = "destroy_launched"
    resources: int
    endpoint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EtcdSnapshotSaved(Event):
    """etcd's snapshot, taken through the Talos API before the destroy, is on this host.
    Recorded in the checkpoint (`etcd_snapshot`): `bootstrap --recover-from` needs it."""

    kind: ClassVar[str] = "etcd_snapshot_saved"
    path: str
    size: int
    sha256: str
    node: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NodePhaseChanged(Event):
    """A node's place in Talos's phase of the apply changed, as the node's API shows it
    (core/talos_progress.py): maintenance, configuration applied, installed, rebooting,
    bootstrapped, Ready."""

    kind: ClassVar[str] = "node_phase"
    node: str
    address: str
    phase: str
    evidence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Info(Event):
    """A step of a stage worth a line: a command about to run, a result, a decision."""

    kind: ClassVar[str] = "info"
    message: str
    level: str = "info"
    """info, warning or error."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LogLine(Event):
    """One line of a tool's output (Terraform, mostly). High rate: not journaled."""

    kind: ClassVar[str] = "log"
    journal: ClassVar[bool] = False
    source: str
    text: str
    level: str = "info"


@dataclass(frozen=True, slots=True, kw_only=True)
class LogLines(Event):
    """Lines of a tool's output read together (one pipe read): `lines` holds (text, level)
    pairs. The high-rate form of LogLine: one event per read instead of one per line."""

    kind: ClassVar[str] = "log"
    journal: ClassVar[bool] = False
    source: str
    lines: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceProgress(Event):
    """A Terraform resource changed state (from the -json stream)."""

    kind: ClassVar[str] = "resource"
    address: str
    action: str
    """create, delete, update, read..."""
    status: str
    """started, progress, complete or errored."""
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseChanged(Event):
    """The apply entered one of the procedure's phases (Talos configuration, bootstrap, ...)."""

    kind: ClassVar[str] = "phase"
    phase: str
    index: int
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiting(Event):
    """A wait is in progress: what for, since when, until when. Repeated as it goes on."""

    kind: ClassVar[str] = "waiting"
    what: str
    since: float
    timeout_s: float
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitEnded(Event):
    kind: ClassVar[str] = "wait_ended"
    what: str
    satisfied: bool
    elapsed_s: float
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterChanged(Event):
    """The observed cluster changed; `snapshot` is a `ClusterSnapshot`. Not journaled."""

    kind: ClassVar[str] = "cluster"
    journal: ClassVar[bool] = False
    snapshot: Any

    def to_dict(self) -> dict[str, Any]:
        summary = getattr(self.snapshot, "summary", None)
        return {
            "type": self.kind,
            "stage": _jsonable(self.stage),
            "at": self.at,
            "summary": summary() if callable(summary) else None,
        }


# -- known issues and checklist ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueDetected(Event):
    kind: ClassVar[str] = "issue_detected"
    issue_id: str
    title: str
    evidence: tuple[str, ...]
    fix: str
    """What the fix will do, in words."""
    automatic: bool
    """Whether --auto may apply it (a stale-lock force-unlock never is)."""
    applied_so_far: int
    limit: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FixApplied(Event):
    kind: ClassVar[str] = "fix_applied"
    issue_id: str
    attempt: int
    ok: bool
    detail: str = ""
    by: str = "auto"
    """auto or user."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistChanged(Event):
    kind: ClassVar[str] = "checklist"
    item_id: str
    title: str
    state: str
    """pending, proved, failed or manual."""
    evidence: str = ""
    by: str = "probe"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RunStarted,
        RunFinished,
        Transitioned,
        StageChecked,
        StageStarted,
        StageSucceeded,
        StageFailed,
        StageSkipped,
        StageInterrupted,
        Info,
        LogLine,
        ResourceProgress,
        PhaseChanged,
        NodePhaseChanged,
        Waiting,
        WaitEnded,
        ClusterChanged,
        IssueDetected,
        FixApplied,
        ChecklistChanged,
    )
}
