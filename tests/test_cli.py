"""The CLI contract, through the real command in a subprocess (no TTY: stdin /dev/null, pipes)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cliutil import ROOT, env_for, profile_file, run_cli, start_cli
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.options import Options
from vixens_tui.wiring import profile_for


def test_help_documents_every_mode_flag_and_exit_code() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vixens_tui", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for flag in (
        "--env",
        "--config",
        "--state-dir",
        "--context",
        "--auto",
        "--yes",
        "--json",
        "--resume",
        "--accept-profile-change",
        "--allow-no-etcd-snapshot",
        "--from",
        "--only",
        "--demo",
        "--faults",
        "--speed",
    ):
        assert flag in out, flag
    for mode in ("status", "sim", "profile", "VIXENS_TUI_STATE_DIR"):
        assert mode in out
    for fault in (
        "cilium-destroy-timeout",
        "cert-manager-namespace-missing",
        "repo-server-eof",
        "api-flaky",
    ):
        assert fault in out
    for code in (
        "0 done",
        "1 a stage failed",
        "2 usage",
        "3 needs a human",
        "4 another run",
        "130 interrupted",
    ):
        assert code in out
    sim = subprocess.run(
        [sys.executable, "-m", "vixens_tui", "sim", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in ("--port", "--kubeconfig-out", "--faults", "--speed", "--scenario"):
        assert flag in sim


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from vixens_tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'kubernetes', 'pydantic', 'yaml', 'httpx', 'transitions'))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "apply", "--only", "secrets", "--auto"], "cannot be used together"),
        (["--resume", "--from", "apply", "--auto"], "--resume continues"),
        (["--json"], "--json needs --auto"),
        (["--yes"], "--yes only applies to --auto"),
        (["--faults", "repo-server-eof", "--auto"], "need --demo"),
        (["--speed", "3", "--auto"], "need --demo"),
        (["--from", "teardown", "--auto"], "unknown stage 'teardown'"),
        (["--only", "", "--auto"], "unknown stage"),
        (["--demo", "--faults", "disk-on-fire", "--auto"], "unknown fault 'disk-on-fire'"),
        (["--demo", "--faults", "api-flaky=2", "--auto"], "bad fault setting"),
        (["--demo", "--speed", "-1", "--auto"], "must be > 0"),
        (["--config", "/nonexistent/profile.toml", "--auto"], "not found"),
        (["--bogus"], "unrecognized arguments"),
        ([], "no terminal here"),
    ],
)
def test_bad_usage_exits_2_with_a_message_and_no_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli(args, env_for(tmp_path / "state"))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_profile_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    path.write_text(
        path.read_text().replace('kubernetes_version = "v1.34.0"', 'kubernetes_version = "1.34"')
    )
    result = run_cli(["--auto", "--yes", "--config", str(path)], env_for(tmp_path / "state", {}))
    assert result.returncode == 2
    assert str(path) in result.stderr and "`kubernetes_version`" in result.stderr
    assert "Traceback" not in result.stderr


def test_headless_run_without_tty_prints_one_line_per_event(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    result = run_cli(["--auto", "--yes", "--config", str(path)], env_for(tmp_path / "state", {}))
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    assert all(line[:8].count(":") == 2 and "[" in line for line in lines), lines[:5]
    stages = (
        "[preflight]",
        "[destroy]",
        "[apply]",
        "[namespaces]",
        "[argocd-sync]",
        "[secrets]",
        "[validate]",
    )
    for stage in stages:
        assert any(stage in line for line in lines), stage
    assert "run done (exit 0)" in lines[-1]
    assert sum("checklist [x]" in line for line in lines) == 13


def test_headless_json_is_one_object_per_line(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    result = run_cli(
        ["--auto", "--yes", "--json", "--config", str(path)], env_for(tmp_path / "state", {})
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {r["type"] for r in records}
    assert {"run_started", "stage_started", "stage_succeeded", "checklist", "run_finished"} <= kinds
    assert all("at" in r and "stage" in r for r in records)
    assert records[-1]["type"] == "run_finished" and records[-1]["exit_code"] == 0


def test_destroy_needs_yes_in_auto_mode(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    result = run_cli(["--auto", "--config", str(path)], env_for(tmp_path / "state", {}))
    assert result.returncode == 2
    assert "pass --yes to confirm" in result.stderr
    # A plan without destroy needs no confirmation.
    result = run_cli(
        ["--auto", "--only", "validate", "--config", str(path)], env_for(tmp_path / "state", {})
    )
    assert result.returncode == 0, result.stderr


def test_exit_codes_for_failures_and_resume(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    state = tmp_path / "state"
    unknown = {"faults": {"fail_stage": {"destroy": 1}}}
    result = run_cli(["--auto", "--yes", "--config", str(path)], env_for(state, unknown))
    assert result.returncode == 3, result.stdout
    status = run_cli(["status", "--config", str(path)], env_for(state))
    assert status.returncode == 0
    assert "destroy      failed" in status.stdout and "injected destroy failure" in status.stdout
    data = json.loads(run_cli(["status", "--json"], env_for(state)).stdout)
    stages = {s["name"]: s for s in data["run"]["stages"]}
    assert stages["preflight"]["status"] == "done" and stages["destroy"]["status"] == "failed"
    assert stages["destroy"]["error"]
    resumed = run_cli(["--auto", "--yes", "--resume", "--config", str(path)], env_for(state, {}))
    assert resumed.returncode == 0, resumed.stdout
    assert "re-check: still done" in resumed.stdout
    again = run_cli(["--auto", "--yes", "--resume", "--config", str(path)], env_for(state, {}))
    assert again.returncode == 0 and "nothing to resume" in again.stderr
    # The TUI says the same before it draws or connects anything (no terminal needed).
    tui = run_cli(["--resume", "--config", str(path)], env_for(state, {}, VIXENS_TUI_FORCE_TUI="1"))
    assert tui.returncode == 0 and "nothing to resume" in tui.stderr, tui.stderr
    assert "\x1b[" not in tui.stdout  # Textual never started


def test_nothing_to_resume_is_a_usage_error(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    result = run_cli(["--auto", "--resume", "--config", str(path)], env_for(tmp_path / "state", {}))
    assert result.returncode == 2 and "no run to resume" in result.stderr


def test_corrupt_checkpoint_exits_2_and_is_kept(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    state = EnvState(tmp_path / "state", "dev").ensure()
    state.checkpoint_path.write_text('{"schema_version": 1, "run_')
    result = run_cli(
        ["--auto", "--yes", "--resume", "--config", str(path)], env_for(tmp_path / "state", {})
    )
    assert result.returncode == 2
    assert "unreadable" in result.stderr and "moved aside" in result.stderr
    kept = list(state.dir.glob("checkpoint.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"schema_version": 1, "run_'


def test_second_run_on_the_same_environment_exits_4_naming_the_first(tmp_path: Path) -> None:
    path = profile_file(tmp_path, timeout=60)
    state = tmp_path / "state"
    slow = {"faults": {"slow": 0.3}}
    first = start_cli(["--auto", "--yes", "--config", str(path)], env_for(state, slow))
    try:
        lock = state / "dev" / "lock"
        deadline = time.monotonic() + 20
        while not (lock.exists() and lock.read_text().strip()):
            assert time.monotonic() < deadline, "first run never took the lock"
            time.sleep(0.05)
        second = run_cli(["--auto", "--yes", "--config", str(path)], env_for(state, slow))
        assert second.returncode == 4
        assert f"pid {first.pid}" in second.stderr and "locked by" in second.stderr
        status = run_cli(["status"], env_for(state))
        assert f"held by pid {first.pid}" in status.stdout
    finally:
        first.kill()
        first.communicate()


def test_kubeconfig_env_is_honoured_like_kubectl(tmp_path: Path) -> None:
    path = profile_file(tmp_path)
    state = tmp_path / "state"
    kc = tmp_path / "kc" / "config"
    shown = run_cli(["profile", "show", "--config", str(path)], env_for(state, KUBECONFIG=str(kc)))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["kubeconfig"] == str(kc)
    plain = run_cli(["profile", "show", "--config", str(path)], env_for(state))
    assert json.loads(plain.stdout)["kubeconfig"] == str(tmp_path / "terraform" / "kubeconfig-dev")
    # A demo never reads the machine's KUBECONFIG: its cluster has its own file.
    demo = Options(config=path, demo=True, kubeconfig=kc)
    assert profile_for(demo).kubeconfig == tmp_path / "terraform" / "kubeconfig-dev"
    assert profile_for(replace(demo, demo=False)).kubeconfig == kc
    # A list (kubectl merges it) is refused for a run: the guard needs the one cluster file.
    listed = f"{kc}:{tmp_path / 'other'}"
    result = run_cli(["--auto", "--config", str(path)], env_for(state, KUBECONFIG=listed))
    assert result.returncode == 2 and "KUBECONFIG lists 2 files" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    # Commands that do not reach the cluster do not care.
    assert run_cli(["status"], env_for(state, KUBECONFIG=listed)).returncode == 0


def test_kubeconfig_from_the_environment_remembers_where_terraform_writes(tmp_path: Path) -> None:
    """The file Terraform writes (the profile's) is kept beside the one $KUBECONFIG names, so
    that preflight can warn when they differ."""
    path = profile_file(tmp_path)
    kc = tmp_path / "mine" / "kubeconfig"
    profile = profile_for(Options(config=path, kubeconfig=kc))
    assert profile.kubeconfig == kc
    assert profile.terraform_kubeconfig == tmp_path / "terraform" / "kubeconfig-dev"
    same = profile_for(Options(config=path, kubeconfig=tmp_path / "terraform" / "kubeconfig-dev"))
    assert same.terraform_kubeconfig is None
    assert profile_for(Options(config=path)).terraform_kubeconfig is None


def test_help_lists_the_stages_and_faults_from_their_sources() -> None:
    """`--help` is written from STAGE_ORDER and the simulator's fault names: a new stage or
    fault is listed without an edit of cli.py."""
    from vixens_tui.cli import EPILOG
    from vixens_tui.core.names import STAGE_ORDER
    from vixens_tui.sim.faults import NAMES

    flat = " ".join(EPILOG.split())
    assert "stages: " + ", ".join(s.value for s in STAGE_ORDER) in flat
    for name in NAMES:
        assert name in flat, name
