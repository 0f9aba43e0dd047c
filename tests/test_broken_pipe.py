"""`vixens-tui status --json | head -1` and friends: when the reader goes away, the command
stops quietly (the usual Unix way), never with a BrokenPipeError traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cliutil import CLI, ROOT, env_for, profile_file, run_cli

COMMANDS = {
    "status-no-run": ["status"],
    "status-json-no-run": ["status", "--json"],
    "status-a-run": ["status", "RUN"],
    "status-json-a-run": ["status", "--json", "RUN"],
    "profile-show": ["profile", "show"],
    "profile-path": ["profile", "path"],
    "help": ["--help"],
    "version": ["--version"],
    "headless-run-json": ["--auto", "--yes", "--json", "--only", "preflight", "FAKES"],
}


def to_a_closed_pipe(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run with stdout on a pipe whose reader has already gone (what `| head -1` leaves)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [*CLI, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_closed_stdout_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    profile = profile_file(tmp_path)
    state = tmp_path / "state"
    if "RUN" in args:  # a recorded run: a long status, in text or JSON
        first = run_cli(["--auto", "--yes", "--config", str(profile)], env_for(state, {}))
        assert first.returncode == 0, first.stderr
    fakes = {} if "FAKES" in args else None
    args = [a for a in args if a not in ("RUN", "FAKES")] + ["--config", str(profile)]
    if args[0] in ("--help", "--version"):
        args = args[:1]
    result = to_a_closed_pipe(args, env_for(state, fakes))
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, (
        result.stderr
    )
    assert "Exception ignored" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("[fake backends")]
    assert lines == [], result.stderr
    # 141 is the shell's code for a command stopped by SIGPIPE; `--help` and `--version`
    # (argparse) end before noticing.
    assert result.returncode in (0, 141), result.stderr
