"""Builders of the workload objects (apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet).

Shaped like the objects a real v1.34 API server returns after defaulting (strategy, revision
history limit, progress deadline, a StatefulSet's rollingUpdate partition of 0), with the name
and uid the pods' ownerReferences already carry (`objects.stable_uid`). Their statuses are
computed from the pods by `owners.py`.
"""

from __future__ import annotations

from typing import Any

from vixens_tui.sim.objects import stable_uid
from vixens_tui.sim.plans import Workload

Obj = dict[str, Any]
_POD_ONLY = ("nodeName", "volumes", "tolerations", "priority", "serviceAccount", "hostname")


def owner_uid(namespace: str, kind: str, name: str) -> str:
    """The uid a pod's (or ReplicaSet's) ownerReference names."""
    return stable_uid(f"{namespace}/{kind}/{name}")


def replica_set_name(workload: Workload) -> str:
    return f"{workload.name}-{workload.template_hash}"


def _template(workload: Workload, pod_spec: Obj, extra_labels: dict[str, str]) -> Obj:
    """The pod template: the pod's spec without what the scheduler and admission added."""
    spec = {k: v for k, v in pod_spec.items() if k not in _POD_ONLY}
    spec["containers"] = [
        {
            **c,
            "volumeMounts": [
                m
                for m in c.get("volumeMounts") or []
                if not m["name"].startswith("kube-api-access-")
            ],
        }
        for c in pod_spec.get("containers") or []
    ]
    for container in spec["containers"]:
        if not container["volumeMounts"]:
            del container["volumeMounts"]
    volumes = [v for v in pod_spec.get("volumes") or [] if "projected" not in v]
    if volumes:
        spec["volumes"] = volumes
    return {
        "metadata": {"labels": {**workload.label_map, **extra_labels}},
        "spec": spec,
    }


def _meta(workload: Workload, kind: str, name: str, annotations: dict[str, str]) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": workload.namespace,
        "uid": owner_uid(workload.namespace, kind, name),
        "labels": dict(workload.label_map),
        "annotations": annotations,
    }
    if workload.app:
        meta["labels"]["app.kubernetes.io/instance"] = workload.app
    return meta


def _selector(workload: Workload, extra: dict[str, str] | None = None) -> Obj:
    return {"matchLabels": {**workload.label_map, **(extra or {})}}


def deployment(workload: Workload, pod_spec: Obj) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            workload,
            "Deployment",
            workload.name,
            {"deployment.kubernetes.io/revision": "1"},
        ),
        "spec": {
            "replicas": workload.replicas,
            "selector": _selector(workload),
            "template": _template(workload, pod_spec, {}),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }


def replica_set(workload: Workload, pod_spec: Obj) -> Obj:
    hash_label = {"pod-template-hash": workload.template_hash}
    name = replica_set_name(workload)
    meta = _meta(
        workload,
        "ReplicaSet",
        name,
        {
            "deployment.kubernetes.io/desired-replicas": str(workload.replicas),
            "deployment.kubernetes.io/max-replicas": str(workload.replicas + 1),
            "deployment.kubernetes.io/revision": "1",
        },
    )
    meta["labels"].update(hash_label)
    meta["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": workload.name,
            "uid": owner_uid(workload.namespace, "Deployment", workload.name),
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta,
        "spec": {
            "replicas": workload.replicas,
            "selector": _selector(workload, hash_label),
            "template": _template(workload, pod_spec, hash_label),
        },
        "status": {"replicas": 0},
    }


def stateful_set(workload: Workload, pod_spec: Obj) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta(workload, "StatefulSet", workload.name, {}),
        "spec": {
            "replicas": workload.replicas,
            "selector": _selector(workload),
            "serviceName": workload.service.name if workload.service else workload.name,
            "template": _template(workload, pod_spec, {}),
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
        },
        "status": {"replicas": 0, "availableReplicas": 0},
    }


def daemon_set(workload: Workload, pod_spec: Obj) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _meta(
            workload, "DaemonSet", workload.name, {"deprecated.daemonset.template.generation": "1"}
        ),
        "spec": {
            "selector": _selector(workload),
            "template": _template(workload, pod_spec, {}),
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
            },
            "revisionHistoryLimit": 10,
        },
        "status": {
            "currentNumberScheduled": 0,
            "desiredNumberScheduled": 0,
            "numberMisscheduled": 0,
            "numberReady": 0,
        },
    }
