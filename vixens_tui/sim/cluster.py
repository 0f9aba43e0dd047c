"""`SimCluster`: the simulated cluster the CLI (`vixens-tui sim`), the demo and the tests use.

It assembles the pieces: the store and API server (HTTPS, on a port kept across destroys), the
scenario driver and its controllers, the control server the demo Terraform's hook talks to, and
the loopback server answering the profile's HTTP checks.

    with SimCluster(load_profile("dev"), speed=50) as sim:
        sim.write_kubeconfig(tmp / "kubeconfig")
        ...  # kubectl, the kubernetes client, the product

`scenario="built"` starts with the cluster as a successful rebuild leaves it; `"rebuild"` starts
destroyed (API gone, nodes in maintenance mode) for Terraform's apply to bring to life.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Literal

from vixens_tui.core.profile import HttpCheck, Profile
from vixens_tui.sim.apiserver.certs import ed25519_key_pem, make_bundle
from vixens_tui.sim.apiserver.resources import ResourceAPI
from vixens_tui.sim.apiserver.server import APIServer
from vixens_tui.sim.apiserver.store import Obj, Store
from vixens_tui.sim.catalog import build_catalog
from vixens_tui.sim.clock import Clock, rfc3339
from vixens_tui.sim.control import ControlServer
from vixens_tui.sim.faults import API_FLAKY, Faults, FlakyApi
from vixens_tui.sim.httpchecks import CheckServer
from vixens_tui.sim.kubeconfig import kubeconfig_text, talosconfig_text, write_private
from vixens_tui.sim.logs import PERIOD_S, container_log
from vixens_tui.sim.rand import Rand
from vixens_tui.sim.scenario import FileMakers, HookResult, Scenario
from vixens_tui.sim.timings import Timings
from vixens_tui.sim.versions import BuiltVersions
from vixens_tui.sim.world import World

ScenarioName = Literal["built", "rebuild"]
SCENARIOS: tuple[ScenarioName, ...] = ("built", "rebuild")


class SimCluster:
    def __init__(
        self,
        profile: Profile,
        *,
        faults: Sequence[str] = (),
        speed: float = 1.0,
        scenario: ScenarioName = "built",
        port: int = 0,
        host: str = "127.0.0.1",
        seed: int | None = None,
        timings: Timings | None = None,
        versions: BuiltVersions | None = None,
        api_socket: socket.socket | None = None,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; use one of {', '.join(SCENARIOS)}")
        self.profile = profile
        self.faults = Faults.parse(faults)
        self.speed = speed
        self.scenario_name: ScenarioName = scenario
        self.token = secrets.token_urlsafe(24)
        self.clock = Clock(speed)
        self.rand = Rand(seed)
        self.catalog = build_catalog(profile, versions)
        self._certs = make_bundle(self.catalog.cluster_name, ips=(host,))
        self._talos_key = ed25519_key_pem()
        self.store = Store(now=self.clock.wall, new_uid=self.rand.uid)
        self._cluster_ips: set[str] = set()
        self.resources = ResourceAPI(
            self.store, now=self.clock.wall, suffix=self.rand.suffix, allocate_ip=self._allocate_ip
        )
        self.world = World(
            profile=profile,
            catalog=self.catalog,
            store=self.store,
            resources=self.resources,
            clock=self.clock,
            rand=self.rand,
            faults=self.faults,
            timings=timings or Timings(),
        )
        self.world.ca_pem = self._certs.ca_pem.decode()
        self.flaky = (
            FlakyApi(self.faults.flaky_rate, self.rand) if self.faults.has(API_FLAKY) else None
        )
        endpoint = profile.api_endpoint
        self._api = APIServer(
            self.resources,
            tls=self._certs.server_context(),
            token=self.token,
            git_version=profile.kubernetes_version,
            now=self.clock.wall,
            advertise_address=f"{endpoint.host}:{endpoint.port or 6443}",
            host=host,
            port=port,
            disruptions=self.flaky,
            logs=self._log,
        )
        if api_socket is not None:
            # Already bound to host:port by whoever picked the address: kept bound, so that
            # nobody else takes the address between that choice and the server's start.
            self._api.adopt(api_socket)
        self.scenario = Scenario(
            self.world,
            FileMakers(self.kubeconfig_text, self.talosconfig_text),
            on_api=self._api.set_available,
        )
        self._control: ControlServer | None = None
        self._http: CheckServer | None = None
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SimCluster:
        if self._started:
            return self
        self._api.reserve()
        self._control = ControlServer(self.scenario, self.token)
        self._http = CheckServer(self.world)
        self._control.start()
        self._http.start()
        self._started = True
        try:
            if self.scenario_name == "built":
                self.scenario.build()
            self.scenario.sync_api()
            self.scenario.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.scenario.stop()
        if self._control is not None:
            self._control.stop()
            self._control = None
        if self._http is not None:
            self._http.stop()
            self._http = None
        self._api.close()
        self._started = False

    def __enter__(self) -> SimCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _need_started(self) -> None:
        if not self._started:
            raise RuntimeError("the simulated cluster is not started (call start() first)")

    # -- addresses and credentials --------------------------------------------------------

    @property
    def api_url(self) -> str:
        self._need_started()
        return self._api.url

    @property
    def port(self) -> int:
        self._need_started()
        return self._api.port

    @property
    def control_url(self) -> str:
        self._need_started()
        assert self._control is not None
        return self._control.url

    @property
    def http_url(self) -> str:
        self._need_started()
        assert self._http is not None
        return self._http.url

    @property
    def http_server(self) -> CheckServer:
        """The load balancers the HTTP checks reach (plain HTTP and HTTPS)."""
        self._need_started()
        assert self._http is not None
        return self._http

    @property
    def ca_pem(self) -> bytes:
        return self._certs.ca_pem

    @property
    def ca_key_pem(self) -> bytes:
        """The CA's key: the simulated Talos nodes sign their API certificates with it."""
        return self._certs.ca_key_pem

    @property
    def api_available(self) -> bool:
        """Whether the API answers right now (False once destroyed, until bootstrapped)."""
        return self._api.available

    def client_certificate(self) -> tuple[bytes, bytes]:
        """An admin client certificate and key (what Talos gives Terraform's providers)."""
        return self._certs.client_certificate("admin", ("system:masters",))

    def kubeconfig_text(self) -> str:
        return kubeconfig_text(self.catalog.cluster_name, self.api_url, self.ca_pem, self.token)

    def admin_kubeconfig_text(self) -> str:
        """The kubeconfig Talos hands out (`talos_cluster_kubeconfig`): an admin client
        certificate instead of the token."""
        cert, key = self.client_certificate()
        return kubeconfig_text(
            self.catalog.cluster_name, self.api_url, self.ca_pem, client_cert=(cert, key)
        )

    def talos_client_certificate(self) -> tuple[bytes, bytes]:
        """The Talos API's admin certificate (role os:admin), as talos_machine_secrets has."""
        return self._certs.client_certificate("admin", ("os:admin",))

    def talosconfig_text(self) -> str:
        endpoints = [self.catalog.node_ip(n) for n in self.catalog.control_planes()]
        return talosconfig_text(
            self.catalog.cluster_name, endpoints, self.ca_pem, self._certs.cert_pem, self._talos_key
        )

    def write_kubeconfig(self, path: str | os.PathLike[str]) -> Path:
        """Write a kubeconfig for this cluster (mode 0600); returns its path."""
        return write_private(Path(path), self.kubeconfig_text())

    def demo_http_checks(self) -> tuple[HttpCheck, ...]:
        """The profile's HTTP checks pointed at the loopback server (same names)."""
        self._need_started()
        assert self._http is not None
        return self._http.demo_checks()

    def hook_env(self) -> dict[str, str]:
        """Environment for Terraform (and so the hook): the control URL, its token, and a
        PYTHONPATH that finds this package when it is not installed."""
        root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH", "")
        parts = [root, *[p for p in path.split(os.pathsep) if p and p != root]]
        return {
            "VIXENS_SIM_CONTROL": self.control_url,
            "VIXENS_SIM_TOKEN": self.token,
            "PYTHONPATH": os.pathsep.join(parts),
        }

    # -- driving it in-process ------------------------------------------------------------

    def hook(self, action: str, *args: str) -> HookResult:
        """Run a hook action in-process (what `python -m vixens_tui.sim.hook` asks for)."""
        return self.scenario.hook(action, list(args))

    def wait_until(
        self, predicate: Callable[[], bool], timeout_s: float = 10.0, poll_s: float = 0.02
    ) -> bool:
        """Poll `predicate` until it holds or `timeout_s` (real seconds) pass."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(poll_s)
        return predicate()

    # -- counters -------------------------------------------------------------------------

    def request_counts(self) -> dict[str, int]:
        """API requests served, by `VERB RESOURCE` (e.g. "list pods", "watch nodes",
        "patch applications.argoproj.io") plus "discovery", "openapi", "version", "health",
        and "watch-error RESOURCE CODE" for each ERROR event a watch ended with (a 410)."""
        return self._api.counts()

    def request_count(self, resource: str | None = None) -> int:
        """All API requests served, or those on one resource (e.g. "pods")."""
        counts = self.request_counts()
        if resource is None:
            return sum(counts.values())
        return sum(n for key, n in counts.items() if key.split(" ", 1)[-1] == resource)

    # -- internals ------------------------------------------------------------------------

    def _allocate_ip(self) -> str:
        while True:
            ip = f"10.96.{int(self.rand.uniform(0, 255))}.{int(self.rand.uniform(2, 254))}"
            if ip not in self._cluster_ips:
                self._cluster_ips.add(ip)
                return ip

    def _log(self, pod: Obj, container: str) -> str:
        def extra(p: Obj, at: datetime) -> list[str]:
            life = self.world.life
            if life.eof_broken and p["metadata"]["name"] in life.eof_pods:
                return [
                    f'time="{rfc3339(at)}" level=error msg="finished unary call with code Unknown" '
                    'error="error reading from server: EOF" grpc.code=Unknown '
                    "grpc.method=GenerateManifest grpc.service=repository.RepoServerService"
                ]
            return self._gandi_key_line(p, at)

        return container_log(
            pod, container, extra=extra, now=self.clock.wall(), every_s=self.clock.real(PERIOD_S)
        )

    def _gandi_key_line(self, pod: Obj, at: datetime) -> list[str]:
        """The Gandi webhook at debug verbosity quotes the API key it loaded, as a careless
        webhook does: what `kubectl logs` then shows is what the product must mask (no secret
        on screen, issue 10)."""
        validation, spec = self.profile.validation, self.profile.secrets
        if not pod["metadata"]["name"].startswith(validation.gandi_webhook_prefix):
            return []
        key = self.world.secret_value(spec.gandi.namespace, spec.gandi.name, spec.gandi.key)
        if not key:
            return []
        return [f'time="{rfc3339(at)}" level=debug msg="Gandi API client ready" apiKey={key}']
