"""Grids at scale: 5,000 pods, then 1,000 pod updates a second, from the simulated cluster's
store to the TUI's pod grid, through the product's whole path.

The simulated cluster runs in its own process (bench.simproc: controllers stopped; the benchmark
adds 5,000 Running pods in 40 namespaces, then rewrites 1,000 of them a second, bumping their
restart count, in batches every 10 ms). The TUI process is the one people run: the app
`make_app` builds, on a `KubeBackend` watching that cluster over HTTPS; the engine runs (a
stage that just waits) so its cluster observer turns every change into `ClusterChanged`, which
the relay hands to the main screen, which updates the pod grid.

Figures:
- first render: from the main screen taking the batch holding the first 5,000-pod snapshot to
  the paint showing it (what the target is about), and from the engine's start (the list of
  5,000 pods over HTTPS included) to that paint;
- during the churn: updates reaching the backend per second, snapshots shown per second, the
  main screen's work per batch, key-to-screen latency (help and search probes), CPU share of
  the TUI process;
- after the churn: time until the grid shows the last update (nothing lost);
- memory: resident set of the TUI process (current and peak), the simulator's apart.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import (
    GcWatch,
    PaintRecorder,
    cpu_delta,
    emit_result,
    rss_mb,
    scratch,
    summary,
    thread_cpu,
)
from bench.keys import press_while
from bench.simproc import SimProcess
from bench.stubs import BenchStage, NullHttp, bench_profile, holding_until, tui_app
from vixens_tui.backends.kube import KubeBackend
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends


class _NoTerraform:
    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError("no Terraform in this benchmark")


async def bench(
    work: Path, sim: SimProcess, pods: int, rate: float, seconds: float, *, keys_on: bool = True
) -> dict:
    from vixens_tui.tui.widgets.pod_grid import PodGrid

    cluster = KubeBackend(sim.kubeconfig)
    backends = Backends(terraform=_NoTerraform(), cluster=cluster, http=NullHttp())  # type: ignore[arg-type]
    app = tui_app(work, backends, profile=bench_profile())
    batches: list[tuple[float, float, int]] = []
    """(start, duration, pods in the grid after it) of every batch the screen applied."""
    result: dict[str, Any] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        recorder = PaintRecorder(app)
        deadline = time.monotonic() + 30
        while app.main.phase == "starting" and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await pilot.pause()
        grid = app.main.query_one(PodGrid)
        original_apply = app.main.apply_batch

        def apply_batch(batch: Any) -> None:
            began = time.perf_counter()
            original_apply(batch)
            batches.append((began, time.perf_counter() - began, grid.row_count))

        app.main.apply_batch = apply_batch

        release = threading.Event()

        engine = Engine(
            app.profile,
            backends,
            app.state,
            AutoDecider(yes=True),
            app.relay,
            stages={StageName.VALIDATE: BenchStage(StageName.VALIDATE, holding_until(release))},
        )
        request = RunRequest(plan=(StageName.VALIDATE,), mode="tui")
        engine_start = time.perf_counter()
        thread = threading.Thread(
            target=lambda: engine.run(request, engine.prepare(request)), name="bench-engine"
        )
        thread.start()
        # -- first render -----------------------------------------------------------------
        while not any(rows >= pods for _, _, rows in batches):
            if time.perf_counter() - engine_start > 60:
                raise TimeoutError("the 5,000 pods never reached the grid")
            await asyncio.sleep(0.01)
        began, took, _ = next(b for b in batches if b[2] >= pods)
        while recorder.first_after(began + took) is None:
            await asyncio.sleep(0.005)
        painted = recorder.first_after(began + took)
        assert painted is not None
        result["first_render"] = {
            "rows": grid.row_count,
            "batch_to_paint_s": round(painted - began, 4),
            "of_which_apply_batch_s": round(took, 4),
            "engine_start_to_paint_s": round(painted - engine_start, 4),
        }
        await asyncio.sleep(1.0)
        result["idle_rss"] = rss_mb()
        # -- churn ------------------------------------------------------------------------
        idle_keys: dict[str, list[float]] = {}
        await press_while(app, recorder, lambda: True, idle_keys, limit=8)
        gc_watch = GcWatch()
        version_before = cluster.snapshot().version
        batches_before = len(batches)
        paints_before = len(recorder.paints)
        cpu_before = time.process_time()
        threads_before = thread_cpu()
        churn_start = time.perf_counter()
        sim.call("churn", rate=rate, seconds=seconds)
        keys: dict[str, list[float]] = {}
        if keys_on:
            await press_while(
                app, recorder, lambda: time.perf_counter() - churn_start < seconds - 0.5, keys
            )
        while time.perf_counter() - churn_start < seconds:
            await asyncio.sleep(0.05)
        span = time.perf_counter() - churn_start
        cpu = time.process_time() - cpu_before
        threads = cpu_delta(threads_before, thread_cpu(), span)
        churn = sim.call("churn_stats")
        version_after = cluster.snapshot().version
        during = batches[batches_before:]
        paints = len(recorder.paints) - paints_before
        # -- nothing lost: the grid ends with every update --------------------------------
        expected = int(churn["updates"])
        settle_start = time.perf_counter()
        while sum(p.restarts for p in grid.items.values()) < expected:
            if time.perf_counter() - settle_start > 30:
                break
            await asyncio.sleep(0.01)
        settled = time.perf_counter() - settle_start
        shown = sum(p.restarts for p in grid.items.values())
        result["churn"] = {
            "asked_updates_per_s": rate,
            "made_updates_per_s": round(churn["rate"], 1),
            "seconds": round(span, 2),
            "backend_versions_per_s": round((version_after - version_before) / span, 1),
            "screen_batches_per_s": round(len(during) / span, 1),
            "paints_per_s": round(paints / span, 1),
            "apply_batch_ms": summary([d for _, d, _ in during], 1000, 2),
            "tui_process_cpu_share": round(cpu / span, 3),
            "cpu_share_by_thread": threads,
            "updates_shown_at_end": shown,
            "updates_made": expected,
            "last_update_on_screen_after_churn_s": round(settled, 3),
            "gc": gc_watch.report(),
        }
        gc_watch.close()
        result["key_to_screen_during_churn_ms"] = {k: summary(v, 1000, 1) for k, v in keys.items()}
        result["key_to_screen_before_churn_ms"] = {
            k: summary(v, 1000, 1) for k, v in idle_keys.items()
        }
        result["rss"] = rss_mb()
        release.set()
        thread.join(10)
        app.shutdown(10)
    result["sim_rss"] = sim.call("rss")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--no-keys", action="store_true", help="no key presses during the churn")
    args = parser.parse_args()
    work = scratch("grids")
    with SimProcess(work / "kubeconfig") as sim:
        added = sim.call("add_pods", count=args.pods)
        result = asyncio.run(
            bench(work, sim, args.pods, args.rate, args.seconds, keys_on=not args.no_keys)
        )
    result["pods_in_cluster"] = added["pods"]
    emit_result(result)


if __name__ == "__main__":
    main()
