"""The one-line messages of every command on stderr: `vixens-tui: MESSAGE`."""

from __future__ import annotations

import contextlib
import sys


def say(message: str) -> None:
    """One line on stderr; nothing when stderr is gone (the SSH session dropped)."""
    with contextlib.suppress(OSError, ValueError):
        print(f"vixens-tui: {message}", file=sys.stderr, flush=True)
