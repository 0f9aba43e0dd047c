"""The known-issue catalogue: each entry detects a failure from evidence and knows its fix.

Adding an issue means adding a class to `default_catalogue()`; the engine does not change.
Detection works on evidence only (the Terraform diagnostic, the API's answer, an Application's
conditions), never on how the failure was produced.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.names import StageName


@dataclass(frozen=True, slots=True)
class Detection:
    issue_id: str
    title: str
    evidence: tuple[str, ...]
    """What the user is shown: the lines that prove it."""
    fix: str
    """What the fix will do, in words (shown before it runs)."""
    automatic: bool
    limit: int
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """What the fix needs (an address, a namespace...), taken from the evidence."""


class FixFailed(Exception):
    pass


class KnownIssue(ABC):
    id: ClassVar[str]
    title: ClassVar[str]
    stages: ClassVar[tuple[StageName, ...]]
    limit: ClassVar[int] = 1
    """How many times --auto may apply the fix in one run before giving up."""
    automatic: ClassVar[bool] = True
    """False for fixes a human must choose (e.g. force-unlock of a Terraform state lock)."""

    @abstractmethod
    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        """A Detection when the failure is this issue; read-only."""

    @abstractmethod
    def fix(self, detection: Detection, ctx: StageContext) -> str:
        """Apply the fix; a one-line account of what was done. Raises FixFailed."""

    def detection(
        self, evidence: Sequence[str], fix: str, params: Mapping[str, str] | None = None
    ) -> Detection:
        return Detection(
            issue_id=self.id,
            title=self.title,
            evidence=tuple(evidence),
            fix=fix,
            automatic=self.automatic,
            limit=self.limit,
            params=MappingProxyType(dict(params or {})),
        )


class Catalogue:
    def __init__(self, issues: Sequence[KnownIssue]) -> None:
        ids = [i.id for i in issues]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate known-issue ids: {ids}")
        self.issues = tuple(issues)

    def get(self, issue_id: str) -> KnownIssue:
        for issue in self.issues:
            if issue.id == issue_id:
                return issue
        raise KeyError(issue_id)

    def detect(self, failure: StageError, ctx: StageContext) -> list[Detection]:
        found = []
        for issue in self.issues:
            if ctx.stage in issue.stages:
                detection = issue.detect(failure, ctx)
                if detection is not None:
                    found.append(detection)
        return found
