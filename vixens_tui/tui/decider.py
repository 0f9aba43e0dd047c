"""The TUI's Decider: the engine thread asks, the person answers with a key.

`decide()` and `confirm_destroy()` are called on the engine's thread and block there, on a
queue, until the screen answers (`answer`) or the run is being stopped (`abort`). The question
travels to the screen through the relay, behind the failure and detection events it is about.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from vixens_tui.core.context import DestroyPreview
from vixens_tui.core.decider import Action, Decision, FailureReport

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """The engine waits for the person's choice after a failed stage attempt."""

    id: int
    report: FailureReport


@dataclass(frozen=True, slots=True)
class DestroyRequest:
    """The engine waits for the person to confirm (or refuse) a destroy."""

    id: int
    preview: DestroyPreview


Request = DecisionRequest | DestroyRequest

STOPPED = Decision(Action.STOP, by="user")


class TuiDecider:
    """Blocks the engine thread until the person answers."""

    def __init__(self, ask: Callable[[Request], None]) -> None:
        """Args:
        ask: Shows a request to the person (thread-safe: the relay's `put`).
        """
        self._ask = ask
        self._lock = threading.Lock()
        self._waiting: tuple[int, queue.Queue[object]] | None = None
        self._aborted = False
        self._confirmed: dict[str, frozenset[str]] = {}
        """Per environment, the addresses the person confirmed destroying in this run."""

    # -- engine side (engine thread) --------------------------------------------------------

    def decide(self, report: FailureReport) -> Decision:
        answer = self._wait(DecisionRequest(next(_ids), report), STOPPED)
        return answer if isinstance(answer, Decision) else STOPPED

    def confirm_destroy(self, preview: DestroyPreview) -> bool:
        confirmed = self._confirmed.get(preview.env)
        if confirmed is not None and set(preview.addresses) <= confirmed:
            # A retry of a destroy already confirmed (e.g. after a fix dropped a resource from
            # the state): the same or fewer resources of the same environment, same run.
            return True
        answer = self._wait(DestroyRequest(next(_ids), preview), False)
        if answer is True:
            self._confirmed[preview.env] = frozenset(preview.addresses)
            return True
        return False

    def _wait(self, request: Request, on_abort: object) -> object:
        box: queue.Queue[object] = queue.Queue(maxsize=1)
        with self._lock:
            if self._aborted:
                return on_abort
            self._waiting = (request.id, box)
        self._ask(request)
        answer = box.get()
        with self._lock:
            if self._waiting is not None and self._waiting[0] == request.id:
                self._waiting = None
        return answer

    # -- screen side (UI thread) ------------------------------------------------------------

    @property
    def waiting(self) -> int | None:
        """The id of the request the engine is blocked on, if any."""
        with self._lock:
            return self._waiting[0] if self._waiting else None

    def answer(self, request_id: int, answer: Decision | bool) -> bool:
        """Hand the person's answer to the blocked engine; False if it no longer waits for it."""
        with self._lock:
            if self._waiting is None or self._waiting[0] != request_id:
                return False
            _, box = self._waiting
            self._waiting = None
        box.put_nowait(answer)
        return True

    def abort(self) -> None:
        """Release a blocked engine (quit): decisions become "stop", destroys are refused.

        Idempotent; later questions are answered the same way at once.
        """
        with self._lock:
            self._aborted = True
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            # STOPPED serves both questions: decide() gets "stop", and confirm_destroy(),
            # which only accepts `True`, reads it as a refusal.
            waiting[1].put_nowait(STOPPED)

    def reset(self) -> None:
        """Start a new run: accept questions again and forget earlier destroy confirmations
        (a confirmation covers the retries of one run's destroy, never a later run)."""
        with self._lock:
            self._aborted = False
            self._confirmed.clear()
