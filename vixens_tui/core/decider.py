"""Who decides what happens after a stage fails, and who confirms a destroy.

The engine asks; a front end answers. Headless --auto answers by rule (apply a known fix up to
its limit, otherwise stop); the TUI asks the person and waits for a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vixens_tui.core.context import DestroyPreview
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.issues.base import Detection
from vixens_tui.core.names import StageName


class Action(StrEnum):
    FIX = "fix"
    RETRY = "retry"
    SKIP = "skip"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    issue_id: str = ""
    by: str = "auto"


@dataclass(frozen=True, slots=True)
class FailureReport:
    stage: StageName
    attempt: int
    error: StageError
    detections: tuple[Detection, ...]
    fixes_applied: Mapping[str, int]
    """How many times each issue's fix has run in this run (all attempts, resumes included)."""

    @property
    def skippable(self) -> bool:
        """Whether skipping the stage is on offer. Preflight never: it is the safety gate (the
        wrong-cluster guard, the secret files) before a destroy. Nor a stage that failed on
        bad input: skipping would not make the input right, only act on it."""
        return self.stage is not StageName.PREFLIGHT and self.error.kind is not FailureKind.INPUT


class Decider(Protocol):
    def decide(self, report: FailureReport) -> Decision: ...

    def confirm_destroy(self, preview: DestroyPreview) -> bool: ...


class AutoDecider:
    """--auto: apply an automatic fix while under its limit; never a manual one."""

    def __init__(self, *, yes: bool) -> None:
        self.yes = yes

    def decide(self, report: FailureReport) -> Decision:
        for detection in report.detections:
            used = report.fixes_applied.get(detection.issue_id, 0)
            if detection.automatic and used < detection.limit:
                return Decision(Action.FIX, detection.issue_id)
        return Decision(Action.STOP)

    def confirm_destroy(self, preview: DestroyPreview) -> bool:
        return self.yes
