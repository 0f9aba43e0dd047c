"""Builders of the Argo CD and cert-manager objects: Applications, Certificates, ClusterIssuers,
as the vixens GitOps repository declares them (argocd/overlays/dev/apps/*.yaml)."""

from __future__ import annotations

from typing import Any

from vixens_tui.core.profile import AppSpec, Profile
from vixens_tui.sim.plans import REPO_URL, CertificatePlan

Obj = dict[str, Any]

GANDI_GROUP = "acme.truxonline.com"
"""The webhook's group (apps/cert-manager-webhook-gandi/values/common.yaml `groupName`), which
the ClusterIssuers of apps/cert-manager/overlays/dev name."""
ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
}


def application(
    spec: AppSpec,
    *,
    argocd_namespace: str,
    revision: str,
    path: str,
    root: bool = False,
    env: str = "",
) -> Obj:
    meta: Obj = {
        "name": spec.name,
        "namespace": argocd_namespace,
        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
    }
    if root:
        meta["labels"] = {"vixens.lab/environment": env, "vixens.lab/managed-by": "terraform"}
    if spec.sync_wave:
        meta["annotations"] = {"argocd.argoproj.io/sync-wave": str(spec.sync_wave)}
    sync_policy: Obj = {"automated": {"prune": True, "selfHeal": True}}
    if spec.create_namespace:
        sync_policy["syncOptions"] = ["CreateNamespace=true"]
    if not root:
        sync_policy["retry"] = {
            "limit": 5,
            "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"},
        }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": meta,
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": revision, "path": path},
            "destination": {
                "server": "https://kubernetes.default.svc",
                "namespace": spec.namespace,
            },
            "syncPolicy": sync_policy,
        },
    }


def certificate(plan: CertificatePlan, app: str) -> Obj:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {
            "name": plan.name,
            "namespace": plan.namespace,
            "labels": {"app.kubernetes.io/instance": app},
        },
        "spec": {
            "secretName": plan.secret_name,
            "dnsNames": list(plan.dns_names),
            "issuerRef": {"name": plan.issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"},
            "privateKey": {"rotationPolicy": "Always"},
        },
    }


def cluster_issuer(name: str, profile: Profile, domain: str) -> Obj:
    secrets = profile.secrets
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": name},
        "spec": {
            "acme": {
                "email": f"admin@{domain}",
                "server": ACME_SERVERS.get(name, ACME_SERVERS["letsencrypt-prod"]),
                "privateKeySecretRef": {"name": name},
                "solvers": [
                    {
                        "dns01": {
                            "webhook": {
                                "groupName": GANDI_GROUP,
                                "solverName": "gandi",
                                # The webhook reads a personal access token.
                                "config": {
                                    "patSecretRef": {
                                        "name": secrets.gandi.name,
                                        "key": secrets.gandi.key,
                                        "namespace": secrets.gandi.namespace,
                                    }
                                },
                            }
                        }
                    }
                ],
            }
        },
    }
