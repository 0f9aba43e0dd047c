"""The kubelets' view of nodes: a configured machine registers once the API is up, NotReady
until the Cilium agent on it is Ready (no CNI, no pod network), and leaves on reset."""

from __future__ import annotations

import copy

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.conditions import condition, is_ready
from vixens_tui.sim.objects import node, node_conditions
from vixens_tui.sim.world import World

CNI_WORKLOAD = "cilium"


class NodeController:
    def __init__(self, world: World) -> None:
        self.world = world
        self._register_at: dict[tuple[int, str], float] = {}

    def cluster_running(self, now: float) -> bool:
        life = self.world.life
        return life.api_up_at is not None and now >= life.api_up_at

    def reconcile(self, now: float) -> None:
        world = self.world
        if not self.cluster_running(now):
            return
        for index, spec in enumerate(world.profile.nodes):
            machine = world.life.machines[spec.name]
            current = world.store.get(kinds.NODE, "", spec.name)
            if machine.state != "running" or now < machine.ready_at:
                if current is not None and machine.state == "maintenance":
                    self.forget(spec.name)
                continue
            if current is None:
                key = (world.life.generation, spec.name)
                due = self._register_at.setdefault(
                    key, max(now, machine.ready_at) + world.timings.node_register_s
                )
                if now >= due:
                    self._register(index, spec.name, spec.role)
                continue
            self._set_ready(current, self._cni_ready_on(spec.name))

    def _register(self, index: int, name: str, role: str) -> None:
        world = self.world
        created = world.ts()
        obj = node(
            world.profile,
            name,
            ip=world.catalog.node_ip(name),
            index=index,
            role=role,
            created=created,
            talos=world.catalog.versions.talos,
        )
        stored = world.store.add(kinds.NODE, obj)
        world.emit(stored, "Starting", "Starting kubelet.", host=name)
        world.emit(
            stored,
            "RegisteredNode",
            f"Node {name} event: Registered Node {name} in Controller",
            component="node-controller",
        )

    def _cni_ready_on(self, name: str) -> bool:
        workload = self.world.workload_named(CNI_WORKLOAD)
        if workload is None:
            return True
        return any(
            is_ready(p) and p["spec"].get("nodeName") == name for p in self.world.pods_of(workload)
        )

    def _set_ready(self, current: dict[str, object], ready: bool) -> None:
        world = self.world
        cond = condition(current, "Ready")
        if cond is not None and (cond.get("status") == "True") == ready:
            return
        status = copy.deepcopy(current["status"])
        assert isinstance(status, dict)
        now = world.ts()
        status["conditions"] = node_conditions(ready, now, now)
        stored = world.update(kinds.NODE, current, status=status)
        name = stored["metadata"]["name"]
        if ready:
            world.emit(stored, "NodeReady", f"Node {name} status is now: NodeReady", host=name)
        else:
            world.emit(
                stored, "NodeNotReady", f"Node {name} status is now: NodeNotReady", host=name
            )

    def forget(self, name: str) -> None:
        """A reset machine: its Node and the pods bound to it disappear."""
        store = self.world.store
        for pod in store.list(kinds.POD):
            if pod["spec"].get("nodeName") == name:
                store.remove(kinds.POD, pod["metadata"]["namespace"], pod["metadata"]["name"])
        store.remove(kinds.NODE, "", name)
