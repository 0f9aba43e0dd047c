"""The lock comes first: a second run of an environment is refused (exit 4) before it reads
its profile, imports anything heavy or starts a demo cluster, so it has done nothing at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cliutil import ROOT, env_for, profile_file, run_cli, run_command
from vixens_tui.core.checkpoint.store import EnvState

PROBE = """
import sys
from vixens_tui.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("pydantic", "kubernetes", "textual", "httpx", "yaml") if m in sys.modules)
print("heavy:" + ",".join(heavy))
sys.exit(code)
"""


def _held(state_dir: Path, key: str) -> EnvState:
    return EnvState(state_dir, key).ensure()


@pytest.mark.parametrize("mode", ["--auto", "tui"])
def test_a_second_run_is_refused_before_it_does_anything(tmp_path: Path, mode: str) -> None:
    state_dir = tmp_path / "state"
    demo_dir = tmp_path / "demo"
    args = ["--demo", "--auto", "--yes"] if mode == "--auto" else ["--demo"]
    env = env_for(state_dir, VIXENS_TUI_DEMO_DIR=str(demo_dir), VIXENS_TUI_FORCE_TUI="1")
    with _held(state_dir, "dev-demo").lock():
        result = subprocess.run(
            [sys.executable, "-c", PROBE, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr
    assert "is locked by pid" in result.stderr
    # Nothing heavy was even imported, no profile read, no demo workspace, no cluster.
    assert "heavy:\n" in result.stdout, result.stdout
    assert not demo_dir.exists()


def test_the_lock_is_told_before_a_bad_profile(tmp_path: Path) -> None:
    profile = profile_file(tmp_path)
    profile.write_text(profile.read_text().replace("kubernetes_version", "kubernetes_versoin", 1))
    state_dir = tmp_path / "state"
    with _held(state_dir, "dev").lock():
        result = run_command(["--auto", "--yes", "--config", str(profile)], env_for(state_dir))
    assert result.returncode == 4, result.stderr
    assert "is locked by pid" in result.stderr


def test_an_unusable_state_directory_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = run_command(["--auto", "--yes", "--demo"], env_for(tmp_path / "a-file" / "state"))
    assert result.returncode == 2, result.stderr
    assert "is not writable" in result.stderr and "--state-dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_says_that_it_ignores_context(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    with _held(state_dir, "dev-demo").lock():  # exit 4 at once: only the warning matters here
        result = run_command(
            ["--demo", "--auto", "--yes", "--context", "admin@prod"],
            env_for(state_dir, VIXENS_TUI_DEMO_DIR=str(tmp_path / "demo")),
        )
    assert "--context admin@prod is ignored with --demo" in result.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_status_of_a_run_that_holds_the_lock_before_its_first_checkpoint(
    tmp_path: Path, as_json: bool
) -> None:
    """The lock comes first, so a run is visible before it has written anything: status must
    say a run is starting, not "no run recorded" (someone would start a second one)."""
    state_dir = tmp_path / "state"
    with _held(state_dir, "dev").lock():
        result = run_cli(["status", *(["--json"] if as_json else [])], env_for(state_dir))
    assert result.returncode == 0, result.stderr
    if as_json:
        shown = json.loads(result.stdout)
        assert shown["run"] is None and f"pid {os.getpid()}" in shown["lock"], shown
    else:
        assert "a run is starting" in result.stdout and f"pid {os.getpid()}" in result.stdout
        assert "no run recorded" not in result.stdout
