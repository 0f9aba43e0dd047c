"""Which field selectors each kind supports, with the real server's refusal of the others.

A real server converts every field selector term with the kind's field label conversion
(kubernetes pkg/apis/core/v1/conversion.go; for custom resources apiextensions-apiserver's
crConverter.ConvertFieldLabel) and answers 400 BadRequest with that conversion's error when a
label is not supported. Kinds without a conversion function of their own accept metadata.name
and metadata.namespace only (runtime.DefaultMetaV1FieldSelectorConversion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vixens_tui.sim.apiserver import errors
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.selectors import FieldSelector, FieldValue

_POD = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    }
)
_EVENT = frozenset(
    {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
        "metadata.namespace",
        "metadata.name",
    }
)
# The built-in kinds that register a conversion function, and what it accepts.
_SUPPORTED: dict[str, frozenset[str]] = {
    "Pod": _POD,
    "Node": frozenset({"metadata.name", "spec.unschedulable"}),
    "Event": _EVENT,
    "Namespace": frozenset({"status.phase", "metadata.name"}),
    "Secret": frozenset({"type", "metadata.namespace", "metadata.name"}),
    "Service": frozenset({"metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"}),
}
# Old v1 clients' name for spec.nodeName (still converted by the Pod function).
_RENAMED = {("Pod", "spec.host"): "spec.nodeName"}


def _flag(*path: str) -> FieldValue:
    """A bool field as the registries' ToSelectableFields format it: strconv.FormatBool, so
    an absent one reads "false"."""

    def value(obj: Mapping[str, Any]) -> str:
        current: Any = obj
        for part in path:
            current = current.get(part) if isinstance(current, Mapping) else None
        return "true" if current is True else "false"

    return value


def _event_source(obj: Mapping[str, Any]) -> str:
    # pkg/registry/core/event/strategy.go: source.component, else the reporting controller.
    source = obj.get("source")
    component = source.get("component") if isinstance(source, Mapping) else None
    return str(component or obj.get("reportingComponent") or "")


# Selectable fields whose value is computed rather than read at their path.
_COMPUTED: dict[tuple[str, str], FieldValue] = {
    ("Node", "spec.unschedulable"): _flag("spec", "unschedulable"),
    ("Pod", "spec.hostNetwork"): _flag("spec", "hostNetwork"),
    ("Event", "source"): _event_source,
}


def _refusal(kind: Kind, label: str) -> str | None:
    """Why `label` is not a field selector of `kind`, or None when it is."""
    if not kind.builtin:
        # crConverter: metadata.name always, metadata.namespace when namespaced.
        if label == "metadata.name" or (kind.namespaced and label == "metadata.namespace"):
            return None
        return f"field label not supported: {label}"
    supported = _SUPPORTED.get(kind.kind)
    if supported is None:
        if label in ("metadata.name", "metadata.namespace"):
            return None
        return (
            f'"{label}" is not a known field selector: only "metadata.name", "metadata.namespace"'
        )
    if label in supported or (kind.kind, label) in _RENAMED:
        return None
    return f"field label not supported: {label}"


def convert(kind: Kind, selector: FieldSelector) -> FieldSelector:
    """The selector with each label converted for `kind`; ApiError(400) for an unsupported
    one, with the real conversion's message."""
    terms = []
    for path, equal, value in selector.terms:
        problem = _refusal(kind, path)
        if problem is not None:
            raise errors.bad_request(problem)
        terms.append((_RENAMED.get((kind.kind, path), path), equal, value))
    values = {label: f for (owner, label), f in _COMPUTED.items() if owner == kind.kind}
    return FieldSelector(selector.text, tuple(terms), values)
