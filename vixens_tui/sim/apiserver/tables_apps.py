"""The printer columns of the apps/v1 kinds, as pkg/printers/internalversion/printers.go
defines them (deploymentColumnDefinitions, replicaSetColumnDefinitions,
statefulSetColumnDefinitions, daemonSetColumnDefinitions) and prints their cells."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.columns import AGE, NAME, Column

Obj = dict[str, Any]


def _status(field: str) -> Any:
    return lambda o, _n: int(o.get("status", {}).get(field, 0) or 0)


def _desired(obj: Obj, _now: datetime) -> int:
    return int(obj.get("spec", {}).get("replicas", 0) or 0)


def _ready_of_desired(obj: Obj, _now: datetime) -> str:
    ready = int(obj.get("status", {}).get("readyReplicas", 0) or 0)
    return f"{ready}/{_desired(obj, _now)}"


def _containers(obj: Obj, _now: datetime) -> str:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return ",".join(c.get("name", "") for c in spec.get("containers") or [])


def _images(obj: Obj, _now: datetime) -> str:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return ",".join(c.get("image", "") for c in spec.get("containers") or [])


def _selector(obj: Obj, _now: datetime) -> str:
    """metav1.FormatLabelSelector: the matchLabels as `k=v,...` sorted by key."""
    labels = obj.get("spec", {}).get("selector", {}).get("matchLabels") or {}
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) or "<none>"


def _node_selector(obj: Obj, _now: datetime) -> str:
    labels = obj.get("spec", {}).get("template", {}).get("spec", {}).get("nodeSelector") or {}
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) or "<none>"


_CONTAINERS = Column(
    "Containers", "string", "Names of each container in the template.", _containers, 1
)
_IMAGES = Column(
    "Images", "string", "Images referenced by each container in the template.", _images, 1
)

APPS_COLUMNS: dict[str, tuple[Column, ...]] = {
    kinds.DEPLOYMENT.resource: (
        NAME,
        Column("Ready", "string", "Number of the pod with ready state", _ready_of_desired),
        Column(
            "Up-to-date",
            "string",
            "Total number of non-terminated pods targeted by this deployment that have the "
            "desired template spec.",
            _status("updatedReplicas"),
        ),
        Column(
            "Available",
            "string",
            "Total number of available pods (ready for at least minReadySeconds) targeted by "
            "this deployment.",
            _status("availableReplicas"),
        ),
        AGE,
        _CONTAINERS,
        _IMAGES,
        Column(
            "Selector",
            "string",
            "Label selector for pods. Existing ReplicaSets whose pods are selected by this will "
            "be the ones affected by this deployment.",
            _selector,
            1,
        ),
    ),
    kinds.REPLICASET.resource: (
        NAME,
        Column(
            "Desired",
            "integer",
            "Replicas is the number of desired pods. This is a pointer to distinguish between "
            "explicit zero and unspecified. Defaults to 1.",
            _desired,
        ),
        Column(
            "Current",
            "integer",
            "Replicas is the most recently observed number of non-terminating pods.",
            _status("replicas"),
        ),
        Column(
            "Ready",
            "integer",
            "The number of non-terminating pods targeted by this ReplicaSet with a Ready "
            "Condition.",
            _status("readyReplicas"),
        ),
        AGE,
        _CONTAINERS,
        _IMAGES,
        Column("Selector", "string", "Label selector for pods.", _selector, 1),
    ),
    kinds.STATEFULSET.resource: (
        NAME,
        Column("Ready", "string", "Number of the pod with ready state", _ready_of_desired),
        AGE,
        _CONTAINERS,
        _IMAGES,
    ),
    kinds.DAEMONSET.resource: (
        NAME,
        Column(
            "Desired",
            "integer",
            "The total number of nodes that should be running the daemon pod (including nodes "
            "correctly running the daemon pod).",
            _status("desiredNumberScheduled"),
        ),
        Column(
            "Current",
            "integer",
            "The number of nodes that are running at least 1 daemon pod and are supposed to "
            "run the daemon pod.",
            _status("currentNumberScheduled"),
        ),
        Column(
            "Ready",
            "integer",
            "numberReady is the number of nodes that should be running the daemon pod and have "
            "one or more of the daemon pod running with a Ready Condition.",
            _status("numberReady"),
        ),
        Column(
            "Up-to-date",
            "integer",
            "The total number of nodes that are running updated daemon pod",
            _status("updatedNumberScheduled"),
        ),
        Column(
            "Available",
            "integer",
            "The number of nodes that should be running the daemon pod and have one or more of "
            "the daemon pod running and available (ready for at least spec.minReadySeconds)",
            _status("numberAvailable"),
        ),
        Column(
            "Node Selector",
            "string",
            "NodeSelector is a selector which must be true for the pod to fit on a node.",
            _node_selector,
        ),
        AGE,
        _CONTAINERS,
        _IMAGES,
        Column(
            "Selector",
            "string",
            "A label query over pods that are managed by the daemon set.",
            _selector,
            1,
        ),
    ),
}
