"""TUI first paint on the demo: from `App.run_test()` starting to the main screen's first
complete paint, each trial in a fresh process (cold imports, as when a person starts it).

The app is the one `vixens-tui --demo` runs (`make_app` with the demo's options and its default
backend factory): while the screen appears, its start-up worker launches the simulated cluster
process, prepares the Terraform workspace and runs the silent first apply, competing for the
CPU as it does for a person. "Complete" means the paint shows every pane: the stage bar (its
first and last stage), the log, nodes, pods and Argo CD apps panes. A paint counts once the
terminal bytes are ready (common.PaintRecorder).

Also reported per trial: interpreter start (spawn to the first line of the bench), importing the
TUI (textual included), `make_app` (profile load), and how long the demo's backends took
(sim process, terraform init, first apply) after the paint.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
from typing import Any  # noqa: E402

from bench.common import emit_result, run_module, scratch, summary  # noqa: E402

MARKS = ("preflight", "validate", "Log · Terraform", "Nodes", "Pods", "Argo CD apps")
SIZE = (160, 48)


async def trial(spawned: float) -> dict[str, Any]:
    work = scratch(f"first-paint-{os.getpid()}")
    os.environ["VIXENS_TUI_DEMO_DIR"] = str(work / "demo")
    began = time.monotonic()
    from bench.common import PaintRecorder, screen_text
    from vixens_tui.options import Options
    from vixens_tui.tui.app import make_app
    from vixens_tui.tui.screens.main import MainScreen

    imported = time.monotonic()
    options = Options(demo=True, state_dir=work / "state", speed=200.0)
    app = make_app(options)
    made = time.monotonic()
    recorder = PaintRecorder(app)
    first: dict[str, float] = {}

    def on_paint(t: float, screen: Any) -> None:
        if not isinstance(screen, MainScreen) or "complete" in first:
            return
        first.setdefault("any", t)
        text = screen_text(screen)
        if all(mark in text for mark in MARKS):
            first["complete"] = t

    recorder.listeners.append(on_paint)
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        entered = time.perf_counter()
        while "complete" not in first and time.perf_counter() - t0 < 30:
            await asyncio.sleep(0.005)
        backends_from = time.perf_counter()
        while app.main.phase == "starting" and time.perf_counter() - t0 < 90:
            await asyncio.sleep(0.02)
        backends_ready = time.perf_counter()
        error = app.startup_error
        await pilot.pause()
    app.shutdown(10)
    from vixens_tui.sim.demo import stop_daemon, workspace_of

    stop_daemon(workspace_of(app.state))
    return {
        "interpreter_start_s": began - spawned,
        "import_tui_s": imported - began,
        "make_app_s": made - imported,
        "run_test_to_first_paint_s": first.get("any", float("nan")) - t0,
        "run_test_to_complete_paint_s": first.get("complete", float("nan")) - t0,
        "run_test_entered_s": entered - t0,
        "process_start_to_complete_paint_s": (first.get("complete", float("nan")) - t0)
        + (made - spawned),
        "demo_backends_after_paint_s": backends_ready - backends_from,
        "startup_error": error,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--trial", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial is not None:
        emit_result(asyncio.run(trial(args.trial)))
        return
    results = []
    for _ in range(args.trials):
        spawned = time.monotonic()
        results.append(run_module("first_paint", "--trial", repr(spawned), timeout=180))
    errors = [r["startup_error"] for r in results if r["startup_error"]]
    keys = [k for k in results[0] if k != "startup_error"]
    emit_result(
        {
            "trials": len(results),
            "size": SIZE,
            "backends": "demo (simulated cluster process + embedded Terraform), built while painting",
            "startup_errors": errors,
            **{k: summary([r[k] for r in results], 1, 3) for k in keys},
        }
    )


if __name__ == "__main__":
    main()
