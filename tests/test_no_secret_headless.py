"""No secret in the headless output either (issue 10, point 6): `--auto --json` on the leaky
cluster of tests/leaky.py, through the real command (the cluster's part through the
`VIXENS_TUI_BACKENDS` hook). The cluster's words reach stdout masked: the API's error in the
`cluster` records, the Certificate's message in the validation's waits, its failure and the
checkpoint; no file of the state dir holds the token."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cliutil import env_for, profile_file, run_cli
from tests.conftest import SYNOLOGY_PASSWORD
from tests.e2e.test_security import forms, holders
from tests.leaky import TOKEN
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName
from vixens_tui.core.redact import MASK

SECRETS = forms([TOKEN, SYNOLOGY_PASSWORD])


def test_json_output_state_and_stderr_show_the_mask(tmp_path: Path) -> None:
    path = profile_file(tmp_path / "env", timeout=2)
    state_dir = tmp_path / "state"
    env = env_for(state_dir, VIXENS_TUI_BACKENDS="tests.leaky:make")
    result = run_cli(
        ["--auto", "--json", "--yes", "--from", "validate", "--config", str(path)], env
    )
    # The leaky certificate never gets Ready: the validation times out (exit 1).
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]

    unreachable = [r for r in records if r["type"] == "cluster" and r["summary"]["error"]]
    assert unreachable, "the cluster's first record says why it is unreachable"
    assert all(MASK in r["summary"]["error"] for r in unreachable)
    waits = [r for r in records if r["type"] == "waiting" and "whoami/whoami-tls" in r["detail"]]
    assert waits and all(MASK in r["detail"] for r in waits)
    failed = [r for r in records if r["type"] == "stage_failed"]
    assert failed and MASK in failed[-1]["error"]

    for needle in SECRETS:
        assert needle not in result.stdout, needle[:8]
        assert needle not in result.stderr, needle[:8]
    assert holders(state_dir, SECRETS) == {}
    cp = EnvState(state_dir, "dev").load()
    assert cp is not None
    error = cp.stage(StageName.VALIDATE).error
    assert error is not None and MASK in error
