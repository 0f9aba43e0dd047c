"""What the Pilot tests do again and again: start, confirm the destroy, wait for a moment."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from tests.tui.factory import showing, until
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.tui.app import VixensApp
from vixens_tui.tui.screens.modals import DestroyConfirmScreen
from vixens_tui.tui.widgets.bars import DecisionBar, IssueBar
from vixens_tui.tui.widgets.checklist import ChecklistPanel
from vixens_tui.tui.widgets.log_view import LogView
from vixens_tui.tui.widgets.stage_bar import StageBar


async def ready(pilot: Pilot[int], app: VixensApp) -> None:
    await until(pilot, lambda: app.main.phase != "starting", what="the backends")


async def type_text(pilot: Pilot[int], text: str) -> None:
    """Type `text` as a quick typist does: the keys queued one after the other, then a pause.

    `pilot.press(*text)` waits after every key for the whole process to look idle, up to a
    second each while the engine's threads work: thirty characters took half a minute on a
    loaded machine. The keys go the way Pilot sends them (the driver, in order)."""
    app = pilot.app
    driver = app._driver
    assert driver is not None
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        event = events.Key(key, character)
        event.set_sender(app)
        driver.send_message(event)
    await pilot.pause()


async def start_and_confirm(pilot: Pilot[int], app: VixensApp, env_name: str = "dev") -> None:
    """Press s, then type the environment's name in the destroy confirmation."""
    await ready(pilot, app)
    await pilot.press("s")
    await until(pilot, showing(app, DestroyConfirmScreen), what="destroy confirmation")
    await type_text(pilot, env_name)
    await pilot.press("enter")


async def decision(pilot: Pilot[int], app: VixensApp, *, timeout: float = 15.0) -> None:
    await until(pilot, lambda: app.main.pending is not None, timeout, "a decision request")


async def ended(pilot: Pilot[int], app: VixensApp, *, timeout: float = 20.0) -> None:
    """The run is over and the screen has shown its last event (RunFinished)."""
    await until(
        pilot,
        lambda: app.main.phase == "ended" and app.main.outcome is not None,
        timeout,
        "the end of the run",
    )
    await app.workers.wait_for_complete()


def checkpoint(state: EnvState) -> Checkpoint:
    cp = state.load()
    assert cp is not None
    return cp


def stage_statuses(app: VixensApp) -> dict[str, str]:
    return {v.name.value: v.status for v in app.main.query_one(StageBar).stages}


def checklist_states(app: VixensApp) -> dict[str, str]:
    return {i.id: i.state for i in app.main.query_one(ChecklistPanel).items}


def issue_bar(app: VixensApp) -> IssueBar:
    return app.main.query_one(IssueBar)


def decision_bar(app: VixensApp) -> DecisionBar:
    return app.main.query_one(DecisionBar)


def log_lines(app: VixensApp) -> list[str]:
    return app.main.query_one(LogView).lines


def footer_keys(app: VixensApp) -> set[str]:
    """The keys the footer shows right now (what a person can see)."""
    return {
        b.binding.key for b in app.screen.active_bindings.values() if b.binding.show and b.enabled
    }


def screen_lines(app: VixensApp) -> list[str]:
    """The terminal's text, line by line, as a person would read it (Pilot has no public
    text export; the compositor's strips are what the driver writes)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
