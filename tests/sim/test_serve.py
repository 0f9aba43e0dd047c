"""`serve()` (what `vixens-tui sim` runs): in the foreground, usable by kubectl, stopped by a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sim.helpers import KUBECTL, rows

SERVE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from vixens_tui.core.profile import load_profile\n"
    "from vixens_tui.sim.serve import serve\n"
    "sys.exit(serve(load_profile('dev'), kubeconfig_out=Path(sys.argv[1]), faults=sys.argv[2:],"
    " speed=50))\n"
)


def start(tmp_path: Path, *faults: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, str(tmp_path / "kc"), *faults],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_until_a_signal(tmp_path: Path, stop_signal: signal.Signals) -> None:
    process = start(tmp_path)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Ctrl-C stops it."):
            break
    text = "".join(lines)
    assert f"kubeconfig:  {tmp_path / 'kc'}" in text
    assert "API server:  https://127.0.0.1:" in text
    assert f"kubectl --kubeconfig {tmp_path / 'kc'} get nodes" in text
    env = {**os.environ, "KUBECACHEDIR": str(tmp_path / "cache")}
    nodes = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(tmp_path / "kc"), "get", "nodes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert [r[:2] for r in rows(nodes.stdout)[1:]] == [
        ["obsy", "Ready"],
        ["onyx", "Ready"],
        ["opale", "Ready"],
    ]
    process.send_signal(stop_signal)
    out, _err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "Simulated cluster stopped." in out


def test_serve_refuses_an_unknown_fault(tmp_path: Path) -> None:
    process = start(tmp_path, "no-such-fault")
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "unknown fault 'no-such-fault'" in err


def test_serve_refuses_a_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vixens_tui.core.profile import load_profile
    from vixens_tui.sim.serve import serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert serve(load_profile("dev"), port=port, kubeconfig_out=tmp_path / "kc") == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (tmp_path / "kc").exists()
