"""The resource types the simulated API server serves, with the facts discovery publishes.

Names, short names, verbs and scopes are those of a real v1.34 cluster with Argo CD and
cert-manager installed, because kubectl resolves `kubectl get app` or `kubectl get cm` from them.

Some kinds exist only while their CustomResourceDefinition does (`requires_crd`): Cilium's
LB-IPAM pool and L2 announcement policy. A real API server serves a custom resource only
through the CRD's handler (apiextensions-apiserver's crdHandler.ServeHTTP): with no CRD of the
resource's name the request falls through to the "not found" handler, and discovery leaves the
group-version out, so kubectl reports `no matches for kind ... ensure CRDs are installed first`.
The `served` predicate the functions below take says which kinds are there now (None: all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
# A namespace cannot be deleted as a collection on a real server either.
NAMESPACE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class Kind:
    kind: str
    plural: str
    singular: str
    group: str = ""
    version: str = "v1"
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    builtin: bool = True
    """Compiled into the API server: strategic merge patch works (415 on custom resources)."""
    status_subresource: bool = True
    """Writes to the main resource keep the stored status (the status has its own endpoint)."""
    name_format: Literal["subdomain", "label"] = "subdomain"
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ("status",)
    requires_crd: bool = False
    """Served only while the CustomResourceDefinition named `resource` exists, is established
    and serves `version`."""
    deprecated_for: str = ""
    """The CRD marks this version deprecated in favour of that one (a version name): every
    request through it gets apiextensions-apiserver's default deprecation warning."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """The qualified resource of error messages: `secrets`, `applications.argoproj.io`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_kind(self) -> str:
        """The kind as `Invalid` errors name it: `Secret`, `Application.argoproj.io`."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def base_path(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    @property
    def deprecation_warning(self) -> str:
        """apiextensions-apiserver's defaultDeprecationWarning (customresource_handler.go)."""
        if not self.deprecated_for:
            return ""
        return (
            f"{self.group}/{self.version} {self.kind} is deprecated; "
            f"use {self.group}/{self.deprecated_for} {self.kind}"
        )

    def path(self, namespace: str = "", name: str = "") -> str:
        """The URL path of a collection or an object of this kind."""
        path = self.base_path
        if self.namespaced and namespace:
            path += f"/namespaces/{namespace}"
        path += f"/{self.plural}"
        return f"{path}/{name}" if name else path


NAMESPACE = Kind(
    "Namespace",
    "namespaces",
    "namespace",
    namespaced=False,
    short_names=("ns",),
    name_format="label",
    verbs=NAMESPACE_VERBS,
    subresources=("status", "finalize"),
)
NODE = Kind("Node", "nodes", "node", namespaced=False, short_names=("no",))
POD = Kind(
    "Pod",
    "pods",
    "pod",
    short_names=("po",),
    categories=("all",),
    # Only what this server implements: no exec, attach, binding or eviction.
    subresources=("status", "log"),
)
SECRET = Kind("Secret", "secrets", "secret", subresources=())
CONFIGMAP = Kind("ConfigMap", "configmaps", "configmap", short_names=("cm",), subresources=())
SERVICE = Kind(
    "Service",
    "services",
    "service",
    short_names=("svc",),
    categories=("all",),
    name_format="label",
)
EVENT = Kind("Event", "events", "event", short_names=("ev",), subresources=())
PVC = Kind(
    "PersistentVolumeClaim",
    "persistentvolumeclaims",
    "persistentvolumeclaim",
    short_names=("pvc",),
)
# The workload controllers' kinds (apps/v1): pods' ownerReferences name them. No scale
# subresource: this server does not implement it.
DEPLOYMENT = Kind(
    "Deployment",
    "deployments",
    "deployment",
    group="apps",
    short_names=("deploy",),
    categories=("all",),
)
REPLICASET = Kind(
    "ReplicaSet",
    "replicasets",
    "replicaset",
    group="apps",
    short_names=("rs",),
    categories=("all",),
)
STATEFULSET = Kind(
    "StatefulSet",
    "statefulsets",
    "statefulset",
    group="apps",
    short_names=("sts",),
    categories=("all",),
)
DAEMONSET = Kind(
    "DaemonSet", "daemonsets", "daemonset", group="apps", short_names=("ds",), categories=("all",)
)
# Argo CD's Application CRD has no status subresource: its controller writes the whole object.
APPLICATION = Kind(
    "Application",
    "applications",
    "application",
    group="argoproj.io",
    version="v1alpha1",
    short_names=("app", "apps"),
    builtin=False,
    status_subresource=False,
    subresources=(),
)
CERTIFICATE = Kind(
    "Certificate",
    "certificates",
    "certificate",
    group="cert-manager.io",
    short_names=("cert", "certs"),
    categories=("cert-manager",),
    builtin=False,
)
CLUSTER_ISSUER = Kind(
    "ClusterIssuer",
    "clusterissuers",
    "clusterissuer",
    group="cert-manager.io",
    namespaced=False,
    categories=("cert-manager",),
    builtin=False,
)
ISSUER = Kind(
    "Issuer",
    "issuers",
    "issuer",
    group="cert-manager.io",
    categories=("cert-manager",),
    builtin=False,
)
# cert-manager's ACME resources: an Order per CertificateRequest, a Challenge per domain of it
# (deploy/crds/crd-orders.yaml, crd-challenges.yaml: no short names). Served only while their
# CRDs exist, from the cert-manager chart's install on.
ORDER = Kind(
    "Order",
    "orders",
    "order",
    group="acme.cert-manager.io",
    categories=("cert-manager", "cert-manager-acme"),
    builtin=False,
    requires_crd=True,
)
CHALLENGE = Kind(
    "Challenge",
    "challenges",
    "challenge",
    group="acme.cert-manager.io",
    categories=("cert-manager", "cert-manager-acme"),
    builtin=False,
    requires_crd=True,
)

# apiextensions.k8s.io/v1: compiled into the API server (strategic merge patch works on it).
CRD = Kind(
    "CustomResourceDefinition",
    "customresourcedefinitions",
    "customresourcedefinition",
    group="apiextensions.k8s.io",
    namespaced=False,
    short_names=("crd", "crds"),
    categories=("api-extensions",),
)
# Cilium 1.18 promoted CiliumLoadBalancerIPPool to cilium.io/v2 (its CRD serves v2, the
# storage version, and v2alpha1, deprecated); the L2 announcement policy is v2alpha1 only.
# Both are cluster-scoped, with a status subresource (cilium pkg/k8s/apis/cilium.io/client/crds).
CILIUM_LB_IP_POOL = Kind(
    "CiliumLoadBalancerIPPool",
    "ciliumloadbalancerippools",
    "ciliumloadbalancerippool",
    group="cilium.io",
    version="v2",
    namespaced=False,
    short_names=("ippools", "ippool", "lbippool", "lbippools"),
    categories=("cilium",),
    builtin=False,
    requires_crd=True,
)
CILIUM_LB_IP_POOL_V2ALPHA1 = Kind(
    "CiliumLoadBalancerIPPool",
    "ciliumloadbalancerippools",
    "ciliumloadbalancerippool",
    group="cilium.io",
    version="v2alpha1",
    namespaced=False,
    short_names=("ippools", "ippool", "lbippool", "lbippools"),
    categories=("cilium",),
    builtin=False,
    requires_crd=True,
    deprecated_for="v2",
)
CILIUM_L2_POLICY = Kind(
    "CiliumL2AnnouncementPolicy",
    "ciliuml2announcementpolicies",
    "ciliuml2announcementpolicy",
    group="cilium.io",
    version="v2alpha1",
    namespaced=False,
    short_names=("l2announcement",),
    categories=("cilium",),
    builtin=False,
    requires_crd=True,
)

KINDS: tuple[Kind, ...] = (
    NAMESPACE,
    NODE,
    POD,
    SECRET,
    CONFIGMAP,
    SERVICE,
    EVENT,
    PVC,
    DEPLOYMENT,
    REPLICASET,
    STATEFULSET,
    DAEMONSET,
    CRD,
    APPLICATION,
    CERTIFICATE,
    CLUSTER_ISSUER,
    ISSUER,
    ORDER,
    CHALLENGE,
    # The storage version first: it is the one `storage_of` and `by_kind` find.
    CILIUM_LB_IP_POOL,
    CILIUM_LB_IP_POOL_V2ALPHA1,
    CILIUM_L2_POLICY,
)

Served = Callable[[Kind], bool]
"""Whether a kind is served now (its CRD exists); see APIServer.serves."""


def _all(_kind: Kind) -> bool:
    return True


def group_versions(served: Served | None = None) -> tuple[tuple[str, str], ...]:
    """(group, version) pairs in discovery order, each once; the core group is ''."""
    is_served = served or _all
    seen: list[tuple[str, str]] = []
    for kind in KINDS:
        if (kind.group, kind.version) not in seen and is_served(kind):
            seen.append((kind.group, kind.version))
    return tuple(seen)


def kinds_of(group: str, version: str, served: Served | None = None) -> Iterator[Kind]:
    is_served = served or _all
    return (k for k in KINDS if k.group == group and k.version == version and is_served(k))


def lookup(group: str, version: str, plural: str, served: Served | None = None) -> Kind | None:
    return next((k for k in kinds_of(group, version, served) if k.plural == plural), None)


def storage_of(kind: Kind) -> Kind:
    """The version objects of this resource are stored in (the CRD's storage version)."""
    return next(k for k in KINDS if k.resource == kind.resource)


def as_version(kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    """A stored object as a request through `kind`'s version reads it. The Cilium CRDs have
    no conversion webhook (strategy None): only apiVersion changes. `obj` is never changed."""
    if obj.get("apiVersion", kind.api_version) == kind.api_version:
        return obj
    return {**obj, "apiVersion": kind.api_version}


def by_kind(kind: str) -> Kind:
    found = next((k for k in KINDS if k.kind == kind), None)
    if found is None:
        raise KeyError(kind)
    return found
