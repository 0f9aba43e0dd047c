"""The workload controllers, the scheduler and the kubelets, as far as pods go.

Each workload of the catalog whose installer is present (bootstrap, Cilium release, Argo CD
release, a synced Application) gets its pods: one per control-plane node (static pods), one per
node (DaemonSets), `replicas` (Deployments, StatefulSets). A pod goes Pending (unschedulable
while no node is Ready, unless it tolerates that), ContainerCreating, Running, then Ready. A
deleted pod terminates for a moment and its controller creates a replacement: under a new
random name for a Deployment or a DaemonSet, under the same name for a StatefulSet or a static
pod, as in a real cluster. Pods created through the API by someone else run too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.objects import Obj, pod, service
from vixens_tui.sim.plans import Workload
from vixens_tui.sim.pod_status import status_running, status_unschedulable, status_waiting
from vixens_tui.sim.world import World

_PENDING, _WAITING, _STARTING, _READY = "pending", "waiting", "starting", "ready"


@dataclass
class PodRecord:
    uid: str
    namespace: str
    name: str
    workload: Workload | None
    slot: str
    created_at: float
    start_s: float
    ready_s: float
    phase: str = _PENDING
    node: str = ""
    host_ip: str = ""
    pod_ip: str = ""
    scheduled_at: float = 0.0
    scheduled_ts: str = ""
    created_ts: str = ""
    gate_open_at: float | None = None
    running_at: float = 0.0
    running_ts: str = ""
    terminating_since: float | None = None
    warned: bool = False


class PodController:
    def __init__(self, world: World) -> None:
        self.world = world
        self.records: dict[str, PodRecord] = {}
        self._generation = -1
        self._ip_counters: dict[str, int] = {}

    # -- what should exist ------------------------------------------------------------------

    def active(self, workload: Workload, now: float) -> bool:
        """Whether what installs the workload is there (its pods should exist)."""
        life = self.world.life
        if workload.layer in ("control-plane", "addons"):
            return life.bootstrap_at is not None
        if workload.layer == "cni":
            return life.cni_at is not None and now >= life.cni_at
        if workload.layer == "argocd":
            return life.argocd_at is not None and now >= life.argocd_at
        return workload.app in life.deployed_apps

    def _nodes(self, *, control_plane_only: bool = False) -> list[Obj]:
        nodes = self.world.store.list(kinds.NODE)
        if control_plane_only:
            planes = set(self.world.catalog.control_planes())
            nodes = [n for n in nodes if n["metadata"]["name"] in planes]
        return nodes

    def reconcile(self, now: float) -> None:
        world = self.world
        life = world.life
        if life.generation != self._generation:
            self.records.clear()
            self._ip_counters.clear()
            self._generation = life.generation
        if life.api_up_at is None or now < life.api_up_at:
            return
        self._sweep(now)
        self._adopt(now)
        # Each workload's live pods, grouped once: a pass over every record per workload was
        # a third of an idle tick. `_scale` changes only its own workload's records.
        live: dict[tuple[str, str], list[PodRecord]] = {}
        for record in self.records.values():
            if record.workload is not None and record.terminating_since is None:
                live.setdefault(record.workload.key, []).append(record)
        for workload in world.catalog.workloads:
            if not world.namespace_exists(workload.namespace):
                continue
            if self.active(workload, now):
                self._scale(workload, now, live.get(workload.key, []))
                self._ensure_service(workload)
            else:
                self._remove_all(workload)
        for record in list(self.records.values()):
            if record.terminating_since is None:
                self._advance(record, now)

    def _sweep(self, now: float) -> None:
        store = self.world.store
        for uid, record in list(self.records.items()):
            obj = store.get(kinds.POD, record.namespace, record.name)
            if obj is None or obj["metadata"].get("uid") != uid:
                del self.records[uid]
                continue
            if record.node and store.get(kinds.NODE, "", record.node) is None:
                store.remove(kinds.POD, record.namespace, record.name)
                del self.records[uid]
                continue
            if obj["metadata"].get("deletionTimestamp"):
                if record.terminating_since is None:
                    record.terminating_since = now
                    if record.phase in (_STARTING, _READY):
                        for container in obj["spec"]["containers"]:
                            self.world.emit(
                                obj,
                                "Killing",
                                f"Stopping container {container['name']}",
                                host=record.node,
                                field_path=f"spec.containers{{{container['name']}}}",
                            )
                if now - record.terminating_since >= self.world.timings.terminate_s:
                    store.remove(kinds.POD, record.namespace, record.name)
                    del self.records[uid]

    def _adopt(self, now: float) -> None:
        """Pods nobody here created (kubectl run, tests): the kubelet runs them as well."""
        for obj in self.world.store.list(kinds.POD):
            uid = obj["metadata"]["uid"]
            if uid in self.records:
                continue
            meta = obj["metadata"]
            record = PodRecord(
                uid,
                meta["namespace"],
                meta["name"],
                None,
                "",
                now,
                3.0,
                self.world.timings.ready_after_start_s,
            )
            record.created_ts = meta.get("creationTimestamp", self.world.ts())
            node_name = obj["spec"].get("nodeName", "")
            if obj["status"].get("phase") == "Running" and node_name:
                record.phase, record.node = _READY, node_name
            self.records[uid] = record

    def _scale(self, workload: Workload, now: float, mine: list[PodRecord]) -> None:
        if workload.controller in ("Static", "DaemonSet"):
            nodes = self._nodes(control_plane_only=workload.controller == "Static")
            wanted = [n["metadata"]["name"] for n in nodes]
            have = {r.slot for r in mine}
            for slot in wanted:
                if slot not in have:
                    self._create(workload, slot, now)
            for record in mine:
                if record.slot not in wanted:
                    self._remove(record)
        elif workload.controller == "StatefulSet":
            have = {r.slot for r in mine}
            for ordinal in range(workload.replicas):
                if str(ordinal) not in have:
                    self._create(workload, str(ordinal), now)
        else:
            for _ in range(workload.replicas - len(mine)):
                self._create(workload, "", now)
            for record in mine[workload.replicas :]:
                self._remove(record)

    def _pod_name(self, workload: Workload, slot: str) -> str:
        if workload.controller == "Static":
            return f"{workload.name}-{slot}"
        if workload.controller == "StatefulSet":
            return f"{workload.name}-{slot}"
        if workload.controller == "DaemonSet":
            return f"{workload.name}-{self.world.rand.suffix(5)}"
        return f"{workload.name}-{workload.template_hash}-{self.world.rand.suffix(5)}"

    def _create(self, workload: Workload, slot: str, now: float) -> None:
        world = self.world
        name = self._pod_name(workload, slot)
        if world.store.get(kinds.POD, workload.namespace, name) is not None:
            # A StatefulSet waits for its terminating pod to be gone before reusing the name.
            return
        pinned = slot if workload.controller in ("Static", "DaemonSet") else ""
        node_obj = world.store.get(kinds.NODE, "", pinned) if pinned else None
        obj = pod(
            workload,
            name,
            node_name=pinned if workload.controller == "Static" else "",
            node_uid=node_obj["metadata"]["uid"] if node_obj else "",
            token_suffix=world.rand.suffix(5),
            statefulset_ordinal=int(slot) if workload.controller == "StatefulSet" else None,
        )
        stored = world.store.add(kinds.POD, obj)
        record = PodRecord(
            stored["metadata"]["uid"],
            workload.namespace,
            name,
            workload,
            slot,
            now,
            world.jitter(workload.start_s),
            world.jitter(world.timings.ready_after_start_s),
        )
        record.created_ts = stored["metadata"]["creationTimestamp"]
        record.node = pinned
        self.records[record.uid] = record

    def _remove(self, record: PodRecord) -> None:
        self.world.store.remove(kinds.POD, record.namespace, record.name)
        self.records.pop(record.uid, None)

    def _remove_all(self, workload: Workload) -> None:
        for record in [
            r
            for r in self.records.values()
            if r.workload is not None and r.workload.key == workload.key
        ]:
            self._remove(record)
        if workload.service is not None:
            self.world.store.remove(kinds.SERVICE, workload.namespace, workload.service.name)

    def _ensure_service(self, workload: Workload) -> None:
        if workload.service is None:
            return
        store = self.world.store
        if store.get(kinds.SERVICE, workload.namespace, workload.service.name) is None:
            self.world.resources.create(kinds.SERVICE, workload.namespace, service(workload))

    # -- a pod's life ----------------------------------------------------------------------

    def _write_status(self, record: PodRecord, status: Obj, *, node_name: str = "") -> Obj | None:
        store = self.world.store
        current = store.get(kinds.POD, record.namespace, record.name)
        if current is None:
            return None
        edited = copy.deepcopy(current)
        edited["status"] = status
        if node_name:
            edited["spec"]["nodeName"] = node_name
        return store.put(kinds.POD, edited)

    def _pick_node(self, record: PodRecord) -> str:
        tolerant = record.workload is not None and record.workload.tolerates_not_ready
        candidates = []
        for node_obj in self._nodes():
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in node_obj["status"].get("conditions") or []
            )
            if ready or tolerant:
                candidates.append(node_obj["metadata"]["name"])
        if not candidates:
            return ""
        load = {n: 0 for n in candidates}
        for other in self.records.values():
            if other.node in load:
                load[other.node] += 1
        return str(min(candidates, key=lambda n: (load[n], n)))

    def _ips(self, record: PodRecord) -> tuple[str, str]:
        catalog = self.world.catalog
        host_ip = catalog.node_ip(record.node)
        if record.workload is not None and record.workload.host_network:
            return host_ip, host_ip
        names = [n.name for n in self.world.profile.nodes]
        index = names.index(record.node) if record.node in names else 0
        counter = self._ip_counters.get(record.node, 10) + 1
        self._ip_counters[record.node] = counter if counter < 250 else 10
        return host_ip, f"10.244.{index}.{counter}"

    def _advance(self, record: PodRecord, now: float) -> None:
        world = self.world
        timings = world.timings
        if record.phase == _PENDING:
            if now < record.created_at + timings.schedule_s:
                return
            node_name = record.node or self._pick_node(record)
            if not node_name:
                if not record.warned:
                    record.warned = True
                    total = len(self._nodes())
                    message = (
                        f"0/{total} nodes are available: {total} node(s) had untolerated taint "
                        "{node.kubernetes.io/not-ready: }. preemption: 0/"
                        f"{total} nodes are available: {total} Preemption is not helpful for scheduling."
                        if total
                        else "no nodes available to schedule pods"
                    )
                    stored = self._write_status(
                        record, status_unschedulable(record.created_ts, message)
                    )
                    if stored is not None:
                        world.emit(
                            stored,
                            "FailedScheduling",
                            message,
                            type_="Warning",
                            component="default-scheduler",
                        )
                return
            record.node = node_name
            record.warned = False
            record.scheduled_at = now
            record.scheduled_ts = world.ts()
            record.host_ip, record.pod_ip = self._ips(record)
            current = world.store.get(kinds.POD, record.namespace, record.name)
            if current is None:
                return
            status = status_waiting(current, record.created_ts, record.scheduled_ts, record.host_ip)
            stored = self._write_status(record, status, node_name=node_name)
            if stored is not None:
                world.emit(
                    stored,
                    "Scheduled",
                    f"Successfully assigned {record.namespace}/{record.name} to {node_name}",
                    component="default-scheduler",
                )
            record.phase = _WAITING
            return
        if record.phase == _WAITING:
            if not self._gate_open(record):
                return
            if record.gate_open_at is None:
                record.gate_open_at = max(now, record.scheduled_at)
            if now < record.gate_open_at + record.start_s:
                return
            current = world.store.get(kinds.POD, record.namespace, record.name)
            if current is None:
                return
            record.running_at = now
            record.running_ts = world.ts()
            status = status_running(
                current,
                created=record.created_ts,
                scheduled=record.scheduled_ts,
                started=record.running_ts,
                host_ip=record.host_ip,
                pod_ip=record.pod_ip,
                ready=False,
                since=record.running_ts,
            )
            stored = self._write_status(record, status)
            if stored is not None:
                for container in stored["spec"]["containers"]:
                    where = f"spec.containers{{{container['name']}}}"
                    name = container["name"]
                    world.emit(
                        stored,
                        "Pulled",
                        f'Container image "{container["image"]}" already present on machine',
                        host=record.node,
                        field_path=where,
                    )
                    world.emit(
                        stored,
                        "Created",
                        f"Created container: {name}",
                        host=record.node,
                        field_path=where,
                    )
                    world.emit(
                        stored,
                        "Started",
                        f"Started container {name}",
                        host=record.node,
                        field_path=where,
                    )
            record.phase = _STARTING
            return
        if record.phase == _STARTING and now >= record.running_at + record.ready_s:
            current = world.store.get(kinds.POD, record.namespace, record.name)
            if current is None:
                return
            status = status_running(
                current,
                created=record.created_ts,
                scheduled=record.scheduled_ts,
                started=record.running_ts,
                host_ip=record.host_ip,
                pod_ip=record.pod_ip,
                ready=True,
                since=world.ts(),
            )
            self._write_status(record, status)
            record.phase = _READY

    def _gate_open(self, record: PodRecord) -> bool:
        """A pod whose Secret or ConfigMap volume names a missing object waits as the kubelet
        makes it wait: ContainerCreating, and a Warning FailedMount event whose message is
        the kubelet's (`MountVolume.SetUp failed for volume "V" : secret "NAME" not found`,
        kubernetes' operation executor around the secret/configmap manager's NotFound)."""
        mounted = record.workload.config_volume if record.workload is not None else None
        if mounted is None:
            return True
        kind = kinds.SECRET if mounted.kind == "Secret" else kinds.CONFIGMAP
        if self.world.store.get(kind, record.namespace, mounted.name) is not None:
            return True
        if not record.warned:
            record.warned = True
            current = self.world.store.get(kinds.POD, record.namespace, record.name)
            if current is not None:
                self.world.emit(
                    current,
                    "FailedMount",
                    f'MountVolume.SetUp failed for volume "{mounted.volume}" : '
                    f'{mounted.kind.lower()} "{mounted.name}" not found',
                    type_="Warning",
                    host=record.node,
                )
        return False


class VolumeController:
    """Binds claims: at once for NFS, once the Synology CSI controller runs for its classes."""

    def __init__(self, world: World) -> None:
        self.world = world

    def reconcile(self, now: float) -> None:
        world = self.world
        csi_ready = any(
            world.workload_ready(w)
            for w in world.catalog.of_app(world.catalog.csi_app)
            if w.controller == "StatefulSet"
        )
        for claim in world.store.list(kinds.PVC):
            if claim.get("status", {}).get("phase") != "Pending":
                continue
            spec = claim["spec"]
            if str(spec.get("storageClassName", "")).startswith("synology") and not csi_ready:
                continue
            edited = copy.deepcopy(claim)
            edited["spec"]["volumeName"] = f"pvc-{claim['metadata']['uid']}"
            edited["status"] = {
                "phase": "Bound",
                "accessModes": list(spec.get("accessModes") or []),
                "capacity": {
                    "storage": (spec.get("resources") or {})
                    .get("requests", {})
                    .get("storage", "1Gi")
                },
            }
            world.store.put(kinds.PVC, edited)
