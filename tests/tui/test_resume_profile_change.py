"""The TUI asks before a resume goes on with a profile that changed since the run started."""

from __future__ import annotations

from textual.message import Message

from tests.tui.factory import TuiEnv, showing, until
from tests.tui.helpers import checkpoint, ended, footer_keys
from tests.tui.test_resume import unfinished_run
from vixens_tui.core.checkpoint.model import Outcome
from vixens_tui.core.names import StageName
from vixens_tui.tui import messages
from vixens_tui.tui.screens.modals import ResumeOfferScreen

HOMEASSISTANT = (
    '  { name = "homeassistant", namespace = "homeassistant", create_namespace = true },\n'
)


def _drop_an_app(env: TuiEnv) -> None:
    text = env.profile_path.read_text()
    assert HOMEASSISTANT in text
    env.profile_path.write_text(text.replace(HOMEASSISTANT, "", 1))


def _accepted(sent: list[Message]) -> list[tuple[bool, bool]]:
    unique = {id(m): m for m in sent if isinstance(m, messages.StartRun)}
    return [(m.resume, m.accept_profile_change) for m in unique.values()]


def _body(app: object) -> str:
    offer = app.screen  # type: ignore[attr-defined]
    assert isinstance(offer, ResumeOfferScreen)
    return str(offer.query_one("#body").render())


async def test_the_offer_shows_what_changed_and_continuing_accepts_it(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    _drop_an_app(env)
    app, _ = env.app(factory=factory)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await until(pilot, showing(app, ResumeOfferScreen), what="the offer")
        body = _body(app)
        assert "The profile changed since this run started" in body
        assert "apps: - homeassistant -> homeassistant" in body
        assert "re-opens: argocd-sync, validate" in body
        assert "c" in footer_keys(app)
        await pilot.press("c")
        await ended(pilot, app)
    assert _accepted(sent) == [(True, True)]
    cp = checkpoint(env.state())
    assert cp.outcome is Outcome.DONE
    assert cp.inputs is not None
    assert "homeassistant -> homeassistant" not in cp.inputs["apps"]


async def test_resume_flag_asks_too_when_the_profile_changed(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    _drop_an_app(env)
    app, _ = env.app(factory=factory, resume=True)
    sent: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await until(pilot, showing(app, ResumeOfferScreen), what="the question")
        assert not app.running
        # Later, then `s`: the question comes back; nothing runs unasked.
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main)
        await pilot.press("s")
        await until(pilot, showing(app, ResumeOfferScreen), what="the question again")
        assert not app.running
        await pilot.press("c")
        await ended(pilot, app)
    assert (True, True) in _accepted(sent)
    assert checkpoint(env.state()).outcome is Outcome.DONE


async def test_another_cluster_cannot_be_continued(env: TuiEnv) -> None:
    factory = unfinished_run(env)
    text = env.profile_path.read_text()
    env.profile_path.write_text(
        text.replace(
            'api_endpoint = "https://192.168.111.160:6443"',
            'api_endpoint = "https://192.168.200.10:6443"',
        )
    )
    app, _ = env.app(factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, showing(app, ResumeOfferScreen), what="the offer")
        body = _body(app)
        assert "api_endpoint: https://192.168.111.160:6443/ -> https://192.168.200.10:6443/" in body
        assert "names another cluster" in body
        assert "c" not in footer_keys(app)
        await pilot.press("c")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ResumeOfferScreen) and not app.running
    cp = checkpoint(env.state())
    assert cp.outcome is not Outcome.DONE
    assert cp.stage(StageName.APPLY).attempts == 1
