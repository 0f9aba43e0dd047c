"""Running the real `vixens-tui` command in a process of its own, as a person or a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import write_secret_files
from tests.loopback_only import GUARD_DIR
from vixens_tui.core.profile.loader import builtin_text

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "vixens_tui"]


def profile_file(root: Path, *, timeout: int = 10, name: str = "dev") -> Path:
    """A copy of the built-in profile whose paths point into `root`."""
    tf = root / "terraform"
    tf.mkdir(parents=True, exist_ok=True)
    (tf / "main.tf").write_text("# fake\n")
    gandi, client = write_secret_files(root / "secrets")
    text = builtin_text("dev") or ""
    text = text.replace('name = "dev"', f'name = "{name}"', 1)
    text = text.replace("/root/vixens/terraform/environments/dev", str(tf))
    text = text.replace("/root/vixens/.secrets/dev/gandi-credentials.yaml", str(gandi))
    text = text.replace("/root/vixens/.secrets/dev/client-info.yml", str(client))
    for stage in (
        "preflight",
        "destroy",
        "apply",
        "namespaces",
        "argocd-sync",
        "secrets",
        "validate",
    ):
        text = _set_timeout(text, stage, timeout)
    text = text.replace("wait_progress_s = 10", "wait_progress_s = 0.5", 1)
    # The profile's nodes are the user's (192.168.x): no traffic may go there. Their Talos API
    # is the demo's and the simulator tests' (loopback nodes), not these CLI tests'.
    text = text.replace("talos_api = true", "talos_api = false", 1)
    text = text.replace("required_namespaces", "namespace_grace_s = 1\nrequired_namespaces", 1)
    text = text.replace(
        'root_app = "vixens-app-of-apps"', 'root_app = "vixens-app-of-apps"\nsync_grace_s = 0.5', 1
    )
    path = root / f"{name}.toml"
    path.write_text(text)
    return path


def _set_timeout(text: str, stage: str, seconds: int) -> str:
    head, _, tail = text.partition("[timeouts_s]")
    lines = tail.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"{stage} ="):
            lines[i] = f"{stage} = {seconds}"
            break
    return head + "[timeouts_s]" + "\n".join(lines)


def env_for(state_dir: Path, fake: dict[str, Any] | None = None, **extra: str) -> dict[str, str]:
    # Hermetic: the machine's own KUBECONFIG must not reach the product under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIXENS_") and k != "KUBECONFIG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), GUARD_DIR])  # loopback_only.py
    env["VIXENS_TUI_STATE_DIR"] = str(state_dir)
    env["VIXENS_TUI_CONFIG_DIR"] = str(state_dir / "no-config")
    if fake is not None:
        env["VIXENS_TUI_BACKENDS"] = "tests.cli_backends:make"
        env["VIXENS_FAKE"] = json.dumps(fake)
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`vixens-tui args` to its end, as `subprocess.run(capture_output=True)` gives it. The
    process is forked from one that has imported the product already (tests/forked_cli.py):
    the same run without 0.4 s of imports, which the suite would pay some five hundred times."""
    from tests.forked_cli import run_forked  # it imports this module

    done = run_forked(args, env, timeout=timeout)
    if done.code is None:
        raise subprocess.TimeoutExpired(["vixens-tui", *args], timeout, done.stdout, done.stderr)
    return subprocess.CompletedProcess(["vixens-tui", *args], done.code, done.stdout, done.stderr)


def run_command(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m vixens_tui args` itself, interpreter start-up and all (what run_cli forks past)."""
    return subprocess.run(
        [*CLI, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
