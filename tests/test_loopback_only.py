"""The guard that keeps every test on the loopback (tests/loopback_only.py) holds, in this
process and in the Pythons the tests start: a connection to the user's real API address is
refused before a packet leaves, and said in the guard's log; the loopback is not touched."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cliutil import env_for

REAL_API = ("192.168.111.160", 6443)  # the dev profile's api_endpoint


def test_a_connection_off_the_loopback_is_refused_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "netguard.log"
    monkeypatch.setenv("NETGUARD_LOG", str(log))  # not the session's: this refusal is wanted
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="netguard"):
        sock.connect(REAL_API)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect_ex(REAL_API)
    assert log.read_text().count("connect to ('192.168.111.160', 6443)") == 2
    # The loopback is not touched.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_the_pythons_the_tests_start_are_guarded_too(tmp_path: Path) -> None:
    log = tmp_path / "netguard.log"
    env = env_for(tmp_path / "state", NETGUARD_LOG=str(log))
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection({REAL_API!r}, timeout=5)\n"
        "except ConnectionRefusedError as exc:\n"
        "    print('refused:', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "refused: netguard" in done.stdout, done.stdout + done.stderr
    assert "192.168.111.160" in log.read_text()
