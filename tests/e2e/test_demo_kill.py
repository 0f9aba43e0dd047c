"""A demo run killed with SIGKILL during each stage in turn, each time resumed, finishes.

One run, killed seven times: the first process during preflight, its `--resume` during
destroy, that one's resume during apply, and so on; the last resume finishes it. Each resume is
thus proved to go on from the stage that was killed, without running an earlier stage again,
for every stage, at the cost of one rebuild (seven separate runs cost seven).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Demo, EventStream
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.names import STAGE_ORDER, StageName

TIMEOUT_S = 150
# Terraform stages: kill in the middle of terraform itself, once it has reported this many
# resource events (destroy and apply report about 40: started and complete for each of 20).
RESOURCE_EVENTS_BEFORE_KILL = {StageName.DESTROY: 6, StageName.APPLY: 17}


def kill_during(demo: Demo, stage: StageName, *, resume: bool) -> None:
    """Start a run (or a resume), SIGKILL it once `stage` is under way."""
    stream = EventStream(demo.start("--json", *(["--resume"] if resume else [])))
    try:
        resources = 0
        wanted = RESOURCE_EVENTS_BEFORE_KILL.get(stage, 0)

        def under_way(event: dict[str, Any]) -> bool:
            nonlocal resources
            if event.get("stage") != stage.value:
                return False
            if event["type"] == "resource":
                resources += 1
            if wanted == 0:
                return bool(event["type"] == "stage_started")
            return resources >= wanted

        reached = stream.wait_for(under_way, TIMEOUT_S)
        assert reached is not None, f"the run ended before {stage.value}:\n{stream.stdout[-3000:]}"
        stream.proc.kill()
    finally:
        stream.finish(TIMEOUT_S)


@pytest.mark.long
def test_sigkill_during_each_stage_then_resume(demo: Demo) -> None:
    attempts_before: dict[StageName, int] = {}
    for number, stage in enumerate(STAGE_ORDER):
        kill_during(demo, stage, resume=number > 0)
        cp = demo.checkpoint()  # loads: never torn by the kill
        assert cp.outcome is Outcome.RUNNING, stage
        assert cp.stage(stage).status in (StageStatus.RUNNING, StageStatus.DONE), stage
        assert cp.resumes == number, stage
        # The resume went on from the stage killed before (it got as far as this one) and no
        # stage before that one ran again: each was only re-checked.
        if number > 0:
            killed_before = STAGE_ORDER[number - 1]
            for earlier in STAGE_ORDER[: number - 1]:
                assert cp.stage(earlier).attempts == attempts_before[earlier], (stage, earlier)
            assert cp.stage(killed_before).status is StageStatus.DONE, stage
        attempts_before = {s: cp.stage(s).attempts for s in STAGE_ORDER}

    result = demo.run("--resume")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    assert cp.outcome is Outcome.DONE and cp.resumes == len(STAGE_ORDER)
    assert all(r.status is StageStatus.DONE for r in cp.stages)
    for earlier in STAGE_ORDER[:-1]:
        assert cp.stage(earlier).attempts == attempts_before[earlier], earlier
