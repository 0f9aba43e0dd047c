"""Opening the TUI on an unfinished run: the offer to continue it, and --resume."""

from __future__ import annotations

from textual.message import Message

from tests.fakes import Faults
from tests.tui.factory import FakeFactory, TuiEnv, showing, until
from tests.tui.helpers import checkpoint, ended, footer_keys, ready, stage_statuses
from vixens_tui.core.checkpoint.model import Outcome
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.tui import messages
from vixens_tui.tui.screens.modals import ResumeOfferScreen
from vixens_tui.wiring import profile_for


def unfinished_run(env: TuiEnv) -> FakeFactory:
    """A run (headless, on the same fake world) that stopped in apply: needs a human."""
    factory = FakeFactory(Faults(fail_stage={StageName.APPLY: 1}))
    options = env.options(from_stage=StageName.APPLY)
    profile, backends = factory(profile_for(options), options)
    engine = Engine(
        profile, backends, env.state().ensure(), AutoDecider(yes=True), lambda _event: None
    )
    result = engine.run(RunRequest(plan=make_plan(from_stage=StageName.APPLY)))
    assert result.outcome is Outcome.NEEDS_HUMAN
    return factory


def starts(sent: list[Message]) -> list[bool]:
    return [m.resume for m in {id(m): m for m in sent if isinstance(m, messages.StartRun)}.values()]


async def test_an_unfinished_run_is_offered_and_continued(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    app, _ = env.app(factory=factory)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await until(pilot, showing(app, ResumeOfferScreen), what="the offer")
        offer = app.screen
        assert isinstance(offer, ResumeOfferScreen)
        text = str(offer.query_one("#body").render())
        assert "did not finish" in text and "continues at apply" in text
        assert {"c", "n", "escape"} <= footer_keys(app)
        # Behind it, the stage bar already shows where the run stopped.
        assert stage_statuses(app)["preflight"] == "done"
        assert stage_statuses(app)["apply"] == "failed"
        await pilot.press("c")
        await ended(pilot, app)
        assert "resumed" in app.main.sub_title
    assert starts(sent) == [True]
    cp = checkpoint(env.state())
    assert cp.outcome is Outcome.DONE and cp.resumes == 1
    assert cp.stage(StageName.APPLY).attempts == 2


async def test_the_offer_can_wait_and_s_then_continues(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    app, _ = env.app(factory=factory)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await until(pilot, showing(app, ResumeOfferScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main)
        assert app.main.phase == "idle" and app.main.resumable
        assert app.main.check_action("continue_run", ())
        assert not app.main.check_action("start", ())
        assert "continue the unfinished run" in str(app.main.query_one("#status").render())
        await pilot.press("s")
        await ended(pilot, app)
    assert starts(sent) == [True]
    assert checkpoint(env.state()).outcome is Outcome.DONE


async def test_the_offer_can_start_a_new_run_instead(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    old = checkpoint(env.state()).run_id
    app, _ = env.app(factory=factory, from_stage=StageName.APPLY)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await until(pilot, showing(app, ResumeOfferScreen))
        await pilot.press("n")
        await ended(pilot, app)
    assert starts(sent) == [False]
    cp = checkpoint(env.state())
    assert cp.run_id != old and cp.resumes == 0 and cp.outcome is Outcome.DONE
    assert (env.state().dir / "runs" / f"{old}.json").exists()  # the old run is archived


async def test_resume_flag_continues_at_once(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    app, _ = env.app(factory=factory, resume=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ended(pilot, app)
        assert not isinstance(app.screen, ResumeOfferScreen)
    assert app.result is not None and app.result.exit_code == ExitCode.DONE
    assert checkpoint(env.state()).resumes == 1


async def test_resume_flag_with_nothing_to_resume_says_so(env: TuiEnv) -> None:
    app, _ = env.app(resume=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await until(pilot, lambda: app.main.phase == "idle" and not app.running)

        def status() -> str:
            return str(app.main.query_one("#status").render())

        # Until the status says it (not a pause that guesses how long rendering takes).
        await until(pilot, lambda: "no run to resume" in status(), what="the status")
        assert app.main.check_action("start", ())  # a new run is still possible
    assert app.result is None and env.state().load() is None
