"""How a run ended, for the front ends and the process: exit code, outcome, one message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vixens_tui.core.checkpoint.model import Checkpoint, Outcome
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.failures import FailureKind, exit_code_for
from vixens_tui.core.issues import Detection
from vixens_tui.core.names import RunState


@dataclass(frozen=True, slots=True)
class RunResult:
    exit_code: ExitCode
    outcome: Outcome
    message: str
    run_id: str = ""


def result_of(
    final: RunState,
    checkpoint: Checkpoint,
    stop_on: tuple[FailureKind, Sequence[Detection]] | None,
) -> RunResult:
    """The result of a run that reached `final`; `stop_on`: the failure it stopped on (its
    kind and the known issues detected), which decides the exit code."""
    run_id = checkpoint.run_id
    if final is RunState.DONE:
        return RunResult(ExitCode.DONE, Outcome.DONE, "all stages done", run_id)
    if final is RunState.INTERRUPTED:
        where = checkpoint.current_stage.value if checkpoint.current_stage else "?"
        return RunResult(
            ExitCode.INTERRUPTED,
            Outcome.INTERRUPTED,
            f"interrupted in {where}; the checkpoint is saved: run again with --resume",
            run_id,
        )
    kind, detections = stop_on or (FailureKind.UNKNOWN, ())
    code = exit_code_for(
        kind,
        known_issue=bool(detections),
        manual_fix=any(not d.automatic for d in detections),
    )
    stage = checkpoint.current_stage
    rec = checkpoint.stage(stage) if stage else None
    message = f"{stage.value if stage else '?'} failed: {rec.error if rec else ''}"
    if detections and code == ExitCode.NEEDS_HUMAN:
        message += "; needs a person: " + "; ".join(d.fix for d in detections)
    outcome = Outcome.NEEDS_HUMAN if code == ExitCode.NEEDS_HUMAN else Outcome.FAILED
    return RunResult(code, outcome, message, run_id)
