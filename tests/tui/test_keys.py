"""The keys that look at things: pod logs and events, log search, pod filter, help, palette,
checklist ticks. One session after a full run serves most of them (a run costs seconds)."""

from __future__ import annotations

import pytest

from tests.fakes import FakeWorld
from tests.tui.factory import FakeFactory, TuiEnv, showing, until
from tests.tui.helpers import checkpoint, ended, footer_keys, ready, type_text
from vixens_tui.core.checkpoint.model import ChecklistState
from vixens_tui.core.names import StageName
from vixens_tui.tui import messages
from vixens_tui.tui.actions import ACTIONS, ProcedureCommands, key_label
from vixens_tui.tui.screens.help import HelpScreen
from vixens_tui.tui.screens.pod_diagnostics import PodDiagnosticsScreen
from vixens_tui.tui.widgets.checklist import ChecklistPanel
from vixens_tui.tui.widgets.cluster import PodPanel
from vixens_tui.tui.widgets.log_view import LogPanel, LogView


@pytest.mark.long
async def test_keys_after_a_run(env: TuiEnv) -> None:
    app, fake = env.app(from_stage=StageName.APPLY)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("s")
        await ended(pilot, app)
        assert fake.world is not None
        main = app.main

        # l: the selected pod's logs and events (kubectl logs / describe pod).
        pods = main.query_one(PodPanel)
        selected = pods.selected
        assert selected is not None
        total = pods.table.row_count
        await pilot.press("l")
        await until(pilot, showing(app, PodDiagnosticsScreen))
        diag = app.screen
        assert isinstance(diag, PodDiagnosticsScreen)
        await until(pilot, lambda: diag.loaded is not None, what="pod logs")
        assert (diag.namespace, diag.pod) == selected
        assert diag.loaded is not None and "serving" in diag.loaded.logs
        assert any("Scheduled" in e for e in diag.loaded.events)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)

        # A pod gone since the grid was drawn: the view says so.
        del fake.world.pods[selected]
        await pilot.press("l")
        await until(pilot, showing(app, PodDiagnosticsScreen))
        gone = app.screen
        assert isinstance(gone, PodDiagnosticsScreen)
        await until(pilot, lambda: bool(gone.error), what="the error")
        assert "not found" in gone.error
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)

        # Enter on a pod row opens the same view.
        pods.table.focus()
        await pilot.press("down", "enter")
        await until(pilot, showing(app, PodDiagnosticsScreen))
        assert (app.screen.namespace, app.screen.pod) != selected  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)

        # p: filter the pods; the pane's own keys show in the footer when it has the focus.
        assert {"l", "p"} <= footer_keys(app)
        await pilot.press("p")
        await type_text(pilot, "cert")
        await until(pilot, lambda: pods.filter == "cert", what="the filter typed")
        shown = list(pods.table.items.values())
        assert shown and all("cert" in p.name for p in shown)
        assert "filter: cert" in str(pods.border_subtitle)
        await pilot.press("escape")
        assert pods.filter == "" and pods.table.row_count == total

        # /: search the log; Enter goes to the next older match; Esc closes.
        log = main.query_one(LogPanel)
        view = main.query_one(LogView)
        await pilot.press("slash")
        await type_text(pilot, "creat")
        await until(pilot, lambda: view.matches >= 5, what="the matches of the search")
        first = view.current_match
        await pilot.press("enter")
        assert view.current_match is not None and first is not None
        assert view.current_match < first
        assert not view.following  # jumping to a match stops following the tail
        assert "matches" in str(log.border_subtitle)
        await pilot.press("escape")
        assert not log.searching and view.matches == 0
        await pilot.press("end")
        assert view.following

        # t on a proved item: nothing to tick, nothing recorded.
        sent: list[object] = []
        app._message_hook = sent.append  # type: ignore[attr-defined]
        await pilot.press("t")
        await pilot.pause()
        assert not [m for m in sent if isinstance(m, messages.TickChecklistItem)]
        app._message_hook = None  # type: ignore[attr-defined]

        # ?: the help screen lists every action with its key.
        await pilot.press("question_mark")
        await until(pilot, showing(app, HelpScreen))
        rows = app.screen.rows  # type: ignore[attr-defined]
        assert [(key, what) for key, what, _ in rows] == [
            (key_label(spec), spec.help) for spec in ACTIONS
        ]
        available = {key for key, _, now in rows if now}
        assert {"s", "?", "q", "/", "p", "l", "t"} <= available and "f" not in available
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)

        # The command palette offers the same actions (those available now) and runs them.
        provider = ProcedureCommands(main)
        found = [hit.text async for hit in provider.discover()]
        labels = {f"{a.label} ({key_label(a)})" for a in ACTIONS}
        assert found and set(found) <= labels
        assert "Start (s)" in found and "Fix (f)" not in found  # nothing to fix now
        assert "Quit (q)" in found and "Help (?)" in found
        hits = [hit async for hit in provider.search("search log")]
        assert hits and str(hits[0].text) == "Search (/)"
        helps = [h async for h in provider.search("help") if h.text == "Help (?)"]
        help_hit = helps[0]
        await help_hit.command()  # what choosing it in the palette does
        await until(pilot, showing(app, HelpScreen), what="help from the palette")


def _without_synology_object(world: FakeWorld) -> None:
    synology = world.profile.secrets.synology
    world.secrets.discard((synology.kind, synology.namespace, synology.name))


async def test_an_item_no_probe_can_prove_is_ticked_by_hand_and_recorded_as_manual(
    env: TuiEnv,
) -> None:
    # The Synology CSI Secret was applied some other way the probe cannot see: a person ticks.
    factory = FakeFactory(tweak=_without_synology_object)
    app, _fake = env.app(factory=factory, from_stage=StageName.VALIDATE)
    sent: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=sent.append) as pilot:
        await ready(pilot, app)
        panel = app.main.query_one(ChecklistPanel)

        # Before any run there is no checkpoint to record a tick in.
        panel.table.focus()
        await pilot.press("t")
        await pilot.pause()
        assert not [m for m in sent if isinstance(m, messages.TickChecklistItem)]

        await pilot.press("s")
        states = lambda: {i.id: i.state for i in panel.items}  # noqa: E731
        await until(
            pilot,
            lambda: list(states().values()).count("proved") == 12,
            what="twelve items proved",
        )
        assert states()["secrets-applied"] == "pending"
        panel.table.move_cursor(row=6)
        await pilot.pause()
        assert panel.selected is not None and panel.selected.id == "secrets-applied"
        assert "Les secrets sont appliqués" in str(panel.query_one("#evidence").render())
        assert "t" in footer_keys(app)
        await pilot.press("t")
        await ended(pilot, app)
        assert app.result is not None and app.result.exit_code == 0
        assert states()["secrets-applied"] == "manual"
        assert "1 by hand" in str(panel.border_title)

        # After the run, untick it: recorded too.
        await pilot.press("t")
        await until(pilot, lambda: states()["secrets-applied"] == "pending")

    ticks = {id(m): m for m in sent if isinstance(m, messages.TickChecklistItem)}
    assert [(m.item_id, m.ticked) for m in ticks.values()] == [
        ("secrets-applied", True),
        ("secrets-applied", False),
    ]
    cp = checkpoint(env.state())
    item = next(c for c in cp.checklist if c.id == "secrets-applied")
    assert item.state is ChecklistState.PENDING and item.by == "user"
    journal = [
        r
        for r in env.state().read_journal(cp.run_id)
        if r["type"] == "checklist" and r["item_id"] == "secrets-applied"
    ]
    assert [(r["state"], r["by"]) for r in journal][-2:] == [
        ("manual", "user"),
        ("pending", "user"),
    ]
    assert not any(r["state"] == "proved" for r in journal)
    assert "1 ticked by hand" in (cp.stage(StageName.VALIDATE).summary or "")
