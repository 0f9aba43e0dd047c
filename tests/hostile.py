"""Helpers for the hostile-file tables: the real CLI in a process of its own (forked from one
that has imported it: tests/forked_cli.py), under a memory limit and a deadline, and what a
clean refusal looks like.

A hang is a failure: every run has a generous deadline (the machine is shared), and the child
is killed when it passes it. The address-space limit keeps a runaway read (a symlink to
/dev/zero) from taking the shared machine down with it: the child fails instead.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

from tests.forked_cli import run_forked

DEADLINE_S = 30.0
MEMORY_LIMIT = 3 << 30
FAKE_BANNER = "[fake backends for"
RECORDING_HOOK = "tests.recording_backends:make"


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    code: int | None
    """None: the command was still running at the deadline (killed)."""
    stdout: str
    stderr: str

    @property
    def hung(self) -> bool:
        return self.code is None

    def describe(self) -> str:
        if self.hung:
            return f"`vixens-tui {' '.join(self.args)}` hung (killed after {DEADLINE_S:.0f}s)"
        return (
            f"`vixens-tui {' '.join(self.args)}` exit {self.code}\n"
            f"stdout: {self.stdout[-1200:]}\nstderr: {self.stderr[-2500:]}"
        )

    def messages(self) -> list[str]:
        """stderr without the fake backends' banner (a test artefact, not the product's)."""
        return [line for line in self.stderr.splitlines() if not line.startswith(FAKE_BANNER)]


def run(args: list[str], env: dict[str, str]) -> Outcome:
    """The real CLI's `main` with `args` in a process of its own, killed at the deadline."""
    env = {**env, "MALLOC_ARENA_MAX": "2"}  # threads' malloc arenas count against RLIMIT_AS
    done = run_forked(args, env, timeout=DEADLINE_S, limits=((resource.RLIMIT_AS, MEMORY_LIMIT),))
    return Outcome(tuple(args), done.code, done.stdout, done.stderr)


def assert_no_traceback(outcome: Outcome) -> None:
    assert not outcome.hung, outcome.describe()
    for text in (outcome.stdout, outcome.stderr):
        assert "Traceback" not in text, outcome.describe()
        assert "Exception ignored" not in text, outcome.describe()
        assert "MemoryError" not in text and "RecursionError" not in text, outcome.describe()


def assert_refused(outcome: Outcome, *says: str) -> str:
    """Exit 2, one line on stderr (saying `says`), no traceback. Returns that line."""
    assert_no_traceback(outcome)
    assert outcome.code == 2, outcome.describe()
    lines = outcome.messages()
    assert len(lines) == 1 and lines[0].startswith("vixens-tui: "), outcome.describe()
    for fragment in says:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def calls_of(path: Path) -> list[str]:
    """The Terraform and cluster calls the recording backends made (see recording_backends)."""
    return path.read_text().splitlines() if path.exists() else []


def environ_for_recording(env: dict[str, str], calls: Path) -> dict[str, str]:
    return {**env, "VIXENS_TUI_BACKENDS": RECORDING_HOOK, "VIXENS_CALLS_FILE": str(calls)}


def fifo(path: Path) -> None:
    """Replace `path` with a FIFO nobody writes to (a blocking read would wait forever)."""
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)


def symlink(path: Path, target: str | Path) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)
