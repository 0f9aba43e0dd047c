"""App-wide messages: facts (past tense) and requests (imperative).

Messages a single widget sends about itself live in that widget's class (Textual's convention:
`ChecklistPanel.ToggleRequested`); the ones here cross the app: from the engine's threads to the
screen, and from the screen up to the app, which owns the engine, the decider and the workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from vixens_tui.core.decider import Decision

# -- facts -----------------------------------------------------------------------------------


@dataclass
class EventsPending(Message):
    """The relay holds engine events the screen has not shown yet (posted from any thread).

    At most one is in flight: the relay posts it again only after the screen drained.
    """


# -- requests (screen -> app) ----------------------------------------------------------------


@dataclass
class StartRun(Message):
    """Start a new run, or continue the unfinished one (`resume`)."""

    resume: bool
    accept_profile_change: bool = False
    """The person saw what changed in the profile since the run started, and goes on."""


@dataclass
class AnswerDecision(Message):
    """Hand the person's choice after a failure to the waiting engine."""

    request_id: int
    decision: Decision


@dataclass
class AnswerDestroy(Message):
    """Hand the person's answer to a destroy confirmation to the waiting engine."""

    request_id: int
    confirmed: bool


@dataclass
class TickChecklistItem(Message):
    """Record a checklist item ticked (or unticked) by hand, through `Engine.tick`."""

    item_id: str
    ticked: bool


@dataclass
class ShowPodDiagnostics(Message):
    """Open the logs and events of a pod (the procedure's diagnostic commands)."""

    pod_namespace: str
    pod_name: str


@dataclass
class Quit(Message):
    """Quit; if a stage runs, ask first and stop it cleanly (the checkpoint is saved)."""
