"""End-to-end: the real command, `--demo`: the simulated cluster and the real Terraform engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cliutil import CLI, ROOT, env_for
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState

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


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    env = env_for(tmp_path / "state")
    env["VIXENS_TUI_DEMO_DIR"] = str(tmp_path / "demo")
    d = Demo(tmp_path, env)
    yield d
    d.stop_simulator()
