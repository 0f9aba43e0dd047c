"""The forked CLI of the bad-input tables (tests/forked_cli.py) behaves as `python -m vixens_tui`:
same exit code, same output, for a usage error, a read-only command, a refused run, a corrupt
checkpoint, a run that completes and one that hangs."""

from __future__ import annotations

import re
import resource
import subprocess
import time
from pathlib import Path

import pytest

from tests.cliutil import CLI, ROOT, env_for, profile_file, run_command
from tests.forked_cli import run_forked
from vixens_tui.core.checkpoint.store import EnvState


def real(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = run_command(args, env)
    return done.returncode, done.stdout, done.stderr


def forked(args: list[str], env: dict[str, str]) -> tuple[int | None, str, str]:
    done = run_forked(args, env, timeout=60)
    return done.code, done.stdout, done.stderr


def corrupt(state: Path) -> None:
    EnvState(state, "dev").ensure().checkpoint_path.write_text('{"run_id": ')


CASES: list[tuple[str, list[str], dict[str, object] | None]] = [
    ("usage-error", ["--bogus"], None),
    ("version", ["--version"], None),
    ("status-empty", ["status"], None),
    ("status-json-empty", ["status", "--json"], None),
    ("no-terminal", [], None),
    ("needs-yes", ["--auto", "--config", "{profile}"], {}),
    ("fake-run", ["--auto", "--yes", "--json", "--config", "{profile}"], {}),
    ("failed-run", ["--auto", "--yes", "--config", "{profile}"], {"fail_stage": {"apply": 9}}),
]


@pytest.mark.parametrize(("args", "fake"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_forked_runs_as_the_real_command(
    tmp_path: Path, args: list[str], fake: dict[str, object] | None
) -> None:
    profile = profile_file(tmp_path / "p")
    argv = [a.replace("{profile}", str(profile)) for a in args]
    outcomes = []
    for name, runner in (("real", real), ("forked", forked)):
        env = {**env_for(tmp_path / name, fake), "TZ": "UTC"}
        outcomes.append(runner(argv, env))
    (code, out, err), (fcode, fout, ferr) = outcomes
    assert fcode == code, (outcomes, argv)
    # Run ids, times and state paths differ between the two runs; the shape does not.
    assert _shape(fout, tmp_path) == _shape(out, tmp_path), outcomes
    assert _shape(ferr, tmp_path) == _shape(err, tmp_path), outcomes


def _shape(text: str, tmp_path: Path) -> list[str]:
    text = text.replace(str(tmp_path / "forked"), "STATE").replace(str(tmp_path / "real"), "STATE")
    # The cluster's periodic snapshots come when the clock says, between other events.
    return [_words(line) for line in text.splitlines() if '"type":"cluster"' not in line]


def _words(line: str) -> str:
    """The line without run ids, times and durations."""
    return re.sub(r"\d+(\.\d+)?", "#", re.sub(r"\d{8}T\d{6}-[0-9a-f]{6}", "RUN", line))


def test_a_corrupt_checkpoint_is_moved_aside_the_same_way(tmp_path: Path) -> None:
    profile = profile_file(tmp_path / "p")
    args = ["--auto", "--yes", "--resume", "--config", str(profile)]
    results = {}
    for name, runner in (("real", real), ("forked", forked)):
        state = tmp_path / name
        corrupt(state)
        code, _out, err = runner(args, env_for(state, {}))
        kept = sorted(p.name.split("-")[0] for p in (state / "dev").glob("checkpoint.json.*"))
        results[name] = (code, kept, _shape(err, tmp_path))
    assert results["forked"] == results["real"]
    assert results["real"][0] == 2


def test_a_run_past_its_deadline_is_killed(tmp_path: Path) -> None:
    profile = profile_file(tmp_path / "p", timeout=600)
    slow = {"faults": {"slow": 60}}  # every fake step waits a minute
    started = time.monotonic()
    done = run_forked(
        ["--auto", "--yes", "--config", str(profile)], env_for(tmp_path / "state", slow), timeout=3
    )
    assert done.code is None, done
    assert time.monotonic() - started < 30


def test_a_file_size_limit_applies_to_files_not_to_the_output_pipes(tmp_path: Path) -> None:
    """As under `ulimit -f` in a shell: the checkpoint cannot be written, the message gets out."""
    profile = profile_file(tmp_path / "p")
    args = ["--auto", "--yes", "--config", str(profile)]
    limit = 2048

    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    shell = subprocess.run(
        [*CLI, *args],
        env=env_for(tmp_path / "real", {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        preexec_fn=preexec,
    )
    done = run_forked(
        args,
        env_for(tmp_path / "forked", {}),
        timeout=60,
        limits=((resource.RLIMIT_FSIZE, limit),),
    )
    assert (done.code, _shape(done.stderr, tmp_path)) == (
        shell.returncode,
        _shape(shell.stderr, tmp_path),
    )
    assert done.code == 2 and "cannot write checkpoint" in done.stderr, done
