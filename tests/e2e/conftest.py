"""End-to-end: the real command, `--demo`: the simulated cluster and the real Terraform engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cliutil import CLI, ROOT, env_for
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState

KNOWN_ISSUES = (
    "cilium-destroy-timeout,cert-manager-namespace-missing,repo-server-eof,node-reset-failed"
)
"""Every known issue the demo can show, in one run (test_demo's, shared with test_security)."""
SPEED = "200"


@dataclass
class Demo:
    root: Path
    env: dict[str, str]
    key: str = "dev-demo"

    @property
    def state(self) -> EnvState:
        return EnvState(self.root / "state", self.key)

    @property
    def workspace(self) -> Path:
        return self.root / "demo" / self.key

    @property
    def tf_dir(self) -> Path:
        """The demo's Terraform directory: environments/dev of its copy of the user's repo."""
        return self.workspace / "repo" / "terraform" / "environments" / "dev"

    def state_resources(self) -> list[str]:
        """The managed resources of the demo's Terraform state, read from its file (a
        `terraform state list` needs the simulated providers, gone with a finished demo)."""
        state = json.loads((self.tf_dir / "terraform.tfstate").read_text())
        found = []
        for resource in state["resources"]:
            if resource["mode"] != "managed":
                continue
            prefix = f"{resource['module']}." if resource.get("module") else ""
            for instance in resource["instances"]:
                key = instance.get("index_key")
                index = "" if key is None else f"[{json.dumps(key)}]"
                found.append(f"{prefix}{resource['type']}.{resource['name']}{index}")
        return found

    def args(self, *extra: str, faults: str = "") -> list[str]:
        out = ["--demo", "--auto", "--yes", "--speed", SPEED, *extra]
        if faults:
            out += ["--faults", faults]
        return out

    def run(
        self, *extra: str, faults: str = "", timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *self.args(*extra, faults=faults)],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )

    def start(self, *extra: str, faults: str = "") -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CLI, *self.args(*extra, faults=faults)],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def checkpoint(self) -> Checkpoint:
        cp = self.state.load()
        assert cp is not None
        return cp

    def journal(self, run_id: str | None = None) -> list[dict[str, Any]]:
        return list(self.state.read_journal(run_id))

    def stop_simulator(self) -> None:
        try:
            info = json.loads((self.workspace / "sim.json").read_text())
        except (OSError, ValueError):
            return
        pid = int(info["pid"])
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def new_demo(root: Path) -> Demo:
    env = env_for(root / "state")
    env["VIXENS_TUI_DEMO_DIR"] = str(root / "demo")
    return Demo(root, env)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    d = new_demo(tmp_path)
    yield d
    d.stop_simulator()


FinishedDemo = tuple[Demo, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def finished_demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], FinishedDemo]]:
    """`finished_demo(faults)`: a whole `--demo` run with those faults, made once per session
    (per worker) and shared by the tests that only read its output, state and workspace (a run
    costs some 12 s of CPU). Tests sharing one are marked `xdist_group` so one worker runs them.
    """
    made: dict[str, FinishedDemo] = {}

    def get(faults: str) -> FinishedDemo:
        if faults not in made:
            d = new_demo(tmp_path_factory.mktemp("finished-demo"))
            made[faults] = (d, d.run(faults=faults))
        return made[faults]

    yield get
    for d, _ in made.values():
        d.stop_simulator()


# -- shared by the chaos, signal, fault and security tests -------------------------------------


class EventStream:
    """Reads a `--json` run's stdout and stderr in threads (so no pipe ever fills) and keeps
    every event; `wait_for` blocks until an event matching a predicate has been read."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        self._done = False
        self._threads = [
            threading.Thread(target=self._read, name="demo-stdout", daemon=True),
            threading.Thread(target=self._read_err, name="demo-stderr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                self.raw.append(line)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                with self._cond:
                    self.events.append(event)
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)

    def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any] | None:
        """The first event (from the start) matching `match`; None if the output ends (or
        the timeout passes) first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for event in self.events[seen:]:
                    if match(event):
                        return event
                seen = len(self.events)
                left = deadline - time.monotonic()
                if self._done or left <= 0:
                    return None
                self._cond.wait(min(left, 0.5))

    def finish(self, timeout: float = 150) -> int:
        """Wait for the process (killed past `timeout`) and the readers; the exit code."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return self.proc.returncode

    @property
    def stdout(self) -> str:
        return "".join(self.raw)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


def processes_in(directory: Path) -> list[int]:
    """PIDs of the live processes whose working directory is `directory` (Linux /proc)."""
    target = directory.resolve()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == target:
                found.append(int(entry.name))
        except OSError:
            continue
    return found
