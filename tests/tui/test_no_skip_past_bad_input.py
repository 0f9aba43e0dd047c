"""Skipping is never offered past the safety gate: preflight (the wrong-cluster guard, the
secret files) and any stage that failed on bad input. The trial: a secret file nested 3,000
deep failed preflight, and the TUI offered to skip it and go on to the destroy."""

from __future__ import annotations

from textual.message import Message

from tests.tui.factory import TuiEnv, showing
from tests.tui.helpers import checkpoint, decision, decision_bar, ended, footer_keys, ready
from vixens_tui.core.checkpoint.model import StageStatus
from vixens_tui.core.decider import Action, Decision, FailureReport
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import Info
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.tui import messages
from vixens_tui.tui.screens.modals import SkipConfirmScreen


async def test_a_bad_secret_file_cannot_be_skipped_in_the_tui(env: TuiEnv) -> None:
    gandi = env.root / "env" / "secrets" / "gandi-credentials.yaml"
    gandi.write_text("[" * 3000 + "]" * 3000)
    app, fake = env.app()
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        await decision(pilot, app)
        assert app.main.pending is not None
        assert app.main.pending.report.stage is StageName.PREFLIGHT
        assert "k" not in footer_keys(app)
        assert " k " not in str(decision_bar(app).render())
        await pilot.press("k")
        await pilot.pause(0.2)
        assert not showing(app, SkipConfirmScreen)()
        assert app.main.pending is not None  # still asking: retry or stop only
        await pilot.press("x")
        await ended(pilot, app)
    answers = {id(m): m for m in sent if isinstance(m, messages.AnswerDecision)}.values()
    assert [m.decision.action for m in answers] == [Action.STOP]
    cp = checkpoint(env.state())
    assert cp.stage(StageName.PREFLIGHT).failure == "input"
    assert cp.stage(StageName.DESTROY).attempts == 0
    assert fake.world is not None and "terraform destroy" not in fake.world.calls


class SkipThenStop:
    """A decider that asks to skip whatever failed, then stops when asked again."""

    def __init__(self) -> None:
        self.asked: list[FailureReport] = []

    def decide(self, report: FailureReport) -> Decision:
        self.asked.append(report)
        return Decision(Action.SKIP if len(self.asked) == 1 else Action.STOP, by="user")

    def confirm_destroy(self, preview: object) -> bool:
        return True


def test_the_engine_refuses_to_skip_preflight_whoever_asks(harness) -> None:
    h = harness()
    h.profile.secrets.gandi_credentials.write_text("[" * 3000 + "]" * 3000)
    decider = SkipThenStop()
    result = h.engine(decider).run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    assert len(decider.asked) == 2 and not decider.asked[0].skippable
    said = [e.message for e in h.of(Info) if isinstance(e, Info)]
    assert "preflight cannot be skipped after this failure" in said
    cp = h.state.load()
    assert cp is not None
    assert cp.stage(StageName.PREFLIGHT).status is StageStatus.FAILED
    assert cp.stage(StageName.DESTROY).attempts == 0
