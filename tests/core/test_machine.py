from __future__ import annotations

import pytest
from transitions import MachineError

from vixens_tui.core.events import Event, Transitioned
from vixens_tui.core.machine import ProcedureModel, build_machine, transition_table
from vixens_tui.core.names import STAGE_ORDER, RunState, StageName


def test_machine_walks_the_plan_in_order_and_only_emits() -> None:
    events: list[Event] = []
    model = ProcedureModel(events.append)
    build_machine(model, STAGE_ORDER)
    assert model.state is RunState.IDLE
    model.start()
    seen = [model.state]
    while model.state is not RunState.DONE:
        model.succeed()
        seen.append(model.state)
    assert seen == [*(RunState.of_stage(s) for s in STAGE_ORDER), RunState.DONE]
    assert all(isinstance(e, Transitioned) for e in events)
    assert [e.dest for e in events] == [s.value for s in seen]
    assert events[0].source == "idle" and events[0].trigger == "start"


def test_plan_subset_skip_fail_interrupt() -> None:
    events: list[Event] = []
    model = ProcedureModel(events.append)
    build_machine(model, (StageName.PREFLIGHT, StageName.SECRETS))
    model.start()
    model.skip()
    assert model.state is RunState.SECRETS
    model.fail()
    assert model.state is RunState.FAILED
    with pytest.raises(MachineError):
        model.succeed()  # nothing leaves FAILED: a resume builds a new machine
    model2 = ProcedureModel(events.append)
    build_machine(model2, (StageName.APPLY,))
    model2.start()
    model2.interrupt()
    assert model2.state is RunState.INTERRUPTED


def test_triggers_are_declared_on_the_model() -> None:
    # model_override=True binds exactly the placeholders declared on ProcedureModel.
    model = ProcedureModel(lambda _e: None)
    build_machine(model, STAGE_ORDER)
    assert not hasattr(model, "to_DONE") and not hasattr(model, "is_IDLE")
    assert {t["trigger"] for t in transition_table(STAGE_ORDER)} == {
        "start",
        "succeed",
        "skip",
        "fail",
        "interrupt",
    }


def test_empty_plan_is_refused() -> None:
    with pytest.raises(ValueError):
        transition_table(())


def test_run_states_are_the_stages_plus_where_a_run_rests() -> None:
    """RunState keeps one state per stage, named as the stage (a checkpoint reads naturally):
    a stage added to StageName without its state fails here, not in a run."""
    from vixens_tui.core.names import STAGE_ORDER, RunState, StageName

    assert [RunState.of_stage(s).stage for s in StageName] == list(STAGE_ORDER)
    rest = {r.value for r in RunState} - {s.value for s in StageName}
    assert rest == {"idle", "done", "failed", "interrupted"}
