"""The demo's network: the user's terraform.tfvars with every address moved to the loopback,
and nothing else changed."""

from __future__ import annotations

import ipaddress
import json
import re
import socket

import pytest

from vixens_tui.core.profile import load_profile
from vixens_tui.sim.addresses import API_PORT, demo_tfvars, is_loopback, pick_network, plan
from vixens_tui.sim.cluster import SimCluster
from vixens_tui.sim.demo_repo import DEMO_TFVARS, ENV_DIR, prepare_repo, real_tfvars

IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def test_the_real_tfvars_name_private_addresses_and_the_demo_moves_every_one() -> None:
    real = real_tfvars()
    assert real["cluster"]["endpoint"] == "https://192.168.111.160:6443"
    network = plan(42, ["obsy", "onyx", "opale"])
    demo = demo_tfvars(network, real)
    found = [ip for text in _strings(demo) for ip in IPV4.findall(text)]
    private = [ip for text in _strings(real) for ip in IPV4.findall(text)]
    # endpoint, VIP, 3 nodes x (maintenance, VLAN 111, VLAN 208, gateway), Argo CD, pool, subnet
    assert len(found) == len(private) == 18
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("127.42.0.0/16") for ip in found)
    # Every variable of terraform.tfvars that holds an address is overridden whole (an
    # auto.tfvars value replaces the variable's value; it does not merge).
    overridden = {k for k, v in real.items() if IPV4.search(json.dumps(v))}
    assert overridden == set(demo)
    # ... and what is not an address is the user's.
    assert demo["cluster"]["talos_image"] == real["cluster"]["talos_image"]
    obsy, real_obsy = demo["control_plane_nodes"]["obsy"], real["control_plane_nodes"]["obsy"]
    assert obsy["mac_address"] == real_obsy["mac_address"]
    assert [v["vlanId"] for v in obsy["network"]["vlans"]] == [111, 208]
    assert obsy["ip_address"] == "127.42.0.162"
    assert obsy["network"]["vlans"][1]["addresses"] == ["127.42.208.162/24"]
    assert obsy["network"]["vlans"][0]["gateway"] == ""  # the VIP's VLAN keeps no gateway
    assert demo["cluster"]["endpoint"] == "https://127.42.111.160:6443"


def test_the_network_answers_for_each_address_of_a_node() -> None:
    network = plan(7, ["obsy", "onyx", "opale"])
    for address in ("127.7.0.164", "127.7.111.164", "127.7.208.164"):
        assert network.node_at(address) == "onyx"
    assert network.node_at("192.168.208.164") is None
    assert all(is_loopback(a) for a in network.all_addresses())


def test_picking_a_network_holds_its_vip_port() -> None:
    network, sock = pick_network(["obsy"])
    try:
        assert sock.getsockname() == (network.vip, 6443)
        other, sock2 = pick_network(["obsy"])
        sock2.close()
        assert other.vip != network.vip
    finally:
        sock.close()


def test_the_demo_repo_is_the_users_plus_two_files(tmp_path) -> None:
    network = plan(9, ["obsy", "onyx", "opale"])
    tf_dir = prepare_repo(tmp_path / "repo", network)
    assert tf_dir == tmp_path.joinpath("repo", *ENV_DIR.parts)
    fixture = (tf_dir / "terraform.tfvars").read_text()
    assert "192.168.111.160" in fixture  # the user's file, untouched
    added = {p.name for p in tf_dir.iterdir()} - {
        "backend.tf", "main.tf", "outputs.tf", "providers.tf", "variables.tf", "versions.tf",
        "terraform.tfvars", ".terraform.lock.hcl",
    }  # fmt: skip
    assert added == {"backend_override.tf", DEMO_TFVARS}
    assert (tmp_path / "repo/scripts/wait-for-k8s-api.sh").stat().st_mode & 0o111
    assert (tmp_path / "repo/terraform/modules/cilium/wait_for_cilium_crds.sh").exists()


def test_the_sim_profile_puts_the_nodes_and_endpoint_on_the_network() -> None:
    profile = load_profile("dev")
    network = plan(5, [n.name for n in profile.nodes])
    sim = network.sim_profile(profile)
    assert str(sim.api_endpoint).rstrip("/") == "https://127.5.111.160:6443"
    assert [n.ip for n in sim.nodes] == ["127.5.111.162", "127.5.111.164", "127.5.111.163"]


def test_the_picked_address_stays_taken_until_the_api_server_serves_it() -> None:
    """The demo's daemon picks VIP:6443 and keeps it bound while it builds its cluster: a demo
    starting beside it cannot take the same address in between (it did once, when the socket
    was closed right after the choice: "Address already in use" in the daemon)."""
    network, bound = pick_network(["obsy", "onyx", "opale"])
    sim = SimCluster(
        network.sim_profile(load_profile("dev")),
        host=network.vip,
        port=API_PORT,
        api_socket=bound,
        speed=200,
    )
    try:
        rival = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(OSError):
            rival.bind((network.vip, API_PORT))
        rival.close()
        sim.start()
        assert sim.api_url == f"https://{network.vip}:{API_PORT}"
        with socket.create_connection((network.vip, API_PORT), timeout=5):
            pass  # the API server listens on the address it was handed
    finally:
        sim.stop()
