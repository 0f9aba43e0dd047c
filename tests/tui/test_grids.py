"""The cluster grids under load: 5,000 pods, 1,000 changes a second, updated in place."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from tests.tui.factory import TuiEnv
from tests.tui.helpers import ready
from vixens_tui.core.cluster import AppInfo, ClusterSnapshot, NodeInfo, PodInfo
from vixens_tui.core.events import LogLine
from vixens_tui.tui import messages
from vixens_tui.tui.relay import Batch
from vixens_tui.tui.widgets.cluster import PodPanel
from vixens_tui.tui.widgets.log_view import LogView
from vixens_tui.tui.widgets.pod_grid import PodGrid

NOW = 1_800_000_000.0


def pods(n: int) -> list[PodInfo]:
    return [
        PodInfo(
            namespace=f"ns-{i % 40:02d}",
            name=f"app-{i:05d}-7d9f8b6c5-x2k4z",
            phase="Running",
            ready=1,
            containers=1,
            created=NOW - 600,
        )
        for i in range(n)
    ]


def snapshot(version: int, items: list[PodInfo]) -> ClusterSnapshot:
    return ClusterSnapshot(
        version=version,
        reachable=True,
        nodes=(NodeInfo("obsy", True, ("control-plane",), "v1.34.0", NOW - 3600),),
        pods=tuple(items),
        apps=(AppInfo("whoami", "argocd", "Synced", "Healthy", "abc123"),),
    )


async def test_5000_pods_render_and_1000_changes_a_second_rebuild_only_their_rows(
    env: TuiEnv,
) -> None:
    app, _ = env.app(clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.pause()
        table = app.main.query_one(PodGrid)
        built: list[str] = []
        original = table._row

        def row(pod: PodInfo) -> tuple[str, ...]:
            built.append(pod.name)
            return original(pod)

        table._row = row  # type: ignore[method-assign]

        # What it costs in time is measured by bench/ (bench.grids), not asserted here: this
        # test holds the behaviour that keeps it cheap (only the changed rows are rebuilt).
        current = pods(5000)
        app.main.apply_batch(Batch(snapshot=snapshot(1, current)))
        await pilot.pause()
        assert table.row_count == 5000
        assert len(built) == 5000

        # Ten flushes of 100 changed pods each (1,000 changes in a second), some going bad:
        # they move to the top, and only their cells change.
        for step in range(10):
            for i in range(step * 100, step * 100 + 100):
                bad = i % 10 == 0
                current[i] = replace(
                    current[i],
                    restarts=step + 1,
                    phase="Running",
                    reason="CrashLoopBackOff" if bad else "",
                    ready=0 if bad else 1,
                )
            built.clear()
            app.main.apply_batch(Batch(snapshot=snapshot(step + 2, current)))
            assert len(built) == 100  # only the changed rows are rebuilt
            await asyncio.sleep(0.1)
        await pilot.pause()
        # Not-Running (here: CrashLoopBackOff) pods come first.
        assert table.get_row_at(0)[2] == "CrashLoopBackOff"
        assert [table.get_row_at(i)[2] for i in range(100)] == ["CrashLoopBackOff"] * 100
        assert table.get_row_at(100)[2] == "Running"
        assert sum(1 for p in current if p.reason) == 100

        # Keys still work on the loaded grid (their latency under load: bench.reaction).
        await pilot.press("p")
        assert app.main.query_one(PodPanel).has_class("-filtering")

        # Pods that disappear are dropped; nothing else is rebuilt.
        built.clear()
        app.main.apply_batch(Batch(snapshot=snapshot(20, current[:4990])))
        assert table.row_count == 4990 and built == []


async def test_a_log_flood_is_batched_capped_and_followed(env: TuiEnv) -> None:
    app, _ = env.app()
    wakes: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=wakes.append) as pilot:
        await ready(pilot, app)
        wakes.clear()
        view = app.main.query_one(LogView)

        def flood() -> None:
            for i in range(20_000):
                app.relay(LogLine(source="terraform", text=f"line {i}", level="info"))

        await asyncio.get_running_loop().run_in_executor(None, flood)
        deadline = time.monotonic() + 10
        while (not view.lines or view.lines[-1] != "line 19999") and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        pending = [m for m in wakes if isinstance(m, messages.EventsPending)]
        assert 1 <= len(pending) <= 20  # 20,000 events, a handful of messages
        assert view.line_count == view.max_lines == 5000
        assert view.lines[0] == "line 15000"
        assert view.following
        await pilot.pause()
        assert view.is_vertical_scroll_end


async def test_the_log_stops_following_when_scrolled_up(env: TuiEnv) -> None:
    app, _ = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        view = app.main.query_one(LogView)
        app.main.apply_batch(
            Batch(items=tuple(LogLine(source="t", text=f"a{i}") for i in range(200)))
        )
        await pilot.pause()
        assert view.following and view.is_vertical_scroll_end
        view.focus()
        await pilot.press("pageup")
        await pilot.pause()
        assert not view.following
        top = view.scroll_y
        app.main.apply_batch(
            Batch(items=tuple(LogLine(source="t", text=f"b{i}", level="error") for i in range(50)))
        )
        await pilot.pause()
        assert view.scroll_y == top  # the person keeps reading where they were
        assert view.levels[-1] == "error"
        await pilot.press("end")
        await pilot.pause()
        assert view.following
        app.main.apply_batch(Batch(items=(LogLine(source="t", text="last"),)))
        await pilot.pause()
        assert view.is_vertical_scroll_end
