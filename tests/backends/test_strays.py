"""Which processes count as a Terraform left behind by a killed vixens-tui (Linux /proc)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vixens_tui.backends.terraform.strays import find_strays

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")

# A stand-in for the starter of a terraform: it starts `terraform` (a script of that name, as
# the embedded engine's shim is) in DIR as a session leader, prints its pid, then either exits
# (orphaning it) or stays. With SUBREAPER it first becomes a child subreaper, as
# `systemd --user` is on an admin host, and the orphan is adopted by it instead of by init.
#
# The starters' command lines name neither the directory (it comes in STRAYS_DIR) nor the
# venv's interpreter: a vixens-tui is recognised by its command line, and a clone's venv lives
# in a directory named vixens-tui (`git clone` names it so), so a subreaper run as
# `.../vixens-tui/.venv/bin/python -c ...` would pass for a live vixens-tui and its orphan would
# rightly not be a stray. They run on the base interpreter (only the standard library is needed).
STARTER = textwrap.dedent(
    """
    import ctypes, os, subprocess, sys, time
    directory, mode = os.environ["STRAYS_DIR"], sys.argv[1]
    if mode == "subreaper":
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        middle = subprocess.Popen(
            [sys.executable, "-c", sys.argv[2], "exit"], stdout=subprocess.PIPE, text=True
        )
        print(middle.stdout.readline().strip(), flush=True)
        middle.wait()
        time.sleep(60)
    else:
        child = subprocess.Popen(
            [sys.executable, directory + "/terraform"], cwd=directory, start_new_session=True
        )
        print(child.pid, flush=True)
        if mode == "stay":
            time.sleep(60)
    """
)
BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))


class Spawned:
    """What a test started: stopped and reaped afterwards, whatever happened."""

    def __init__(self) -> None:
        self.pids: list[int] = []
        self.children: list[subprocess.Popen[str]] = []

    def popen(self, argv: list[str], **kwargs: object) -> subprocess.Popen[str]:
        child: subprocess.Popen[str] = subprocess.Popen(argv, text=True, **kwargs)  # type: ignore[call-overload]
        self.children.append(child)
        return child

    def close(self) -> None:
        for pid in self.pids + [c.pid for c in self.children]:
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(pid, signal.SIGKILL)
        for child in self.children:
            child.wait(10)
            if child.stdout is not None:
                child.stdout.close()


@pytest.fixture
def spawned() -> Iterator[Spawned]:
    made = Spawned()
    yield made
    made.close()


def start(directory: Path, mode: str, spawned: Spawned, script: str = "-c") -> int:
    """Start STARTER (as `python -c`, or from the file `script`); the terraform's pid."""
    head = ["-c", STARTER] if script == "-c" else [script]
    starter = spawned.popen(
        [BASE_PYTHON, *head, mode, STARTER],
        stdout=subprocess.PIPE,
        env={**os.environ, "STRAYS_DIR": str(directory)},
    )
    assert starter.stdout is not None
    pid = int(starter.stdout.readline())
    spawned.pids.append(pid)
    if mode == "exit":
        starter.wait(10)
    return pid


def terraform_dir(tmp_path: Path, script: str = "terraform") -> Path:
    directory = tmp_path / "tf"
    directory.mkdir()
    (directory / script).write_text("import time\ntime.sleep(60)\n")
    return directory


def eventually(predicate: object, timeout: float = 30.0) -> bool:
    """Whether `predicate` holds within `timeout` (generous: a loaded machine is slow to
    reparent and to start Pythons; a passing test returns at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_an_orphan_adopted_by_a_subreaper_is_a_stray(tmp_path: Path, spawned: Spawned) -> None:
    directory = terraform_dir(tmp_path)
    pid = start(directory, "subreaper", spawned)
    assert eventually(lambda: pid in find_strays(directory)), Path(f"/proc/{pid}/stat").read_text()
    assert int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) != 1


def test_an_orphan_adopted_by_init_is_a_stray(tmp_path: Path, spawned: Spawned) -> None:
    directory = terraform_dir(tmp_path)
    pid = start(directory, "exit", spawned)
    assert eventually(lambda: pid in find_strays(directory))


def test_a_terraform_whose_starter_lives_is_not_a_stray_when_the_starter_is_vixens_tui(
    tmp_path: Path, spawned: Spawned
) -> None:
    directory = terraform_dir(tmp_path)
    # The starter's command line names vixens_tui, as a running `python -m vixens_tui` does.
    runner = tmp_path / "vixens_tui_runner.py"
    runner.write_text(STARTER)
    pid = start(directory, "stay", spawned, script=str(runner))
    # The pid is printed once the terraform runs (Popen returns after its exec): no wait.
    assert pid not in find_strays(directory)
    # The same terraform, once its vixens-tui is gone, is one.
    for child in spawned.children:
        child.kill()
        child.wait(10)
    assert eventually(lambda: pid in find_strays(directory))


def test_a_session_leader_that_is_not_terraform_is_left_alone(
    tmp_path: Path, spawned: Spawned
) -> None:
    # A tmux server started in the Terraform directory leads its own session and is orphaned
    # (adopted by init) too: it is not ours to stop.
    directory = terraform_dir(tmp_path, script="tmux")
    launcher = spawned.popen(
        [sys.executable, "-c", ORPHAN, str(directory / "tmux"), str(directory)],
        stdout=subprocess.PIPE,
    )
    assert launcher.stdout is not None
    pid = int(launcher.stdout.readline())
    spawned.pids.append(pid)
    launcher.wait(10)
    # The launcher is reaped, so the "tmux" is adopted already (at its parent's exit).
    assert Path(f"/proc/{pid}").exists()
    assert pid not in find_strays(directory)


ORPHAN = (
    "import subprocess, sys\n"
    "p = subprocess.Popen([sys.executable, sys.argv[1]], cwd=sys.argv[2], start_new_session=True)\n"
    "print(p.pid, flush=True)\n"
)
