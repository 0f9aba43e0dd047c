"""Pilot on the simulated cluster: the app as `vixens-tui --demo` builds it (the simulator in its
own process, the real Terraform engine), driven only by the keys the screen shows.

The other Pilot tests use the in-memory world of tests/fakes.py to reach every corner quickly;
this one proves the same keys work on the real wire: the fixes act on the simulated API server,
the pod's logs and events come from it, the checklist's evidence is the probes' own, and no
secret the cluster quotes reaches the screen. One demo run carries it all (a run costs some 15 s
of CPU; the one-key-per-known-issue run is test_tmux_demo's, in a real terminal).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import RichLog

from tests.conftest import SERVER_GOES_AWAY
from tests.e2e.test_security import forms, holders, kubeconfig_token, post_event
from tests.tui.factory import showing, until
from tests.tui.helpers import log_lines, screen_lines, type_text
from vixens_tui.core.checkpoint.model import ChecklistState, Outcome
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName
from vixens_tui.core.redact import MASK
from vixens_tui.options import Options
from vixens_tui.sim.demo import DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD
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


def answered(main: MainScreen, request: object) -> Callable[[], bool]:
    return lambda: main.pending is not request


async def select_pod(pilot: Pilot[int], app: VixensApp, name: str) -> tuple[str, str]:
    """A pod of the simulated cluster picked as a person does: the filter (p), its name."""
    pods = app.main.query_one(PodPanel)
    await pilot.press("p")
    await type_text(pilot, name)
    await pilot.press("enter")
    await until(pilot, lambda: pods.selected is not None, 10, f"a {name} pod")
    selected = pods.selected
    assert selected is not None and name in selected[1]
    return selected


async def open_diagnostics(pilot: Pilot[int], app: VixensApp) -> PodDiagnosticsScreen:
    """The selected pod's logs and events (l), once they are read from the API."""
    await pilot.press("l")
    await until(pilot, showing(app, PodDiagnosticsScreen), 10, "the diagnostics")
    diag = app.screen
    assert isinstance(diag, PodDiagnosticsScreen)
    await until(pilot, lambda: diag.loaded is not None or bool(diag.error), 20, "the pod's logs")
    assert diag.loaded is not None, diag.error
    return diag


async def diagnose_a_pod(pilot: Pilot[int], app: VixensApp, name: str) -> None:
    """The procedure's diagnostic (kubectl logs / describe pod) on a real pod of the simulated
    cluster, through the filter (p) and the logs key (l), while an issue waits for its key."""
    main = app.main
    selected = await select_pod(pilot, app, name)
    diag = await open_diagnostics(pilot, app)
    assert diag.loaded is not None and (diag.namespace, diag.pod) == selected
    assert diag.loaded.logs.strip(), "the simulated pod has log lines"
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is main, 10, "the main screen")
    main.query_one(PodPanel).close_filter()


async def confirm_destroy_if_asked(pilot: Pilot[int], app: VixensApp) -> None:
    if isinstance(app.screen, DestroyConfirmScreen):
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, 10, "the main screen")


async def masked_on_screen(pilot: Pilot[int], app: VixensApp, kubeconfig: Path) -> list[str]:
    """The Gandi webhook's pod, found with the filter, shown with l after an Event quoting the
    token (base64, as a Secret's data carries it) was written through the API: its log line
    and the event are shown masked. Returns every line the screens showed meanwhile."""
    main = app.main
    selected = await select_pod(pilot, app, "webhook-gandi")
    token_b64 = base64.b64encode(DEMO_GANDI_TOKEN.encode()).decode()
    post_event(kubeconfig, *selected, f"Gandi refused the key {token_b64}")
    diag = await open_diagnostics(pilot, app)
    await pilot.pause()
    events = [s.text for s in diag.query_one("#events", RichLog).lines]
    logs = [s.text for s in diag.query_one("#logs", RichLog).lines]
    assert any(MASK in line for line in events), events
    assert any(f"apiKey={MASK}" in line for line in logs), logs
    shown = [*events, *logs, *screen_lines(app)]
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is main, 10, "the main screen")
    return [*shown, *screen_lines(app), *log_lines(app)]


async def test_retry_stop_continue_search_help_and_no_secret_on_the_simulated_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """r retries the failed destroy: with the real Helm provider (3.1), the retry's refresh
    cannot reach the release and drops it from the state, so the retry goes through without
    the fix. Then the cert-manager namespace fails: a pod's logs are read (p, l) while the
    issue waits, x stops the run, s continues it, f fixes; / searches the log and ? shows the
    keys meanwhile. At the end, the secrets the cluster quotes are masked on every screen
    (issue 10), and in no file of the state dir."""
    monkeypatch.setenv("VIXENS_TUI_DEMO_DIR", str(tmp_path / "demo"))
    state_root = tmp_path / "state"
    workspace = tmp_path / "demo" / "dev-demo"
    kubeconfig = workspace / "repo/terraform/environments/dev/kubeconfig-dev"
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
            await diagnose_a_pod(pilot, app, "cilium")
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
            shown = await masked_on_screen(pilot, app, kubeconfig)
            needles = forms(
                [DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD, kubeconfig_token(kubeconfig)]
            )
            assert [n[:8] for n in needles if any(n in line for line in shown)] == []
            # The session's one redactor also learned the kubeconfig's token (the backends').
            assert app.redactor.scrub(kubeconfig_token(kubeconfig)) == MASK
            await pilot.press("q")
    finally:
        app.shutdown()
    found = holders(state_root, needles)
    # etcd's snapshot holds the cluster's Secrets, as any etcd backup does (test_security).
    snapshots = [k for k in found if Path(k).parent.name == "snapshots" and k.endswith(".db")]
    assert len(snapshots) <= 1
    assert {k: v for k, v in found.items() if k not in snapshots} == {}
    cp = EnvState(state_root, "dev-demo").load()
    assert cp is not None and cp.outcome is Outcome.DONE and cp.resumes == 1
    destroy = cp.stage(StageName.DESTROY)
    assert destroy.attempts == 2 and not [f for f in cp.fixes if f.stage is StageName.DESTROY]
    assert destroy.summary is not None
    assert "21 in the state at the start - 1 left it without being destroyed" in destroy.summary
    assert [f.issue_id for f in cp.fixes] == ["cert-manager-namespace-missing"]
    assert len(cp.checklist) == 13
    assert all(c.state is ChecklistState.PROVED and c.by == "probe" for c in cp.checklist)
