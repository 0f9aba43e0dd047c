"""SIGINT, SIGTERM and SIGHUP stop the running stage cleanly: the child's process group is
signalled and reaped, the checkpoint says "interrupted", the exit code is 130, resume works."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.cliutil import env_for, profile_file, run_cli, start_cli
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name
)
def test_signal_during_terraform_interrupts_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    path = profile_file(tmp_path, timeout=60)
    state_dir = tmp_path / "state"
    pgid_file = tmp_path / "pgid"
    fake = {"child": {"stage": "apply", "pgid_file": str(pgid_file)}}
    proc = start_cli(["--auto", "--yes", "--config", str(path)], env_for(state_dir, fake))
    try:
        deadline = time.monotonic() + 30
        while not (pgid_file.exists() and pgid_file.read_text().strip()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "terraform child never started"
            time.sleep(0.05)
        pgid = int(pgid_file.read_text())
        assert group_alive(pgid)
        # No pause: the child writes the file once it is ready for the signal.
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert f"{sig.name} received" in err
    assert "Interrupt received" in out  # terraform's own graceful-stop message reached the log
    assert not group_alive(pgid), "a process of terraform's group outlived the run"
    cp = EnvState(state_dir, "dev").load()
    assert cp is not None
    assert cp.outcome is Outcome.INTERRUPTED and cp.exit_code == 130
    assert cp.stage(StageName.APPLY).status is StageStatus.INTERRUPTED
    assert cp.stage(StageName.DESTROY).status is StageStatus.DONE

    resumed = run_cli(
        ["--auto", "--yes", "--resume", "--config", str(path)], env_for(state_dir, {})
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    cp = EnvState(state_dir, "dev").load()
    assert cp is not None and cp.outcome is Outcome.DONE
    assert cp.stage(StageName.APPLY).attempts == 2
