"""How a stage fails, and what that means for the exit code."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.ports import TfDiagnostic


class FailureKind(StrEnum):
    INPUT = "input"
    """Bad input found before anything changed (a profile, a secret file, the wrong cluster)."""
    TRANSIENT = "transient"
    """The API or a tool was unreachable for a while: retrying later may work."""
    TIMEOUT = "timeout"
    """A wait ran past its timeout."""
    UNKNOWN = "unknown"
    """Nothing in the catalogue explains it: a human must look."""


class StageError(Exception):
    """Raised by a stage's run() when it cannot finish.

    `evidence` holds what a detector or a person needs (log lines, API answers, conditions);
    `data` holds machine-readable facts (an address, a namespace) for the known-issue detectors.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: FailureKind = FailureKind.UNKNOWN,
        diagnostics: tuple[TfDiagnostic, ...] = (),
        evidence: tuple[str, ...] = (),
        data: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.diagnostics = diagnostics
        self.evidence = evidence
        self.data: Mapping[str, str] = MappingProxyType(dict(data or {}))

    def texts(self) -> tuple[str, ...]:
        """Everything a detector may search: the message, the diagnostics, the evidence."""
        return (self.message, *(d.text() for d in self.diagnostics), *self.evidence)


def exit_code_for(kind: FailureKind, *, known_issue: bool, manual_fix: bool) -> ExitCode:
    """The exit code of a run that stopped on this failure (docs/architecture.md, CLI contract)."""
    if kind is FailureKind.INPUT:
        return ExitCode.BAD_INPUT
    if manual_fix:
        return ExitCode.NEEDS_HUMAN
    if known_issue or kind in (FailureKind.TRANSIENT, FailureKind.TIMEOUT):
        return ExitCode.STAGE_FAILED
    return ExitCode.NEEDS_HUMAN
