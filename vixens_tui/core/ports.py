"""The small interfaces the core needs from the world (ports); adapters live in backends/.

Each real adapter (python-terraform, the kubernetes client, httpx) implements one of these, and
so do the in-memory fakes of the unit tests. The core only ever sees these types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.cluster import ClusterSnapshot

# -- Terraform -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TfDiagnostic:
    """A Terraform diagnostic (from `-json` output, or parsed from text mode)."""

    severity: str
    summary: str
    detail: str = ""
    address: str = ""

    def text(self) -> str:
        """Summary and detail together: a message may be in either (docs/testing.md)."""
        return f"{self.summary}: {self.detail}" if self.detail else self.summary


@dataclass(frozen=True, slots=True)
class TfLog:
    """One line of Terraform output, rendered for people (`raw` is what Terraform wrote)."""

    text: str
    raw: str = ""
    level: str = "info"


@dataclass(frozen=True, slots=True)
class TfResource:
    address: str
    action: str
    status: str
    """started, progress, complete or errored."""
    elapsed_s: float = 0.0


TfStreamItem = TfLog | TfResource | TfDiagnostic
TfListener = Callable[[TfStreamItem], None]


@dataclass(frozen=True, slots=True)
class TfResult:
    command: str
    rc: int
    diagnostics: tuple[TfDiagnostic, ...] = ()
    output: str = ""
    """The rendered output (short commands only; streaming commands leave it empty)."""
    interrupted: bool = False
    summary: Mapping[str, int] = field(default_factory=dict)
    """The change_summary counts, e.g. {"add": 20, "change": 0, "remove": 0}."""

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.interrupted

    def errors(self) -> tuple[TfDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def error_text(self) -> str:
        errs = self.errors()
        if errs:
            return "; ".join(d.text() for d in errs)
        return self.output.strip().splitlines()[-1] if self.output.strip() else f"rc={self.rc}"


class TerraformError(Exception):
    """Terraform could not be run at all (missing binary, unreadable directory...)."""


@dataclass(frozen=True, slots=True)
class ToolRun:
    """A tool run as Terraform's provisioners run it (TerraformBackend.tool)."""

    name: str
    path: str
    """Where Terraform's PATH finds it; "" when it does not."""
    rc: int | None
    """None when it could not be run (not found, not executable, too slow)."""
    output: str
    """stdout then stderr; why it could not be run, when rc is None."""


@runtime_checkable
class TerraformBackend(Protocol):
    """Terraform in the profile's working directory."""

    def version(self) -> str:
        """The engine's version, e.g. "1.15.5". Raises TerraformError when not runnable."""
        ...

    def tool(self, name: str, *args: str) -> ToolRun:
        """`name args` found on Terraform's PATH and run with its environment, as a
        `local-exec` provisioner would run it. Never raises."""
        ...

    def validate(self) -> TfResult: ...

    def state_list(self) -> tuple[str, ...]:
        """Addresses in the state (empty when there is no state). Raises TerraformError,
        with the backend's own error, when the state cannot be read (an unreachable S3
        backend, missing credentials, a held lock)."""
        ...

    def outputs(self) -> Mapping[str, Any]:
        """The root module's outputs in the state (`terraform output -json`): name -> value,
        empty when the state has none. Raises TerraformError."""
        ...

    def evaluate(self, expression: str) -> Any:
        """`expression` evaluated against the configuration, its variables and the state
        (`terraform console`), as JSON data; None when it names an undeclared variable.
        Raises TerraformError for any other failure."""
        ...

    def destroy(self, listener: TfListener, cancel: CancelToken) -> TfResult: ...

    def apply(self, listener: TfListener, cancel: CancelToken) -> TfResult: ...

    def state_rm(self, address: str) -> TfResult: ...

    def force_unlock(self, lock_id: str) -> TfResult: ...


# -- Kubernetes ------------------------------------------------------------------------------


class ClusterError(Exception):
    """The API answered with an error (Status) or could not be reached."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason

    @property
    def unreachable(self) -> bool:
        return self.status == 0


@runtime_checkable
class ClusterBackend(Protocol):
    """The cluster behind the profile's kubeconfig, observed through watches."""

    def kubeconfig_server(self) -> str | None:
        """The API server URL of the kubeconfig's current context; None if the file is absent.

        Raises ClusterError when the file exists but cannot be read.
        """
        ...

    def start(self) -> None:
        """Start (or restart, after the kubeconfig changed) watching the cluster."""
        ...

    def stop(self) -> None: ...

    def snapshot(self) -> ClusterSnapshot:
        """The latest snapshot, at once (never blocks on the network)."""
        ...

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        """Block until the snapshot's version exceeds `after_version`, `timeout` passes or
        `cancel` fires; then return the latest snapshot. Never polls the API."""
        ...

    def create_namespace(self, name: str) -> bool:
        """Create a namespace; False when it already existed (success either way)."""
        ...

    def delete_pods(self, namespace: str, selector: str) -> tuple[str, ...]:
        """Delete the pods matching a label selector; the names deleted."""
        ...

    def patch_application(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        """JSON merge-patch an Argo CD Application."""
        ...

    def apply_secret(self, manifest: Mapping[str, Any]) -> None:
        """Create or replace a Secret from a manifest (server-side values never read back)."""
        ...

    def apply_configmap(self, namespace: str, name: str, data: Mapping[str, str]) -> None: ...

    def object_exists(self, kind: str, namespace: str, name: str) -> bool:
        """Whether a Secret/ConfigMap/... exists, without reading its content."""
        ...

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        """The pod's last log lines (`kubectl logs -n NS POD`), for diagnosis."""
        ...

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        """The pod's events, oldest first, as `kubectl describe pod` lists them."""
        ...


# -- Talos -----------------------------------------------------------------------------------


class TalosError(Exception):
    """A Talos API call failed or could not be made (no talosconfig, no route, refused).
    `unreachable`: the node did not answer at all (gRPC's Unavailable), as opposed to an
    answer that refused the call."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class NodeModeReport:
    """What a node's API said to an insecure Version call (`talosctl --insecure version`)."""

    address: str
    mode: str
    """"maintenance", "installed" or "unreachable"."""
    evidence: str

    @property
    def in_maintenance(self) -> bool:
        return self.mode == "maintenance"


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """An etcd snapshot written to this host: where, how big, its SHA-256, from which node."""

    path: str
    size: int
    sha256: str
    node: str


@dataclass(frozen=True, slots=True)
class TalosHealth:
    """What an installed node's API says of itself (`talosctl version`, `services`,
    `etcd members`)."""

    address: str
    version: str
    services: Mapping[str, tuple[str, bool]]
    """Service id -> (state, healthy), e.g. "etcd" -> ("Running", True)."""
    etcd_members: tuple[str, ...]
    """The hostnames of etcd's members, as this node sees them."""


@dataclass(frozen=True, slots=True)
class TalosConfigInfo:
    """The talosconfig's current context: its name, endpoints and nodes (no credentials)."""

    path: str
    context: str
    endpoints: tuple[str, ...]
    nodes: tuple[str, ...]


TALOS_PORT = 50000
"""apid's port on every node: the installed API and the maintenance service alike."""


@runtime_checkable
class TalosBackend(Protocol):
    """The nodes' Talos API (apid, port 50000), as `talosctl` reaches it."""

    def probe(self, address: str) -> NodeModeReport:
        """The node's mode, from its insecure answer; never raises."""
        ...

    def talosconfig(self) -> TalosConfigInfo:
        """The talosconfig read and checked whole (a context with a CA, a certificate and a
        key). Raises TalosError saying what is wrong with it."""
        ...

    def keep_credentials(self) -> bool:
        """Read the talosconfig's client certificate now and keep it in memory, for a reset
        after the destroy removed the file; False when there is no usable talosconfig."""
        ...

    def reset(self, address: str) -> None:
        """`talosctl reset --graceful=false --reboot` through the API, with the talosconfig's
        certificate (the file's, else the one kept). Raises TalosError."""
        ...

    def health(self, address: str) -> TalosHealth:
        """The node's version, services and etcd members over mutual TLS. Raises TalosError."""
        ...

    def etcd_snapshot(self, address: str, target: Path) -> SnapshotInfo:
        """`talosctl etcd snapshot TARGET -n ADDRESS`: etcd's snapshot streamed from that
        control plane into `target` (0600, whole or not at all). Raises TalosError."""
        ...


# -- HTTP ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """The server certificate of an https answer, as this host sees it."""

    trusted: bool
    """Verified against this host's trust store, for the URL's host name."""
    issuer: str = ""
    """The certificate's issuer (RFC 4514 text, e.g. `CN=(STAGING) ...,O=(STAGING) Let's
    Encrypt,C=US`)."""
    subject: str = ""
    error: str = ""
    """Why it is not trusted: the TLS library's verification error."""


@dataclass(frozen=True, slots=True)
class HttpResult:
    url: str
    status: int | None
    error: str = ""
    elapsed_s: float = 0.0
    location: str = ""
    """The Location header of a redirect ('' otherwise)."""
    tls: TlsInfo | None = None
    """For an https URL that answered: its certificate (trusted or not, the answer is kept)."""
    redirected_to: HttpResult | None = None
    """The answer of the HTTPS URL a check followed a redirect to (core.http_checks)."""


@runtime_checkable
class HttpProber(Protocol):
    def probe(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 10.0,
        connect_to: Mapping[str, str] | None = None,
    ) -> HttpResult:
        """One request, redirects not followed. `connect_to` maps `host:port` of a URL to the
        `address:port` to connect to instead (curl's --connect-to): the request keeps its
        Host header and TLS server name. An https answer carries its certificate's `tls`,
        also when this host does not trust it (then the answer is read without verifying)."""
        ...


@dataclass(frozen=True, slots=True)
class Backends:
    terraform: TerraformBackend
    cluster: ClusterBackend
    http: HttpProber
    talos: TalosBackend | None = None
    """None where nothing speaks to Talos (unit tests of other stages): the Talos checks then
    say they were not made."""
    closers: Sequence[Callable[[], None]] = ()
    """Called when the run ends (stop watches, stop a simulator...)."""

    def close(self) -> None:
        for close in self.closers:
            close()
