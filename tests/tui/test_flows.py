"""Pilot tests of the TUI's flows, on the real engine over in-memory backends."""

from __future__ import annotations

from typing import TypeVar

import pytest
from textual.message import Message

from tests.fakes import CILIUM, Faults
from tests.tui.factory import TuiEnv, showing, until
from tests.tui.helpers import (
    checklist_states,
    checkpoint,
    decision,
    decision_bar,
    ended,
    footer_keys,
    issue_bar,
    log_lines,
    ready,
    stage_statuses,
    start_and_confirm,
    type_text,
)
from vixens_tui.core.checkpoint.model import ChecklistState, Outcome, StageStatus
from vixens_tui.core.decider import Action
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.tui import messages
from vixens_tui.tui.screens.modals import (
    DestroyConfirmScreen,
    QuitConfirmScreen,
    SkipConfirmScreen,
)

M = TypeVar("M", bound=Message)

ALL_FAULTS = Faults(cilium_destroy=1, cert_manager_namespace=True, repo_server_eof=True)


def of(sent: list[Message], kind: type[M]) -> list[M]:
    """The messages of a kind, once each (a bubbling message is seen at every hop)."""
    unique = {id(m): m for m in sent if isinstance(m, kind)}
    return list(unique.values())


@pytest.mark.long
async def test_each_known_issue_is_proposed_and_fixed_with_one_key(env: TuiEnv) -> None:
    app, fake = env.app(ALL_FAULTS)
    presses: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await start_and_confirm(pilot, app)
        proposed = []
        for _ in range(3):
            await decision(pilot, app)
            bar = issue_bar(app)
            assert bar.has_class("-shown") and bar.issue is not None
            assert app.main.pending is not None
            assert bar.issue.issue_id == app.main.pending.report.detections[0].issue_id
            assert bar.issue.evidence
            assert "f" in footer_keys(app)
            rendered = str(bar.render())
            assert "Press  f  to apply the fix" in rendered
            assert bar.issue.evidence[0] in rendered
            proposed.append(bar.issue.issue_id)
            presses.append("f")
            asked = app.main.pending
            await pilot.press("f")
            await until(pilot, lambda a=asked: app.main.pending is not a, what="the answer")
        await ended(pilot, app)
        assert set(checklist_states(app).values()) == {"proved"}
        assert not issue_bar(app).has_class("-shown")

    assert proposed == [
        "cilium-destroy-timeout",
        "cert-manager-namespace-missing",
        "repo-server-eof",
    ]
    assert presses == ["f", "f", "f"]
    assert fake.world is not None
    assert f"terraform state rm {CILIUM}" in fake.world.calls
    assert fake.world.calls.count("create namespace cert-manager") == 1
    cp = checkpoint(env.state())
    assert cp.outcome is Outcome.DONE
    assert [(f.issue_id, f.by, f.ok) for f in cp.fixes] == [(i, "user", True) for i in proposed]
    # The retried destroy after the Cilium fix was not asked again: same run, fewer resources.
    assert fake.world.calls.count("terraform destroy") == 2


@pytest.mark.long
async def test_a_full_run_after_a_wrong_name_then_the_right_one(env: TuiEnv) -> None:
    """The destroy needs the environment's name typed; then the run goes to all green."""
    app, fake = env.app()
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await ready(pilot, app)
        assert app.main.phase == "idle" and "s" in footer_keys(app)
        await pilot.press("s")
        await until(pilot, showing(app, DestroyConfirmScreen))
        modal = app.screen
        assert isinstance(modal, DestroyConfirmScreen) and modal.require_typing
        assert "y" not in footer_keys(app)  # y is only a letter of a name outside the demo
        await type_text(pilot, "prod")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal and modal.attempts == 1
        assert "is not dev" in str(modal.query_one("#error").render())
        assert fake.world is not None and "terraform destroy" not in fake.world.calls
        await type_text(pilot, "dev")
        await pilot.press("enter")
        await ended(pilot, app)

        assert "terraform destroy" in fake.world.calls
        assert app.result is not None and app.result.exit_code == ExitCode.DONE
        assert set(stage_statuses(app).values()) == {"done"}
        assert set(checklist_states(app).values()) == {"proved"}
        assert str(app.main.query_one("#checklist").border_title).startswith("Checklist · 13/13")
        assert any("run done" in line for line in log_lines(app))
        # The grids show the rebuilt cluster: the watchers' last snapshot may land a moment
        # after the run's end (seen when the screen is drawn less often than 60 times a second).
        world = fake.world
        await until(
            pilot,
            lambda: (
                app.main.query_one("#pods").table.row_count == len(world.pods)
                and app.main.query_one("#nodes").row_count == 3
                and app.main.query_one("#apps").table.row_count == len(world.apps)
            ),
            what="the grids to show the rebuilt cluster",
        )
        first = checkpoint(env.state())

        # s again: a new run (asks again for the destroy); the screen forgets the old one.
        assert "s" in footer_keys(app) and not app.main.resumable
        await pilot.press("s")
        await until(pilot, showing(app, DestroyConfirmScreen), what="asked again")
        assert set(checklist_states(app).values()) == {"pending"}
        assert stage_statuses(app)["apply"] == "pending"
        assert stage_statuses(app)["destroy"] == "running"

    assert first.outcome is Outcome.DONE
    assert [m.resume for m in of(sent, messages.StartRun)] == [False, False]
    assert [m.confirmed for m in of(sent, messages.AnswerDestroy)] == [True]
    assert first.mode == "tui"
    assert all(c.state is ChecklistState.PROVED for c in first.checklist)
    # The second run was left waiting for the confirmation: closing the app refused it and
    # stopped the run cleanly (main.run waits like this before it returns); the first run
    # is archived.
    assert app.shutdown(timeout=10)
    assert (env.state().dir / "runs" / f"{first.run_id}.json").exists()
    assert checkpoint(env.state()).outcome is Outcome.INTERRUPTED


async def test_demo_refusal_then_retry_then_one_key_confirmation(env: TuiEnv) -> None:
    """--demo: y/n answer the destroy; a refusal fails the stage, r asks again."""
    app, fake = env.app(demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        await until(pilot, showing(app, DestroyConfirmScreen))
        assert not app.screen.require_typing  # type: ignore[attr-defined]
        assert {"y", "escape"} <= footer_keys(app)
        await pilot.press("n")
        await decision(pilot, app)
        # Refused: the stage failed on input; no fix to offer, nor a skip past bad input.
        assert "f" not in footer_keys(app) and "k" not in footer_keys(app)
        assert {"r", "x"} <= footer_keys(app)
        assert "was not confirmed" in str(decision_bar(app).render())
        assert fake.world is not None and "terraform destroy" not in fake.world.calls
        await pilot.press("r")
        await until(pilot, showing(app, DestroyConfirmScreen), what="asked again")
        await pilot.press("y")
        await ended(pilot, app)
    assert app.result is not None and app.result.exit_code == ExitCode.DONE
    cp = checkpoint(env.state(env.options(demo=True)))
    assert cp.demo and cp.stage(StageName.DESTROY).attempts == 2
    assert fake.world.calls.count("terraform destroy") == 1


async def test_skip_is_asked_first_then_recorded(env: TuiEnv) -> None:
    app, _fake = env.app(Faults(fail_stage={StageName.APPLY: 1}), from_stage=StageName.APPLY)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        await decision(pilot, app)
        assert "f" not in footer_keys(app)  # an unknown failure: no fix to offer
        assert decision_bar(app).has_class("-shown")
        await pilot.press("k")
        await until(pilot, showing(app, SkipConfirmScreen))
        await pilot.press("n")  # changed their mind: still waiting
        await pilot.pause()
        assert app.main.pending is not None
        assert not of(sent, messages.AnswerDecision)
        await pilot.press("k")
        await until(pilot, showing(app, SkipConfirmScreen))
        await pilot.press("y")
        await ended(pilot, app)
        assert stage_statuses(app)["apply"] == "skipped"

    answers = [m.decision for m in of(sent, messages.AnswerDecision)]
    assert [(d.action, d.by) for d in answers] == [(Action.SKIP, "user")]
    cp = checkpoint(env.state())
    apply = cp.stage(StageName.APPLY)
    assert apply.status is StageStatus.SKIPPED
    assert apply.skip_reason and apply.skip_reason.startswith("skipped by user")
    assert cp.outcome is Outcome.DONE


async def test_stop_ends_the_run_and_s_continues_it(env: TuiEnv) -> None:
    app, _fake = env.app(Faults(fail_stage={StageName.APPLY: 1}), from_stage=StageName.APPLY)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        await decision(pilot, app)
        await pilot.press("x")
        await ended(pilot, app)
        assert app.result is not None and app.result.exit_code == ExitCode.NEEDS_HUMAN
        assert app.main.resumable
        assert app.main.check_action("continue_run", ()) and not app.main.check_action("start", ())
        first = app.result
        await pilot.press("s")
        await until(pilot, lambda: app.result is not first, what="the continued run")
        await ended(pilot, app)
        assert app.result is not None and app.result.exit_code == ExitCode.DONE
    starts = [m.resume for m in of(sent, messages.StartRun)]
    assert starts == [False, True]
    cp = checkpoint(env.state())
    assert cp.resumes == 1 and cp.outcome is Outcome.DONE
    assert cp.stage(StageName.APPLY).attempts == 2


@pytest.mark.long
async def test_quit_while_a_stage_runs_stops_it_cleanly(env: TuiEnv) -> None:
    # From apply, each Terraform resource takes 30 s: the quit lands in the middle of it.
    app, _fake = env.app(Faults(slow=30), from_stage=StageName.APPLY, clock=lambda: 4_000_000_000.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        await until(pilot, lambda: stage_statuses(app)["apply"] == "running", what="apply")
        # The stage bar: elapsed against the procedure's estimate; the fixed clock is far in
        # the future, so the stage is over its estimate (shown in red).
        bar = app.main.query_one("#stages")
        apply = bar.stage(StageName.APPLY)
        assert apply.expected_s == app.profile.expected_s[StageName.APPLY]
        assert bar._over(apply) and "/ 15-25m" in bar._time(apply)
        assert bar.stage(StageName.DESTROY).status == "not-planned"
        await pilot.press("q")
        await until(pilot, showing(app, QuitConfirmScreen))
        await pilot.press("n")  # keep running
        await pilot.pause()
        assert app.running and not app.quitting
        await pilot.press("q")
        await until(pilot, showing(app, QuitConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, timeout=15, what="exit")
    assert app.return_value == ExitCode.INTERRUPTED
    assert app.run_done.is_set()
    cp = checkpoint(env.state())
    assert cp.outcome is Outcome.INTERRUPTED
    assert cp.stage(StageName.APPLY).status is StageStatus.INTERRUPTED


async def test_quit_when_idle_exits_at_once(env: TuiEnv) -> None:
    app, fake = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, what="exit")
    assert app.return_value == 0
    assert env.state().load() is None  # nothing ran, nothing written
    assert fake.closed == 0
    assert app.shutdown(timeout=5)  # what main.run does once Textual is gone
    assert app.shutdown(timeout=5)
    assert fake.closed == 1  # the backends (a demo's simulator...) are closed once
