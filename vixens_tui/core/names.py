"""Names shared by the CLI, the checkpoint, the JSON output and the state machine."""

from __future__ import annotations

from enum import StrEnum


class StageName(StrEnum):
    """The seven stages of the procedure, in order (docs/architecture.md, "Stages")."""

    PREFLIGHT = "preflight"
    DESTROY = "destroy"
    APPLY = "apply"
    NAMESPACES = "namespaces"
    ARGOCD_SYNC = "argocd-sync"
    SECRETS = "secrets"
    VALIDATE = "validate"


STAGE_ORDER: tuple[StageName, ...] = tuple(StageName)


class RunState(StrEnum):
    """States of the procedure's state machine.

    One state per stage (the stage is running), plus where a run can rest. The values of the
    stage states equal the stage names so that a checkpoint reads naturally.
    """

    IDLE = "idle"
    PREFLIGHT = "preflight"
    DESTROY = "destroy"
    APPLY = "apply"
    NAMESPACES = "namespaces"
    ARGOCD_SYNC = "argocd-sync"
    SECRETS = "secrets"
    VALIDATE = "validate"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @classmethod
    def of_stage(cls, stage: StageName) -> RunState:
        return cls(stage.value)

    @property
    def stage(self) -> StageName | None:
        try:
            return StageName(self.value)
        except ValueError:
            return None


def parse_stage(text: str) -> StageName:
    """The stage called `text`, or ValueError listing the valid names."""
    try:
        return StageName(text.strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in StageName)
        raise ValueError(f"unknown stage {text!r}; valid stages: {valid}") from None
