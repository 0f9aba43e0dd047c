"""The bars that ask for attention: a known issue with its one-key fix, and a failed stage's
choices. Both are hidden until the screen gives them something to show."""

from __future__ import annotations

import textwrap

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from vixens_tui.core.events import IssueDetected, StageFailed
from vixens_tui.tui.format import ellipsize

MAX_EVIDENCE = 3


def one_line(text: str) -> str:
    """Tool output folded onto one line: a bar's layout must not depend on an error's newlines."""
    return " ".join(text.split())


class IssueBar(Widget):
    """What was detected, the evidence, and the single key that applies its fix."""

    DEFAULT_CSS = """
    IssueBar {
        display: none;
        height: auto;
        max-height: 8;
        padding: 0 1;
        border-left: thick $warning;
        background: $warning 15%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    IssueBar.-shown {
        display: block;
    }
    """

    def __init__(self, *, fix_key: str = "f", id: str | None = None) -> None:
        super().__init__(id=id)
        self.fix_key = fix_key
        self.issue: IssueDetected | None = None
        self.note = ""
        """A line under the issue (e.g. "applying the fix...", "the fix failed: ...")."""

    def show_issue(self, issue: IssueDetected) -> None:
        self.issue = issue
        self.note = ""
        if not self.has_class("-shown"):
            self.add_class("-shown")
        self.refresh(layout=True)

    def set_note(self, note: str) -> None:
        self.note = note
        self.refresh(layout=True)

    def clear(self) -> None:
        self.issue = None
        self.note = ""
        if self.has_class("-shown"):  # a class change restyles: only when it changes
            self.remove_class("-shown")

    def render(self) -> RenderableType:
        issue = self.issue
        if issue is None:
            return Text("")
        stage = issue.stage.value if issue.stage else "?"
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("⚠ Known issue: ", "bold yellow")
        out.append(one_line(issue.title), "bold")
        out.append(f"  ({issue.issue_id}, stage {stage})", "dim")
        out.append("\n")
        out.append("Press ", "bold")
        out.append(f" {self.fix_key} ", "bold reverse")
        out.append(" to apply the fix: ", "bold")
        # What the fix does is the point of the bar: up to two lines of it, not one cut off.
        prefix = len(f"Press  {self.fix_key}  to apply the fix: ")
        width = max(20, self.size.width - 4)
        lines = textwrap.wrap(
            one_line(issue.fix),
            width=width,
            initial_indent=" " * prefix,
            subsequent_indent="    ",
            break_on_hyphens=False,
        )
        if len(lines) > 2:
            lines = [lines[0], ellipsize(" ".join(lines[1:]), width - 4)]
        out.append(lines[0][prefix:] if lines else "")
        if len(lines) > 1:
            out.append("\n    " + lines[1].strip())
        if issue.applied_so_far:
            out.append(f"  (applied {issue.applied_so_far}x already)", "dim")
        if not issue.automatic:
            out.append("\n  never applied automatically: check the evidence first", "bold red")
        for line in issue.evidence[:MAX_EVIDENCE]:
            out.append("\n  evidence: ", "dim")
            out.append(one_line(line))
        if len(issue.evidence) > MAX_EVIDENCE:
            out.append(f"\n  … {len(issue.evidence) - MAX_EVIDENCE} more in the log", "dim")
        if self.note:
            out.append("\n")
            out.append(one_line(self.note), "italic")
        return out


class DecisionBar(Widget):
    """A stage failed and the run waits: which keys do what."""

    DEFAULT_CSS = """
    DecisionBar {
        display: none;
        height: auto;
        max-height: 3;
        padding: 0 1;
        border-left: thick $error;
        background: $error 15%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    DecisionBar.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.failure: StageFailed | None = None
        self.can_fix = False
        self.can_skip = True

    def ask(self, failure: StageFailed | None, *, can_fix: bool, can_skip: bool = True) -> None:
        self.failure = failure
        self.can_fix = can_fix
        self.can_skip = can_skip
        if not self.has_class("-shown"):
            self.add_class("-shown")
        self.refresh(layout=True)

    def clear(self) -> None:
        self.failure = None
        if self.has_class("-shown"):
            self.remove_class("-shown")

    def render(self) -> RenderableType:
        failure = self.failure
        out = Text(no_wrap=True, overflow="ellipsis")
        if failure is not None:
            stage = failure.stage.value if failure.stage else "?"
            out.append(f"✗ {stage} failed", "bold red")
            out.append(f" (attempt {failure.attempt}, {failure.failure}): ", "dim")
            out.append(one_line(failure.error))
        else:
            out.append("✗ the stage failed", "bold red")
        out.append("\n")
        choices: list[tuple[str, str]] = []
        if self.can_fix:
            choices.append(("f", "fix"))
        choices.append(("r", "retry"))
        if self.can_skip:
            choices.append(("k", "skip"))
        choices.append(("x", "stop"))
        out.append("Your call: ", "bold")
        for i, (key, label) in enumerate(choices):
            if i:
                out.append(" · ")
            out.append(f" {key} ", "bold reverse")
            out.append(f" {label}")
        return out
