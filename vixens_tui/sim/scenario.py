"""The scenario driver: the cluster's life over simulated time, and the actions that change it.

The actions are what Terraform's provisioners do to the real cluster (the hook contract, see
hook.py): configure Talos on a node, bootstrap etcd, write the kubeconfig and talosconfig,
install and uninstall the Cilium and Argo CD releases, reset a node, destroy the cluster. Each
returns the lines the real phase prints and how long it takes; the cluster then lives on by
itself in `tick()` (nodes join, pods start, Argo CD syncs, certificates are issued).

`build()` fast-forwards a whole successful rebuild (the `built` scenario), backdating the
objects so they look like a cluster rebuilt three-quarters of an hour ago.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.argocd import ArgoController
from vixens_tui.sim.certmanager import CertManagerController
from vixens_tui.sim.clock import Clock
from vixens_tui.sim.conditions import condition
from vixens_tui.sim.crds import CRDController
from vixens_tui.sim.faults import CILIUM_DESTROY_TIMEOUT
from vixens_tui.sim.nodes import NodeController
from vixens_tui.sim.owners import OwnerController
from vixens_tui.sim.workloads import PodController, VolumeController
from vixens_tui.sim.world import BASE_NAMESPACES, Life, Machine, World

Obj = dict[str, Any]
log = logging.getLogger(__name__)

BUILT_AGE_S = 45 * 60.0
ROOT_CA = "kube-root-ca.crt"
# The demo's own secret file holds this very value (sim/demo.py, DEMO_GANDI_TOKEN): the
# cluster before a rebuild holds the Secret applied from the files the rebuild applies again.
SIM_GANDI_TOKEN = "demo-gandi-token-not-a-real-secret"
SIM_CLIENT_INFO = (
    '---\nclients:\n  - host: "192.168.111.69"\n    port: 5000\n    https: false\n'
    '    username: "talos-csi"\n    password: "simulated-password"\n'
)

# action name -> number of arguments
ACTIONS: dict[str, int] = {
    "talos-config": 1,
    "bootstrap": 0,
    "kubeconfig": 1,
    "talosconfig": 1,
    "cilium-install": 0,
    "argocd-install": 0,
    "cilium-uninstall": 0,
    "argocd-uninstall": 0,
    "node-reset": 1,
    "cluster-destroy": 0,
    "remove": 1,
}


@dataclass(frozen=True, slots=True)
class HookResult:
    """What a hook action prints, how long it takes, how it ends (see hook.py)."""

    lines: tuple[str, ...] = ()
    sim_s: float = 0.0
    rc: int = 0
    stderr: str = ""
    write: str | None = None
    """Content for the file named by the action's argument (kubeconfig, talosconfig)."""
    remove: bool = False
    """Delete the file named by the action's argument."""

    def wire(self, clock: Clock) -> dict[str, Any]:
        body: dict[str, Any] = {
            "lines": list(self.lines),
            "sleep_s": round(clock.real(self.sim_s), 3),
            "rc": self.rc,
            "stderr": self.stderr,
        }
        if self.write is not None:
            body["write"] = self.write
        if self.remove:
            body["remove"] = True
        return body


def usage_error(message: str) -> HookResult:
    return HookResult(rc=2, stderr=message)


@dataclass
class FileMakers:
    kubeconfig: Callable[[], str]
    talosconfig: Callable[[], str]


@dataclass
class Scenario:
    world: World
    files: FileMakers
    on_api: Callable[[bool], None]
    tick_s: float | None = None
    """Real seconds between two passes of the controllers; by default about one simulated
    second, kept between 50 ms (fast tests and demos: at speed 200 a pass covers 10 simulated
    seconds, finer than any wait of the procedure) and 100 ms (a demo at speed 1 stays cheap).
    Each pass costs about a millisecond of CPU even when nothing changes: 20 ms was 5 % of a
    core for every simulated cluster alive, in the demo's daemon and in the tests."""
    _api_state: bool | None = field(default=None, init=False)
    _api_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        self.nodes = NodeController(self.world)
        self.pods = PodController(self.world)
        self.owners = OwnerController(self.world, self.pods)
        self.volumes = VolumeController(self.world)
        self.argocd = ArgoController(self.world)
        self.certs = CertManagerController(self.world)
        self.crds = CRDController(self.world)

    # -- time ------------------------------------------------------------------------------

    def tick(self) -> None:
        world = self.world
        with world.store.lock:
            now = world.clock.now()
            self._step(now)
            up = world.api_should_be_up(now)
        self._apply_api(up)

    def _step(self, now: float) -> None:
        life = self.world.life
        if life.api_up_at is not None and now >= life.api_up_at and not life.seeded:
            self._seed()
        self._publish_root_ca()
        self.nodes.reconcile(now)
        self.pods.reconcile(now)
        self.owners.reconcile(now)
        self.volumes.reconcile(now)
        self.argocd.reconcile(now)
        self.certs.reconcile(now)
        self.crds.reconcile(now)

    def _apply_api(self, up: bool) -> None:
        with self._api_lock:
            if up != self._api_state:
                self.on_api(up)
                self._api_state = up

    def sync_api(self) -> None:
        with self.world.store.lock:
            up = self.world.api_should_be_up(self.world.clock.now())
        self._apply_api(up)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sim-scenario", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        speed = self.world.clock.speed
        tick_s = self.tick_s if self.tick_s is not None else min(0.1, max(0.05, 1.0 / speed))
        while not self._stop.wait(tick_s):
            try:
                self.tick()
            except Exception:
                # A bug in one controller must not freeze the whole cluster: say it, go on.
                log.exception("simulated cluster: tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- the cluster's birth and death -----------------------------------------------------

    def _seed(self) -> None:
        """What a fresh control plane creates: the base namespaces and `kubernetes` Service."""
        world = self.world
        for name in BASE_NAMESPACES:
            world.ensure_namespace(name)
        if world.store.get(kinds.SERVICE, "default", "kubernetes") is None:
            world.resources.create(
                kinds.SERVICE,
                "default",
                {
                    "metadata": {
                        "name": "kubernetes",
                        "labels": {"component": "apiserver", "provider": "kubernetes"},
                    },
                    "spec": {
                        "clusterIP": "10.96.0.1",
                        "ports": [{"name": "https", "port": 443, "targetPort": 6443}],
                    },
                },
            )
        world.life.seeded = True

    def _publish_root_ca(self) -> None:
        """kube-controller-manager's root CA publisher: `kube-root-ca.crt` in every namespace."""
        world = self.world
        if not world.life.seeded:
            return
        for ns in world.store.list(kinds.NAMESPACE):
            name = ns["metadata"]["name"]
            if ns.get("status", {}).get("phase") == "Active" and not world.configmap_exists(
                name, ROOT_CA
            ):
                world.resources.create(
                    kinds.CONFIGMAP,
                    name,
                    {"metadata": {"name": ROOT_CA}, "data": {"ca.crt": world.ca_pem}},
                )

    def _new_life(self) -> None:
        """A new etcd: nothing of the previous cluster survives but the machines."""
        world = self.world
        old = world.life
        world.life = Life(old.machines, generation=old.generation + 1)
        world.store.wipe()

    # -- actions ---------------------------------------------------------------------------

    def hook(self, action: str, args: list[str]) -> HookResult:
        """Run one hook action (the control server calls this for `python -m ...hook`)."""
        expected = ACTIONS.get(action)
        if expected is None:
            return usage_error(f"unknown action {action!r}; actions: {', '.join(ACTIONS)}")
        if len(args) != expected:
            return usage_error(f"{action} takes {expected} argument(s), got {len(args)}")
        handler = getattr(self, "_" + action.replace("-", "_"))
        with self.world.store.lock:
            result: HookResult = handler(self.world.clock.now(), *args)
        self.sync_api()
        return result

    def _endpoint(self) -> tuple[str, int]:
        url = self.world.profile.api_endpoint
        return url.host or "127.0.0.1", url.port or 6443

    def _unreachable(self) -> HookResult:
        host, port = self._endpoint()
        return HookResult(
            rc=1,
            stderr=(
                f'Error: Kubernetes cluster unreachable: Get "https://{host}:{port}/version": '
                f"dial tcp {host}:{port}: connect: connection refused"
            ),
            sim_s=2.0,
        )

    def _talos_config(self, now: float, node: str) -> HookResult:
        world = self.world
        machine = world.life.machines.get(node)
        if machine is None:
            known = ", ".join(world.life.machines)
            return HookResult(
                rc=1,
                stderr=f"error applying machine configuration: unknown node {node!r} (nodes: {known})",
            )
        ip = world.catalog.node_ip(node)
        lines = [f"Applying Talos machine configuration to {node} ({ip})"]
        if machine.state == "maintenance":
            duration = world.jitter(world.timings.talos_config_s, 0.15)
            world.life.machines[node] = Machine("running", now + duration)
            talos = world.catalog.versions.talos
            lines += [
                f"{node}: installing Talos {talos} to /dev/sda",
                f"{node}: rebooting into the installed system",
                f"{node}: machine configuration applied (controlplane)",
            ]
            return HookResult(tuple(lines), duration)
        lines.append(f"{node}: configuration unchanged, no reboot needed")
        return HookResult(tuple(lines), 1.0)

    def _bootstrap(self, now: float) -> HookResult:
        world = self.world
        node = world.catalog.bootstrap_node()
        machine = world.life.machines[node]
        ip = world.catalog.node_ip(node)
        first = f"Bootstrapping etcd on {node} ({ip})"
        if machine.state == "maintenance":
            return HookResult(
                (first,),
                2.0,
                rc=1,
                stderr=(
                    f"error bootstrapping etcd on {node}: rpc error: code = FailedPrecondition desc = "
                    "the machine is in maintenance mode: apply a machine configuration first"
                ),
            )
        if world.life.bootstrap_at is not None:
            return HookResult((first, f"{node}: etcd is already bootstrapped"), 1.0)
        start = max(now, machine.ready_at)
        self._new_life()
        life = world.life
        life.bootstrap_at = start
        life.api_up_at = start + world.jitter(world.timings.bootstrap_s, 0.1)
        endpoint = str(world.profile.api_endpoint).rstrip("/")
        lines = (
            first,
            f"{node}: etcd cluster bootstrapped, starting the control plane",
            f"Kubernetes {world.profile.kubernetes_version} API server is up at {endpoint}",
        )
        return HookResult(lines, life.api_up_at - now + 0.5)

    def _kubeconfig(self, now: float, path: str) -> HookResult:
        if self.world.life.bootstrap_at is None:
            return HookResult(
                rc=1, stderr="error reading the kubeconfig: the cluster is not bootstrapped"
            )
        name = self.world.catalog.cluster_name
        return HookResult(
            (f"Writing kubeconfig of {name} (context admin@{name}) to {path}",),
            0.5,
            write=self.files.kubeconfig(),
        )

    def _talosconfig(self, now: float, path: str) -> HookResult:
        name = self.world.catalog.cluster_name
        return HookResult(
            (f"Writing talosconfig of {name} to {path}",), 0.5, write=self.files.talosconfig()
        )

    def _cilium_install(self, now: float) -> HookResult:
        world = self.world
        life = world.life
        if life.bootstrap_at is None or life.api_up_at is None:
            return self._unreachable()
        version = world.catalog.versions.cilium_tag
        first = f"Installing Cilium {version} (helm release cilium)"
        if life.cni_at is not None:
            return HookResult((first, 'Release "cilium" is already deployed: no changes'), 1.0)
        start = max(now, life.api_up_at)
        life.cni_at = start
        lines = (
            first,
            "cilium: kubeProxyReplacement=true, l2announcements.enabled=true, hubble.relay.enabled=true",
            "Waiting for DaemonSet kube-system/cilium to be rolled out",
            'Release "cilium" has been installed. STATUS: deployed, REVISION: 1',
        )
        return HookResult(lines, (start - now) + world.jitter(world.timings.cilium_install_s, 0.1))

    def _argocd_install(self, now: float) -> HookResult:
        world = self.world
        life = world.life
        if life.bootstrap_at is None or life.api_up_at is None:
            return self._unreachable()
        start = max(now, life.api_up_at, life.cni_at or now)
        namespace = world.profile.argocd.namespace
        world.ensure_namespace(
            namespace,
            {"app.kubernetes.io/name": "argocd", "app.kubernetes.io/part-of": "vixens-gitops"},
        )
        chart = world.catalog.versions.argocd_chart
        first = f"Installing Argo CD chart {chart} (helm release argocd in {namespace})"
        if life.argocd_at is not None:
            return HookResult((first, 'Release "argocd" is already deployed: no changes'), 1.0)
        life.argocd_at = start
        argocd = world.profile.argocd
        lines = (
            first,
            "argo-cd: applying CRDs applications.argoproj.io, applicationsets.argoproj.io, appprojects.argoproj.io",
            f"Waiting for deployment {namespace}/argocd-server to be rolled out",
            'Release "argocd" has been installed. STATUS: deployed, REVISION: 1',
            f"Creating root application {argocd.root_app} (argocd/overlays/{world.profile.name} @ {argocd.revision})",
        )
        return HookResult(lines, (start - now) + world.jitter(world.timings.argocd_install_s, 0.1))

    def _argocd_uninstall(self, now: float) -> HookResult:
        life = self.world.life
        namespace = self.world.profile.argocd.namespace
        if life.argocd_at is None:
            return HookResult(('release "argocd" not found: nothing to uninstall',), 0.5)
        life.argocd_at = None
        lines = (
            f"Uninstalling Argo CD (helm release argocd in {namespace})",
            'release "argocd" uninstalled',
        )
        return HookResult(lines, self.world.timings.uninstall_s)

    def _cilium_uninstall(self, now: float) -> HookResult:
        world = self.world
        life = world.life
        first = "Uninstalling Cilium (helm release cilium in kube-system)"
        if world.fault(CILIUM_DESTROY_TIMEOUT):
            # Known issue 1: the CNI is half gone, so the API already is unreachable.
            life.blackout = True
            host, port = self._endpoint()
            return HookResult(
                (first,),
                world.timings.destroy_timeout_s,
                rc=1,
                stderr=f"Error: Error uninstalling release: dial tcp {host}:{port}: i/o timeout",
            )
        if life.cni_at is None:
            return HookResult(('release "cilium" not found: nothing to uninstall',), 0.5)
        life.cni_at = None
        return HookResult((first, 'release "cilium" uninstalled'), world.timings.uninstall_s)

    def _node_reset(self, now: float, node: str) -> HookResult:
        world = self.world
        if node not in world.life.machines:
            return HookResult(rc=1, stderr=f"error resetting node: unknown node {node!r}")
        ip = world.catalog.node_ip(node)
        world.life.machines[node] = Machine()
        self.nodes.forget(node)
        if not any(m.state == "running" for m in world.life.machines.values()):
            self._destroy_cluster()
        lines = (
            f"Resetting {node} ({ip}): wiping the STATE and EPHEMERAL partitions",
            f"{node}: rebooted into maintenance mode (reachable on the maintenance VLAN)",
        )
        return HookResult(lines, world.jitter(world.timings.node_reset_s, 0.1))

    def _destroy_cluster(self) -> None:
        self._new_life()

    def _cluster_destroy(self, now: float) -> HookResult:
        world = self.world
        endpoint = str(world.profile.api_endpoint).rstrip("/")
        self._destroy_cluster()
        return HookResult(
            (
                f"Destroying cluster {world.catalog.cluster_name}: etcd and the API server at {endpoint} are gone",
            ),
            2.0,
        )

    def _remove(self, now: float, path: str) -> HookResult:
        return HookResult((), 0.0, remove=True)

    # -- the built scenario ------------------------------------------------------------------

    def _advance(self, sim_seconds: float, step: float = 2.0) -> None:
        clock = self.world.clock
        elapsed = 0.0
        while elapsed < sim_seconds:
            clock.skip(step)
            elapsed += step
            with self.world.store.lock:
                self._step(clock.now())
                self._place_secrets()

    def _place_secrets(self) -> None:
        """What a rebuild that ended well leaves: the objects the profile applies (the product
        applied them from these same files), and any other Secret or ConfigMap a workload
        mounts (made by hand when the profile applies another object: else the cluster would
        never settle)."""
        world = self.world
        secrets = world.profile.secrets
        wanted = [
            (o.kind, o.namespace, o.name, o.key, value)
            for o, value in ((secrets.gandi, SIM_GANDI_TOKEN), (secrets.synology, SIM_CLIENT_INFO))
        ]
        for workload in world.catalog.workloads:
            mounted = workload.config_volume
            if mounted is not None:
                wanted.append(
                    (mounted.kind, workload.namespace, mounted.name, mounted.key, SIM_CLIENT_INFO)
                )
        for kind_name, namespace, name, key, value in wanted:
            kind = kinds.SECRET if kind_name == "Secret" else kinds.CONFIGMAP
            if not world.namespace_exists(namespace) or world.store.get(kind, namespace, name):
                continue
            body: Obj = {"metadata": {"name": name}}
            if kind_name == "Secret":
                body |= {"type": "Opaque", "stringData": {key: value}}
            else:
                body["data"] = {key: value}
            world.resources.create(kind, namespace, body)

    def stable(self) -> bool:
        """Everything runs: pods Ready, apps Synced/Healthy, certificates Ready."""
        world = self.world
        with world.store.lock:
            if not world.api_should_be_up(world.clock.now()):
                return False
            if not all(world.workload_ready(w) for w in world.catalog.workloads):
                return False
            namespace = world.profile.argocd.namespace
            for plan in world.catalog.apps:
                app = world.store.get(kinds.APPLICATION, namespace, plan.name)
                status = (app or {}).get("status", {})
                if (
                    status.get("sync", {}).get("status") != "Synced"
                    or status.get("health", {}).get("status") != "Healthy"
                ):
                    return False
            issuers = {i["metadata"]["name"] for i in world.store.list(kinds.CLUSTER_ISSUER)}
            for cert in world.store.list(kinds.CERTIFICATE):
                if cert.get("spec", {}).get("issuerRef", {}).get("name") not in issuers:
                    continue  # never issued: its ClusterIssuer does not exist (mail-gateway's)
                ready = condition(cert, "Ready")
                if not ready or ready.get("status") != "True":
                    return False
            return True

    def build(self, *, max_sim_s: float = 3600.0) -> None:
        """Fast-forward a successful rebuild, faults off, the way the procedure ends."""
        world = self.world
        world.faults_enabled = False
        world.clock.backdate(BUILT_AGE_S)
        try:
            durations = [self.hook("talos-config", [n.name]).sim_s for n in world.profile.nodes]
            self._advance(max(durations))
            for action in ("bootstrap", "cilium-install", "argocd-install"):
                self._advance(self.hook(action, []).sim_s)
            spent = 0.0
            while not self.stable() and spent < max_sim_s:
                self._advance(5.0)
                spent += 5.0
            if not self.stable():
                raise RuntimeError("the simulated cluster did not settle while building it")
            # A cluster this old has had its etcd history compacted many times over.
            world.store.compact()
        finally:
            world.clock.reset_wall()
            world.faults_enabled = True

    # -- introspection -----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        world = self.world
        with world.store.lock:
            life = world.life
            now = world.clock.now()
            return {
                "sim_time_s": round(now, 1),
                "api_up": world.api_should_be_up(now),
                "machines": {n: m.state for n, m in life.machines.items()},
                "bootstrapped": life.bootstrap_at is not None,
                "cilium": life.cni_at is not None,
                "argocd": life.argocd_at is not None,
                "deployed_apps": sorted(life.deployed_apps),
                "faults": list(world.faults.names()),
            }
