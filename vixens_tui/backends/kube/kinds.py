"""The kinds the backend watches: where the client lists them, how to convert them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client

from vixens_tui.backends.kube import convert, rest


@dataclass(frozen=True, slots=True)
class WatchedKind:
    name: str
    """The name in ClusterSnapshot.synced_kinds."""
    lister: Callable[[client.ApiClient], Callable[..., Any]]
    """The list-and-watch call of the kind's collection on a client (rest.Collection)."""
    convert: Callable[[convert.Obj], object]
    custom: bool = False
    """A custom resource: its CRD may not exist yet (404 means "none yet", not an error)."""


def _collection(path: str) -> Callable[[client.ApiClient], Callable[..., Any]]:
    """Cluster-wide (for a namespaced kind: every namespace)."""
    return lambda api: rest.Collection(api, path)


def _core(plural: str) -> Callable[[client.ApiClient], Callable[..., Any]]:
    return _collection(f"/api/v1/{plural}")


def _custom(
    group: str, version: str, plural: str
) -> Callable[[client.ApiClient], Callable[..., Any]]:
    return _collection(f"/apis/{group}/{version}/{plural}")


KINDS: tuple[WatchedKind, ...] = (
    WatchedKind("nodes", _core("nodes"), convert.node_info),
    WatchedKind("pods", _core("pods"), convert.pod_info),
    WatchedKind("namespaces", _core("namespaces"), convert.namespace_name),
    WatchedKind(
        "applications",
        _custom("argoproj.io", "v1alpha1", "applications"),
        convert.app_info,
        custom=True,
    ),
    WatchedKind(
        "certificates",
        _custom("cert-manager.io", "v1", "certificates"),
        convert.certificate_info,
        custom=True,
    ),
    WatchedKind(
        "clusterissuers",
        _custom("cert-manager.io", "v1", "clusterissuers"),
        convert.issuer_info,
        custom=True,
    ),
    # Read only to say why a Certificate is not Ready (the Order's and Challenge's reason).
    WatchedKind(
        "orders",
        _custom("acme.cert-manager.io", "v1", "orders"),
        convert.order_info,
        custom=True,
    ),
    WatchedKind(
        "challenges",
        _custom("acme.cert-manager.io", "v1", "challenges"),
        convert.challenge_info,
        custom=True,
    ),
    WatchedKind(
        "persistentvolumeclaims",
        _core("persistentvolumeclaims"),
        convert.volume_claim_info,
    ),
)
