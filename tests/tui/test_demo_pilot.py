"""Pilot on the simulated cluster: the app as `vixens-tui --demo` builds it (the simulator in its
own process, the real Terraform engine), driven only by the keys the screen shows.

The other Pilot tests use the in-memory world of tests/fakes.py to reach every corner quickly;
this one proves the same keys work on the real wire: the fixes act on the simulated API server,
the pod's logs and events come from it, and the checklist's evidence is the probes' own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import SERVER_GOES_AWAY
from tests.tui.factory import showing, until
from tests.tui.helpers import footer_keys, type_text
from vixens_tui.core.checkpoint.model import ChecklistState, Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName
from vixens_tui.options import Options
from vixens_tui.tui.app import VixensApp, make_app
from vixens_tui.tui.screens.help import HelpScreen
from vixens_tui.tui.screens.main import MainScreen
from vixens_tui.tui.screens.modals import DestroyConfirmScreen
from vixens_tui.tui.screens.pod_diagnostics import PodDiagnosticsScreen
from vixens_tui.tui.widgets.cluster import PodPanel
from vixens_tui.tui.widgets.log_view import LogView

# The demo's API goes away under the clients: the Cilium fault makes it unreachable, the
# destroy takes the cluster down.
pytestmark = [pytest.mark.slow, pytest.mark.long, *SERVER_GOES_AWAY]

FAULTS = ("cilium-destroy-timeout", "cert-manager-namespace-missing", "repo-server-eof")
ISSUES = {"cilium-destroy-timeout", "cert-manager-namespace-missing", "repo-server-eof"}


def answered(main: MainScreen, request: object) -> Callable[[], bool]:
    return lambda: main.pending is not request


async def diagnose_a_repo_server_pod(pilot: Pilot[int], app: VixensApp) -> None:
    """The procedure's diagnostic (kubectl logs / describe pod) on a real pod of the simulated
    cluster, through the filter (p) and the logs key (l), while the issue waits for its key."""
    main = app.main
    pods = main.query_one(PodPanel)
    await pilot.press("p")
    await type_text(pilot, "repo-server")
    await pilot.press("enter")
    await until(pilot, lambda: pods.selected is not None, 10, "a repo-server pod")
    selected = pods.selected
    assert selected is not None and "repo-server" in selected[1]
    await pilot.press("l")
    await until(pilot, showing(app, PodDiagnosticsScreen), 10, "the diagnostics")
    diag = app.screen
    assert isinstance(diag, PodDiagnosticsScreen)
    await until(pilot, lambda: diag.loaded is not None or bool(diag.error), 20, "the pod's logs")
    assert diag.loaded is not None, diag.error
    assert (diag.namespace, diag.pod) == selected
    assert diag.loaded.logs.strip(), "the simulated pod has log lines"
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is main, 10, "the main screen")
    pods.close_filter()


async def test_the_demo_with_its_three_known_issues_one_key_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIXENS_TUI_DEMO_DIR", str(tmp_path / "demo"))
    options = Options(demo=True, faults=FAULTS, speed=200, state_dir=tmp_path / "state")
    app = make_app(options)
    fixed: list[str] = []
    diagnosed = False
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            main = app.main
            await until(pilot, lambda: main.phase != "starting", 60, "the demo's backends")
            assert "s" in footer_keys(app)
            await pilot.press("s")
            await until(pilot, showing(app, DestroyConfirmScreen), 30, "the destroy question")
            await pilot.press("y")  # the demo's one-key confirmation
            while True:
                await until(
                    pilot,
                    lambda: main.pending is not None or main.outcome is not None,
                    120,
                    "a decision or the end",
                )
                if main.outcome is not None:
                    break
                request = main.pending
                assert request is not None
                ids = [d.issue_id for d in request.report.detections]
                assert ids, f"an unknown failure stopped the demo: {request.report.error}"
                if ids[0] == "repo-server-eof" and not diagnosed:
                    await diagnose_a_repo_server_pod(pilot, app)
                    diagnosed = True
                assert "f" in footer_keys(app)  # the fix's key is on the screen
                await pilot.press("f")
                fixed.append(ids[0])
                await until(pilot, answered(main, request), 30, "the fix applied")
            assert main.outcome.outcome == "done", main.outcome.message
            await pilot.press("q")
    finally:
        app.shutdown()
    assert diagnosed
    assert sorted(fixed) == sorted(ISSUES)  # one key per known issue, each once
    cp = EnvState(tmp_path / "state", "dev-demo").load()
    assert cp is not None and cp.outcome is Outcome.DONE
    assert [r.status for r in cp.stages] == [StageStatus.DONE] * 7
    assert sorted(f.issue_id for f in cp.fixes if f.ok and f.by == "user") == sorted(ISSUES)
    assert len(cp.checklist) == 13
    assert all(c.state is ChecklistState.PROVED and c.by == "probe" for c in cp.checklist)


async def confirm_destroy_if_asked(pilot: Pilot[int], app: VixensApp) -> None:
    if isinstance(app.screen, DestroyConfirmScreen):
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, 10, "the main screen")


async def test_retry_stop_continue_search_and_help_on_the_simulated_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """r retries the failed destroy: with the real Helm provider (3.1), the retry's refresh
    cannot reach the release and drops it from the state, so the retry goes through without
    the fix. Then the cert-manager namespace fails: x stops the run, s continues it, f fixes;
    / searches the log and ? shows the keys meanwhile."""
    monkeypatch.setenv("VIXENS_TUI_DEMO_DIR", str(tmp_path / "demo"))
    options = Options(
        demo=True,
        faults=("cilium-destroy-timeout", "cert-manager-namespace-missing"),
        speed=200,
        state_dir=tmp_path / "state",
    )
    app = make_app(options)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            main = app.main
            await until(pilot, lambda: main.phase != "starting", 60, "the demo's backends")
            await pilot.press("s")
            await until(pilot, showing(app, DestroyConfirmScreen), 30, "the destroy question")
            await pilot.press("y")

            await until(pilot, lambda: main.pending is not None, 120, "the Cilium failure")
            first = main.pending
            assert first is not None and first.report.attempt == 1
            assert [d.issue_id for d in first.report.detections] == ["cilium-destroy-timeout"]
            # /: the log holds Terraform's own error, found by the search box.
            await pilot.press("slash")
            await type_text(pilot, "uninstalling release")
            view = main.query_one(LogView)
            await until(pilot, lambda: view.matches >= 1, 10, "a match in the log")
            await pilot.press("escape")
            # ?: every key and what it does, the fix's among them.
            await pilot.press("question_mark")
            await until(pilot, showing(app, HelpScreen), 10, "the help screen")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is main, 10, "the main screen")
            # r: the retry.
            await pilot.press("r")
            await until(pilot, answered(main, first), 30, "the retry")

            await until(pilot, lambda: main.pending is not None, 120, "the namespace failure")
            second = main.pending
            assert second is not None
            assert [d.issue_id for d in second.report.detections] == [
                "cert-manager-namespace-missing"
            ]
            # x: stop there; s: continue the same run where it stopped.
            await pilot.press("x")
            await until(pilot, lambda: main.phase == "ended" and not app.running, 30, "the stop")
            stopped = EnvState(tmp_path / "state", "dev-demo").load()
            assert stopped is not None and stopped.outcome is not Outcome.DONE
            assert main.check_action("continue_run", ())
            await pilot.press("s")
            await until(pilot, lambda: app.running or main.pending is not None, 30, "the resume")
            while main.outcome is None or app.running:
                await confirm_destroy_if_asked(pilot, app)
                if main.pending is not None:
                    request = main.pending
                    assert [d.issue_id for d in request.report.detections] == [
                        "cert-manager-namespace-missing"
                    ], request.report.error
                    await pilot.press("f")
                    await until(pilot, answered(main, request), 30, "the fix applied")
                await pilot.pause(0.05)
            assert main.outcome.outcome == "done", main.outcome.message
            await pilot.press("q")
    finally:
        app.shutdown()
    cp = EnvState(tmp_path / "state", "dev-demo").load()
    assert cp is not None and cp.outcome is Outcome.DONE and cp.resumes == 1
    destroy = cp.stage(StageName.DESTROY)
    assert destroy.attempts == 2 and not [f for f in cp.fixes if f.stage is StageName.DESTROY]
    assert destroy.summary is not None
    assert "21 in the state at the start - 1 left it without being destroyed" in destroy.summary
    assert [f.issue_id for f in cp.fixes] == ["cert-manager-namespace-missing"]
    assert all(c.state is ChecklistState.PROVED for c in cp.checklist)
