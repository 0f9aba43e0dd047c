"""Exit codes of the CLI contract (docs/architecture.md). Tests and scripts depend on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    DONE = 0
    """The run finished: every planned stage done."""
    STAGE_FAILED = 1
    """A stage failed in a way worth retrying (`--resume` continues there)."""
    BAD_INPUT = 2
    """Usage, profile or input error: nothing was changed."""
    NEEDS_HUMAN = 3
    """An unknown failure in --auto, a fix that is never automatic, or an unprovable checklist item."""
    LOCKED = 4
    """Another run holds the environment's lock."""
    INTERRUPTED = 130
    """Stopped by a signal; the checkpoint is saved."""
