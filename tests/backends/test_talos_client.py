"""The Talos API client against a simulated node serving Talos's gRPC MachineService: mutual
TLS from a talosconfig on an installed node, the insecure probe that tells maintenance mode
from Talos's own answer, the etcd snapshot streamed to a private file, a reset that brings the
node back in maintenance mode."""

from __future__ import annotations

import base64
import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.sim.helpers import wait_for
from vixens_tui.backends.talos.backend import TalosApiBackend
from vixens_tui.backends.talos.client import (
    TalosClient,
    TalosCredentials,
    TalosError,
    load_talosconfig,
    probe_mode,
)
from vixens_tui.core import ports
from vixens_tui.core.cluster import ClusterSnapshot, NodeInfo
from vixens_tui.core.events import Event, NodePhaseChanged
from vixens_tui.core.names import StageName
from vixens_tui.core.profile.model import NodeSpec
from vixens_tui.core.talos_progress import NodeProgress
from vixens_tui.sim.apiserver.certs import make_bundle
from vixens_tui.sim.talos_node import (
    EtcdRecovery,
    Mode,
    NodeFacts,
    TalosNodeServer,
    with_integrity_hash,
)

ADDRESS = "127.0.0.1"
SNAPSHOT = bytes(range(256)) * 700  # 179,200 bytes: several 32 KiB chunks


class Node:
    def __init__(self, mode: Mode) -> None:
        self.mode: Mode = mode
        self.members = ["obsy", "onyx", "opale"]
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1
        self.mode = "maintenance"


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Node, TalosNodeServer, Path]]:
    bundle = make_bundle("vixens-dev")
    state = Node("installed")
    facts = NodeFacts(
        name="obsy",
        addresses=(ADDRESS,),
        mode=lambda: state.mode,
        talos_version=lambda: "v1.11.5",
        etcd_members=lambda: state.members,
        snapshot=lambda: SNAPSHOT,
        on_reset=state.reset,
    )
    server = TalosNodeServer(facts, bundle.ca_pem, bundle.ca_key_pem, port=0, poll_s=0.05).start()
    crt, key = bundle.client_certificate("admin", ("os:admin",))
    config = {
        "context": "vixens-dev",
        "contexts": {
            "vixens-dev": {
                "endpoints": [ADDRESS],
                "nodes": [ADDRESS],
                **{
                    k: base64.b64encode(v).decode()
                    for k, v in (("ca", bundle.ca_pem), ("crt", crt), ("key", key))
                },
            }
        },
    }
    path = tmp_path / "talosconfig"
    path.write_text(yaml.safe_dump(config))
    try:
        yield state, server, path
    finally:
        server.stop()


def test_an_installed_node_answers_over_mutual_tls(
    node: tuple[Node, TalosNodeServer, Path], tmp_path: Path
) -> None:
    _state, server, path = node
    config = load_talosconfig(path)
    assert config.context == "vixens-dev" and config.endpoints == (ADDRESS,)
    client = TalosClient(config.credentials, port=server.port)
    assert client.version(ADDRESS) == "v1.11.5"
    services = client.services(ADDRESS)
    assert services["etcd"] == ("Running", True) and services["kubelet"] == ("Running", True)
    assert client.etcd_members(ADDRESS) == ["obsy", "onyx", "opale"]

    snap = client.etcd_snapshot(ADDRESS, tmp_path / "snapshots" / "etcd.snapshot")
    assert snap.size == len(SNAPSHOT) and snap.path.read_bytes() == SNAPSHOT
    assert snap.sha256 == hashlib.sha256(SNAPSHOT).hexdigest()
    assert stat.S_IMODE(snap.path.stat().st_mode) == 0o600

    # Without a client certificate the installed node refuses the handshake.
    probe = probe_mode(ADDRESS, port=server.port)
    assert probe.mode == "installed", probe


def test_a_failed_snapshot_leaves_no_file(
    node: tuple[Node, TalosNodeServer, Path], tmp_path: Path
) -> None:
    state, server, path = node
    state.members = []  # etcd not running on this node
    client = TalosClient(load_talosconfig(path).credentials, port=server.port)
    target = tmp_path / "snapshots" / "etcd.snapshot"
    with pytest.raises(TalosError) as failed:
        client.etcd_snapshot(ADDRESS, target)
    assert str(failed.value) == (
        f"{ADDRESS}: etcd snapshot: FailedPrecondition: etcd is not running"
    )
    assert list(target.parent.iterdir()) == []


def test_a_reset_node_is_proven_in_maintenance_mode_by_its_insecure_api(
    node: tuple[Node, TalosNodeServer, Path],
) -> None:
    state, server, path = node
    client = TalosClient(load_talosconfig(path).credentials, port=server.port)
    client.reset(ADDRESS, graceful=False, reboot=True)
    assert state.resets == 1
    probe = wait_for(
        lambda: (p := probe_mode(ADDRESS, port=server.port)).mode == "maintenance" and p,
        what="the node back in maintenance mode",
    )
    assert probe.evidence == (
        "insecure Version: Unimplemented: API is not implemented in maintenance mode"
    )
    # The talosconfig's certificate is no use there: the node has no configuration.
    with pytest.raises(TalosError):
        client.version(ADDRESS)


def test_a_node_that_does_not_answer_is_unreachable() -> None:
    probe = probe_mode("127.0.0.1", port=1, timeout_s=2)
    assert probe.mode == "unreachable", probe


def test_a_talosconfig_without_its_context_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "talosconfig"
    path.write_text("context: other\ncontexts: {}\n")
    with pytest.raises(TalosError, match="no context 'other'"):
        load_talosconfig(path)


def test_the_backend_resets_a_node_with_the_certificate_it_kept_before_the_file_went(
    node: tuple[Node, TalosNodeServer, Path],
) -> None:
    """The destroy removes the talosconfig with the cluster; a node whose reset failed still
    wants the old cluster's certificate. The backend read it before (keep_credentials) and
    resets the node through the real gRPC API with it; without it, it says why it cannot."""
    state, server, path = node
    backend = TalosApiBackend(path, port=server.port)
    assert backend.probe(ADDRESS).mode == "installed"
    assert backend.keep_credentials()
    path.unlink()  # what `terraform destroy` does to local_file.talosconfig
    backend.reset(ADDRESS)
    assert state.resets == 1
    assert wait_for(lambda: backend.probe(ADDRESS).in_maintenance, timeout=10.0)
    report = backend.probe(ADDRESS)
    assert report.evidence == (
        "insecure Version: Unimplemented: API is not implemented in maintenance mode"
    )

    fresh = TalosApiBackend(path, port=server.port)
    assert not fresh.keep_credentials()
    with pytest.raises(ports.TalosError, match="no client certificate for the old cluster"):
        fresh.reset(ADDRESS)


def test_a_refused_reset_is_the_nodes_own_error(
    node: tuple[Node, TalosNodeServer, Path],
) -> None:
    """The `node-reset-failed` fault's refusal reaches the caller as gRPC's Unavailable."""
    state, server, path = node
    server.facts.reset_refusal = lambda: "connection error: i/o timeout"
    backend = TalosApiBackend(path, port=server.port)
    with pytest.raises(ports.TalosError, match="reset: Unavailable: connection error: i/o timeout"):
        backend.reset(ADDRESS)
    assert state.resets == 0 and backend.probe(ADDRESS).mode == "installed"


def test_the_apply_follows_a_node_through_talos_phase_from_its_api(
    node: tuple[Node, TalosNodeServer, Path],
) -> None:
    """core/talos_progress on the real wire: what the node's API says at each poll (issue 12
    point 7). The node is the simulated one: its mode changes as the sim's machine does."""
    state, server, path = node
    spec = NodeSpec(name="obsy", ip=ADDRESS)
    ready: list[NodeInfo] = []
    events: list[Event] = []
    progress = NodeProgress(
        TalosApiBackend(path, port=server.port),
        (spec,),
        lambda: ClusterSnapshot(reachable=True, nodes=tuple(ready)),
        events.append,
        stage=StageName.APPLY,
        interval_s=3600,
    )

    def step(mode: Mode, members: list[str]) -> str:
        state.mode, state.members = mode, members
        # The node's API follows its machine within poll_s (0.05 s): wait until it has.
        wait_for(lambda: server._mode == mode, timeout=5)
        progress.poll()
        return progress.phases["obsy"].value

    assert step("maintenance", []) == "maintenance"
    assert step("down", []) == "configuration applied"  # installing, then rebooting
    assert step("installed", []) == "installed"  # etcd not bootstrapped yet
    assert step("installed", ["obsy"]) == "bootstrapped"
    assert step("down", ["obsy"]) == "rebooting"
    ready.append(NodeInfo(name="obsy", ready=True))
    assert step("installed", ["obsy"]) == "Ready"
    said = [(e.phase, e.evidence) for e in events if isinstance(e, NodePhaseChanged)]
    assert [p for p, _ in said] == [
        "maintenance",
        "configuration applied",
        "installed",
        "bootstrapped",
        "rebooting",
        "Ready",
    ]
    assert "Unimplemented" not in said[0][1] and ADDRESS in said[0][1]
    assert said[2][1] == "Talos v1.11.5 answers over mutual TLS"
    assert said[3][1] == "etcd running, 1 member; Talos v1.11.5"
    assert "refused" in said[4][1]
    # Ready is the end: the node is not asked again.
    state.mode = "down"
    progress.poll()
    assert len(events) == 6


def test_etcd_recovery_is_refused_where_talos_refuses_it(tmp_path: Path) -> None:
    """EtcdRecover and Bootstrap(recover_etcd) through the product's client: a worker has no
    etcd, a bootstrap needs the upload first, and the upload it starts from is the file's."""
    bundle = make_bundle("vixens-dev")
    recovery = EtcdRecovery()
    members: list[str] = []

    def bootstrap(recover: bool, skip_hash: bool) -> str:
        refusal = recovery.refusal(recover, skip_hash)
        if not refusal:
            if recover:
                recovery.recovered()
            members.append("obsy")
        return refusal

    def server(control_plane: bool) -> TalosNodeServer:
        facts = NodeFacts(
            name="obsy",
            addresses=(ADDRESS,),
            mode=lambda: "installed",
            talos_version=lambda: "v1.11.5",
            etcd_members=lambda: members,
            snapshot=lambda: b"",
            on_reset=lambda: None,
            control_plane=control_plane,
            on_recover_upload=recovery.upload,
            on_bootstrap=bootstrap,
        )
        return TalosNodeServer(facts, bundle.ca_pem, bundle.ca_key_pem, port=0).start()

    crt, key = bundle.client_certificate("admin", ("os:admin",))
    credentials = TalosCredentials(bundle.ca_pem, crt, key)
    snapshot = tmp_path / "etcd.db"
    snapshot.write_bytes(with_integrity_hash(SNAPSHOT))

    worker = server(control_plane=False)
    try:
        client = TalosClient(credentials, port=worker.port)
        with pytest.raises(TalosError, match="Unimplemented: etcd recover is only available on"):
            client.etcd_recover(ADDRESS, snapshot)
    finally:
        worker.stop()

    plane = server(control_plane=True)
    try:
        client = TalosClient(credentials, port=plane.port)
        with pytest.raises(TalosError, match="FailedPrecondition: no etcd snapshot was uploaded"):
            client.bootstrap(ADDRESS, recover=True)
        assert client.etcd_recover(ADDRESS, snapshot) == len(SNAPSHOT) + 32
        assert recovery.uploaded == snapshot.read_bytes()  # several 1 MiB-or-less chunks, whole
        client.bootstrap(ADDRESS, recover=True)
        assert recovery.recovered_from == hashlib.sha256(snapshot.read_bytes()).hexdigest()
        assert client.etcd_members(ADDRESS) == ["obsy"]
        with pytest.raises(TalosError, match="AlreadyExists: etcd data directory is not empty"):
            client.bootstrap(ADDRESS)
    finally:
        plane.stop()


def test_a_call_nothing_answers_is_told_from_a_refused_one(
    node: tuple[Node, TalosNodeServer, Path],
) -> None:
    """`unreachable` is what talos_progress reads as a node down. gRPC says Unavailable for
    both a refused connection and a failed TLS handshake (a node in maintenance mode presents
    a self-signed certificate): only the first is a node that did not answer."""
    state, server, path = node
    backend = TalosApiBackend(path, port=server.port)
    state.mode = "maintenance"
    wait_for(lambda: server._mode == "maintenance", timeout=5)
    with pytest.raises(ports.TalosError) as refused:
        backend.health(ADDRESS)
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
    assert not refused.value.unreachable
    state.mode = "down"
    wait_for(lambda: server._mode == "down", timeout=5)
    with pytest.raises(ports.TalosError) as silent:
        backend.health(ADDRESS)
    assert silent.value.unreachable and "Unavailable" in str(silent.value)
