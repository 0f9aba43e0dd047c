"""Client certificates, as Talos gives them to Terraform's Helm and kubectl providers: the
simulated API server authenticates a certificate its cluster CA signed for system:masters, as
kube-apiserver does with --client-ca-file, and still takes the kubeconfig's bearer token."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
import yaml

from tests.sim.helpers import Kubectl, MakeSim
from vixens_tui.sim.apiserver.certs import make_bundle
from vixens_tui.sim.cluster import SimCluster


def _client(sim: SimCluster, tmp_path: Path, cert: bytes, key: bytes) -> httpx.Client:
    (tmp_path / "c.crt").write_bytes(cert)
    (tmp_path / "c.key").write_bytes(key)
    context = ssl.create_default_context(cadata=sim.ca_pem.decode())
    context.load_cert_chain(tmp_path / "c.crt", tmp_path / "c.key")
    return httpx.Client(base_url=sim.api_url, verify=context, timeout=10)


def test_an_admin_certificate_authenticates_without_a_token(built: SimCluster, tmp_path) -> None:
    cert, key = built.client_certificate()
    with _client(built, tmp_path, cert, key) as http:
        answer = http.get("/api/v1/namespaces")
    assert answer.status_code == 200, answer.text
    assert "kube-system" in {n["metadata"]["name"] for n in answer.json()["items"]}


def test_kubectl_with_the_certificate_in_its_kubeconfig(built: SimCluster, tmp_path) -> None:
    """Talos's own kubeconfig shape: client-certificate-data and client-key-data."""
    import base64

    cert, key = built.client_certificate()
    config = yaml.safe_load(built.kubeconfig_text())
    config["users"][0]["user"] = {
        "client-certificate-data": base64.b64encode(cert).decode(),
        "client-key-data": base64.b64encode(key).decode(),
    }
    kubectl = Kubectl(built, tmp_path, write=False)
    kubectl.kubeconfig.write_text(yaml.safe_dump(config))
    out = kubectl("get", "nodes", "-o", "name").stdout.split()
    assert out == ["node/obsy", "node/onyx", "node/opale"]


def test_a_certificate_outside_system_masters_is_forbidden(built: SimCluster, tmp_path) -> None:
    bundle_of_sim = built._certs  # the same CA, another user
    cert, key = bundle_of_sim.client_certificate("jane", ("developers",))
    with _client(built, tmp_path, cert, key) as http:
        answer = http.get("/api/v1/namespaces")
    assert answer.status_code == 403
    assert answer.json()["reason"] == "Forbidden"


def test_a_certificate_of_another_ca_fails_the_handshake(built: SimCluster, tmp_path) -> None:
    cert, key = make_bundle("elsewhere").client_certificate("admin", ("system:masters",))
    with _client(built, tmp_path, cert, key) as http, pytest.raises(httpx.TransportError):
        http.get("/api/v1/namespaces")


def test_the_server_listens_where_it_is_told_and_names_that_address(
    make_sim: MakeSim, tmp_path
) -> None:
    """The demo's cluster VIP is a loopback address of its own (https://VIP:6443, as the
    configuration's validation wants): the serving certificate names it."""
    sim = make_sim(host="127.0.0.2")
    assert sim.api_url.startswith("https://127.0.0.2:")
    cert, key = sim.client_certificate()
    with _client(sim, tmp_path, cert, key) as http:
        assert http.get("/version").status_code == 200
