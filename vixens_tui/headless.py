"""The headless front end (`--auto`): plain lines or JSON lines, for SSH sessions and scripts.

Never imports textual or rich (an import-linter contract and a test hold it to that). Works with
no terminal at all: stdin may be /dev/null and stdout a pipe. The engine runs in a worker
thread while the main thread waits for signals: SIGINT, SIGTERM and SIGHUP cancel the run, which
stops the running stage cleanly (Terraform gets SIGINT in its own process group and is reaped),
records "interrupted" in the checkpoint, and exits 130.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType
from typing import IO

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.lock import EnvLock
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import StateError
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.events import (
    ClusterChanged,
    Event,
    LogLine,
    LogLines,
)
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.profile_change import ProfileChanged
from vixens_tui.core.redact import Redactor
from vixens_tui.core.resumable import NothingToResume
from vixens_tui.core.run_result import RunResult
from vixens_tui.options import Options, UsageError
from vixens_tui.text.durations import clock
from vixens_tui.text.events import render
from vixens_tui.text.stderr import say
from vixens_tui.wiring import Session, make_backends, redacted_session, run_session


class Printer:
    """Writes events to a stream; stops quietly if the stream goes away (SSH dropped)."""

    def __init__(self, stream: IO[str], *, as_json: bool) -> None:
        self.stream = stream
        self.as_json = as_json
        self.broken = False
        self._lock = threading.Lock()
        self._last_cluster = ""

    def __call__(self, event: Event) -> None:
        if isinstance(event, LogLines):
            # Printed line by line, exactly as LogLine events are (text and JSON contracts).
            for line, level in event.lines:
                self(
                    LogLine(
                        stage=event.stage, at=event.at, source=event.source, text=line, level=level
                    )
                )
            return
        if self.as_json:
            if isinstance(event, ClusterChanged):
                record = event.to_dict()
                key = json.dumps(record.get("summary"), sort_keys=True)
                if key == self._last_cluster:
                    return
                self._last_cluster = key
            self.write(json.dumps(event.to_dict(), separators=(",", ":"), default=str))
            return
        text = render(event)
        if text is None:
            return
        stage = f"[{event.stage.value}]" if isinstance(event.stage, StageName) else "[run]"
        first, *rest = text.split("\n")
        self.write(f"{clock(event.at)} {stage} {first}")
        for line in rest:
            self.write(f"{' ' * 8} {stage} {line}")

    def write(self, line: str) -> None:
        if self.broken:
            return
        with self._lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                self.broken = True


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run(options: Options, lock: EnvLock | None = None) -> int:
    """Run headless; the process exit code (docs/architecture.md, CLI contract).

    `lock` is the environment's lock, already held (the CLI takes it before anything else);
    without one, it is taken here, first.
    """
    return run_session(options, lock, _run_session, say)


def _run_session(session: Session) -> int:
    options, profile, state = session.options, session.profile, session.state
    printer = Printer(sys.stdout, as_json=options.json)
    token = CancelToken()
    redactor = Redactor()
    try:
        profile, backends = make_backends(profile, options, state, redactor)
    except UsageError as exc:
        say(str(exc))
        return ExitCode.BAD_INPUT
    backends = redacted_session(profile, backends, redactor)
    try:
        engine = Engine(
            profile,
            backends,
            state,
            AutoDecider(yes=options.yes),
            printer,
            cancel=token,
            redactor=redactor,
        )
        request = RunRequest(
            plan=session.plan,
            resume=options.resume,
            mode="auto",
            demo=options.demo,
            accept_profile_change=options.accept_profile_change,
        )
        try:
            checkpoint = engine.prepare(request)
        except (NothingToResume, StateError, ProfileChanged) as exc:
            # The lock is held: a resume refused here was refused above; this is the state.
            say(str(exc))
            return ExitCode.BAD_INPUT
        pending_destroy = StageName.DESTROY in checkpoint.plan and (
            checkpoint.stage(StageName.DESTROY).status.value != "done"
        )
        if pending_destroy and not options.yes:
            say(
                f"this run destroys environment {options.env!r}: pass --yes to confirm "
                f"(or use the TUI, which asks you to type the name)"
            )
            return ExitCode.BAD_INPUT
        return _drive(engine, request, checkpoint, token)
    finally:
        backends.close()


def _drive(engine: Engine, request: RunRequest, checkpoint: Checkpoint, token: CancelToken) -> int:
    outcome: dict[str, RunResult | BaseException] = {}

    def work() -> None:
        try:
            outcome["result"] = engine.run(request, checkpoint)
        except BaseException as exc:  # handed to the main thread below
            outcome["error"] = exc

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not token.cancelled:
            say(f"{name} received: stopping the running stage cleanly (the checkpoint is kept)")
        token.cancel(f"{name} received")

    previous = {sig: signal.signal(sig, on_signal) for sig in SIGNALS}
    try:
        worker = threading.Thread(target=work, name="procedure", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    error = outcome.get("error")
    if isinstance(error, StateError):
        say(str(error))
        return ExitCode.BAD_INPUT
    if isinstance(error, BaseException):
        raise error
    result = outcome["result"]
    assert isinstance(result, RunResult)
    code = (
        ExitCode.INTERRUPTED
        if token.cancelled and result.exit_code != ExitCode.DONE
        else result.exit_code
    )
    if code != ExitCode.DONE:
        # Scripts read stderr: the one line that says why, even when stdout is JSON.
        say(f"{result.message} (exit {int(code)}; `vixens-tui status` has the details)")
    return int(code)
