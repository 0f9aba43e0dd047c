"""`vixens_tui.tui.launch.run`: what happens before Textual starts (it never starts here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cliutil import profile_file
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.options import Options
from vixens_tui.tui import launch


def test_another_run_holds_the_lock_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = Options(config=profile_file(tmp_path / "env"), state_dir=tmp_path / "state")
    state = EnvState(tmp_path / "state", "dev").ensure()
    with state.lock():
        assert launch.run(options) == ExitCode.LOCKED
    err = capsys.readouterr().err
    assert "is locked by pid" in err and "dev" in err


def test_a_bad_profile_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = profile_file(tmp_path / "env")
    path.write_text(path.read_text().replace('name = "dev"', 'name = "Not A DNS Name"', 1))
    assert launch.run(Options(config=path, state_dir=tmp_path / "state")) == ExitCode.BAD_INPUT
    assert "vixens-tui:" in capsys.readouterr().err


def test_an_unwritable_state_dir_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state directory should be")
    options = Options(config=profile_file(tmp_path / "env"), state_dir=blocker)
    assert launch.run(options) == ExitCode.BAD_INPUT
