"""Discovery documents: /version, /api, /apis, /api/v1, /apis/{group}/{version}.

Served in the plain (non-aggregated) format: kubectl 1.37 asks for aggregated discovery first
and falls back when the answer's content type is plain JSON. Each group is listed once, with its
versions in priority order (cilium.io: v2, then v2alpha1) and the first one preferred, as the
aggregator sorts them. Kinds whose CRD does not exist yet are left out (`served`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from vixens_tui.sim.apiserver import reviews
from vixens_tui.sim.apiserver.kinds import Kind, Served, group_versions, kinds_of

Obj = dict[str, Any]


def version_info(git_version: str) -> Obj:
    major, minor = git_version.lstrip("v").split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(max(0, int(minor) - 1)),
        "gitVersion": git_version,
        "gitCommit": hashlib.sha1(git_version.encode(), usedforsecurity=False).hexdigest(),
        "gitTreeState": "clean",
        "buildDate": "2025-08-27T15:12:51Z",
        "goVersion": "go1.24.6",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions(server_address: str) -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _all_group_versions(served: Served | None) -> list[tuple[str, str]]:
    """The kinds' group-versions, then the review APIs' (authentication, authorization)."""
    return [*group_versions(served), *reviews.group_versions()]


def _group(group: str, versions: list[str]) -> Obj:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(served: Served | None = None) -> Obj:
    by_group: dict[str, list[str]] = {}
    for group, version in _all_group_versions(served):
        if group:
            by_group.setdefault(group, []).append(version)
    groups = [_group(group, versions) for group, versions in by_group.items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str, served: Served | None = None) -> Obj | None:
    versions = [v for g, v in _all_group_versions(served) if g == group]
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}


def _resource(kind: Kind) -> Obj:
    entry: Obj = {
        "name": kind.plural,
        "singularName": kind.singular,
        "namespaced": kind.namespaced,
        "kind": kind.kind,
        "verbs": list(kind.verbs),
        "storageVersionHash": hashlib.sha256(kind.resource.encode()).hexdigest()[:12],
    }
    if kind.short_names:
        entry["shortNames"] = list(kind.short_names)
    if kind.categories:
        entry["categories"] = list(kind.categories)
    return entry


def _subresource(kind: Kind, sub: str) -> Obj:
    verbs = {"status": ["get", "patch", "update"], "log": ["get"], "binding": ["create"]}.get(
        sub, ["create"]
    )
    return {
        "name": f"{kind.plural}/{sub}",
        "singularName": "",
        "namespaced": kind.namespaced,
        "kind": "Pod" if sub == "log" else kind.kind,
        "verbs": verbs,
    }


def resource_list(group: str, version: str, served: Served | None = None) -> Obj | None:
    found = list(kinds_of(group, version, served))
    if not found:
        return reviews.resource_list(group, version)
    resources = []
    for kind in found:
        resources.append(_resource(kind))
        resources.extend(_subresource(kind, sub) for sub in kind.subresources)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
