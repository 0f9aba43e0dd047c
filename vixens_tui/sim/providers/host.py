"""One process serves every simulated provider; Terraform reattaches to them.

Each provider gets a gRPC server (tfplugin6, the `tf` framework's servicer) on a unix socket in
a private directory, plus the two services go-plugin expects beside it (the controller and the
stdio stream). `reattach_env()` is what Terraform needs to use them instead of starting
provider processes: `TF_REATTACH_PROVIDERS`, the JSON of go-plugin's ReattachConfig per
provider address, `Test: true` so that Terraform never kills the process it did not start.

The controller's Shutdown, which Terraform sends when it is done with a provider, is
acknowledged and ignored: the host outlives every Terraform command of a run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from concurrent import futures
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2_grpc as plugin_rpc
from tf.provider import ProviderServicer

from vixens_tui.sim.providers.base import SimProvider

PROTOCOL_VERSION = 6
WORKERS = 8
"""Threads per provider: Terraform calls a provider from its parallel graph walk (10 at most)."""


class _Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
    def Shutdown(self, request: Any, context: Any) -> Any:  # gRPC names it
        return controller_pb.Empty()


class _Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
    def StreamStdio(self, request: Any, context: Any) -> Any:  # gRPC names it
        return iter(())


class ProviderHost:
    """Serves `providers` on sockets under `directory` (created 0700) until `stop()`."""

    def __init__(self, providers: Iterable[SimProvider], directory: Path) -> None:
        self.providers = list(providers)
        self.directory = Path(directory)
        self._servers: list[grpc.Server] = []
        self._sockets: dict[str, Path] = {}

    def start(self) -> ProviderHost:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        for provider in self.providers:
            path = self.directory / f"{provider.source.replace('/', '-')}.sock"
            path.unlink(missing_ok=True)
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS))
            plugin_rpc.add_ProviderServicer_to_server(ProviderServicer(provider), server)
            controller_rpc.add_GRPCControllerServicer_to_server(_Controller(), server)
            stdio_rpc.add_GRPCStdioServicer_to_server(_Stdio(), server)
            server.add_insecure_port(f"unix:{path}")
            server.start()
            self._servers.append(server)
            self._sockets[provider.full_name()] = path
        return self

    def reattach_env(self) -> dict[str, str]:
        """The environment that points Terraform at these providers."""
        config = {
            address: {
                "Protocol": "grpc",
                "ProtocolVersion": PROTOCOL_VERSION,
                "Pid": os.getpid(),
                "Test": True,
                "Addr": {"Network": "unix", "String": str(path)},
            }
            for address, path in self._sockets.items()
        }
        return {"TF_REATTACH_PROVIDERS": json.dumps(config, sort_keys=True)}

    def stop(self) -> None:
        for server in self._servers:
            server.stop(grace=None)
        self._servers.clear()
        for path in self._sockets.values():
            path.unlink(missing_ok=True)
        self._sockets.clear()

    def __enter__(self) -> ProviderHost:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
