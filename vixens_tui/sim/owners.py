"""The workload controllers' own objects: Deployments (and their ReplicaSet), StatefulSets and
DaemonSets, there while their pods are, with statuses that follow the pods.

The pods (`workloads.PodController`) already name their controller in `ownerReferences`; this
controller keeps those owners in the store with the same name and uid, and writes their status
the way the Deployment, ReplicaSet, StatefulSet and DaemonSet controllers do: what `kubectl get`
prints and what `kubectl rollout status` waits on (observedGeneration, replicas, ready,
available and updated counts, a Deployment's Available and Progressing conditions).
A status is written only when it changes, so that watches see real transitions only.
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from vixens_tui.sim import workload_objects as build
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.conditions import is_ready
from vixens_tui.sim.objects import pod
from vixens_tui.sim.plans import Workload
from vixens_tui.sim.workloads import PodController
from vixens_tui.sim.world import World

Obj = dict[str, Any]


def _compact(status: Obj) -> Obj:
    """Zero counts are omitted, as the real API omits them (omitempty)."""
    return {k: v for k, v in status.items() if v != 0 or k in _REQUIRED}


_REQUIRED = frozenset(
    {"replicas", "currentNumberScheduled", "desiredNumberScheduled", "numberMisscheduled"}
)
_REQUIRED_NUMBER_READY = "numberReady"


def _condition(
    old: list[Obj], type_: str, status: str, reason: str, message: str, *, now: str
) -> Obj:
    previous = next((c for c in old if c.get("type") == type_), None)
    if previous and (previous.get("status"), previous.get("reason")) == (status, reason):
        return {**previous, "message": message}
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now
        if not previous or previous.get("status") != status
        else previous.get("lastTransitionTime", now),
        "reason": reason,
        "message": message,
    }


@functools.cache
def _rs_name(workload: Workload) -> str:
    return build.replica_set_name(workload)


@functools.cache
def _built(maker: Callable[[Workload, Obj], Obj], workload: Workload) -> Obj:
    """A workload object as first stored (the same for every cluster of a process: copy it)."""
    sample = pod(workload, f"{workload.name}-template", token_suffix="00000")  # noqa: S106 (a name)
    return maker(workload, sample["spec"])


class OwnerController:
    def __init__(self, world: World, pods: PodController) -> None:
        self.world = world
        self.pods = pods
        self._uids: dict[tuple[str, str, str], str] = {}
        self._seen_rv = -1
        """The store's resourceVersion after the last pass: nothing changed since, nothing to do
        (pods appear, change and go with a new resourceVersion; so do the owners)."""
        self._signatures: dict[tuple[str, str], tuple[Any, ...]] = {}

    def _uid(self, workload: Workload, kind: str) -> str:
        """The uid of the object that owns the workload's pods (cached: a hash per call)."""
        key = (workload.namespace, workload.name, kind)
        uid = self._uids.get(key)
        if uid is None:
            name = _rs_name(workload) if kind == "ReplicaSet" else workload.name
            uid = self._uids[key] = build.owner_uid(workload.namespace, kind, name)
        return uid

    def reconcile(self, now: float) -> None:
        world = self.world
        life = world.life
        if life.api_up_at is None or now < life.api_up_at:
            return
        if world.store.resource_version == self._seen_rv:
            return
        owned: dict[str, list[Obj]] = defaultdict(list)
        for obj in world.store.list(kinds.POD):
            meta = obj["metadata"]
            if meta.get("deletionTimestamp"):
                continue
            for ref in meta.get("ownerReferences") or ():
                owned[ref.get("uid", "")].append(obj)
        for workload in world.catalog.workloads:
            if workload.controller == "Static":
                continue
            if world.namespace_exists(workload.namespace) and self.pods.active(workload, now):
                self._ensure(workload, owned)
            else:
                self._signatures.pop(workload.key, None)
                self._remove(workload)
        self._seen_rv = world.store.resource_version

    # -- existence -------------------------------------------------------------------------

    def _unchanged(self, workload: Workload, pods: list[Obj], *owners: Obj) -> bool:
        """Whether the pods and owners are those of the last pass (their statuses hold)."""
        signature = (
            tuple(p["metadata"]["resourceVersion"] for p in pods),
            tuple(o["metadata"]["resourceVersion"] for o in owners),
            self.world.store.count(kinds.NODE),
        )
        if self._signatures.get(workload.key) == signature:
            return True
        self._signatures[workload.key] = signature
        return False

    def _ensure(self, workload: Workload, owned: dict[str, list[Obj]]) -> None:
        if workload.controller == "Deployment":
            pods = owned.get(self._uid(workload, "ReplicaSet"), [])
            deploy = self._get_or_add(kinds.DEPLOYMENT, workload, build.deployment)
            rs_name = _rs_name(workload)
            rs = self._get_or_add(kinds.REPLICASET, workload, build.replica_set, rs_name)
            if self._unchanged(workload, pods, deploy, rs):
                return
            self._write(kinds.REPLICASET, rs, self._rs_status(rs, pods))
            self._write(kinds.DEPLOYMENT, deploy, self._deploy_status(deploy, workload, pods))
        elif workload.controller == "StatefulSet":
            pods = owned.get(self._uid(workload, "StatefulSet"), [])
            sts = self._get_or_add(kinds.STATEFULSET, workload, build.stateful_set)
            if self._unchanged(workload, pods, sts):
                return
            self._write(kinds.STATEFULSET, sts, self._sts_status(sts, workload, pods))
        elif workload.controller == "DaemonSet":
            pods = owned.get(self._uid(workload, "DaemonSet"), [])
            ds = self._get_or_add(kinds.DAEMONSET, workload, build.daemon_set)
            if self._unchanged(workload, pods, ds):
                return
            self._write(kinds.DAEMONSET, ds, self._ds_status(ds, pods))

    def _get_or_add(self, kind: kinds.Kind, workload: Workload, maker: Any, name: str = "") -> Obj:
        store = self.world.store
        current = store.get(kind, workload.namespace, name or workload.name)
        if current is not None:
            return current
        built = _built(maker, workload)
        # Stored objects are never mutated (writers copy): the spec can be shared.
        return store.add(kind, {**built, "metadata": dict(built["metadata"])})

    def _remove(self, workload: Workload) -> None:
        store = self.world.store
        ns = workload.namespace
        if workload.controller == "Deployment":
            store.remove(kinds.REPLICASET, ns, _rs_name(workload))
            store.remove(kinds.DEPLOYMENT, ns, workload.name)
        elif workload.controller == "StatefulSet":
            store.remove(kinds.STATEFULSET, ns, workload.name)
        elif workload.controller == "DaemonSet":
            store.remove(kinds.DAEMONSET, ns, workload.name)

    def _write(self, kind: kinds.Kind, obj: Obj, status: Obj) -> None:
        if obj.get("status") == status:
            return
        edited = copy.copy(obj)
        edited["metadata"] = dict(obj["metadata"])
        edited["status"] = status
        self.world.store.put(kind, edited)

    # -- statuses --------------------------------------------------------------------------

    @staticmethod
    def _generation(obj: Obj) -> int:
        return int(obj["metadata"].get("generation", 1))

    def _rs_status(self, rs: Obj, pods: list[Obj]) -> Obj:
        ready = sum(1 for p in pods if is_ready(p))
        return _compact(
            {
                "replicas": len(pods),
                "fullyLabeledReplicas": len(pods),
                "readyReplicas": ready,
                "availableReplicas": ready,
                "observedGeneration": self._generation(rs),
            }
        )

    def _deploy_status(self, deploy: Obj, workload: Workload, pods: list[Obj]) -> Obj:
        wanted = int(deploy["spec"].get("replicas", workload.replicas))
        ready = sum(1 for p in pods if is_ready(p))
        now = self.world.ts()
        old = deploy.get("status", {}).get("conditions") or []
        minimum = wanted - wanted // 4  # maxUnavailable 25%, rounded down
        available = ready >= minimum
        rs_name = _rs_name(workload)
        progressed = any(c.get("reason") == "NewReplicaSetAvailable" for c in old)
        if progressed or (len(pods) >= wanted and ready >= wanted):
            progressing = (
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
            )
        else:
            progressing = ("ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
        conditions = [
            _condition(
                old,
                "Available",
                "True" if available else "False",
                "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                "Deployment has minimum availability."
                if available
                else "Deployment does not have minimum availability.",
                now=now,
            ),
            _condition(old, "Progressing", "True", *progressing, now=now),
        ]
        status = _compact(
            {
                "observedGeneration": self._generation(deploy),
                "replicas": len(pods),
                "updatedReplicas": len(pods),
                "readyReplicas": ready,
                "availableReplicas": ready,
                "unavailableReplicas": max(0, wanted - ready),
            }
        )
        if not pods:
            del status["replicas"]
        status["conditions"] = conditions
        return status

    def _sts_status(self, sts: Obj, workload: Workload, pods: list[Obj]) -> Obj:
        ready = sum(1 for p in pods if is_ready(p))
        revision = f"{workload.name}-{workload.template_hash}"
        return _compact(
            {
                "observedGeneration": self._generation(sts),
                "replicas": len(pods),
                "readyReplicas": ready,
                "currentReplicas": len(pods),
                "updatedReplicas": len(pods),
                "availableReplicas": ready,
                "currentRevision": revision,
                "updateRevision": revision,
                "collisionCount": 0,
            }
        ) | {"collisionCount": 0}

    def _ds_status(self, ds: Obj, pods: list[Obj]) -> Obj:
        ready = sum(1 for p in pods if is_ready(p))
        desired = self.world.store.count(kinds.NODE)
        status = _compact(
            {
                "currentNumberScheduled": len(pods),
                "desiredNumberScheduled": desired,
                "numberMisscheduled": 0,
                "numberReady": ready,
                "observedGeneration": self._generation(ds),
                "updatedNumberScheduled": len(pods),
                "numberAvailable": ready,
                "numberUnavailable": max(0, desired - ready),
            }
        )
        status[_REQUIRED_NUMBER_READY] = ready
        return status
