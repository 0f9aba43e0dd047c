"""What the simulated providers can do to the simulated world, and what they were asked to reach.

A real provider talks to machines over the network: Talos's API on each node (port 50000),
Helm and kubectl to the API server. The simulated Talos and Helm providers act on the
simulated cluster in-process instead (its scenario's actions: configure a node, bootstrap etcd,
install a release), taking as long as the real operation would at the simulation's speed;
kubectl_manifest goes through the API server over HTTPS like the real one.

Every address a provider is given is recorded (`reached`): the demo proves with it that no
provider was ever pointed off the loopback.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from vixens_tui.sim.addresses import DemoNetwork

if TYPE_CHECKING:
    from vixens_tui.sim.cluster import SimCluster
    from vixens_tui.sim.scenario import HookResult


class Backplane:
    def __init__(
        self,
        sim: SimCluster,
        network: DemoNetwork,
        on_reach: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.sim = sim
        self.network = network
        self._on_reach = on_reach
        self._lock = threading.Lock()
        self._reached: set[str] = set()
        self.talos_ca_pem = sim.ca_pem
        self.talos_cert_pem, self.talos_key_pem = sim.talos_client_certificate()

    # -- the record of addresses -------------------------------------------------------------

    def reach(self, address: str) -> None:
        """Note that a provider was asked to connect to `address` (a host, no port)."""
        if not isinstance(address, str):
            return  # not known yet (a plan): nothing is reached with it
        with self._lock:
            if address in self._reached:
                return
            self._reached.add(address)
            if self._on_reach is not None:
                self._on_reach(set(self._reached))

    def reached(self) -> set[str]:
        with self._lock:
            return set(self._reached)

    # -- the simulated world -----------------------------------------------------------------

    def node_at(self, address: str) -> str | None:
        self.reach(address)
        return self.network.node_at(address)

    def act(self, action: str, *args: str) -> HookResult:
        """One scenario action (what a real provider's RPC does to the machines)."""
        return self.sim.scenario.hook(action, list(args))

    def wait(self, sim_seconds: float) -> None:
        """Take as long as `sim_seconds` of simulated time."""
        if sim_seconds > 0:
            time.sleep(self.sim.clock.real(sim_seconds))

    def sim_now(self) -> float:
        return self.sim.clock.now()

    def api_reachable(self) -> bool:
        return self.sim.api_available

    def machine_ready_at(self, node: str) -> float:
        machine = self.sim.world.life.machines.get(node)
        return machine.ready_at if machine is not None else 0.0

    def bootstrapped(self) -> bool:
        return self.sim.world.life.bootstrap_at is not None

    def release_installed(self, name: str) -> bool:
        life = self.sim.world.life
        return {"cilium": life.cni_at, "argocd": life.argocd_at}.get(name) is not None

    # -- credentials -------------------------------------------------------------------------

    def admin_kubeconfig(self) -> str:
        """Talos's admin kubeconfig: a client certificate, not a token."""
        return self.sim.admin_kubeconfig_text()

    def talos_client_configuration(self) -> dict[str, str]:
        """The talos_machine_secrets client configuration: base64 PEMs, as the real one."""

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode()

        return {
            "ca_certificate": b64(self.talos_ca_pem),
            "client_certificate": b64(self.talos_cert_pem),
            "client_key": b64(self.talos_key_pem),
        }
