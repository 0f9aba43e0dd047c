"""The core's TalosBackend on Talos's real API (client.py): the nodes' mode, and a reset.

The talosconfig lives in the Terraform directory, and the destroy removes it with the rest of
the cluster (`local_file.talosconfig`). A node whose reset failed still runs the old cluster and
accepts only that cluster's client certificate, so the destroy stage asks for the credentials
to be kept, in memory only, before it destroys anything: a reset afterwards uses them. A
process that resumes after the destroy has none to keep; its reset says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vixens_tui.core import ports
from vixens_tui.core.ports import (
    TALOS_PORT,
    NodeModeReport,
    SnapshotInfo,
    TalosConfigInfo,
    TalosHealth,
)

if TYPE_CHECKING:
    from vixens_tui.backends.talos.client import TalosCredentials

# client.py (grpc, protobuf, httpx) is imported at the first call, not with the backends: a
# run that never reaches the destroy does not pay for it.


class TalosApiBackend:
    def __init__(self, talosconfig: Path, *, port: int = TALOS_PORT) -> None:
        self.talosconfig_path = Path(talosconfig)
        self.port = port
        self._kept: TalosCredentials | None = None

    def probe(self, address: str) -> NodeModeReport:
        from vixens_tui.backends.talos.client import probe_mode

        found = probe_mode(address, port=self.port)
        return NodeModeReport(found.address, found.mode, found.evidence)

    def talosconfig(self) -> TalosConfigInfo:
        from vixens_tui.backends.talos.client import TalosError, load_talosconfig

        if not self.talosconfig_path.is_file():
            raise ports.TalosError(f"no talosconfig at {self.talosconfig_path}")
        try:
            config = load_talosconfig(self.talosconfig_path)
        except TalosError as exc:
            raise ports.TalosError(str(exc)) from None
        return TalosConfigInfo(
            str(self.talosconfig_path), config.context, config.endpoints, config.nodes
        )

    def keep_credentials(self) -> bool:
        from vixens_tui.backends.talos.client import TalosError, load_talosconfig

        try:
            self._kept = load_talosconfig(self.talosconfig_path).credentials
        except TalosError:
            return False
        return True

    def _credentials(self) -> TalosCredentials:
        from vixens_tui.backends.talos.client import TalosError, load_talosconfig

        if self.talosconfig_path.exists():
            try:
                return load_talosconfig(self.talosconfig_path).credentials
            except TalosError as exc:
                if self._kept is None:
                    raise ports.TalosError(str(exc)) from None
        if self._kept is None:
            raise ports.TalosError(
                f"no client certificate for the old cluster: {self.talosconfig_path} is gone (the "
                "destroy removed it) and this process did not read it before the destroy"
            )
        return self._kept

    def reset(self, address: str) -> None:
        from vixens_tui.backends.talos.client import TalosClient, TalosError

        client = TalosClient(self._credentials(), port=self.port)
        try:
            client.reset(address, graceful=False, reboot=True)
        except TalosError as exc:
            raise ports.TalosError(str(exc)) from None

    def etcd_snapshot(self, address: str, target: Path) -> SnapshotInfo:
        from vixens_tui.backends.talos.client import TalosClient, TalosError

        client = TalosClient(self._credentials(), port=self.port)
        try:
            saved = client.etcd_snapshot(address, target)
        except TalosError as exc:
            raise ports.TalosError(str(exc)) from None
        return SnapshotInfo(str(saved.path), saved.size, saved.sha256, address)

    def health(self, address: str) -> TalosHealth:
        from vixens_tui.backends.talos.client import TalosClient, TalosError

        client = TalosClient(self._credentials(), port=self.port)
        try:
            return TalosHealth(
                address,
                client.version(address),
                client.services(address),
                tuple(client.etcd_members(address)),
            )
        except TalosError as exc:
            raise ports.TalosError(str(exc), unreachable=exc.unreachable) from None
