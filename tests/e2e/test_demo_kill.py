"""A demo run killed with SIGKILL during each stage in turn, then `--resume`, finishes."""

from __future__ import annotations

import json
import signal
import threading
import time

import pytest

from tests.e2e.conftest import Demo
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.names import STAGE_ORDER, StageName


@pytest.mark.parametrize("stage", STAGE_ORDER, ids=[s.value for s in STAGE_ORDER])
def test_sigkill_during_each_stage_then_resume(demo: Demo, stage: StageName) -> None:
    proc = demo.start("--json")
    watchdog = threading.Timer(150, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            event = json.loads(line)
            if event["type"] == "stage_started" and event["stage"] == stage.value:
                break
        else:
            pytest.fail(f"the run ended before {stage.value}: {proc.communicate()}")
        # Terraform stages: land in the middle of terraform itself.
        time.sleep(0.5 if stage in (StageName.DESTROY, StageName.APPLY) else 0.05)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    finally:
        watchdog.cancel()
    cp = demo.checkpoint()  # loads: never torn by the kill
    assert cp.outcome is Outcome.RUNNING
    assert cp.stage(stage).status in (StageStatus.RUNNING, StageStatus.DONE)

    result = demo.run("--resume")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    assert cp.outcome is Outcome.DONE and cp.resumes == 1
    assert all(r.status is StageStatus.DONE for r in cp.stages)
    # No stage before the killed one ran again: each was only re-checked.
    for earlier in STAGE_ORDER[: STAGE_ORDER.index(stage)]:
        assert cp.stage(earlier).attempts == 1, earlier
