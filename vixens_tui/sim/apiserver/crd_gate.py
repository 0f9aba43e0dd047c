"""Whether a kind that lives by its CustomResourceDefinition is served now.

apiextensions-apiserver's crdHandler (customresource_handler.go, ServeHTTP) answers a custom
resource request only when the CRD named `<plural>.<group>` exists, serves the requested
version (HasServedCRDVersion) and has its names accepted or is established; otherwise the
request goes to the delegate, which ends in the "not found" handler. Its discovery controller
publishes only the versions of established CRDs.
"""

from __future__ import annotations

from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.store import Store

Obj = dict[str, Any]


def established(crd: Obj) -> bool:
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def crd_serves(crd: Obj | None, kind: Kind) -> bool:
    """Whether this stored CRD makes `kind` (its group, plural, scope, version) served."""
    if crd is None or not established(crd):
        return False
    spec = crd.get("spec") or {}
    if spec.get("group") != kind.group or (spec.get("names") or {}).get("plural") != kind.plural:
        return False
    if (spec.get("scope") == "Namespaced") != kind.namespaced:
        return False
    return any(
        v.get("name") == kind.version and v.get("served") for v in spec.get("versions") or []
    )


def serves(store: Store, kind: Kind) -> bool:
    if not kind.requires_crd:
        return True
    return crd_serves(store.get(kinds.CRD, "", kind.resource), kind)
