"""cert-manager's controller: ClusterIssuers register their ACME account once cert-manager runs;
Certificates are issued (DNS-01 through the Gandi webhook) once the Gandi credentials Secret
exists, which is why the procedure applies it by hand, and a TLS Secret appears with them.

On the way, as cert-manager v1.14 does: a Certificate whose issuer is Ready gets an ACME Order
(acme.cert-manager.io/v1, named `<request>-<fnv32 of its spec>` after its CertificateRequest,
carrying the request's annotations, cert-manager.io/certificate-name among them:
certificaterequests/acme buildOrder), and the Order a Challenge per DNS name, named
`<order>-<fnv32>` and owned by it (acmeorders buildPartialChallenge). The Challenge's status
says where issuance stands (acmechallenges/sync.go):

- the webhook's API service has no ready pod: the Present call fails with the aggregator's
  503, `the server is currently unable to handle the request (post <solver>.<group>)`;
- no credentials Secret: the webhook's own error (the Gandi webhook's getGandiClient: `unable
  to get Gandi client: unable to get secret `<name>`; secrets "<name>" not found`);
- presented: `Waiting for DNS-01 challenge propagation: DNS record for "<name>" not yet
  propagated` until the record is seen, then `valid`, "Successfully authorized domain".

The Order then turns valid, the Certificate Ready, and the Order's Challenges are deleted
(acmeorders: deleteAllChallenges once the Order is in a final state).

The CertificateRequests themselves are not served here: the Orders name them as owners only.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.clock import rfc3339
from vixens_tui.sim.conditions import condition
from vixens_tui.sim.custom_objects import ACME_SERVERS
from vixens_tui.sim.objects import digest
from vixens_tui.sim.world import World

Obj = dict[str, Any]
NOT_ISSUED = "Issuing certificate as Secret does not exist"
PROPAGATION_SHARE = 0.75
"""Of `certificate_issue_s`, the part spent waiting for the TXT record to propagate."""


def fnv32(data: bytes) -> int:
    """Go's hash/fnv New32 (FNV-1, 32 bits): what apiutil.ComputeName hashes names with."""
    value = 0x811C9DC5
    for byte in data:
        value = (value * 0x01000193) % 2**32
        value ^= byte
    return value


def compute_name(prefix: str, obj: Any) -> str:
    """cert-manager's apiutil.ComputeName: `<prefix (52 characters at most)>-<fnv32>`."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    return f"{prefix[:52].rstrip('-.')}-{fnv32(text)}"


def webhook_solver(issuer: Obj | None) -> Obj:
    """The issuer's first DNS-01 webhook solver ({} when none)."""
    solvers = ((issuer or {}).get("spec", {}).get("acme", {}) or {}).get("solvers") or []
    for solver in solvers:
        webhook = (solver.get("dns01") or {}).get("webhook")
        if webhook:
            return dict(solver)
    return {}


def _condition(type_: str, ok: bool, reason: str, message: str, when: str) -> Obj:
    return {
        "type": type_,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": when,
        "observedGeneration": 1,
    }


class CertManagerController:
    def __init__(self, world: World) -> None:
        self.world = world
        self._since: dict[str, float] = {}

    def _running(self, name: str) -> bool:
        workload = self.world.workload_named(name)
        return workload is not None and self.world.workload_ready(workload)

    def reconcile(self, now: float) -> None:
        world = self.world
        if not self._running("cert-manager"):
            return
        for issuer in world.store.list(kinds.CLUSTER_ISSUER):
            self._issuer(issuer, now)
        secrets = world.profile.secrets
        credentials = world.secret_key_exists(
            secrets.gandi.namespace, secrets.gandi.name, secrets.gandi.key
        )
        webhook = self._running(world.profile.validation.gandi_webhook_prefix)
        for cert in world.store.list(kinds.CERTIFICATE):
            self._certificate(cert, now, credentials=credentials, webhook=webhook)

    def _issuer(self, issuer: Obj, now: float) -> None:
        ready = condition(issuer, "Ready")
        if ready is not None and ready.get("status") == "True":
            return
        uid = issuer["metadata"]["uid"]
        since = self._since.setdefault(uid, now)
        if now < since + self.world.timings.issuer_register_s:
            return
        acme = issuer.get("spec", {}).get("acme", {})
        server = acme.get("server", ACME_SERVERS["letsencrypt-prod"])
        status = {
            "acme": {
                "uri": f"{server.rsplit('/', 1)[0]}/acme/acct/{int(digest(uid, 8), 16)}",
                "lastRegisteredEmail": acme.get("email", ""),
            },
            "conditions": [
                _condition(
                    "Ready",
                    True,
                    "ACMEAccountRegistered",
                    "The ACME account was registered with the ACME server",
                    self.world.ts(),
                )
            ],
        }
        self.world.update(kinds.CLUSTER_ISSUER, issuer, status=status)

    def _issuer_ready(self, name: str) -> bool:
        issuer = self.world.store.get(kinds.CLUSTER_ISSUER, "", name)
        ready = condition(issuer, "Ready") if issuer else None
        return bool(ready and ready.get("status") == "True")

    def _certificate(self, cert: Obj, now: float, *, credentials: bool, webhook: bool) -> None:
        world = self.world
        ready = condition(cert, "Ready")
        if ready is not None and ready.get("status") == "True":
            return
        uid = cert["metadata"]["uid"]
        issuer = cert.get("spec", {}).get("issuerRef", {}).get("name", "")
        if ready is None:
            ts = world.ts()
            status = {
                "conditions": [
                    _condition("Ready", False, "DoesNotExist", NOT_ISSUED, ts),
                    _condition("Issuing", True, "DoesNotExist", NOT_ISSUED, ts),
                ],
                "nextPrivateKeySecretName": f"{cert['metadata']['name']}-{world.rand.suffix(5)}",
            }
            cert = world.update(kinds.CERTIFICATE, cert, status=status)
        if not self._issuer_ready(issuer):
            self._since.pop(uid, None)
            return
        order = self._order(cert)
        challenges = [self._challenge(order, name) for name in order["spec"]["dnsNames"]]
        valid = [
            self._solve(ch, now, credentials=credentials, webhook=webhook) for ch in challenges
        ]
        if all(valid):
            self._issue(cert)
            world.update(kinds.ORDER, order, status={**order.get("status", {}), "state": "valid"})
            for ch in challenges:
                world.store.remove(
                    kinds.CHALLENGE, ch["metadata"]["namespace"], ch["metadata"]["name"]
                )

    # -- ACME Orders and Challenges ----------------------------------------------------------

    def _acme_base(self, issuer_name: str) -> str:
        issuer = self.world.store.get(kinds.CLUSTER_ISSUER, "", issuer_name) or {}
        server = issuer.get("spec", {}).get("acme", {}).get("server", "")
        return str(server or ACME_SERVERS["letsencrypt-staging"]).rsplit("/", 1)[0]

    def _order(self, cert: Obj) -> Obj:
        """The Certificate's Order, created pending when it has none."""
        world = self.world
        meta = cert["metadata"]
        namespace = meta["namespace"]
        for order in world.store.list(kinds.ORDER, namespace):
            annotations = order["metadata"].get("annotations") or {}
            if annotations.get("cert-manager.io/certificate-name") == meta["name"]:
                return order
        spec = cert.get("spec", {})
        issuer_ref = {"name": "", "kind": "Issuer", "group": "cert-manager.io"}
        issuer_ref.update(spec.get("issuerRef") or {})
        dns_names = list(spec.get("dnsNames") or [])
        request = f"{meta['name']}-{world.rand.suffix(5)}"
        order_spec = {"issuerRef": issuer_ref, "dnsNames": dns_names}
        name = compute_name(request, order_spec)
        csr = base64.b64encode(
            b"-----BEGIN CERTIFICATE REQUEST-----\n"
            + base64.b64encode(digest(meta["uid"] + "csr").encode())
            + b"\n-----END CERTIFICATE REQUEST-----\n"
        ).decode()
        key_secret = (cert.get("status") or {}).get("nextPrivateKeySecretName", "")
        body = {
            "metadata": {
                "name": name,
                "labels": dict(meta.get("labels") or {}),
                "annotations": {
                    "cert-manager.io/certificate-name": meta["name"],
                    "cert-manager.io/certificate-revision": "1",
                    "cert-manager.io/private-key-secret-name": key_secret,
                },
                "ownerReferences": [
                    {
                        "apiVersion": "cert-manager.io/v1",
                        "kind": "CertificateRequest",
                        "name": request,
                        "uid": world.rand.uid(),
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {"request": csr, **order_spec},
        }
        order = world.resources.create(kinds.ORDER, namespace, body)
        base = self._acme_base(issuer_ref["name"])
        account = int(digest(issuer_ref["name"], 7), 16)
        order_id = int(digest(order["metadata"]["uid"], 9), 16)
        status = {
            "url": f"{base}/acme/order/{account}/{order_id}",
            "finalizeURL": f"{base}/acme/finalize/{account}/{order_id}",
            "state": "pending",
            "authorizations": [
                {
                    "url": f"{base}/acme/authz-v3/{int(digest(order_id_text, 9), 16)}",
                    "identifier": dns,
                    "initialState": "pending",
                    "wildcard": dns.startswith("*."),
                    "challenges": [
                        {
                            "type": "dns-01",
                            "url": f"{base}/acme/chall-v3/{int(digest(order_id_text, 9), 16)}/"
                            + digest(order_id_text, 6),
                            "token": digest(order_id_text + "token", 43),
                        }
                    ],
                }
                for dns in dns_names
                for order_id_text in [f"{order_id}/{dns}"]
            ],
        }
        return world.update(kinds.ORDER, order, status=status)

    def _challenge(self, order: Obj, dns_name: str) -> Obj:
        """The Order's Challenge for `dns_name`, created (pending, processing) when missing."""
        world = self.world
        namespace = order["metadata"]["namespace"]
        # A wildcard name and its apex share spec.dnsName ("*." is dropped, as cert-manager
        # does); spec.wildcard tells their two Challenges apart.
        wanted = (dns_name.removeprefix("*."), dns_name.startswith("*."))
        for ch in world.store.list(kinds.CHALLENGE, namespace):
            owners = ch["metadata"].get("ownerReferences") or []
            spec = ch.get("spec", {})
            if (spec.get("dnsName"), bool(spec.get("wildcard"))) == wanted and any(
                o.get("uid") == order["metadata"]["uid"] for o in owners
            ):
                return ch
        authz: Obj = next(
            (
                a
                for a in order.get("status", {}).get("authorizations", [])
                if a.get("identifier") == dns_name
            ),
            {},
        )
        acme = (authz.get("challenges") or [{}])[0]
        issuer_ref = order["spec"]["issuerRef"]
        issuer = world.store.get(kinds.CLUSTER_ISSUER, "", issuer_ref.get("name", ""))
        spec = {
            "url": acme.get("url", ""),
            "authorizationURL": authz.get("url", ""),
            "dnsName": dns_name.removeprefix("*."),
            "wildcard": dns_name.startswith("*."),
            "type": "DNS-01",
            "token": acme.get("token", ""),
            "key": digest(acme.get("token", "") + "key", 43),
            "solver": webhook_solver(issuer),
            "issuerRef": issuer_ref,
        }
        body = {
            "metadata": {
                "name": compute_name(order["metadata"]["name"], spec),
                "ownerReferences": [
                    {
                        "apiVersion": "acme.cert-manager.io/v1",
                        "kind": "Order",
                        "name": order["metadata"]["name"],
                        "uid": order["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": spec,
        }
        ch = world.resources.create(kinds.CHALLENGE, namespace, body)
        status = {"processing": True, "presented": False, "state": "pending"}
        return world.update(kinds.CHALLENGE, ch, status=status)

    def _solve(self, ch: Obj, now: float, *, credentials: bool, webhook: bool) -> bool:
        """One sync of the challenges controller; True once the Challenge is valid."""
        world = self.world
        status = dict(ch.get("status") or {})
        if status.get("state") == "valid":
            return True
        uid = ch["metadata"]["uid"]
        webhook_cfg = ch["spec"].get("solver", {}).get("dns01", {}).get("webhook", {})
        secret = world.profile.secrets.gandi
        if not webhook:
            # The webhook's APIService has no endpoint: kube-aggregator answers 503.
            self._since.pop(uid, None)
            reason = (
                "the server is currently unable to handle the request (post "
                f"{webhook_cfg.get('solverName', 'gandi')}.{webhook_cfg.get('groupName', '')})"
            )
            new = {**status, "presented": False, "reason": reason}
        elif not credentials:
            self._since.pop(uid, None)
            reason = (
                f"unable to get Gandi client: unable to get secret `{secret.name}`; "
                f'secrets "{secret.name}" not found'
            )
            new = {**status, "presented": False, "reason": reason}
        else:
            since = self._since.setdefault(uid, now)
            if now < since + world.timings.certificate_issue_s * PROPAGATION_SHARE:
                reason = (
                    "Waiting for DNS-01 challenge propagation: DNS record for "
                    f'"{ch["spec"]["dnsName"]}" not yet propagated'
                )
                new = {**status, "presented": True, "reason": reason}
            elif now < since + world.timings.certificate_issue_s:
                new = {**status, "presented": True, "reason": ""}
            else:
                self._since.pop(uid, None)
                new = {
                    **status,
                    "presented": False,
                    "processing": False,
                    "state": "valid",
                    "reason": "Successfully authorized domain",
                }
        if new != status:
            world.update(kinds.CHALLENGE, ch, status=new)
        return new.get("state") == "valid"

    def _issue(self, cert: Obj) -> None:
        world = self.world
        meta = cert["metadata"]
        spec = cert.get("spec", {})
        moment = world.clock.wall()
        not_after = moment + timedelta(days=90)
        namespace = meta["namespace"]
        secret_name = spec.get("secretName", f"{meta['name']}-tls")
        if world.store.get(kinds.SECRET, namespace, secret_name) is None:
            body = base64.b64encode(digest(meta["uid"] + "body").encode()).decode()
            pem_cert = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
            pem_key = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
            world.resources.create(
                kinds.SECRET,
                namespace,
                {
                    "metadata": {
                        "name": secret_name,
                        "annotations": {
                            "cert-manager.io/certificate-name": meta["name"],
                            "cert-manager.io/issuer-name": spec.get("issuerRef", {}).get(
                                "name", ""
                            ),
                            "cert-manager.io/issuer-kind": "ClusterIssuer",
                            "cert-manager.io/alt-names": ",".join(spec.get("dnsNames") or []),
                        },
                    },
                    "type": "kubernetes.io/tls",
                    "stringData": {"tls.crt": pem_cert, "tls.key": pem_key},
                },
            )
        edited = copy.deepcopy(cert)
        edited["status"] = {
            "conditions": [
                _condition(
                    "Ready",
                    True,
                    "Ready",
                    "Certificate is up to date and has not expired",
                    world.ts(),
                )
            ],
            "notBefore": rfc3339(moment),
            "notAfter": rfc3339(not_after),
            "renewalTime": rfc3339(not_after - timedelta(days=30)),
            "revision": 1,
        }
        world.store.put(kinds.CERTIFICATE, edited)
