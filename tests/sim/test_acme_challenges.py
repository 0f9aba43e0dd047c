"""cert-manager's ACME Orders and Challenges in the simulated cluster, read with real kubectl and
the kubernetes client: created as cert-manager v1.14 creates them, with the reasons it writes
while the Gandi credentials are missing, gone once the Order is valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client

from tests.sim.helpers import REBUILD_SPEED, Kubectl, MakeSim, api_client, rows, wait_for
from tests.sim.test_scenario import GANDI
from vixens_tui.core.profile import Profile
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

ACME = ("acme.cert-manager.io", "v1")
GANDI_MISSING = (
    "unable to get Gandi client: unable to get secret `gandi-credentials`; "
    'secrets "gandi-credentials" not found'
)


def rebuilt_without_secrets(make_sim: MakeSim, profile: Profile | None = None) -> SimCluster:
    """The rebuild up to étape 5: Argo CD deploys the apps, no secret applied yet."""
    sim = make_sim(profile, scenario="rebuild", speed=REBUILD_SPEED)
    for node in sim.profile.nodes:
        sim.hook("talos-config", node.name)
    for action in ("bootstrap", "cilium-install", "argocd-install"):
        sim.hook(action)
    return sim


def challenges(sim: SimCluster) -> list[dict[str, Any]]:
    with sim.store.lock:
        return list(sim.store.list(kinds.CHALLENGE))


def test_challenges_say_the_gandi_secret_is_missing_then_go(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = rebuilt_without_secrets(make_sim)
    wait_for(
        lambda: (
            len([c for c in challenges(sim) if c["status"].get("reason") == GANDI_MISSING]) == 4
        ),
        timeout=30,
        what="a Challenge per declared Certificate, stuck on the missing Gandi Secret",
    )
    kubectl = Kubectl(sim, tmp_path / "kubectl")
    table = rows(kubectl("get", "challenges", "-A").stdout)
    assert table[0] == ["NAMESPACE", "NAME", "STATE", "DOMAIN", "AGE"]
    by_domain = {r[3]: r for r in table[1:]}
    assert set(by_domain) == {
        "argocd.dev.truxonline.com",
        "traefik.dev.truxonline.com",
        "whoami.dev.truxonline.com",
        "homeassistant.dev.truxonline.com",
    }
    whoami = by_domain["whoami.dev.truxonline.com"]
    assert whoami[0] == "whoami" and whoami[2] == "pending"
    wide = rows(kubectl("get", "challenges", "-n", "whoami", "-o", "wide").stdout)
    assert wide[0] == ["NAME", "STATE", "DOMAIN", "REASON", "AGE"]
    assert wide[1][3] == GANDI_MISSING
    orders = rows(kubectl("get", "orders", "-n", "whoami", "-o", "wide").stdout)
    assert orders[0] == ["NAME", "STATE", "ISSUER", "REASON", "AGE"]
    order = orders[1]
    assert order[1:3] == ["pending", "letsencrypt-staging"]
    assert order[0].startswith("whoami-tls-") and whoami[1].startswith(f"{order[0]}-")

    # The kubernetes client reads the same objects, status fields as cert-manager writes them.
    custom = client.CustomObjectsApi(api_client(sim, tmp_path))
    found = custom.list_namespaced_custom_object(*ACME, "whoami", "challenges")["items"]
    (challenge,) = found
    assert challenge["spec"]["type"] == "DNS-01"
    assert challenge["spec"]["dnsName"] == "whoami.dev.truxonline.com"
    webhook = challenge["spec"]["solver"]["dns01"]["webhook"]
    assert (webhook["groupName"], webhook["solverName"]) == ("acme.truxonline.com", "gandi")
    assert challenge["status"] == {
        "processing": True,
        "presented": False,
        "state": "pending",
        "reason": GANDI_MISSING,
    }
    owner = challenge["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Order", order[0], True)
    (found_order,) = custom.list_namespaced_custom_object(*ACME, "whoami", "orders")["items"]
    annotations = found_order["metadata"]["annotations"]
    assert annotations["cert-manager.io/certificate-name"] == "whoami-tls"
    assert found_order["metadata"]["ownerReferences"][0]["kind"] == "CertificateRequest"

    # Étape 5: the Gandi Secret. The challenges pass, the Orders turn valid, the Challenges go.
    secret = tmp_path / "gandi.yaml"
    secret.write_text(GANDI)
    kubectl("apply", "-f", str(secret))
    wait_for(lambda: not challenges(sim), timeout=30, what="the Challenges to be deleted")
    orders = rows(kubectl("get", "orders", "-A").stdout)
    assert {r[2] for r in orders[1:]} == {"valid"}
    certificates = rows(kubectl("get", "certificates", "-A").stdout)[1:]
    ready = {r[1]: r[2] for r in certificates}
    # The mail-gateway Ingress names ClusterIssuer "gandi", which the repository never
    # declares: its Certificate is made and never issued.
    assert ready.pop("mail-gateway-tls-dev") == "False"
    assert len(ready) == 4 and set(ready.values()) == {"True"}


def test_a_wildcard_and_its_apex_get_a_challenge_each(
    make_sim: MakeSim, dev_profile: Profile
) -> None:
    # With no declared certificates the issuers app issues `*.dev.truxonline.com` and
    # `dev.truxonline.com` in one Order. cert-manager drops the "*." from the wildcard's
    # spec.dnsName and sets spec.wildcard: the two Challenges share a dnsName and must stay two.
    data = dev_profile.model_dump()
    data["validation"]["certificates"] = []
    sim = rebuilt_without_secrets(make_sim, Profile.model_validate(data))

    def wildcard_challenges() -> list[dict[str, Any]]:
        return [
            c
            for c in challenges(sim)
            if c["metadata"]["name"].startswith("wildcard-dev-truxonline-com-")
        ]

    wait_for(
        lambda: len(wildcard_challenges()) == 2,
        timeout=30,
        what="two Challenges for the wildcard Certificate's Order",
    )
    specs = sorted((c["spec"]["dnsName"], c["spec"]["wildcard"]) for c in wildcard_challenges())
    assert specs == [("dev.truxonline.com", False), ("dev.truxonline.com", True)]
    assert len({c["metadata"]["name"] for c in wildcard_challenges()}) == 2


def test_orders_and_challenges_are_served_only_with_their_crds(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim(scenario="rebuild", speed=REBUILD_SPEED)
    for node in sim.profile.nodes:
        sim.hook("talos-config", node.name)
    sim.hook("bootstrap")
    kubectl = Kubectl(sim, tmp_path / "kubectl")
    wait_for(
        lambda: kubectl("get", "namespaces", check=False).returncode == 0,
        what="the API after the bootstrap",
    )
    missing = kubectl("get", "challenges", "-A", check=False)
    assert missing.returncode != 0
    assert 'the server doesn\'t have a resource type "challenges"' in missing.stderr
