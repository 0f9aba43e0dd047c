"""API faults (issue 6): a flaky API, and an API that is gone during `validate`.

- `--demo --faults api-flaky=0.3` (random 500/503, stalled answers, dropped watches, 410 Gone
  on a watch resume) still ends validated.
- An unreachable API during `validate` is reported as unreachable (a transient failure, exit
  1, resumable), never judged: no checklist item failed, no "0 pods" / "0 nodes" anywhere.
  This runs in-process: the real engine, the real kubernetes-client backend and the simulated
  cluster, whose API is switched off (`set_available(False)`: connections refused, port kept).
  (`--demo --only validate` cannot do it: without --resume, --demo starts a new demo.)
- One 503 on the read-back that follows the secrets' apply must not fail the stage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import server_goes_away, write_secret_files
from tests.e2e.conftest import Demo
from vixens_tui.backends.factory import MissingTerraform
from vixens_tui.backends.http import HttpxProber
from vixens_tui.backends.kube import Backoff, KubeBackend
from vixens_tui.core.checkpoint.model import ChecklistState, Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.events import (
    ChecklistChanged,
    Event,
    StageFailed,
    Waiting,
)
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile import Profile, load_profile
from vixens_tui.core.profile.model import AppSpec
from vixens_tui.core.run_result import RunResult
from vixens_tui.sim.apiserver import handler
from vixens_tui.sim.apiserver.errors import ApiError
from vixens_tui.sim.cluster import SimCluster
from vixens_tui.sim.faults import Faults

# -- a flaky API, end to end ------------------------------------------------------------------


# A harsh rate, three times the default (`--faults api-flaky`, 10%): each kind of fault comes
# several times in one run. A run at the default rate proved nothing more for its 13 s of CPU;
# the default rate itself is test_apiserver_units.py's.
@pytest.mark.long
def test_demo_with_a_flaky_api(demo: Demo) -> None:
    result = demo.run(faults="api-flaky=0.3")
    # The fault reached the simulated cluster, at that rate.
    request = json.loads((demo.workspace / "sim-request.json").read_text())
    assert Faults.parse(request["faults"]).flaky_rate == 0.3
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    assert cp.outcome is Outcome.DONE
    assert [r.status for r in cp.stages] == [StageStatus.DONE] * 7
    assert all(c.state is ChecklistState.PROVED for c in cp.checklist) and len(cp.checklist) == 13


# -- in-process: the real engine on the simulated cluster --------------------------------------

QUICK = Backoff(first_s=0.1, max_s=0.5)
ZERO = re.compile(r"\b0(/\d+)? (\S+ )?(pods?|nodes?)\b|no \S+ pods? found|none of 0 ", re.I)


@pytest.fixture
def sim() -> Iterator[SimCluster]:
    with SimCluster(load_profile("dev"), speed=50.0, seed=5) as cluster:
        yield cluster


def sim_profile(sim: SimCluster, root: Path, *, validate_s: float = 4.0, **extra: Any) -> Profile:
    """The dev profile pointed at the in-process simulator, with a short validate timeout."""
    base = load_profile("dev")
    root.mkdir(parents=True, exist_ok=True)
    gandi, client = write_secret_files(root / "secrets")
    update: dict[str, Any] = {
        "api_endpoint": type(base.api_endpoint)(sim.api_url),
        "kubeconfig": sim.write_kubeconfig(root / "kubeconfig"),
        "context": None,
        "http_checks": sim.demo_http_checks(),
        "timeouts_s": {**base.timeouts_s, StageName.VALIDATE: validate_s},
        "wait_progress_s": 0.5,
        "secrets": base.secrets.model_copy(
            update={"gandi_credentials": gandi, "synology_client_info": client}
        ),
    }
    update.update(extra)
    return base.model_copy(update=update)


class Run:
    def __init__(self, profile: Profile, state_dir: Path) -> None:
        self.profile = profile
        self.state = EnvState(state_dir, "dev").ensure()
        self.events: list[Event] = []
        self.on_event: Callable[[Event], None] | None = None

    def sink(self, event: Event) -> None:
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def __call__(self, *stages: StageName) -> RunResult:
        cluster = KubeBackend(self.profile.kubeconfig, backoff=QUICK)
        http = HttpxProber()
        backends = Backends(
            terraform=MissingTerraform("no terraform in this test"),
            cluster=cluster,
            http=http,
            closers=(cluster.stop, http.close),
        )
        engine = Engine(self.profile, backends, self.state, AutoDecider(yes=True), self.sink)
        try:
            return engine.run(RunRequest(plan=stages))
        finally:
            backends.close()

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def texts(self) -> list[str]:
        """Everything said about the cluster: waits, checklist evidence, failures."""
        out = [e.detail for e in self.of(Waiting)]
        out += [e.evidence for e in self.of(ChecklistChanged)]
        out += [e.error for e in self.of(StageFailed)]
        cp = self.state.load()
        assert cp is not None
        out += [c.evidence for c in cp.checklist]
        out += [r.error or "" for r in cp.stages]
        return out


def test_validate_on_a_reachable_cluster_proves_the_checklist(
    sim: SimCluster, tmp_path: Path
) -> None:
    """The control case of the two below: the same set-up passes when the API answers."""
    run = Run(sim_profile(sim, tmp_path / "env"), tmp_path / "state")
    result = run(StageName.VALIDATE)
    assert result.exit_code == ExitCode.DONE, result.message
    cp = run.state.load()
    assert cp is not None
    assert [c.state for c in cp.checklist] == [ChecklistState.PROVED] * 13


def _assert_reported_unreachable(run: Run, result: RunResult) -> None:
    assert result.exit_code == ExitCode.STAGE_FAILED == 1, result.message
    assert result.outcome is Outcome.FAILED
    assert "unreachable" in result.message
    failed = run.of(StageFailed)
    assert [e.failure for e in failed] == ["transient"]
    assert "unreachable" in failed[0].error and "connection refused" in failed[0].error
    cp = run.state.load()
    assert cp is not None
    record = cp.stage(StageName.VALIDATE)
    assert record.status is StageStatus.FAILED and record.failure == "transient"
    # Never judged: nothing failed, nothing counted as zero.
    assert not [c for c in cp.checklist if c.state is ChecklistState.FAILED]
    assert not [e for e in run.of(ChecklistChanged) if e.state == "failed"]
    assert [t for t in run.texts() if ZERO.search(t)] == []


@server_goes_away
def test_api_gone_before_validate_is_reported_unreachable(sim: SimCluster, tmp_path: Path) -> None:
    run = Run(sim_profile(sim, tmp_path / "env", validate_s=3.0), tmp_path / "state")
    sim._api.set_available(False)  # the sim's switch: connections refused, port kept
    result = run(StageName.VALIDATE)
    _assert_reported_unreachable(run, result)
    cp = run.state.load()
    assert cp is not None
    assert [c.state for c in cp.checklist] == [ChecklistState.PENDING] * 13


@server_goes_away
def test_api_gone_during_validate_is_reported_unreachable(sim: SimCluster, tmp_path: Path) -> None:
    # An app the cluster does not have keeps validate waiting; the API goes while it waits,
    # after the watches have listed everything (39 pods, 3 nodes).
    profile = load_profile("dev")
    apps = (*profile.apps, AppSpec(name="not-deployed", namespace="nowhere"))
    run = Run(sim_profile(sim, tmp_path / "env", apps=apps), tmp_path / "state")

    judged: list[Event] = []

    def take_the_api_down(event: Event) -> None:
        # Once validate has judged the listed cluster (an item proved), while it still waits.
        if isinstance(event, ChecklistChanged) and event.state == "proved":
            judged.append(event)
        waiting = isinstance(event, Waiting) and event.stage is StageName.VALIDATE
        if waiting and judged and sim.api_available:
            sim._api.set_available(False)

    run.on_event = take_the_api_down
    result = run(StageName.VALIDATE)
    assert not sim.api_available
    _assert_reported_unreachable(run, result)
    proved = [e for e in run.of(ChecklistChanged) if e.state == "proved"]
    assert proved, "validate never saw the cluster before the API went"


# -- one 503 on the secrets' read-back ---------------------------------------------------------

CONFIGMAP = "/api/v1/namespaces/synology-csi/secrets/client-info-secret"
"""The Synology CSI client configuration, applied as the Secret the CSI pods mount."""


def test_one_503_on_the_secrets_read_back_does_not_fail_the_stage(
    sim: SimCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = {"configmap": False, "failed": 0}
    original = handler._Handler._disrupt

    def disrupt(self: Any, path: str) -> None:
        # The first GET of the ConfigMap after it was written answers 503, once.
        if path == CONFIGMAP and self.command in ("PUT", "POST"):
            written["configmap"] = True
        elif (
            path == CONFIGMAP
            and self.command == "GET"
            and written["configmap"]
            and not written["failed"]
        ):
            written["failed"] += 1
            raise ApiError(503, "ServiceUnavailable", "the server is currently unable")
        original(self, path)

    monkeypatch.setattr(handler._Handler, "_disrupt", disrupt)
    run = Run(sim_profile(sim, tmp_path / "env"), tmp_path / "state")
    result = run(StageName.SECRETS)
    assert written["failed"] == 1  # the fault did happen
    assert result.exit_code == ExitCode.DONE, result.message
