"""`vixens-tui` without --auto: the interactive TUI, with the CLI contract's exit codes.

The environment's lock is taken before Textual starts (another run: exit 4, nothing drawn) and
released only after the run has stopped and its checkpoint is saved, even when the person quits
in the middle of a stage or the terminal sends SIGTERM/SIGHUP.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING

from vixens_tui.core.checkpoint.lock import EnvLock
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.options import Options
from vixens_tui.text.stderr import say
from vixens_tui.wiring import Session, run_session

if TYPE_CHECKING:
    from vixens_tui.tui.app import VixensApp

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def run(options: Options, lock: EnvLock | None = None) -> int:
    """Run the TUI; the process exit code (docs/architecture.md, CLI contract).

    `lock` is the environment's lock, already held (the CLI takes it before anything else);
    without one, it is taken here, first.
    """
    return run_session(options, lock, _run_app, say)


HANGUP_GRACE_S = 1.0
"""After the run has stopped, how long Textual gets to wind down on a dead terminal."""


def _hangup_watchdog(app: VixensApp) -> None:
    # Textual 8.2.8 can block forever restoring a terminal that is gone (its writer queue
    # never drains). Let the run stop first: its checkpoint is written before run_done.
    app.run_done.wait(120)
    time.sleep(HANGUP_GRACE_S)
    # Still here: close the backends and leave; the kernel drops the environment's lock.
    app.shutdown(timeout=5)
    os._exit(int(ExitCode.INTERRUPTED))


def _run_app(session: Session) -> int:
    from vixens_tui.tui.app import make_app

    app = make_app(session.options, profile=session.profile, state=session.state)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        app.interrupt(f"{signal.Signals(signum).name} received")
        if signum == signal.SIGHUP:
            # The terminal is gone: if Textual cannot wind down without it, do not wait
            # forever. The watchdog still lets the run stop and save its checkpoint.
            threading.Thread(target=_hangup_watchdog, args=(app,), daemon=True).start()

    previous = {sig: signal.signal(sig, on_signal) for sig in SIGNALS}
    try:
        code = app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if app.running:
            say("stopping the running stage cleanly; the checkpoint is being saved…")
        if not app.shutdown():
            say("the run did not stop in time; its checkpoint may say 'running' (--resume)")
    if app.startup_error:
        say(f"cannot start: {app.startup_error}")
    if code is None:
        # Textual ended without an exit code (a crash it already reported).
        return app.exit_code if app.result is not None else 1
    if app.cancel.cancelled and app.result is not None and app.result.exit_code != 0:
        return ExitCode.INTERRUPTED
    return int(code)
