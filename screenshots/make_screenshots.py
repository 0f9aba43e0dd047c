"""Make the README's screenshots: SVGs of the TUI at the main moments of a rebuild.

    .venv/bin/python screenshots/make_screenshots.py [--backend auto|demo|fake] [--out DIR]

It runs the real app (`make_app`, as `vixens-tui` does) headless at 120x40, presses the keys a
person would, and saves a picture when the run reaches each moment:

  apply-running.svg        terraform apply streaming, the stages and grids filling in
  known-issue.svg          a known issue proposed with the one key that fixes it
  known-issue-80x24.svg    the same moment on an 80x24 terminal (panes as tabs)
  all-green.svg            the run done, every checklist item proved

Backends: `demo` is `vixens-tui --demo` (real Terraform engine, simulated cluster) with the
three known issues injected; `fake` is the tests' in-memory world (tests/fakes.py) with the
same faults and a slow Terraform so that "apply running" can be seen; `auto` (the default)
takes the demo when it is installed (vixens_tui.sim.demo), the fakes otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vixens_tui.core.names import StageName  # noqa: E402
from vixens_tui.options import Options  # noqa: E402
from vixens_tui.tui.app import VixensApp, make_app  # noqa: E402
from vixens_tui.tui.screens.modals import DestroyConfirmScreen  # noqa: E402
from vixens_tui.tui.widgets.log_view import LogView  # noqa: E402
from vixens_tui.tui.widgets.stage_bar import StageBar  # noqa: E402

FAULTS = ("cilium-destroy-timeout", "cert-manager-namespace-missing", "repo-server-eof")
SIZE = (120, 40)


def demo_available() -> bool:
    return importlib.util.find_spec("vixens_tui.sim.demo") is not None


def build(backend: str, work: Path, speed: float) -> VixensApp:
    state = work / "state"
    if backend == "demo":
        options = Options(demo=True, faults=FAULTS, speed=speed, state_dir=state)
        return make_app(options)
    from tests.cliutil import profile_file
    from tests.fakes import Faults
    from tests.tui.factory import FakeFactory

    options = Options(config=profile_file(work / "env"), state_dir=state)
    # Slow enough per Terraform resource to catch the apply in the act.
    faults = Faults(cilium_destroy=1, cert_manager_namespace=True, repo_server_eof=True, slow=0.4)
    return make_app(options, backend_factory=FakeFactory(faults))


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_screenshots: timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def more_lines(log: LogView, count: int, timeout: float) -> None:
    await until(lambda: log.line_count >= count, timeout, "more log lines")


async def answered(app: VixensApp, request: object, timeout: float) -> None:
    await until(lambda: app.main.pending is not request, timeout, "the answer")


async def shoot(app: VixensApp, out: Path, timeout: float) -> list[Path]:
    saved: list[Path] = []

    def save(name: str) -> None:
        app.clear_notifications()
        path = Path(app.save_screenshot(f"{name}.svg", str(out)))
        saved.append(path)
        print(f"saved {path}")

    async with app.run_test(size=SIZE) as pilot:
        main = app.main
        await until(lambda: main.phase != "starting", timeout, "the backends")
        await until(lambda: app.screen is main, timeout, "the main screen")
        await pilot.press("s")
        await until(lambda: isinstance(app.screen, DestroyConfirmScreen), timeout, "the destroy")
        modal = app.screen
        assert isinstance(modal, DestroyConfirmScreen)
        if modal.require_typing:
            await pilot.press(*modal.preview.env, "enter")
        else:
            await pilot.press("y")

        bar = main.query_one(StageBar)
        log = main.query_one(LogView)
        apply_seen = False
        issue_shot = False

        def next_moment() -> bool:
            applying = bar.stage(StageName.APPLY).status == "running"
            return (
                main.pending is not None or main.phase == "ended" or (applying and not apply_seen)
            )

        while True:
            await until(next_moment, timeout, "the next moment")
            if not apply_seen and bar.stage(StageName.APPLY).status == "running":
                apply_seen = True
                await more_lines(log, log.line_count + 6, timeout)
                await pilot.pause()
                save("apply-running")
                continue
            if main.pending is not None:
                request = main.pending
                detections = request.report.detections
                if not detections:
                    raise SystemExit(f"make_screenshots: an unexpected failure: {request.report}")
                if detections[0].issue_id == "repo-server-eof" and not issue_shot:
                    issue_shot = True
                    await pilot.pause()
                    save("known-issue")
                    await pilot.resize_terminal(80, 24)
                    await until(lambda: main.narrow, timeout, "the narrow layout")
                    await pilot.pause()
                    save("known-issue-80x24")
                    await pilot.resize_terminal(*SIZE)
                    await until(lambda: not main.narrow, timeout, "the wide layout")
                await pilot.press("f")
                await answered(app, request, timeout)
                continue
            break
        await until(lambda: main.outcome is not None, timeout, "the end of the run")
        items = main.query_one("#checklist").items  # type: ignore[attr-defined]
        if any(i.state != "proved" for i in items):
            raise SystemExit("make_screenshots: the run did not end all green")
        await pilot.pause(0.3)
        save("all-green")
        await pilot.press("q")
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("auto", "demo", "fake"), default="auto")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--speed", type=float, default=20.0, help="demo speed factor")
    parser.add_argument("--timeout", type=float, default=600.0, help="per moment, seconds")
    args = parser.parse_args(argv)
    backend = args.backend
    if backend == "auto":
        backend = "demo" if demo_available() else "fake"
    if backend == "demo" and not demo_available():
        print("make_screenshots: the demo (vixens_tui.sim.demo) is not installed", file=sys.stderr)
        return 2
    print(f"make_screenshots: {backend} backends")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vixens-screens-") as tmp:
        # The demo's workspace (and its simulated cluster) apart from a person's own demo.
        os.environ.setdefault("VIXENS_TUI_DEMO_DIR", str(Path(tmp) / "demo"))
        app = build(backend, Path(tmp), args.speed)
        try:
            asyncio.run(shoot(app, args.out, args.timeout))
        finally:
            app.shutdown()  # as vixens-tui does: the run stopped, the backends closed
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
