"""The CustomResourceDefinitions of the simulated cluster: which exist, and who registers them when.

As in the real cluster, three owners bring CRDs, each at its own moment:

- Cilium 1.18: its Helm chart ships none; the cilium-operator registers them when it starts
  (pkg/k8s/apis/cilium.io/client/register.go, CreateCustomResourceDefinitions, over the names
  of pkg/k8s/synced/crd.go), and the agents wait for them. Here they appear once a
  cilium-operator pod runs, a few simulated seconds into the release's install and well before
  `helm install --wait` returns, so `wait_for_cilium_crds.sh` finds them at its first try.
  The list is what a default install registers (nothing of BGP, egress gateway, envoy config,
  local redirect or endpoint slices, all off in the vixens values): 1.18 promoted the LB-IPAM
  pool and the CIDR group to cilium.io/v2, keeping v2alpha1 served and deprecated.
- Argo CD: the argo-cd chart installs its three CRDs with the release (`crds.install`, kept on
  uninstall by `crds.keep`), so they exist from the install's start.
- cert-manager: its chart installs its six CRDs (`installCRDs: true` in the vixens values) when
  the Argo CD application deploying cert-manager is synced.

Each owner registers them once per cluster life: a CRD deleted by hand stays deleted (the
operator registers again only when it restarts), uninstalling a release leaves its CRDs (the
operator's are not the chart's; Argo CD's are kept), and a new life (bootstrap after a destroy)
starts with none. Only the Cilium pool and L2 announcement policy, Argo CD's Application and
cert-manager's Certificate, Issuer, ClusterIssuer, Order and Challenge are served as resources
(kinds.py); the other CRDs exist as objects, so `kubectl get crd` lists what a real cluster
lists.

The CRD objects are abridged: names, scope, versions, subresources and printer columns are the
real ones; the schema is the structural one this server checks writes against for the served
kinds, and an open object (`x-kubernetes-preserve-unknown-fields`) for the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from vixens_tui.sim.apiserver import cilium_schema, crd_schema, kinds
from vixens_tui.sim.apiserver.columns import Column
from vixens_tui.sim.apiserver.tables_crds import CRD_COLUMNS
from vixens_tui.sim.world import World

Obj = dict[str, Any]
Scope = Literal["Cluster", "Namespaced"]

_OPEN: Mapping[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_GENERIC_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": _OPEN,
        "status": _OPEN,
    },
}


@dataclass(frozen=True, slots=True)
class Version:
    name: str
    storage: bool = True
    deprecated: bool = False
    status: bool = True
    """The version has a status subresource."""


@dataclass(frozen=True, slots=True)
class CRDPlan:
    group: str
    kind: str
    plural: str
    scope: Scope
    versions: tuple[Version, ...]
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.plural}.{self.group}"

    @property
    def singular(self) -> str:
        return self.kind.lower()


def _promoted(*, status: bool = True) -> tuple[Version, ...]:
    """Promoted to cilium.io/v2 (the storage version), v2alpha1 still served, deprecated."""
    return (
        Version("v2", status=status),
        Version("v2alpha1", storage=False, deprecated=True, status=status),
    )


_V2 = (Version("v2"),)
_CILIUM = ("cilium",)
_POLICY = ("cilium", "ciliumpolicy")
_CM = ("cert-manager",)
_ACME = ("cert-manager", "cert-manager-acme")

CILIUM_CRDS: tuple[CRDPlan, ...] = (
    CRDPlan("cilium.io", "CiliumCIDRGroup", "ciliumcidrgroups", "Cluster",
            _promoted(status=False), ("ccg",), _CILIUM),
    CRDPlan("cilium.io", "CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies",
            "Cluster", _V2, ("ccnp",), _POLICY),
    CRDPlan("cilium.io", "CiliumEndpoint", "ciliumendpoints", "Namespaced", _V2,
            ("cep", "ciliumep"), _CILIUM),
    CRDPlan("cilium.io", "CiliumIdentity", "ciliumidentities", "Cluster", _V2,
            ("ciliumid",), _CILIUM),
    CRDPlan("cilium.io", "CiliumL2AnnouncementPolicy", "ciliuml2announcementpolicies",
            "Cluster", (Version("v2alpha1"),), ("l2announcement",), _CILIUM),
    CRDPlan("cilium.io", "CiliumLoadBalancerIPPool", "ciliumloadbalancerippools", "Cluster",
            _promoted(), ("ippools", "ippool", "lbippool", "lbippools"), _CILIUM),
    CRDPlan("cilium.io", "CiliumNetworkPolicy", "ciliumnetworkpolicies", "Namespaced", _V2,
            ("cnp", "ciliumnp"), _POLICY),
    CRDPlan("cilium.io", "CiliumNodeConfig", "ciliumnodeconfigs", "Namespaced",
            _promoted(status=False), (), _CILIUM),
    CRDPlan("cilium.io", "CiliumNode", "ciliumnodes", "Cluster", _V2, ("cn", "ciliumn"),
            _CILIUM),
    CRDPlan("cilium.io", "CiliumPodIPPool", "ciliumpodippools", "Cluster",
            (Version("v2alpha1", status=False),), ("cpip",), _CILIUM),
)  # fmt: skip
"""What the cilium-operator of a default 1.18 install registers."""

ARGOCD_CRDS: tuple[CRDPlan, ...] = (
    CRDPlan("argoproj.io", "Application", "applications", "Namespaced",
            (Version("v1alpha1", status=False),), ("app", "apps")),
    CRDPlan("argoproj.io", "ApplicationSet", "applicationsets", "Namespaced",
            (Version("v1alpha1"),), ("appset", "appsets")),
    CRDPlan("argoproj.io", "AppProject", "appprojects", "Namespaced",
            (Version("v1alpha1", status=False),), ("appproj", "appprojs")),
)  # fmt: skip

CERT_MANAGER_CRDS: tuple[CRDPlan, ...] = (
    CRDPlan("acme.cert-manager.io", "Challenge", "challenges", "Namespaced",
            (Version("v1"),), (), _ACME),
    CRDPlan("acme.cert-manager.io", "Order", "orders", "Namespaced", (Version("v1"),), (), _ACME),
    CRDPlan("cert-manager.io", "CertificateRequest", "certificaterequests", "Namespaced",
            (Version("v1"),), ("cr", "crs"), _CM),
    CRDPlan("cert-manager.io", "Certificate", "certificates", "Namespaced",
            (Version("v1"),), ("cert", "certs"), _CM),
    CRDPlan("cert-manager.io", "ClusterIssuer", "clusterissuers", "Cluster",
            (Version("v1"),), (), _CM),
    CRDPlan("cert-manager.io", "Issuer", "issuers", "Namespaced", (Version("v1"),), (), _CM),
)  # fmt: skip

# The structural schemas this server checks the served custom resources against.
_SCHEMAS: dict[str, Mapping[str, Any]] = {
    **cilium_schema.SCHEMAS,
    "Application": crd_schema.APPLICATION,
}


def _column(column: Column) -> Obj:
    out: Obj = {"jsonPath": column.json_path, "name": column.name, "type": column.type}
    if column.description:
        out["description"] = column.description
    if column.priority:
        out["priority"] = column.priority
    return out


def _printer_columns(plan: CRDPlan) -> list[Obj]:
    """The columns this server prints for a served kind (the real CRD's); none otherwise."""
    return [_column(c) for c in CRD_COLUMNS.get(plan.name, ()) if c.json_path]


def crd_object(plan: CRDPlan, labels: Mapping[str, str], annotations: Mapping[str, str]) -> Obj:
    """The CustomResourceDefinition a client creates for `plan` (the server fills status)."""
    names: Obj = {
        "kind": plan.kind,
        "listKind": f"{plan.kind}List",
        "plural": plan.plural,
        "singular": plan.singular,
    }
    if plan.short_names:
        names["shortNames"] = list(plan.short_names)
    if plan.categories:
        names["categories"] = list(plan.categories)
    schema = _SCHEMAS.get(plan.kind, _GENERIC_SCHEMA)
    versions = []
    for version in plan.versions:
        entry: Obj = {
            "name": version.name,
            "served": True,
            "storage": version.storage,
            "schema": {"openAPIV3Schema": dict(schema)},
        }
        if version.deprecated:
            entry["deprecated"] = True
        if version.status:
            entry["subresources"] = {"status": {}}
        columns = _printer_columns(plan)
        if columns:
            entry["additionalPrinterColumns"] = columns
        versions.append(entry)
    metadata: Obj = {"name": plan.name}
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {
        "apiVersion": kinds.CRD.api_version,
        "kind": kinds.CRD.kind,
        "metadata": metadata,
        "spec": {
            "group": plan.group,
            "names": names,
            "scope": plan.scope,
            "versions": versions,
            "conversion": {"strategy": "None"},
        },
    }


class CRDController:
    """Registers each owner's CRDs at its moment (see the module's docstring); a reconcile
    pass of the scenario's tick, holding the store lock like the other controllers."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._generation = -1
        self._registered: set[tuple[str, object]] = set()
        """(owner, the install it belongs to): each install registers once."""

    def reconcile(self, now: float) -> None:
        world = self.world
        life = world.life
        if life.generation != self._generation:
            self._registered.clear()
            self._generation = life.generation
        if not life.seeded:
            return
        if life.cni_at is not None and now >= life.cni_at and self._operator_running():
            self._register("cilium", life.cni_at, CILIUM_CRDS, {}, {})
        if life.argocd_at is not None and now >= life.argocd_at:
            namespace = world.profile.argocd.namespace
            self._register(
                "argocd",
                life.argocd_at,
                ARGOCD_CRDS,
                {"app.kubernetes.io/part-of": "argocd", "app.kubernetes.io/managed-by": "Helm"},
                {
                    "helm.sh/resource-policy": "keep",
                    "meta.helm.sh/release-name": "argocd",
                    "meta.helm.sh/release-namespace": namespace,
                },
                name_label=True,
            )
        app = world.catalog.cert_manager_app
        if app and app in life.deployed_apps:
            labels = {
                "app": "cert-manager",
                "app.kubernetes.io/name": "cert-manager",
                "app.kubernetes.io/instance": app,
                "app.kubernetes.io/managed-by": "Helm",
            }
            self._register("cert-manager", app, CERT_MANAGER_CRDS, labels, {})
        else:
            self._registered = {r for r in self._registered if r[0] != "cert-manager"}

    def _operator_running(self) -> bool:
        """A cilium-operator pod whose container runs (it registers the CRDs at start-up);
        without an operator in the plan, the release's install itself."""
        world = self.world
        operators = [w for w in world.catalog.workloads if w.name == "cilium-operator"]
        if not operators:
            return True
        return any(
            p.get("status", {}).get("phase") == "Running"
            for w in operators
            for p in world.pods_of(w)
        )

    def _register(
        self,
        owner: str,
        install: object,
        plans: tuple[CRDPlan, ...],
        labels: Mapping[str, str],
        annotations: Mapping[str, str],
        *,
        name_label: bool = False,
    ) -> None:
        if (owner, install) in self._registered:
            return
        self._registered.add((owner, install))
        store = self.world.store
        for plan in plans:
            if store.get(kinds.CRD, "", plan.name) is not None:
                continue
            own_labels = {**labels, "app.kubernetes.io/name": plan.name} if name_label else labels
            body = crd_object(plan, own_labels, annotations)
            self.world.resources.create(kinds.CRD, "", body)
