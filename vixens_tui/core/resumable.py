"""Whether an environment has a run to resume, and the id of a new run."""

from __future__ import annotations

import time
import uuid

from vixens_tui.core.checkpoint.model import Checkpoint, Outcome
from vixens_tui.core.checkpoint.store import EnvState


class NothingToResume(Exception):
    """`--resume` with no run to resume. `finished`: the last run ended well (exit 0)."""

    def __init__(self, message: str, *, finished: bool = False) -> None:
        super().__init__(message)
        self.finished = finished


def check_resumable(state: EnvState) -> None:
    """Raise NothingToResume unless the environment has a run to resume.

    Front ends call it before they build the backends: a finished demo has no simulated
    cluster left to connect to, and "nothing to resume" must not depend on one.
    """
    refuse_unless_resumable(state.load(), state.env)


def refuse_unless_resumable(previous: Checkpoint | None, env: str) -> Checkpoint:
    if previous is None:
        raise NothingToResume(f"no run to resume for environment {env!r}")
    if previous.outcome is Outcome.DONE:
        raise NothingToResume(
            f"the last run of {env!r} ({previous.run_id}) finished; nothing to resume",
            finished=True,
        )
    return previous


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
