"""The Application's OpenAPI schema for `kubectl explain`: the field types of `crd_schema`
(what the simulated server validates) with descriptions written here, in our own words.

Argo CD's own CRD is not copied into this repository (its text is Argo CD's to publish); the
types are facts the structural validation needs anyway, the descriptions say what each part
of an Application is for, as far as the procedure and the product use it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from vixens_tui.sim.apiserver.crd_schema import APPLICATION

Obj = dict[str, Any]

DESCRIPTIONS: Mapping[str, str] = {
    "": "An Argo CD Application: the Kubernetes resources of one app, taken from a git "
    "repository or a Helm chart, that Argo CD keeps in sync with a destination cluster and "
    "namespace.",
    "spec": "What the Application should be: its project, where its manifests come from, "
    "where they go, and how they are synced.",
    "spec.project": "The Argo CD project the Application belongs to.",
    "spec.source": "Where the manifests come from: a git repository and a path in it, or a "
    "Helm chart, at a target revision.",
    "spec.sources": "Several sources, when the Application takes its manifests from more than one.",
    "spec.destination": "Where the resources go: the cluster (by server URL or by name) and "
    "the namespace.",
    "spec.syncPolicy": "When and how Argo CD syncs the Application: automated sync (with "
    "prune and self-heal), sync options such as CreateNamespace=true, and retries.",
    "operation": "An operation asked of the application controller, most often a sync; the "
    "controller takes it up and reports it in status.operationState.",
    "operation.sync": "A sync: the revision to sync to (the Application's target revision "
    "when absent), the resources, and the options to sync with.",
    "status": "What the application controller observed: sync and health status, the last "
    "operation's state, conditions (errors such as ComparisonError) and the resources it "
    "manages.",
    "status.sync": "Whether the live resources match the desired ones (Synced, OutOfSync), "
    "at which revision.",
    "status.health": "The Application's health, from its resources' (Healthy, Progressing, "
    "Degraded, Suspended, Missing, Unknown).",
    "status.operationState": "The state of the operation in progress or last run: its phase "
    "(Running, Succeeded, Failed, Error, Terminating), message, start and end.",
    "status.conditions": "Problems the controller found, each a type and a message.",
    "status.resources": "The resources the Application manages, with their sync and health.",
}


def application_schema() -> Obj:
    """The schema served under io.argoproj.v1alpha1.Application."""
    schema: Obj = copy.deepcopy(dict(APPLICATION))
    for path, text in DESCRIPTIONS.items():
        node: Obj | None = schema
        for part in path.split(".") if path else ():
            node = (node or {}).get("properties", {}).get(part)
        if node is not None:  # a field the validated types leave out is left out here too
            node["description"] = text
    return schema
