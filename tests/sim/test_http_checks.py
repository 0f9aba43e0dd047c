"""The profile's HTTP checks (procedure 6.4) answered on loopback, through `demo_http_checks()`."""

from __future__ import annotations

import httpx

from tests.sim.helpers import REBUILD_SPEED, MakeSim, wait_for
from vixens_tui.core.profile import HttpCheck, Profile
from vixens_tui.sim.cluster import SimCluster


def probe(check: HttpCheck) -> httpx.Response:
    return httpx.request(
        check.method, str(check.url), headers=check.headers, timeout=check.timeout_s
    )


def test_demo_checks_mirror_the_profile(built: SimCluster, dev_profile: Profile) -> None:
    checks = built.demo_http_checks()
    assert [c.name for c in checks] == [c.name for c in dev_profile.http_checks]
    by_name = {c.name: c for c in checks}
    assert str(by_name["traefik-dashboard"].url) == f"{built.http_url}/dashboard/"
    assert by_name["whoami"].headers == {"Host": "whoami.dev.truxonline.com"}
    assert by_name["argocd"].method == "HEAD"
    assert by_name["argocd"].expect_status == dev_profile.http_checks[0].expect_status


def test_checks_pass_on_the_built_cluster(built: SimCluster) -> None:
    for check in built.demo_http_checks():
        response = probe(check)
        assert response.status_code in check.expect_status, check.name
    whoami = next(c for c in built.demo_http_checks() if c.name == "whoami")
    body = probe(whoami).text
    assert body.startswith("Hostname: whoami-")
    assert "Host: whoami.dev.truxonline.com" in body
    dashboard = next(c for c in built.demo_http_checks() if c.name == "traefik-dashboard")
    assert "<title>Traefik</title>" in probe(dashboard).text
    unknown = httpx.get(built.http_url, headers={"Host": "nobody.example"})
    assert unknown.status_code == 404


def test_checks_fail_until_the_pods_run(make_sim: MakeSim) -> None:
    sim = make_sim(scenario="rebuild", speed=REBUILD_SPEED)
    checks = sim.demo_http_checks()
    assert {probe(c).status_code for c in checks} == {503}
    for node in sim.profile.nodes:
        sim.hook("talos-config", node.name)
    for action in ("bootstrap", "cilium-install", "argocd-install"):
        sim.hook(action)
    for check in checks:
        wait_for(
            lambda check=check: probe(check).status_code in check.expect_status,
            timeout=20,
            what=check.name,
        )
