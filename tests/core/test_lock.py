from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from vixens_tui.core.checkpoint.lock import EnvLock, LockHeld, read_holder
from vixens_tui.core.checkpoint.store import EnvState


def test_second_lock_names_the_holder(state: EnvState) -> None:
    with state.lock():
        assert read_holder(state.lock_path) is not None
        with pytest.raises(LockHeld) as err:
            EnvLock(state.lock_path, "dev").acquire()
    holder = err.value.holder
    assert holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname()
    assert f"pid {os.getpid()} on {socket.gethostname()}" in str(err.value)
    assert read_holder(state.lock_path) is None


def test_lock_of_a_killed_process_is_taken_over(state: EnvState) -> None:
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from vixens_tui.core.checkpoint.lock import EnvLock\n"
        f"EnvLock(Path({str(state.lock_path)!r}), 'dev').acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld, match=f"pid {child.pid}"):
            EnvLock(state.lock_path, "dev").acquire()
        child.kill()
        child.wait()
        deadline = time.monotonic() + 5
        lock = EnvLock(state.lock_path, "dev")
        while True:
            try:
                lock.acquire()
                break
            except LockHeld:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert lock.previous is not None and lock.previous.pid == child.pid
        assert lock.took_over_dead_holder()
        lock.release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stdout is not None
        child.stdout.close()
