"""A simulated Talos node's API (apid): Talos's gRPC MachineService on the node's own addresses.

As a real node answers (siderolabs/talos v1.11.5):
- **installed** (a machine configuration applied): mutual TLS; the server certificate is
  signed by the cluster's OS CA, a client must present a certificate that CA signed (the
  talosconfig's). A client without one is refused before any RPC.
- **maintenance** (fresh or reset, no configuration): the maintenance service, TLS with a
  self-signed certificate (what `talosctl --insecure` accepts without verifying), no client
  certificate. Version, and every other call that needs the admin role, answers
  `Unimplemented: API is not implemented in maintenance mode`
  (internal/app/maintenance/server.go, assertAdminRole): that answer is how a node is told to
  be in maintenance mode.
- **down** (its configuration applied: installing to disk, then rebooting): nothing listens,
  a connection is refused.
The mode is read from the simulated machine at each change: the server is restarted with the
other credentials, on the same address, as the node's apid is after a reboot.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

# gRPC's C core logs a refused TLS handshake to stderr at INFO (a line on the TUI's screen, in
# a provisioner's output; older releases log it at ERROR); the caller gets the error anyway.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.protobuf import empty_pb2

from vixens_tui.core.ports import TALOS_PORT
from vixens_tui.talos_api import common_pb2, machine_pb2, machine_pb2_grpc

Mode = Literal["installed", "maintenance", "down"]
""""down": configured, installing or rebooting: nothing listens on its addresses."""
MAINTENANCE_UNIMPLEMENTED = "API is not implemented in maintenance mode"
SNAPSHOT_CHUNK = 32 * 1024
HASH_SIZE = 32
"""etcd's snapshot ends with the SHA-256 of what comes before (etcdutl checks it on restore)."""
_CONTROL_PLANE_SERVICES = (
    "apid",
    "containerd",
    "cri",
    "dashboard",
    "etcd",
    "kubelet",
    "machined",
    "syslogd",
    "trustd",
    "udevd",
)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert(
    subject: str,
    addresses: tuple[str, ...],
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    self_signed = issuer is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if issuer is None else issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        # A self-signed certificate is its own trust anchor for a client that pins it.
        .add_extension(x509.BasicConstraints(ca=self_signed, path_length=None), critical=True)
    )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


def with_integrity_hash(body: bytes) -> bytes:
    return body + hashlib.sha256(body).digest()


def integrity_ok(data: bytes) -> bool:
    return len(data) > HASH_SIZE and hashlib.sha256(data[:-HASH_SIZE]).digest() == data[-HASH_SIZE:]


@dataclass
class EtcdRecovery:
    """A control plane's side of `talosctl bootstrap --recover-from`: the snapshot EtcdRecover
    uploaded, checked as etcd checks it when it restores one."""

    uploaded: bytes | None = None
    recovered_from: str = ""
    """The SHA-256 of the snapshot etcd was bootstrapped from ("" before)."""

    def upload(self, data: bytes) -> None:
        self.uploaded = data

    def refusal(self, recover: bool, skip_hash: bool) -> str:
        """Why a Bootstrap(recover_etcd) cannot start etcd from the upload ("": it can)."""
        if not recover:
            return ""
        if self.uploaded is None:
            return "no etcd snapshot was uploaded to recover from (EtcdRecover first)"
        if not skip_hash and not integrity_ok(self.uploaded):
            return (
                "snapshot file integrity check failed: its SHA-256 does not match the one it "
                "ends with (recover_skip_hash_check for a copy of etcd's data directory)"
            )
        return ""

    def recovered(self) -> None:
        assert self.uploaded is not None
        self.recovered_from = hashlib.sha256(self.uploaded).hexdigest()


@dataclass
class NodeFacts:
    """What the node reports, read from the simulated world at each call."""

    name: str
    addresses: tuple[str, ...]
    """Every address the node's API listens on (a real apid listens on all its interfaces)."""
    mode: Callable[[], Mode]
    talos_version: Callable[[], str]
    etcd_members: Callable[[], list[str]]
    """Hostnames of etcd's members (empty before the bootstrap)."""
    snapshot: Callable[[], bytes]
    on_reset: Callable[[], None]
    services: tuple[str, ...] = _CONTROL_PLANE_SERVICES
    reset_refusal: Callable[[], str] = lambda: ""
    """Why this Reset fails ("" lets it through): the `node-reset-failed` fault."""
    snapshot_refusal: Callable[[], str] = lambda: ""
    """Why EtcdSnapshot fails ("" lets it through): the `etcd-snapshot-failed` fault."""
    control_plane: bool = True
    on_recover_upload: Callable[[bytes], None] = lambda data: None
    """EtcdRecover's bytes, kept for a Bootstrap with recover_etcd."""
    on_bootstrap: Callable[[bool, bool], str] = lambda recover, skip_hash: "not simulated"
    """Bootstrap(recover_etcd, recover_skip_hash_check): "" when etcd starts, else why not."""


class _Servicer(machine_pb2_grpc.MachineServiceServicer):
    def __init__(self, facts: NodeFacts, mode: Mode) -> None:
        self.facts = facts
        self.mode = mode

    def _admin(self, context: grpc.ServicerContext) -> None:
        if self.mode == "maintenance":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, MAINTENANCE_UNIMPLEMENTED)

    def _metadata(self) -> common_pb2.Metadata:
        return common_pb2.Metadata(hostname=self.facts.name)

    def Version(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> Any:
        self._admin(context)
        return machine_pb2.VersionResponse(
            messages=[
                machine_pb2.Version(
                    metadata=self._metadata(),
                    version=machine_pb2.VersionInfo(
                        tag=self.facts.talos_version(), os="linux", arch="amd64"
                    ),
                    platform=machine_pb2.PlatformInfo(name="metal", mode="metal"),
                    features=machine_pb2.FeaturesInfo(rbac=True),
                )
            ]
        )

    def ServiceList(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> Any:
        self._admin(context)
        members = self.facts.etcd_members()
        infos = []
        for service in self.facts.services:
            # etcd waits for the bootstrap (or to join the members) before it runs.
            running = service != "etcd" or self.facts.name in members
            infos.append(
                machine_pb2.ServiceInfo(
                    id=service,
                    state="Running" if running else "Preparing",
                    health=machine_pb2.ServiceHealth(
                        healthy=running, unknown=not running, last_message=""
                    ),
                )
            )
        return machine_pb2.ServiceListResponse(
            messages=[machine_pb2.ServiceList(metadata=self._metadata(), services=infos)]
        )

    def EtcdMemberList(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._admin(context)
        members = [
            machine_pb2.EtcdMember(
                id=int(hashlib.sha256(name.encode()).hexdigest()[:15], 16),
                hostname=name,
            )
            for name in self.facts.etcd_members()
        ]
        return machine_pb2.EtcdMemberListResponse(
            messages=[machine_pb2.EtcdMembers(metadata=self._metadata(), members=members)]
        )

    def EtcdSnapshot(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        self._admin(context)
        if self.facts.name not in self.facts.etcd_members():
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "etcd is not running")
        refusal = self.facts.snapshot_refusal()
        if refusal:
            # machined wraps etcd's error in a plain error: gRPC's code Unknown.
            context.abort(grpc.StatusCode.UNKNOWN, f"failed reading etcd snapshot: {refusal}")
        data = self.facts.snapshot()
        for start in range(0, len(data), SNAPSHOT_CHUNK):
            yield common_pb2.Data(bytes=data[start : start + SNAPSHOT_CHUNK])

    def _control_plane(self, context: grpc.ServicerContext, api: str) -> None:
        if not self.facts.control_plane:
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED, f"{api} is only available on control plane nodes"
            )

    def EtcdRecover(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Any:
        self._admin(context)
        self._control_plane(context, "etcd recover")
        data = b"".join(chunk.bytes for chunk in request_iterator)
        self.facts.on_recover_upload(data)
        return machine_pb2.EtcdRecoverResponse(
            messages=[machine_pb2.EtcdRecover(metadata=self._metadata())]
        )

    def Bootstrap(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._admin(context)
        self._control_plane(context, "bootstrap")
        if self.facts.name in self.facts.etcd_members():
            # machined refuses to bootstrap over a running etcd's data.
            context.abort(grpc.StatusCode.ALREADY_EXISTS, "etcd data directory is not empty")
        refusal = self.facts.on_bootstrap(request.recover_etcd, request.recover_skip_hash_check)
        if refusal:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, refusal)
        return machine_pb2.BootstrapResponse(
            messages=[machine_pb2.Bootstrap(metadata=self._metadata())]
        )

    def Reset(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._admin(context)
        refusal = self.facts.reset_refusal()
        if refusal:
            context.abort(grpc.StatusCode.UNAVAILABLE, refusal)
        self.facts.on_reset()
        return machine_pb2.ResetResponse(
            messages=[machine_pb2.Reset(metadata=self._metadata(), actor_id="sim")]
        )


@dataclass
class TalosNodeServer:
    """One node's API on its addresses, port `port` (Talos: 50000), following its mode."""

    facts: NodeFacts
    ca_pem: bytes
    ca_key_pem: bytes
    port: int = TALOS_PORT
    poll_s: float = 0.1
    _server: grpc.Server | None = None
    _mode: Mode | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _credentials(self, mode: Literal["installed", "maintenance"]) -> grpc.ServerCredentials:
        key = ec.generate_private_key(ec.SECP256R1())
        if mode == "maintenance":
            cert = _cert("maintenance-service", self.facts.addresses, key)
            return grpc.ssl_server_credentials([(_key_pem(key), cert)])
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        ca_key = serialization.load_pem_private_key(self.ca_key_pem, password=None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        cert = _cert(self.facts.name, self.facts.addresses, key, issuer=ca, issuer_key=ca_key)
        return grpc.ssl_server_credentials(
            [(_key_pem(key), cert)], root_certificates=self.ca_pem, require_client_auth=True
        )

    def _serve(self, mode: Mode) -> None:
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None
        if mode == "down":
            self._mode = mode
            return
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        machine_pb2_grpc.add_MachineServiceServicer_to_server(  # type: ignore[no-untyped-call]
            _Servicer(self.facts, mode), server
        )
        credentials = self._credentials(mode)
        for address in self.facts.addresses:
            bound = server.add_secure_port(f"{address}:{self.port}", credentials)
            if not bound:
                raise OSError(f"cannot listen on {address}:{self.port}")
            self.port = bound  # port 0: the first address's, then the same for the others
        server.start()
        self._server = server
        self._mode = mode  # once it listens: a caller that waits for the mode can connect

    def start(self) -> TalosNodeServer:
        with self._lock:
            self._serve(self.facts.mode())
        self._thread = threading.Thread(
            target=self._follow, name=f"talos-{self.facts.name}", daemon=True
        )
        self._thread.start()
        return self

    def _follow(self) -> None:
        while not self._stop.wait(self.poll_s):
            mode = self.facts.mode()
            with self._lock:
                if mode != self._mode and not self._stop.is_set():
                    self._serve(mode)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            if self._server is not None:
                self._server.stop(grace=None).wait()
                self._server = None
