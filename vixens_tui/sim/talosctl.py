"""`talosctl` for the demo: the two commands the user's Terraform provisioners run, the
`version --client` preflight asks it, and `bootstrap --recover-from` (the README's recovery
path from the destroy's etcd snapshot).

    talosctl reset -n IP -e IP --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL
        --graceful=false --reboot --wait=false
    talosctl upgrade --nodes IP --endpoints IP --image IMAGE --preserve=true --wait=false

(terraform/modules/talos/main.tf, `node_reset_on_destroy` and `control_plane_upgrade`). The demo
puts a `talosctl` that runs this module first on Terraform's PATH. As the real one, it needs
TALOSCONFIG (the provisioners write it from the talosconfig the Talos provider made) and reaches
the node by its address: `reset` is Talos's MachineService/Reset over mutual TLS with the
talosconfig's certificate, answered by the simulated node's API (talos_node.py), which a node
already in maintenance mode refuses as a real one does; an address that is not a node's is
resolved with the demo's network plan (VIXENS_SIM_NETWORK, addresses.py) and has no route.

With `--wait=false` the real talosctl returns once the node has accepted the request: so does
this one. A node it cannot reach is a gRPC error and exit 1, as the real one: the provisioner's
`|| echo "Warning: Node reset failed, continuing destroy"` then swallows it, which the product
must notice.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from vixens_tui.core.ports import TALOS_PORT
from vixens_tui.sim.addresses import DemoNetwork


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talosctl", add_help=True)
    parser.add_argument("--talosconfig", default=os.environ.get("TALOSCONFIG", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    version = commands.add_parser("version")
    version.add_argument("--client", action="store_true")
    version.add_argument("--short", action="store_true")
    for name in ("reset", "upgrade", "bootstrap"):
        sub = commands.add_parser(name)
        sub.add_argument("-n", "--nodes", action="append", default=[])
        sub.add_argument("-e", "--endpoints", action="append", default=[])
        sub.add_argument("--wait", default="true")
        if name == "bootstrap":
            sub.add_argument("--recover-from", default="")
            sub.add_argument("--recover-skip-hash-check", action="store_true")
        elif name == "reset":
            sub.add_argument("--system-labels-to-wipe", action="append", default=[])
            sub.add_argument("--graceful", default="true")
            sub.add_argument("--reboot", nargs="?", const="true", default="false")
        else:
            sub.add_argument("--image", default="")
            sub.add_argument("--preserve", default="false")
    return parser


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _talosconfig(path: str) -> tuple[bytes, bytes, bytes] | str:
    """The context's (CA, certificate, key), or why the talosconfig cannot be used (the real
    client needs a context with all three)."""
    if not path:
        return "failed to read config: no talosconfig: set TALOSCONFIG or --talosconfig"
    try:
        data = yaml.safe_load(Path(path).read_text())
        context = data["contexts"][data["context"]]
        if not all(context.get(k) for k in ("ca", "crt", "key")):
            return f"failed to read config: context {data['context']!r} has no client certificate"
        ca, crt, key = (base64.b64decode(context[k]) for k in ("ca", "crt", "key"))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        return f"failed to read config: {exc}"
    return ca, crt, key


def _reset(address: str, credentials: tuple[bytes, bytes, bytes], graceful: bool) -> str:
    """MachineService/Reset on `address`; "" or talosctl's error line for it."""
    # gRPC's C core would log the refused handshake to stderr, into the provisioner's output.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    import grpc

    from vixens_tui.talos_api import machine_pb2, machine_pb2_grpc

    ca, crt, key = credentials
    tls = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=crt)
    with grpc.secure_channel(f"{address}:{TALOS_PORT}", tls) as channel:
        stub = machine_pb2_grpc.MachineServiceStub(channel)  # type: ignore[no-untyped-call]
        request = machine_pb2.ResetRequest(graceful=graceful, reboot=True)
        try:
            stub.Reset(request, timeout=10)
        except grpc.RpcError as exc:
            code = exc.code().name.title().replace("_", "")
            return f"{address}: rpc error: code = {code} desc = {exc.details()}"
    return ""


def _version(args: argparse.Namespace) -> int:
    """`talosctl version --client [--short]`, as talosctl prints it (pkg/version: the short
    form is "Talos TAG", the long one a template of Tag, SHA, Built, Go version, OS/Arch)."""
    if not args.client:
        return _fail("talosctl (vixens-tui demo): only `version --client` is simulated")
    tag = os.environ.get("VIXENS_SIM_TALOS_VERSION", "v1.11.5")
    print("Client:")
    if args.short:
        print(f"Talos {tag}")
    else:
        print(
            f"\tTag:         {tag}\n\tSHA:         00000000\n\tBuilt:       \n"
            "\tGo version:  go1.24.9\n\tOS/Arch:     linux/amd64"
        )
    return 0


def _bootstrap(
    address: str, credentials: tuple[bytes, bytes, bytes], args: argparse.Namespace
) -> str:
    """`talosctl bootstrap [--recover-from FILE]`: EtcdRecover streams the snapshot first, then
    Bootstrap asks etcd to start from it; "" or talosctl's error line."""
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    import grpc

    from vixens_tui.talos_api import common_pb2, machine_pb2, machine_pb2_grpc

    def chunks(data: bytes) -> Any:
        for start in range(0, len(data), 1 << 20):
            yield common_pb2.Data(bytes=data[start : start + (1 << 20)])

    ca, crt, key = credentials
    tls = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=crt)
    with grpc.secure_channel(f"{address}:{TALOS_PORT}", tls) as channel:
        stub = machine_pb2_grpc.MachineServiceStub(channel)  # type: ignore[no-untyped-call]
        if args.recover_from:
            try:
                data = Path(args.recover_from).read_bytes()
            except OSError as exc:
                return f"error reading snapshot: {exc}"
            try:
                stub.EtcdRecover(chunks(data), timeout=30)
            except grpc.RpcError as exc:
                return f"error uploading snapshot: {_rpc_error(exc)}"
            digest = hashlib.sha256(data).hexdigest()
            print(
                f"recovering from snapshot {args.recover_from!r}: {len(data)} bytes, sha256 {digest}"
            )
        request = machine_pb2.BootstrapRequest(
            recover_etcd=bool(args.recover_from),
            recover_skip_hash_check=args.recover_skip_hash_check,
        )
        try:
            stub.Bootstrap(request, timeout=30)
        except grpc.RpcError as exc:
            return f"error executing bootstrap: {_rpc_error(exc)}"
    return ""


def _rpc_error(exc: Any) -> str:
    code = exc.code().name.title().replace("_", "")
    return f"rpc error: code = {code} desc = {exc.details()}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        return _version(args)
    credentials = _talosconfig(args.talosconfig)
    if isinstance(credentials, str):
        return _fail(credentials)
    raw_network = os.environ.get("VIXENS_SIM_NETWORK", "")
    if not raw_network:
        return _fail("talosctl (vixens-tui demo): VIXENS_SIM_NETWORK unset")
    network = DemoNetwork.from_json(json.loads(raw_network))
    nodes = [n for value in args.nodes for n in value.split(",") if n]
    if not nodes:
        return _fail("error: nodes are not set for the command: please use `--nodes` flag")
    rows = []
    for address in nodes:
        name = network.node_at(address)
        if name is None:
            return _fail(
                f"error executing {args.command}: 1 error occurred:\n\t* {address}: rpc error: "
                'code = Unavailable desc = connection error: desc = "transport: Error while '
                f'dialing: dial tcp {address}:{TALOS_PORT}: connect: no route to host"'
            )
        if args.command == "reset":
            failed = _reset(address, credentials, args.graceful == "true")
            if failed:
                return _fail(f"error executing reset: 1 error occurred:\n\t* {failed}")
        elif args.command == "bootstrap":
            failed = _bootstrap(address, credentials, args)
            if failed:
                return _fail(failed)
        rows.append(address)
    if args.command == "upgrade":
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
        print(f"{'NODE':<16}{'ACK':<27}STARTED")
        for address in rows:
            print(f"{address:<16}{'Upgrade request received':<27}{started}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
