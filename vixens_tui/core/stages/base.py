"""A stage: a name, a title, a read-only `check()` and a repeatable `run()`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from vixens_tui.core.context import StageContext
from vixens_tui.core.names import StageName


@dataclass(frozen=True, slots=True)
class CheckResult:
    satisfied: bool
    detail: str = ""


class Stage(ABC):
    name: ClassVar[StageName]
    title: ClassVar[str]

    @abstractmethod
    def check(self, ctx: StageContext) -> CheckResult:
        """Is this stage's effect still in place? Read-only and idempotent (used by --resume)."""

    @abstractmethod
    def run(self, ctx: StageContext) -> str:
        """Do the stage; safe to repeat after a failure at any point. Returns a one-line summary.

        Raises StageError when it cannot finish, Cancelled when the run is being stopped.
        """

    def __repr__(self) -> str:
        return f"<stage {self.name.value}>"
