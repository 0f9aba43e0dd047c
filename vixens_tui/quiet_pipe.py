"""Commands whose output goes to a pipe that may close early (`vixens-tui status | head -1`).

The reader has what it wanted; a traceback about it would be noise. Python ignores SIGPIPE, so
a write to a closed pipe raises BrokenPipeError: the usual Unix way is to stop quietly. This is
the recipe of Python's documentation (signal module, "Note on SIGPIPE"): point stdout at
/dev/null, so that the interpreter's last flush at exit cannot fail a second time, and exit
with the shell's code for a process stopped by SIGPIPE.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
"""141: what a shell reports for `cmd | head -1` when cmd is stopped by SIGPIPE."""


def quiet_on_broken_pipe(command: Callable[P, int]) -> Callable[P, int]:
    """`command`, flushing its output before it returns; a closed stdout ends it quietly."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            code = command(*args, **kwargs)
            sys.stdout.flush()  # a write may sit in the buffer: fail here, not at exit
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return EXIT_BROKEN_PIPE
        return code

    return run
