"""SVG snapshots of the main moments (pytest-textual-snapshot; Textual is pinned).

Each scene is fed to the real screen with fixed times and ids (tests/tui/scenes.py), so the
pictures do not depend on the clock. The behaviour is asserted by the Pilot tests; here we only
check that the scene is what it claims before the picture is taken.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.tui import scenes
from tests.tui.factory import TuiEnv, until
from tests.tui.helpers import footer_keys
from vixens_tui.tui.app import VixensApp
from vixens_tui.tui.relay import Batch
from vixens_tui.tui.widgets.bars import IssueBar


async def settled(pilot: Pilot[int], app: VixensApp) -> None:
    """Wait until every DataTable has measured its new rows (it does so when idle, so a
    picture taken before would catch columns half-sized)."""
    for _ in range(100):
        await pilot.pause()
        tables = list(app.screen.query(DataTable))
        if not any(t._require_update_dimensions or t._new_rows for t in tables):
            return
    raise AssertionError("the tables never settled")


def scene(
    env: TuiEnv, batches: list[Batch], phase: str, check: Callable[[VixensApp], None]
) -> tuple[VixensApp, Callable[[Pilot[int]], Awaitable[None]]]:
    app, _ = env.app(clock=lambda: scenes.NOW)

    async def before(pilot: Pilot[int]) -> None:
        await until(pilot, lambda: app.main.phase == "idle", what="idle")
        app.main.run_started()
        for batch in batches:
            app.main.apply_batch(batch)
        app.main.phase = phase
        await settled(pilot, app)
        check(app)

    return app, before


def _apply_running(app: VixensApp) -> None:
    assert app.main.query_one("#stages").stage(scenes.StageName.APPLY).status == "running"
    # Each node's Talos phase, under the node grid (issue 12 point 7).
    assert app.main.query_one("#nodes").border_subtitle == ("Talos: 1 etcd · 1 up · 1 installing")


def _issue(app: VixensApp) -> None:
    assert app.main.query_one(IssueBar).issue is not None
    assert "f" in footer_keys(app)


def _green(app: VixensApp) -> None:
    items = app.main.query_one("#checklist").items
    assert [i.state for i in items] == ["proved"] * 13


def test_apply_running_120x40(env: TuiEnv, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = scene(env, scenes.apply_running(), "running", _apply_running)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_known_issue_proposed_120x40(env: TuiEnv, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = scene(env, scenes.issue_proposed(), "running", _issue)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_all_green_120x40(env: TuiEnv, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = scene(env, scenes.all_green(), "ended", _green)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


def test_known_issue_proposed_80x24(env: TuiEnv, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = scene(env, scenes.issue_proposed(), "running", _issue)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
