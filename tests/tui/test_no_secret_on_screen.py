"""No secret on screen, ever (issue 10, point 6): what the cluster says passes the redactor.

The cluster of tests/leaky.py quotes the Gandi token of the secret files (as is and base64) in a
pod's status, an Application's condition, a Certificate's message, pod logs, pod events and an
API error. The screen shows the mask wherever that text lands: the pod grid, the apps table, the
log, the pod diagnostics view (`l`), and nothing the run wrote holds the token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import RichLog

from tests.cliutil import profile_file
from tests.conftest import SYNOLOGY_PASSWORD
from tests.e2e.test_security import forms, holders
from tests.fakes import FakeWorld
from tests.leaky import (
    BROKEN_POD,
    LEAKY_APP,
    LEAKY_POD,
    TOKEN,
    leak_into,
    leaky_backends,
)
from tests.tui.factory import FakeFactory, TuiEnv, showing, until
from tests.tui.helpers import decision, log_lines, ready, screen_lines, type_text
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.redact import MASK
from vixens_tui.options import Options
from vixens_tui.tui.app import VixensApp
from vixens_tui.tui.screens.pod_diagnostics import PodDiagnosticsScreen
from vixens_tui.tui.widgets.cluster import AppPanel, PodPanel

SECRETS = forms([TOKEN, SYNOLOGY_PASSWORD])
LEAKY_KEY = "/".join(LEAKY_POD)


@dataclass
class LeakyFactory(FakeFactory):
    def __call__(self, profile: Profile, options: Options) -> tuple[Profile, Backends]:
        if self.world is None:
            self.world = FakeWorld(profile, self.faults).prebuilt()
            leak_into(self.world)
        leaky = leaky_backends(self.world)
        return profile, Backends(
            terraform=leaky.terraform,
            cluster=leaky.cluster,
            http=leaky.http,
            closers=(self._close,),
        )


def leaked(texts: list[str]) -> list[str]:
    return [t for t in texts if any(s in t for s in SECRETS)]


def rich_log(screen: PodDiagnosticsScreen, log_id: str) -> list[str]:
    """What the view's RichLog renders, line by line."""
    return [strip.text for strip in screen.query_one(f"#{log_id}", RichLog).lines]


async def open_diagnostics(pilot: Pilot[int], app: VixensApp, pod: str) -> PodDiagnosticsScreen:
    panel = app.main.query_one(PodPanel)
    panel.open_filter()
    await type_text(pilot, pod)
    await pilot.press("enter")
    await until(pilot, lambda: panel.selected is not None, what=f"the pod {pod}")
    assert panel.selected is not None and panel.selected[1] == pod
    await pilot.press("l")
    await until(pilot, showing(app, PodDiagnosticsScreen), what="the diagnostics")
    diag = app.screen
    assert isinstance(diag, PodDiagnosticsScreen)
    await until(pilot, lambda: diag.loaded is not None or bool(diag.error), what="the pod")
    await pilot.pause()  # the worker's result is written to the RichLogs: let them render
    return diag


async def close_diagnostics(pilot: Pilot[int], app: VixensApp) -> None:
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is app.main, what="the main screen")
    app.main.query_one(PodPanel).close_filter()


@asynccontextmanager
async def waiting_run(tmp_path: Path) -> AsyncIterator[tuple[VixensApp, Pilot[int]]]:
    """A run of the validation on the leaky cluster, waiting for a decision (the leaky
    certificate never gets Ready); stopped on the way out, then the state dir is searched."""
    env = TuiEnv(tmp_path, profile_file(tmp_path / "env", timeout=3), tmp_path / "state")
    app, _ = env.app(factory=LeakyFactory(), from_stage=StageName.VALIDATE)
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await ready(pilot, app)
            await pilot.press("s")
            await decision(pilot, app, timeout=30)
            pods = app.main.query_one(PodPanel)
            await until(pilot, lambda: LEAKY_KEY in pods.table.items, what="the leaky pod")
            yield app, pilot
            await pilot.press("x")  # stop the run: its checkpoint and journal are written
            await until(pilot, lambda: app.main.phase == "ended" and not app.running)
    finally:
        app.shutdown()
    assert holders(env.state_dir, SECRETS) == {}


@pytest.mark.long
async def test_grids_apps_table_and_log_show_the_mask(tmp_path: Path) -> None:
    async with waiting_run(tmp_path) as (app, _pilot):
        main = app.main
        pods = main.query_one(PodPanel)
        apps = main.query_one(AppPanel)
        leaky_pod = pods.table.items[LEAKY_KEY]
        assert MASK in leaky_pod.reason
        leaky_app = apps.table.items[LEAKY_APP]
        assert leaky_app.reason().count(MASK) == 2, leaky_app.reason()
        assert not leaked([leaky_app.reason(), *(p.reason for p in pods.table.items.values())])
        assert not leaked(screen_lines(app)), leaked(screen_lines(app))
        assert any(MASK in line for line in screen_lines(app))
        # The log: the validation's waits and failure name the certificate, masked.
        cert_lines = [line for line in log_lines(app) if "whoami/whoami-tls" in line]
        assert cert_lines and all(MASK in line for line in cert_lines)
        assert not leaked(log_lines(app))


@pytest.mark.long
async def test_pod_diagnostics_show_the_mask(tmp_path: Path) -> None:
    async with waiting_run(tmp_path) as (app, pilot):
        # l: the pod's events and logs, as the RichLogs render them.
        diag = await open_diagnostics(pilot, app, LEAKY_POD[1])
        events, logs = rich_log(diag, "events"), rich_log(diag, "logs")
        assert sum(MASK in line for line in events) == 2, events
        assert sum(MASK in line for line in logs) == 2, logs
        assert not leaked(events + logs), leaked(events + logs)
        assert not leaked(screen_lines(app)), leaked(screen_lines(app))
        await close_diagnostics(pilot, app)

        # A pod whose logs cannot be read: the API's error is masked too.
        broken = await open_diagnostics(pilot, app, BROKEN_POD[1])
        assert MASK in broken.error and not leaked([broken.error])
        assert not leaked(rich_log(broken, "events") + screen_lines(app))
        await close_diagnostics(pilot, app)
