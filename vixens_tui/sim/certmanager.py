"""cert-manager's controller: ClusterIssuers register their ACME account once cert-manager runs;
Certificates are issued (DNS-01 through the Gandi webhook) once the Gandi credentials Secret
exists, which is why the procedure applies it by hand, and a TLS Secret appears with them."""

from __future__ import annotations

import base64
import copy
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
            secrets.gandi_namespace, secrets.gandi_secret_name, secrets.gandi_token_key
        )
        webhook = self._running(world.profile.validation.gandi_webhook_prefix)
        for cert in world.store.list(kinds.CERTIFICATE):
            self._certificate(cert, now, credentials and webhook)

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

    def _certificate(self, cert: Obj, now: float, solvable: bool) -> None:
        world = self.world
        ready = condition(cert, "Ready")
        if ready is not None and ready.get("status") == "True":
            return
        uid = cert["metadata"]["uid"]
        issuer = cert.get("spec", {}).get("issuerRef", {}).get("name", "")
        if not (solvable and self._issuer_ready(issuer)):
            self._since.pop(uid, None)
            if ready is None:
                ts = world.ts()
                status = {
                    "conditions": [
                        _condition("Ready", False, "DoesNotExist", NOT_ISSUED, ts),
                        _condition("Issuing", True, "DoesNotExist", NOT_ISSUED, ts),
                    ],
                    "nextPrivateKeySecretName": f"{cert['metadata']['name']}-{world.rand.suffix(5)}",
                }
                world.update(kinds.CERTIFICATE, cert, status=status)
            return
        since = self._since.setdefault(uid, now)
        if now < since + world.timings.certificate_issue_s:
            return
        self._issue(cert)

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
