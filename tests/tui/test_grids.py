"""The cluster grids under load: 5,000 pods, 1,000 changes a second, updated in place."""

from __future__ import annotations

import asyncio
import gc
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


async def test_5000_pods_render_fast_and_1000_changes_a_second_update_cells(
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

        current = pods(5000)
        # CPU time of the UI thread (where the grid works and the screen is drawn): what the
        # grid costs, whatever else the machine or other threads run. On an idle machine the
        # wall time is about the same (~0.2 s). Earlier tests' garbage is collected first.
        gc.collect()
        began = time.thread_time()
        app.main.apply_batch(Batch(snapshot=snapshot(1, current)))
        await pilot.pause()
        first_render = time.thread_time() - began
        assert table.row_count == 5000
        assert first_render <= 0.3, f"first render took {first_render:.3f}s of CPU"
        assert len(built) == 5000

        # Ten flushes of 100 changed pods each (1,000 changes in a second), some going bad:
        # they move to the top, and only their cells change.
        took: list[float] = []
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
            began = time.thread_time()
            app.main.apply_batch(Batch(snapshot=snapshot(step + 2, current)))
            assert len(built) == 100  # only the changed rows are rebuilt
            took.append(time.thread_time() - began)
            await asyncio.sleep(0.1)
        await pilot.pause()
        # A flush costs ~10 ms here; allow for a garbage collection or a busy CI machine.
        assert sorted(took)[5] < 0.05, f"flushes took {took}"
        assert max(took) < 0.3, f"flushes took {took}"
        # Not-Running (here: CrashLoopBackOff) pods come first.
        assert table.get_row_at(0)[2] == "CrashLoopBackOff"
        assert [table.get_row_at(i)[2] for i in range(100)] == ["CrashLoopBackOff"] * 100
        assert table.get_row_at(100)[2] == "Running"
        assert sum(1 for p in current if p.reason) == 100

        # The UI stays responsive: a key is handled at once.
        began = time.perf_counter()
        await pilot.press("p")
        assert app.main.query_one(PodPanel).has_class("-filtering")
        assert time.perf_counter() - began < 0.5

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
