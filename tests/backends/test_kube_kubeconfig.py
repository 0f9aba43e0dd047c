"""The kube backend without an API server: the kubeconfig, unreachable APIs, stop."""

from __future__ import annotations

import base64
import socket
import time
from pathlib import Path

import pytest
import yaml

from vixens_tui.backends.kube import Backoff, KubeBackend, kubeconfig
from vixens_tui.backends.kube.watcher import CONNECT_TIMEOUT_S
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.ports import ClusterBackend, ClusterError
from vixens_tui.core.redact import MASK, Redactor

FAST = Backoff(first_s=0.05, max_s=0.2)


def write_kubeconfig(
    path: Path, server: str, *, token: str = "tok-abcdef-123456", extra_context: bool = False
) -> Path:
    contexts = [{"name": "admin@dev", "context": {"cluster": "dev", "user": "admin"}}]
    clusters = [
        {
            "name": "dev",
            "cluster": {
                "server": server,
                "certificate-authority-data": base64.b64encode(b"not a real CA").decode(),
            },
        }
    ]
    if extra_context:
        contexts.append({"name": "admin@prod", "context": {"cluster": "prod", "user": "admin"}})
        clusters.append({"name": "prod", "cluster": {"server": "https://10.0.0.1:6443"}})
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "admin@dev",
                "clusters": clusters,
                "contexts": contexts,
                "users": [{"name": "admin", "user": {"token": token}}],
            }
        )
    )
    return path


def closed_port() -> int:
    """A port nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(backend: KubeBackend, predicate, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    snap = backend.snapshot()
    while not predicate(snap) and time.monotonic() < deadline:
        snap = backend.wait_for_change(snap.version, deadline - time.monotonic())
    return snap


def test_is_a_cluster_backend(tmp_path: Path) -> None:
    assert isinstance(KubeBackend(tmp_path / "kubeconfig"), ClusterBackend)


def test_server_of_current_and_named_context(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:6443/", extra_context=True)
    assert KubeBackend(path).kubeconfig_server() == "https://127.0.0.1:6443"
    assert KubeBackend(path, context="admin@prod").kubeconfig_server() == "https://10.0.0.1:6443"


def test_server_of_absent_file_is_none(tmp_path: Path) -> None:
    assert KubeBackend(tmp_path / "nope").kubeconfig_server() is None


def test_missing_context_is_a_clear_error(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:6443")
    with pytest.raises(
        ClusterError, match=r"context 'staging' not found in .*kc \(contexts: admin@dev\)"
    ):
        KubeBackend(path, context="staging").kubeconfig_server()


@pytest.mark.parametrize("text", ["{{{ not yaml", "", "apiVersion: v1\nkind: Config\n"])
def test_malformed_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kc"
    path.write_text(text)
    with pytest.raises(ClusterError, match="malformed kubeconfig"):
        KubeBackend(path).kubeconfig_server()


def test_token_goes_to_the_redactor(tmp_path: Path) -> None:
    redactor = Redactor()
    path = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:6443", token="s3cr3t-bearer-token")
    KubeBackend(path, redactor=redactor).kubeconfig_server()
    assert (
        redactor.scrub("Authorization: Bearer s3cr3t-bearer-token")
        == f"Authorization: Bearer {MASK}"
    )


def test_missing_message_names_kubeconfig_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert kubeconfig.missing_message(tmp_path / "kc") == f"no kubeconfig at {tmp_path / 'kc'}"
    monkeypatch.setenv("KUBECONFIG", "/elsewhere/config")
    message = kubeconfig.missing_message(tmp_path / "kc")
    assert "KUBECONFIG=/elsewhere/config is set" in message


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:6443")
    first = kubeconfig.fingerprint(path)
    assert first is not None
    assert kubeconfig.fingerprint(path) == first
    write_kubeconfig(path, "https://127.0.0.1:6444")
    assert kubeconfig.fingerprint(path) != first
    assert kubeconfig.fingerprint(tmp_path / "absent") is None


def test_absent_kubeconfig_is_unreachable_then_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig-dev"
    backend = KubeBackend(path, backoff=FAST)
    backend.start()
    try:
        snap = backend.snapshot()
        assert not snap.reachable
        assert snap.error == f"no kubeconfig at {path}"
        assert snap.nodes == () and snap.synced_kinds == frozenset()
        # terraform apply writes the file: the backend notices without another start().
        port = closed_port()
        write_kubeconfig(path, f"https://127.0.0.1:{port}")
        snap = wait_until(backend, lambda s: "connection refused" in s.error)
        assert not snap.reachable
        assert snap.error == f"connection refused to https://127.0.0.1:{port}"
        assert snap.server == f"https://127.0.0.1:{port}"
    finally:
        started = time.monotonic()
        backend.stop()
        # Not held by a connect to the refusing port (CONNECT_TIMEOUT_S would be the wait).
        assert time.monotonic() - started < CONNECT_TIMEOUT_S


def test_malformed_kubeconfig_is_reported_in_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "kc"
    path.write_text("::: nope")
    backend = KubeBackend(path, backoff=FAST)
    backend.start()
    try:
        snap = backend.snapshot()
        assert not snap.reachable and snap.error.startswith("malformed kubeconfig")
    finally:
        backend.stop()


def test_start_is_idempotent_until_the_file_changes(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kc", f"https://127.0.0.1:{closed_port()}")
    backend = KubeBackend(path, backoff=FAST)
    backend.start()
    try:
        first = backend._session
        backend.start()
        assert backend._session is first
        port = closed_port()
        write_kubeconfig(path, f"https://127.0.0.1:{port}")
        backend.start()
        assert backend._session is not first
        snap = wait_until(backend, lambda s: str(port) in s.error)
        assert snap.server.endswith(f":{port}")
    finally:
        backend.stop()


def test_actions_without_kubeconfig_are_unreachable_errors(tmp_path: Path) -> None:
    backend = KubeBackend(tmp_path / "kc")
    with pytest.raises(ClusterError) as info:
        backend.create_namespace("cert-manager")
    assert info.value.unreachable
    assert "no kubeconfig at" in str(info.value)


def test_actions_against_a_closed_port_say_connection_refused(tmp_path: Path) -> None:
    port = closed_port()
    backend = KubeBackend(write_kubeconfig(tmp_path / "kc", f"https://127.0.0.1:{port}"))
    with pytest.raises(ClusterError) as info:
        backend.object_exists("Secret", "cert-manager", "gandi-credentials")
    assert info.value.unreachable
    assert str(info.value).endswith(f"connection refused to https://127.0.0.1:{port}")


def test_wait_for_change_returns_on_cancel_and_timeout(tmp_path: Path) -> None:
    backend = KubeBackend(tmp_path / "kc")
    version = backend.snapshot().version
    started = time.monotonic()
    assert backend.wait_for_change(version, 0.1).version == version
    assert 0.08 <= time.monotonic() - started < 5.0
    token = CancelToken()
    import threading

    # The bounds only tell "woken" from "waited out the 10 s timeout" (timing: bench/).
    threading.Timer(0.1, token.cancel).start()
    started = time.monotonic()
    backend.wait_for_change(version, 10.0, token)
    assert time.monotonic() - started < 5.0
    started = time.monotonic()
    backend.wait_for_change(version, 10.0, token)  # already cancelled: at once
    assert time.monotonic() - started < 5.0
