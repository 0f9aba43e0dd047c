"""The procedure's state machine, built with `transitions` from the ordered stage list.

The machine only says where the run is. It does no work: the engine runs a stage outside any
callback, then fires `succeed`, `fail`, `skip` or `interrupt`. The one callback emits a
`Transitioned` event (the recorder saves the checkpoint on it). Never pickled: after a crash
the machine is rebuilt from the checkpoint, starting at the stage to run next.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from transitions import EventData, Machine

from vixens_tui.core.events import EventSink, Transitioned
from vixens_tui.core.names import STAGE_ORDER, RunState, StageName

TRIGGERS = ("start", "succeed", "skip", "fail", "interrupt")

# With model_override=True, transitions logs a warning for every convenience method it does
# not bind (is_X, may_X...). That is the point of the option, not a problem: keep it quiet, or
# Python's last-resort handler prints a dozen lines to stderr on every run.
logging.getLogger("transitions.core").setLevel(logging.ERROR)


class ProcedureModel:
    """The machine's model. Triggers are declared here so that mypy sees them;
    `model_override=True` makes transitions replace exactly these placeholders."""

    state: RunState

    def __init__(self, emit: EventSink) -> None:
        self._emit = emit

    def start(self) -> bool:
        raise NotImplementedError  # replaced by transitions

    def succeed(self) -> bool:
        raise NotImplementedError  # replaced by transitions

    def skip(self) -> bool:
        raise NotImplementedError  # replaced by transitions

    def fail(self) -> bool:
        raise NotImplementedError  # replaced by transitions

    def interrupt(self) -> bool:
        raise NotImplementedError  # replaced by transitions

    # The only callback: report the move. No I/O, no waiting (see docs/architecture.md).
    def on_transition(self, event: EventData) -> None:
        # transitions keys Enum states by member name; report the values, as the checkpoint does.
        source = RunState[event.transition.source].value if event.transition else ""
        self._emit(
            Transitioned(
                stage=RunState(self.state).stage,
                trigger=event.event.name if event.event else "",
                source=source,
                dest=RunState(self.state).value,
            )
        )


def transition_table(plan: Sequence[StageName]) -> list[dict[str, Any]]:
    """The transitions of a run over `plan` (an ordered subset of the stages)."""
    if not plan:
        raise ValueError("a run needs at least one stage")
    states = [RunState.of_stage(s) for s in plan]
    table: list[dict[str, Any]] = [{"trigger": "start", "source": RunState.IDLE, "dest": states[0]}]
    for here, after in zip(states, [*states[1:], RunState.DONE], strict=True):
        table.append({"trigger": "succeed", "source": here, "dest": after})
        table.append({"trigger": "skip", "source": here, "dest": after})
    table.append({"trigger": "fail", "source": states, "dest": RunState.FAILED})
    table.append({"trigger": "interrupt", "source": states, "dest": RunState.INTERRUPTED})
    return table


def build_machine(model: ProcedureModel, plan: Sequence[StageName]) -> Machine:
    """A machine for `plan`, in state IDLE; `start` enters the plan's first stage."""
    return Machine(
        model=model,
        states=list(RunState),
        initial=RunState.IDLE,
        transitions=transition_table(plan),
        auto_transitions=False,
        queued=True,
        send_event=True,
        model_override=True,
        after_state_change="on_transition",
    )


def mermaid(plan: Sequence[StageName] = STAGE_ORDER) -> str:
    """The machine as a mermaid state diagram, read from the machine itself."""
    model = ProcedureModel(lambda _event: None)
    machine = build_machine(model, plan)
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{state.value}" as {state.name}' for state in RunState]
    lines.append(f"    [*] --> {RunState.IDLE.name}")
    for event_name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                lines.append(f"    {source} --> {transition.dest}: {event_name}")
    lines.append(f"    {RunState.DONE.name} --> [*]")
    return "\n".join(lines) + "\n"
