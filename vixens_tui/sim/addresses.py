"""The demo's network, on the loopback: every address of the user's configuration, moved.

The real terraform.tfvars names the nodes' maintenance addresses (192.168.0.x), their VLAN 111
and 208 addresses, the cluster VIP (192.168.111.160), Argo CD's load-balancer IP and the L2 pool.
The demo keeps the same shape in 127.P.0.0/16, P picked per demo so that demos and tests side by
side do not collide, with the API server listening on VIP:6443 as the configuration's validation
wants (`^https://.*:6443$`). The third byte keeps the VLAN number (111, 208) and the last byte the
real one, so that a person reading the demo's tfvars recognises the real plan.

Nothing here connects anywhere: this is the plan the demo's tfvars, the simulated providers and
the simulated talosctl share.
"""

from __future__ import annotations

import ipaddress
import random
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Not at run time: the simulated talosctl imports this module once per provisioner run,
    # and the profile's models (pydantic) would triple its start-up.
    from vixens_tui.core.profile import Profile

API_PORT = 6443
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


@dataclass(frozen=True, slots=True)
class NodeAddresses:
    name: str
    maintenance: str
    """Where `talos_machine_configuration_apply` reaches it (the real 192.168.0.x)."""
    internal: str
    """VLAN 111: the VIP's VLAN, the nodes of the talosconfig (192.168.111.x)."""
    services: str
    """VLAN 208, the routed one: bootstrap, kubeconfig, `talosctl reset` (192.168.208.x)."""


@dataclass(frozen=True, slots=True)
class DemoNetwork:
    prefix: int
    """P of 127.P.0.0/16."""
    nodes: tuple[NodeAddresses, ...]

    def ip(self, vlan: int, last: int) -> str:
        return f"127.{self.prefix}.{vlan}.{last}"

    @property
    def vip(self) -> str:
        return self.ip(111, 160)

    @property
    def api_endpoint(self) -> str:
        return f"https://{self.vip}:{API_PORT}"

    @property
    def argocd_ip(self) -> str:
        return self.ip(208, 71)

    def node_at(self, address: str) -> str | None:
        """The node answering on `address` (any of its three), or None."""
        for node in self.nodes:
            if address in (node.maintenance, node.internal, node.services):
                return node.name
        return None

    def all_addresses(self) -> set[str]:
        found = {self.vip, self.argocd_ip, self.ip(208, 1)}
        for node in self.nodes:
            found |= {node.maintenance, node.internal, node.services}
        return found

    def sim_profile(self, profile: Profile) -> Profile:
        """The profile the simulated cluster runs: its nodes and endpoint on this network."""
        by_name = {n.name: n for n in self.nodes}
        return profile.model_copy(
            update={
                "api_endpoint": type(profile.api_endpoint)(self.api_endpoint),
                "nodes": tuple(
                    node.model_copy(update={"ip": by_name[node.name].internal})
                    for node in profile.nodes
                ),
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "nodes": [n.name for n in self.nodes]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DemoNetwork:
        return plan(int(data["prefix"]), list(data["nodes"]))


def plan(prefix: int, names: list[str]) -> DemoNetwork:
    # The real plan numbers obsy .162, onyx .164, opale .163; any other node gets .170 on.
    real = {"obsy": 162, "onyx": 164, "opale": 163}
    nodes = []
    for index, name in enumerate(names):
        last = real.get(name, 170 + index)
        nodes.append(
            NodeAddresses(
                name=name,
                maintenance=f"127.{prefix}.0.{last}",
                internal=f"127.{prefix}.111.{last}",
                services=f"127.{prefix}.208.{last}",
            )
        )
    return DemoNetwork(prefix, tuple(nodes))


def pick_network(names: list[str], *, attempts: int = 50) -> tuple[DemoNetwork, socket.socket]:
    """A network whose VIP:6443 is free: the plan and that port, bound (not listening) so that
    nobody takes it before the simulated API server does (it gets the socket's address)."""
    rng = random.SystemRandom()
    last_error: OSError | None = None
    for _ in range(attempts):
        network = plan(rng.randint(2, 254), names)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((network.vip, API_PORT))
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        return network, sock
    raise OSError(f"no free loopback address for the demo's API server: {last_error}")


def demo_tfvars(network: DemoNetwork, real: dict[str, Any]) -> dict[str, Any]:
    """The user's terraform.tfvars values (`real`, parsed) with every address moved to the
    loopback: what the demo's `*.auto.tfvars.json` overrides. Anything not an address is kept."""
    by_name = {n.name: n for n in network.nodes}

    def node(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        addresses = by_name[name]
        vlans = []
        for vlan in spec["network"]["vlans"]:
            routed = vlan["gateway"] != ""
            ip = addresses.services if routed else addresses.internal
            prefix_len = str(vlan["addresses"][0]).partition("/")[2] or "24"
            vlans.append(
                {
                    **vlan,
                    "addresses": [f"{ip}/{prefix_len}"],
                    "gateway": network.ip(vlan["vlanId"], 1) if routed else "",
                }
            )
        return {
            **spec,
            "ip_address": addresses.maintenance,
            "network": {**spec["network"], "vlans": vlans},
        }

    pool_first, pool_last = network.ip(208, 70), network.ip(208, 89)
    return {
        "cluster": {
            **real["cluster"],
            "endpoint": network.api_endpoint,
            "vip": network.vip,
        },
        "control_plane_nodes": {
            n.name: node(n.name, _spec_for(n.name, real["control_plane_nodes"]))
            for n in network.nodes
        },
        "argocd": {**real["argocd"], "loadbalancer_ip": network.argocd_ip},
        "cilium_l2": {**real["cilium_l2"], "pool_ips": [f"{pool_first}-{pool_last}"]},
        "network": {"vlan_services_subnet": f"127.{network.prefix}.208.0/24"},
    }


def _spec_for(name: str, real_nodes: dict[str, Any]) -> dict[str, Any]:
    """The user's own entry for a node of theirs; for a node only the profile knows (a demo of
    another environment), the first entry's shape under that node's name."""
    if name in real_nodes:
        return dict(real_nodes[name])
    template = dict(next(iter(real_nodes.values())))
    return {**template, "name": name}


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in LOOPBACK
    except ValueError:
        return address == "localhost"
