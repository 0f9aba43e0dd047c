"""A run failing at each stage in turn, then resumed, re-runs no earlier stage's run()."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.fakes import Faults
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.context import StageContext
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import StageChecked
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import STAGE_ORDER, StageName
from vixens_tui.core.stages import CheckResult, Stage, default_stages


class Counting(Stage):
    """Delegates to a real stage and counts its run() calls (instrumentation, not a fake)."""

    def __init__(self, inner: Stage, runs: Counter[StageName]) -> None:
        self.inner = inner
        self.runs = runs
        self.name = inner.name  # type: ignore[misc]
        self.title = inner.title  # type: ignore[misc]

    def check(self, ctx: StageContext) -> CheckResult:
        return self.inner.check(ctx)

    def run(self, ctx: StageContext) -> str:
        self.runs[self.name] += 1
        return self.inner.run(ctx)


def counting_stages(runs: Counter[StageName]) -> dict[StageName, Stage]:
    return {name: Counting(stage, runs) for name, stage in default_stages().items()}


@pytest.mark.parametrize("failing", STAGE_ORDER, ids=[s.value for s in STAGE_ORDER])
def test_resume_after_failure_reruns_no_earlier_stage(harness, failing: StageName) -> None:
    h = harness(Faults(fail_stage={failing: 1}))
    first: Counter[StageName] = Counter()
    result = h.engine(stages=counting_stages(first)).run(RunRequest())
    assert result.exit_code in (ExitCode.STAGE_FAILED, ExitCode.BAD_INPUT, ExitCode.NEEDS_HUMAN)
    cp = h.state.load()
    assert cp is not None and cp.outcome is not Outcome.DONE
    assert cp.stage(failing).status is StageStatus.FAILED
    index = STAGE_ORDER.index(failing)
    assert all(cp.stage(s).status is StageStatus.DONE for s in STAGE_ORDER[:index])
    assert first == Counter(STAGE_ORDER[: index + 1])

    second: Counter[StageName] = Counter()
    h.events.clear()
    result = h.engine(stages=counting_stages(second)).run(RunRequest(resume=True))
    assert result.exit_code == ExitCode.DONE
    assert all(second[s] == 0 for s in STAGE_ORDER[:index]), second
    assert second == Counter(STAGE_ORDER[index:])
    checked = [e.stage for e in h.of(StageChecked)]
    assert checked == list(STAGE_ORDER[:index])
    cp = h.state.load()
    assert cp is not None and cp.outcome is Outcome.DONE and cp.resumes == 1
    assert cp.stage(failing).attempts == 2


def test_resume_reruns_a_done_stage_whose_effect_is_gone(harness) -> None:
    h = harness(Faults(fail_stage={StageName.SECRETS: 1}))
    assert h.engine().run(RunRequest()).exit_code != ExitCode.DONE
    # Somebody destroyed the namespace's content meanwhile: argocd-sync is no longer true.
    h.world.apps["whoami"] = h.world.apps["whoami"].__class__(
        name="whoami",
        namespace="argocd",
        sync="OutOfSync",
        health="Missing",
        destination_namespace="whoami",
    )
    runs: Counter[StageName] = Counter()
    result = h.engine(stages=counting_stages(runs)).run(RunRequest(resume=True))
    assert result.exit_code == ExitCode.DONE
    assert runs[StageName.ARGOCD_SYNC] == 1 and runs[StageName.APPLY] == 0
    verdicts = {e.stage: e.satisfied for e in h.of(StageChecked)}
    assert verdicts[StageName.ARGOCD_SYNC] is False and verdicts[StageName.APPLY] is True


def test_resume_without_a_run_says_so(harness) -> None:
    from vixens_tui.core.resumable import NothingToResume

    h = harness()
    with pytest.raises(NothingToResume, match="no run to resume"):
        h.engine().prepare(RunRequest(resume=True))
    assert h.engine().run(RunRequest()).exit_code == ExitCode.DONE
    with pytest.raises(NothingToResume, match="finished"):
        h.engine().prepare(RunRequest(resume=True))
