"""Talos's API (apid, port 50000) over gRPC, as `talosctl` speaks it.

Two ways in, as on a real node:
- **mutual TLS** with the talosconfig's context (its CA, client certificate and key): an
  installed node's MachineService (Version, ServiceList, EtcdMemberList, EtcdSnapshot, Reset);
- **insecure**, `talosctl --insecure`: TLS without verifying the server's certificate and no
  client certificate, which only a node in maintenance mode accepts. grpcio cannot skip the
  verification, so that call is made by hand over HTTP/2 (httpx): a gRPC unary call is a POST
  of a length-prefixed message, and Talos's refusal comes back as a trailers-only response
  whose headers carry grpc-status and grpc-message.

A node in maintenance mode answers the insecure Version with `Unimplemented: API is not
implemented in maintenance mode` (internal/app/maintenance/server.go, assertAdminRole); an
installed node refuses the TLS handshake of a client without a certificate.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

# gRPC's C core logs a refused TLS handshake to stderr at INFO (a line on the TUI's screen, in
# a provisioner's output; older releases log it at ERROR); the caller gets the error anyway.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

import grpc
import httpx
import yaml
from google.protobuf import empty_pb2

from vixens_tui.core.ports import TALOS_PORT
from vixens_tui.talos_api import common_pb2, machine_pb2, machine_pb2_grpc

MAINTENANCE_MESSAGE = "API is not implemented in maintenance mode"
RECOVER_CHUNK = 1 << 20
"""talosctl streams a snapshot in chunks: gRPC's default message limit is 4 MiB."""
_GRPC_UNIMPLEMENTED = "12"


class TalosError(Exception):
    """A Talos API call failed: the node, the call and gRPC's status, in one line;
    `unreachable` when gRPC's status is Unavailable (nothing answered)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class TalosCredentials:
    ca: bytes
    crt: bytes
    key: bytes


@dataclass(frozen=True, slots=True)
class TalosConfig:
    context: str
    endpoints: tuple[str, ...]
    nodes: tuple[str, ...]
    credentials: TalosCredentials


def load_talosconfig(path: Path, context: str | None = None) -> TalosConfig:
    """The talosconfig's context (its current one by default); TalosError when unusable."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TalosError(f"talosconfig {path}: cannot read it ({exc})") from None
    name = context or data.get("context") or ""
    ctx = (data.get("contexts") or {}).get(name)
    if not isinstance(ctx, dict):
        raise TalosError(f"talosconfig {path}: no context {name!r}")
    try:
        credentials = TalosCredentials(
            *(base64.b64decode(str(ctx[k]), validate=True) for k in ("ca", "crt", "key"))
        )
    except (KeyError, ValueError) as exc:
        raise TalosError(f"talosconfig {path}: context {name!r} lacks a valid {exc}") from None
    return TalosConfig(
        name,
        tuple(str(e) for e in ctx.get("endpoints") or ()),
        tuple(str(n) for n in ctx.get("nodes") or ()),
        credentials,
    )


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    path: Path
    size: int
    sha256: str


def _code(exc: grpc.RpcError) -> grpc.StatusCode | None:
    return exc.code() if hasattr(exc, "code") else None


_TLS_FAILURE = ("SSL_ERROR", "CERTIFICATE_VERIFY", "handshake")


def _unreachable(exc: grpc.RpcError) -> bool:
    """Nothing answered: gRPC's Unavailable, but not for a TLS handshake that failed (gRPC
    reports that as Unavailable too; a node in maintenance mode presents a certificate the
    talosconfig's CA did not sign: it answered)."""
    details = exc.details() if hasattr(exc, "details") else ""
    return _code(exc) is grpc.StatusCode.UNAVAILABLE and not any(
        mark in (details or "") for mark in _TLS_FAILURE
    )


def _describe(exc: grpc.RpcError) -> str:
    code = _code(exc)
    details = exc.details() if hasattr(exc, "details") else str(exc)
    return f"{code.name.title().replace('_', '') if code else 'Error'}: {details}"


class TalosClient:
    """One node at a time over mutual TLS (the endpoint is the node itself)."""

    def __init__(
        self, credentials: TalosCredentials, *, port: int = TALOS_PORT, timeout_s: float = 10.0
    ) -> None:
        self._credentials = grpc.ssl_channel_credentials(
            root_certificates=credentials.ca,
            private_key=credentials.key,
            certificate_chain=credentials.crt,
        )
        self.port = port
        self.timeout_s = timeout_s

    def _call(self, address: str, what: str, call: str, request: object) -> object:
        with grpc.secure_channel(f"{address}:{self.port}", self._credentials) as channel:
            stub = machine_pb2_grpc.MachineServiceStub(channel)  # type: ignore[no-untyped-call]
            try:
                return getattr(stub, call)(request, timeout=self.timeout_s)
            except grpc.RpcError as exc:
                raise TalosError(
                    f"{address}: {what}: {_describe(exc)}",
                    unreachable=_unreachable(exc),
                ) from None

    def version(self, address: str) -> str:
        """The Talos version the node runs ("v1.11.5")."""
        reply = self._call(address, "version", "Version", empty_pb2.Empty())
        assert isinstance(reply, machine_pb2.VersionResponse)
        return reply.messages[0].version.tag if reply.messages else ""

    def services(self, address: str) -> dict[str, tuple[str, bool]]:
        """Service id -> (state, healthy), as `talosctl services`."""
        reply = self._call(address, "service list", "ServiceList", empty_pb2.Empty())
        assert isinstance(reply, machine_pb2.ServiceListResponse)
        return {s.id: (s.state, s.health.healthy) for m in reply.messages for s in m.services}

    def etcd_members(self, address: str) -> list[str]:
        """The hostnames of etcd's members, as `talosctl etcd members`."""
        request = machine_pb2.EtcdMemberListRequest(query_local=False)
        reply = self._call(address, "etcd members", "EtcdMemberList", request)
        assert isinstance(reply, machine_pb2.EtcdMemberListResponse)
        return [member.hostname for m in reply.messages for member in m.members]

    def etcd_snapshot(self, address: str, target: Path) -> SnapshotFile:
        """Stream etcd's snapshot into `target` (0600, written whole or not at all)."""
        target = Path(target)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        digest = hashlib.sha256()
        size = 0
        with grpc.secure_channel(f"{address}:{self.port}", self._credentials) as channel:
            stub = machine_pb2_grpc.MachineServiceStub(channel)  # type: ignore[no-untyped-call]
            try:
                chunks: Iterator[object] = stub.EtcdSnapshot(
                    machine_pb2.EtcdSnapshotRequest(), timeout=self.timeout_s * 30
                )
                fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as out:
                    for chunk in chunks:
                        data: bytes = chunk.bytes  # type: ignore[attr-defined]
                        out.write(data)
                        digest.update(data)
                        size += len(data)
                    out.flush()
                    os.fsync(out.fileno())
            except grpc.RpcError as exc:
                partial.unlink(missing_ok=True)
                raise TalosError(f"{address}: etcd snapshot: {_describe(exc)}") from None
        if size == 0:
            partial.unlink(missing_ok=True)
            raise TalosError(f"{address}: etcd snapshot: the node sent no data")
        partial.replace(target)
        return SnapshotFile(target, size, digest.hexdigest())

    def etcd_recover(self, address: str, snapshot: Path) -> int:
        """Upload an etcd snapshot to a control plane whose etcd waits for its bootstrap, as
        `talosctl bootstrap --recover-from` does first; the bytes sent."""
        sent = 0

        def chunks() -> Iterator[object]:
            nonlocal sent
            with Path(snapshot).open("rb") as source:
                while data := source.read(RECOVER_CHUNK):
                    sent += len(data)
                    yield common_pb2.Data(bytes=data)

        with grpc.secure_channel(f"{address}:{self.port}", self._credentials) as channel:
            stub = machine_pb2_grpc.MachineServiceStub(channel)  # type: ignore[no-untyped-call]
            try:
                stub.EtcdRecover(chunks(), timeout=self.timeout_s * 30)
            except grpc.RpcError as exc:
                raise TalosError(f"{address}: etcd recover: {_describe(exc)}") from None
            except OSError as exc:
                raise TalosError(f"{address}: etcd recover: {exc}") from None
        return sent

    def bootstrap(
        self, address: str, *, recover: bool = False, skip_hash_check: bool = False
    ) -> None:
        """Bootstrap etcd on that control plane; `recover`: from the snapshot uploaded with
        etcd_recover() (`talosctl bootstrap --recover-from`)."""
        request = machine_pb2.BootstrapRequest(
            recover_etcd=recover, recover_skip_hash_check=skip_hash_check
        )
        self._call(address, "bootstrap", "Bootstrap", request)

    def reset(self, address: str, *, graceful: bool = True, reboot: bool = True) -> None:
        """`talosctl reset`: the node wipes its system disk and comes back in maintenance."""
        request = machine_pb2.ResetRequest(graceful=graceful, reboot=reboot)
        self._call(address, "reset", "Reset", request)


NodeMode = Literal["maintenance", "installed", "unreachable"]


@dataclass(frozen=True, slots=True)
class ModeProbe:
    address: str
    mode: NodeMode
    evidence: str


def probe_mode(address: str, *, port: int = TALOS_PORT, timeout_s: float = 5.0) -> ModeProbe:
    """Ask `address` for its version as `talosctl --insecure version` does, and tell from the
    answer whether the node is in maintenance mode."""
    body = empty_pb2.Empty().SerializeToString()
    frame = b"\x00" + len(body).to_bytes(4, "big") + body
    url = f"https://{address}:{port}/machine.MachineService/Version"
    headers = {"content-type": "application/grpc", "te": "trailers"}
    try:
        with httpx.Client(http1=False, http2=True, verify=False, timeout=timeout_s) as client:  # noqa: S501
            reply = client.post(url, content=frame, headers=headers)
    except httpx.ConnectTimeout as exc:
        return ModeProbe(address, "unreachable", f"insecure Version: connect timeout ({exc})")
    except httpx.ConnectError as exc:
        text = str(exc)
        if any(w in text.lower() for w in ("refused", "unreachable", "no route")):
            return ModeProbe(address, "unreachable", f"insecure Version: {text}")
        # An installed node's apid ends the handshake of a client without a certificate.
        return ModeProbe(
            address, "installed", f"insecure Version refused in the TLS handshake: {text}"
        )
    except (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError) as exc:
        # TLS 1.3: the client's side of the handshake completes, then the server, which wants
        # a certificate, ends the session before answering.
        return ModeProbe(
            address,
            "installed",
            f"insecure Version: the node ended the TLS session of a client without a "
            f"certificate ({type(exc).__name__}: {exc})",
        )
    except httpx.HTTPError as exc:
        return ModeProbe(address, "unreachable", f"insecure Version: {type(exc).__name__}: {exc}")
    status = reply.headers.get("grpc-status", "")
    message = unquote(reply.headers.get("grpc-message", ""))  # percent-encoded on the wire
    if status == _GRPC_UNIMPLEMENTED and MAINTENANCE_MESSAGE in message:
        return ModeProbe(address, "maintenance", f"insecure Version: Unimplemented: {message}")
    if status == "0":
        # Answered without a client certificate: not what an installed node does.
        return ModeProbe(address, "installed", "insecure Version answered (grpc-status 0)")
    return ModeProbe(
        address, "installed", f"insecure Version: grpc-status {status or '?'}: {message}"
    )
