"""The profile's HTTP checks (procedure 6.4) answered on loopback, through `demo_http_checks()`,
as the vixens dev ingresses make Traefik answer them: plain HTTP to whoami redirects to HTTPS
(the `redirect-https` middleware), the dashboard is served over plain HTTP (the chart's own
IngressRoute on `web` outranks the redirecting one), HTTPS carries a letsencrypt-staging
certificate once cert-manager has issued it, Traefik's default one before."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx
import pytest
from cryptography import x509

from tests.sim.helpers import REBUILD_SPEED, MakeSim, wait_for
from vixens_tui.backends.http import HttpxProber
from vixens_tui.core.http_checks import http_verdict, probe_check
from vixens_tui.core.profile import HttpCheck, Profile
from vixens_tui.sim.cluster import SimCluster

WHOAMI_HOST = "whoami.dev.truxonline.com"
DASHBOARD_HOST = "traefik.dev.truxonline.com"


def probe(check: HttpCheck, path: str = "", method: str = "") -> httpx.Response:
    """One plain request as curl sends it (no redirect followed), at another path if given."""
    base = f"{check.url.scheme}://{check.url.host}:{check.url.port}"
    url = f"{base}{path}" if path else str(check.url)
    return httpx.request(
        method or check.method, url, headers=check.headers, timeout=check.timeout_s
    )


def named(sim: SimCluster, name: str) -> HttpCheck:
    return next(c for c in sim.demo_http_checks() if c.name == name)


@pytest.fixture
def prober() -> Iterator[HttpxProber]:
    made = HttpxProber()
    yield made
    made.close()


def server_certificate(sim: SimCluster, host: str) -> x509.Certificate:
    """The certificate the HTTPS load balancer presents for `host` (SNI), unverified."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", sim.http_server.https_port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def https_get(
    sim: SimCluster, host: str, verify: ssl.SSLContext, path: str = "/"
) -> httpx.Response:
    """GET https://<host><path> at the HTTPS load balancer (the host as SNI and Host header)."""
    with httpx.Client(verify=verify, timeout=5) as client:
        return client.request(
            "GET",
            f"https://127.0.0.1:{sim.http_server.https_port}{path}",
            headers={"Host": host},
            extensions={"sni_hostname": host},
        )


def test_demo_checks_mirror_the_profile(built: SimCluster, dev_profile: Profile) -> None:
    checks = built.demo_http_checks()
    assert [c.name for c in checks] == [c.name for c in dev_profile.http_checks]
    by_name = {c.name: c for c in checks}
    assert str(by_name["traefik-dashboard"].url) == f"{built.http_url}/dashboard/"
    assert by_name["whoami"].headers == {"Host": WHOAMI_HOST}
    assert by_name["argocd"].method == "HEAD"
    assert by_name["argocd"].expect_status == dev_profile.http_checks[0].expect_status
    # Their HTTPS URLs reach the HTTPS server, as curl --connect-to would send them.
    https = f"127.0.0.1:{built.http_server.https_port}"
    assert by_name["whoami"].connect_to == {
        f"{DASHBOARD_HOST}:443": https,
        f"{WHOAMI_HOST}:443": https,
    }


def test_plain_http_to_whoami_redirects_as_traefiks_redirect_scheme(built: SimCluster) -> None:
    whoami = named(built, "whoami")
    response = probe(whoami)
    assert response.status_code == 301  # permanent, to a GET
    assert response.headers["location"] == f"https://{WHOAMI_HOST}/"
    assert response.text == "Moved Permanently"
    assert probe(whoami, method="HEAD").status_code == 308  # permanent, anything but a GET
    # The path and query go along; the request's port does not (the middleware sets none).
    deep = httpx.get(
        f"{built.http_url}/api/x?y=1", headers={"Host": f"{WHOAMI_HOST}:8080"}, timeout=5
    )
    assert (
        deep.status_code == 301 and deep.headers["location"] == f"https://{WHOAMI_HOST}/api/x?y=1"
    )


def test_the_dashboard_is_served_over_plain_http_other_paths_redirect(built: SimCluster) -> None:
    dashboard = named(built, "traefik-dashboard")
    response = probe(dashboard)
    assert response.status_code == 200 and "<title>Traefik</title>" in response.text
    root = probe(dashboard, path="/")
    assert root.status_code == 301 and root.headers["location"] == f"https://{DASHBOARD_HOST}/"
    assert probe(named(built, "argocd")).status_code == 200  # Argo CD's own LB, --insecure
    unknown = httpx.get(built.http_url, headers={"Host": "nobody.example"})
    assert unknown.status_code == 404


def test_https_serves_a_letsencrypt_staging_certificate(built: SimCluster) -> None:
    cert = server_certificate(built, WHOAMI_HOST)
    issuer = cert.issuer.rfc4514_string()
    assert issuer == "CN=(STAGING) Ersatz Edamame E1,O=(STAGING) Let's Encrypt,C=US"
    assert cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName) == [WHOAMI_HOST]
    # A client that trusts the staging root verifies the chain; the default trust store does not.
    root = built.http_server.certificates.root_pem.decode()
    page = https_get(built, WHOAMI_HOST, ssl.create_default_context(cadata=root))
    assert page.status_code == 200
    assert page.text.startswith("Hostname: whoami-")
    assert "X-Forwarded-Proto: https" in page.text and "X-Forwarded-Port: 443" in page.text
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        https_get(built, WHOAMI_HOST, ssl.create_default_context())
    dashboard = https_get(built, DASHBOARD_HOST, ssl.create_default_context(cadata=root))
    # api@internal sends / to the dashboard.
    assert dashboard.status_code == 302 and dashboard.headers["location"] == "/dashboard/"


def test_the_product_follows_the_redirect_and_names_the_staging_ca(
    built: SimCluster, prober: HttpxProber
) -> None:
    for check in built.demo_http_checks():
        ok, evidence = http_verdict(check, probe_check(prober, check))
        assert ok, evidence
    whoami = named(built, "whoami")
    result = probe_check(prober, whoami)
    assert result.status == 301 and result.location == f"https://{WHOAMI_HOST}/"
    hop = result.redirected_to
    assert hop is not None and hop.status == 200 and hop.tls is not None
    assert not hop.tls.trusted and hop.tls.error == "unable to get local issuer certificate"
    ok, evidence = http_verdict(whoami, result)
    assert ok
    assert f"-> HTTP 301 to https://{WHOAMI_HOST}/ in " in evidence
    assert evidence.endswith(
        "certificate not trusted by this host (unable to get local issuer certificate): "
        "issued by (STAGING) Ersatz Edamame E1, Let's Encrypt's staging CA, which no client trusts"
    )
    strict = whoami.model_copy(update={"require_trusted_certificate": True})
    ok, evidence = http_verdict(strict, probe_check(prober, strict))
    assert not ok and evidence.endswith("(the check requires a trusted certificate)")


def test_checks_fail_until_the_pods_run_then_traefiks_default_certificate(
    make_sim: MakeSim, prober: HttpxProber
) -> None:
    sim = make_sim(scenario="rebuild", speed=REBUILD_SPEED)
    checks = sim.demo_http_checks()
    assert {probe(c).status_code for c in checks} == {503}
    for node in sim.profile.nodes:
        sim.hook("talos-config", node.name)
    for action in ("bootstrap", "cilium-install", "argocd-install"):
        sim.hook(action)
    whoami = named(sim, "whoami")
    # No Gandi credentials yet: the pods run, the certificate is not issued, and Traefik
    # serves its default certificate on HTTPS.
    result = wait_for(
        lambda: (
            (r := probe_check(prober, whoami)).redirected_to is not None
            and r.redirected_to.status == 200
            and r
        ),
        timeout=20,
        what="whoami over HTTPS",
    )
    ok, evidence = http_verdict(whoami, result)
    assert ok, evidence
    assert "issued by TRAEFIK DEFAULT CERT, Traefik's default certificate: the ingress's TLS " in (
        evidence
    )
    assert server_certificate(sim, WHOAMI_HOST).subject.rfc4514_string() == (
        "CN=TRAEFIK DEFAULT CERT"
    )
    for check in checks:
        wait_for(
            lambda check=check: http_verdict(check, probe_check(prober, check))[0],
            timeout=20,
            what=check.name,
        )
