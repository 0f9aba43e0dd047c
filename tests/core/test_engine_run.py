from __future__ import annotations

from vixens_tui.core.checkpoint.model import ChecklistState, Outcome, StageStatus
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import RunFinished, StageSucceeded
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import STAGE_ORDER


def test_full_run_on_fakes_validates_everything(harness) -> None:
    h = harness()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE, [getattr(e, "error", "") for e in h.events]
    cp = h.state.load()
    assert cp is not None and cp.outcome is Outcome.DONE
    assert [r.status for r in cp.stages] == [StageStatus.DONE] * 7
    assert [e.stage for e in h.of(StageSucceeded)] == list(STAGE_ORDER)
    assert all(c.state is ChecklistState.PROVED and c.evidence for c in cp.checklist)
    assert len(cp.checklist) == 10
    assert isinstance(h.events[-1], RunFinished)
