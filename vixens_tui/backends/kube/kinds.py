"""The kinds the backend watches: how to list them with the client, how to convert them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client

from vixens_tui.backends.kube import convert

ListCall = tuple[Callable[..., Any], tuple[Any, ...]]
"""A list function of the client and its positional arguments (group, version, plural)."""


@dataclass(frozen=True, slots=True)
class WatchedKind:
    name: str
    """The name in ClusterSnapshot.synced_kinds."""
    lister: Callable[[client.ApiClient], ListCall]
    convert: Callable[[convert.Obj], object]
    custom: bool = False
    """A custom resource: its CRD may not exist yet (404 means "none yet", not an error)."""


def _core(method: str) -> Callable[[client.ApiClient], ListCall]:
    def lister(api: client.ApiClient) -> ListCall:
        return getattr(client.CoreV1Api(api), method), ()

    return lister


def _custom(group: str, version: str, plural: str) -> Callable[[client.ApiClient], ListCall]:
    def lister(api: client.ApiClient) -> ListCall:
        # For a namespaced kind the cluster-wide list covers every namespace.
        return client.CustomObjectsApi(api).list_cluster_custom_object, (group, version, plural)

    return lister


KINDS: tuple[WatchedKind, ...] = (
    WatchedKind("nodes", _core("list_node"), convert.node_info),
    WatchedKind("pods", _core("list_pod_for_all_namespaces"), convert.pod_info),
    WatchedKind("namespaces", _core("list_namespace"), convert.namespace_name),
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
        _core("list_persistent_volume_claim_for_all_namespaces"),
        convert.volume_claim_info,
    ),
)
