"""`vixens-tui sim --kubeconfig-out kc`, then the real kubectl sees the profile's nodes Ready."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cliutil import env_for, start_cli
from tests.e2e.test_demo_profile import NODES, staging_profile_text
from tests.sim.helpers import KUBECTL, rows


@pytest.mark.parametrize("profile", ["dev", "staging"])
def test_vixens_tui_sim_serves_the_profiles_cluster_to_kubectl(
    tmp_path: Path, profile: str
) -> None:
    kc = tmp_path / "kc"
    args = ["sim", "--kubeconfig-out", str(kc), "--speed", "50"]
    expected = ["obsy", "onyx", "opale"]
    version = "v1.34.0"
    if profile == "staging":
        config = tmp_path / "staging.toml"
        config.write_text(staging_profile_text())
        args += ["--env", "staging", "--config", str(config)]
        expected, version = NODES, "v1.33.4"
    proc = start_cli(args, env_for(tmp_path / "state"))
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Ctrl-C stops it."):
                break
        env = {**os.environ, "KUBECACHEDIR": str(tmp_path / "cache"), "KUBECONFIG": str(kc)}
        out = subprocess.run(
            [str(KUBECTL), "get", "nodes"], capture_output=True, text=True, env=env, timeout=30
        )
        assert out.returncode == 0, out.stderr
        table = rows(out.stdout)
        assert table[0][:5] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
        assert [(r[0], r[1], r[2], r[4]) for r in table[1:]] == [
            (n, "Ready", "control-plane", version) for n in expected
        ]
        assert oct(kc.stat().st_mode & 0o777) == "0o600"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
