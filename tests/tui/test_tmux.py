"""End to end, as a person uses it: the real `vixens-tui` in a 120x40 tmux session, on the
in-memory backends (VIXENS_TUI_BACKENDS hook), driven by key presses, read from the screen.

Every key sent is one the screen shows at that moment (the footer or the dialog); that is
asserted before each key is sent.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cliutil import ROOT, env_for, profile_file
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import STAGE_ORDER, StageName

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed: the end-to-end test needs it"
)

KNOWN_ISSUES = ("cilium-destroy-timeout", "cert-manager-namespace-missing", "repo-server-eof")


class Terminal:
    """A detached tmux session of a fixed size on its own server socket."""

    def __init__(self, root: Path, command: list[str], env: dict[str, str]) -> None:
        self.socket = f"vixens-e2e-{os.getpid()}-{time.monotonic_ns()}"
        self.pid_file = root / "tui.pid"
        script = root / "run.sh"
        exports = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())
        script.write_text(
            # A tmux server started without a terminal hands its panes COLUMNS=80 LINES=24,
            # which would win over the pane's real size: a person's shell has neither.
            f"{exports}\nunset COLUMNS LINES\ncd {shlex.quote(str(ROOT))}\n"
            f"echo $$ > {shlex.quote(str(self.pid_file))}\n"
            # The shell stays, so the exit code can be read on the screen afterwards.
            f"{shlex.join(command)}\necho EXIT=$?\nsleep 600\n"
        )
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40",
            f"sh {shlex.quote(str(script))}",
        )  # fmt: skip

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def footer(self) -> str:
        lines = [line for line in self.screen().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never saw {texts!r} on the screen:\n{screen}")

    def press(self, key: str, *, shown: str) -> None:
        """Send a key once a person can see it on the screen (`shown`: how the screen shows
        it, in the footer or a dialog)."""
        self.wait_for(shown, timeout=10)
        self.tmux("send-keys", "-t", "e2e", key)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "e2e", "-l", text)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for term in made:
        term.kill()


def stage_bar(screen: str) -> str:
    """The stage bar's line of names (the first line naming preflight)."""
    return next((line for line in screen.splitlines() if "preflight" in line), "")


def start(
    tmp_path: Path, terminal: list[Terminal], fake: dict[str, object], *args: str
) -> tuple[Terminal, Path]:
    profile = profile_file(tmp_path / "env", timeout=20)
    state_dir = tmp_path / "state"
    env = env_for(state_dir, fake)
    env["TERM"] = "xterm-256color"
    term = Terminal(
        tmp_path,
        [str(ROOT / ".venv/bin/python"), "-m", "vixens_tui", "--config", str(profile), *args],
        env,
    )
    terminal.append(term)
    return term, state_dir


@pytest.mark.long
def test_a_person_rebuilds_dev_through_the_three_known_issues(
    tmp_path: Path, terminal: list[Terminal]
) -> None:
    faults = {"cilium_destroy": 1, "cert_manager_namespace": True, "repo_server_eof": True}
    term, state_dir = start(tmp_path, terminal, {"faults": faults})

    screen = term.wait_for("Press  s  to rebuild dev", "s Start")
    assert all(stage.value in screen for stage in STAGE_ORDER)
    assert "Checklist · 0/13 proved" in screen
    term.press("s", shown="s Start")

    screen = term.wait_for("Destroy the cluster?", "Type  dev  and press Enter")
    assert "This destroys environment dev" in screen
    term.type("dev")
    term.press("Enter", shown="and press Enter")

    for issue in KNOWN_ISSUES:
        screen = term.wait_for("Known issue", f"({issue}, stage", "Your call:")
        assert "Press  f  to apply the fix" in screen and "evidence:" in screen
        term.press("f", shown=" f Fix")
        # The key was enough: the bar for this issue goes away.
        deadline = time.monotonic() + 20
        while f"({issue}, stage" in term.screen():
            assert time.monotonic() < deadline, term.screen()
            time.sleep(0.1)

    term.wait_for("run done (exit 0)", "Checklist · 13/13 proved")
    # (the "Run done" notice covers the right-hand panes for a few seconds)
    # Every stage ticked on the stage bar. Polled, not read once: a capture can fall between
    # the terminal's reads of one frame (seen once in CI: the bar a frame behind the status).
    screen = term.wait_for("Nodes · 3/3 Ready", "13/13 Synced/Healthy", timeout=10)
    deadline = time.monotonic() + 10
    while not all(f"✓ {stage.value}" in stage_bar(screen) for stage in STAGE_ORDER):
        assert time.monotonic() < deadline, screen
        time.sleep(0.1)
        screen = term.screen()
    assert "Checklist · 13/13 proved" in screen and "run done (exit 0)" in screen
    assert "Known issue" not in screen and "✗" not in screen
    term.press("q", shown="q Quit")
    term.wait_for("EXIT=0")

    cp = EnvState(state_dir, "dev").load()
    assert cp is not None and cp.outcome is Outcome.DONE and cp.mode == "tui"
    assert [(f.issue_id, f.by) for f in cp.fixes] == [(i, "user") for i in KNOWN_ISSUES]
    assert all(c.state.value == "proved" for c in cp.checklist)


@pytest.mark.long
@pytest.mark.parametrize("how", ["sigterm", "terminal-closed"])
def test_a_signal_stops_the_running_stage_and_saves_the_checkpoint(
    tmp_path: Path, terminal: list[Terminal], how: str
) -> None:
    pgid_file = tmp_path / "pgid"
    fake = {"child": {"stage": "apply", "pgid_file": str(pgid_file)}}
    term, state_dir = start(tmp_path, terminal, fake, "--from", "apply")
    term.wait_for("s Start")
    term.press("s", shown="s Start")
    deadline = time.monotonic() + 20
    while not (pgid_file.exists() and pgid_file.read_text().strip()):
        assert time.monotonic() < deadline, term.screen()
        time.sleep(0.05)
    pgid = int(pgid_file.read_text())
    term.wait_for("▶ apply")
    shell = term.pid_file.read_text().strip()
    found = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True, check=True)
    tui = int(found.stdout.split()[0])  # vixens-tui, the shell's child
    if how == "sigterm":
        os.kill(tui, signal.SIGTERM)
        term.wait_for("EXIT=130")
    else:
        term.kill()  # the terminal goes away: SIGHUP
        deadline = time.monotonic() + 30
        while Path(f"/proc/{tui}").exists():
            assert time.monotonic() < deadline, "vixens-tui outlived its terminal"
            time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)  # Terraform's whole process group is gone
    cp = EnvState(state_dir, "dev").load()
    assert cp is not None and cp.outcome is Outcome.INTERRUPTED and cp.exit_code == 130
    assert cp.stage(StageName.APPLY).status is StageStatus.INTERRUPTED
    assert (
        json.loads((state_dir / "dev" / "checkpoint.json").read_text())["outcome"] == "interrupted"
    )
