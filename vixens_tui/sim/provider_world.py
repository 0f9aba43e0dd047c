"""The demo's simulated world as Terraform meets it: the cluster on its loopback network, the
six providers of the user's configuration served to Terraform (reattached), and the tools its
provisioners call (talosctl, kubectl) on PATH.

The daemon (daemon.py) builds one per demo; tests build one in-process. `terraform_env()` is
the environment every Terraform command of the demo runs with.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from vixens_tui.core.checkpoint.files import atomic_write
from vixens_tui.core.ports import TALOS_PORT
from vixens_tui.core.profile import Profile
from vixens_tui.sim.addresses import DemoNetwork, NodeAddresses, pick_network
from vixens_tui.sim.apiserver.kinds import KINDS
from vixens_tui.sim.cluster import ScenarioName, SimCluster
from vixens_tui.sim.demo_repo import ENV_DIR
from vixens_tui.sim.faults import ETCD_SNAPSHOT_FAILED, NODE_RESET_FAILED
from vixens_tui.sim.providers.backplane import Backplane
from vixens_tui.sim.providers.helm import HelmProvider
from vixens_tui.sim.providers.host import ProviderHost
from vixens_tui.sim.providers.kubectl import KubectlProvider
from vixens_tui.sim.providers.kubernetes import KubernetesProvider
from vixens_tui.sim.providers.local import LocalProvider
from vixens_tui.sim.providers.null import NullProvider
from vixens_tui.sim.providers.talos import TalosProvider
from vixens_tui.sim.talos_node import (
    EtcdRecovery,
    Mode,
    NodeFacts,
    TalosNodeServer,
    with_integrity_hash,
)
from vixens_tui.sim.versions import BuiltVersions

REACHED = "reached.json"
"""Every address a provider was given, for the loopback proof (written as they come)."""


class ProviderWorld:
    def __init__(
        self,
        profile: Profile,
        workspace: Path,
        *,
        faults: tuple[str, ...] = (),
        speed: float = 1.0,
        scenario: ScenarioName = "built",
        seed: int | None = None,
    ) -> None:
        self.workspace = Path(workspace)
        self.repo = self.workspace / "repo"
        self.tf_dir = self.repo.joinpath(*ENV_DIR.parts)
        names = [n.name for n in profile.nodes]
        network, bound = pick_network(names)
        self.network: DemoNetwork = network
        self.sim = SimCluster(
            network.sim_profile(profile),
            faults=faults,
            speed=speed,
            scenario=scenario,
            seed=seed,
            host=network.vip,
            port=6443,
            # What the user's configuration builds, not what the profile expects: the
            # checklist compares the two.
            versions=BuiltVersions.of_repository(),
            # VIP:6443 stays bound from the choice of the network to the API's start: closed
            # in between, a demo starting beside this one could take the same address (seen
            # once, as "Address already in use" in the daemon).
            api_socket=bound,
        )
        self.plane: Backplane | None = None
        self.host: ProviderHost | None = None
        self.talos_nodes: list[TalosNodeServer] = []
        self.recoveries: dict[str, EtcdRecovery] = {}
        """Each control plane's etcd recovery (`talosctl bootstrap --recover-from`)."""

    def start(self) -> ProviderWorld:
        self.sim.start()
        plane = Backplane(self.sim, self.network, on_reach=self._record_reached)
        self.sim.world.root_by_terraform = True
        workdir = self.tf_dir
        self.plane = plane
        self.host = ProviderHost(
            [
                TalosProvider(plane, workdir),
                HelmProvider(plane, workdir),
                KubectlProvider(workdir, on_host=plane.reach),
                KubernetesProvider(workdir),
                LocalProvider(workdir),
                NullProvider(workdir),
            ],
            # Not in the workspace: a unix socket's path has 107 bytes at most, and a
            # workspace path can be longer (the tests' are). A private directory of its own.
            Path(tempfile.mkdtemp(prefix="vixens-providers-")),
        ).start()
        self._write_tools()
        self.talos_nodes = [self._talos_node(n).start() for n in self.network.nodes]
        return self

    def _talos_node(self, node: NodeAddresses) -> TalosNodeServer:
        """The node's Talos API on its three addresses, port 50000, as the machine is."""
        sim = self.sim
        world = sim.world
        name = node.name

        def mode() -> Mode:
            with world.store.lock:
                machine = world.life.machines.get(name)
                if machine is None or machine.state == "maintenance":
                    return "maintenance"
                # Configured: it installs to disk and reboots until ready_at, its API down.
                return "down" if world.clock.now() < machine.ready_at else "installed"

        def members() -> list[str]:
            with world.store.lock:
                if world.life.bootstrap_at is None:
                    return []
                return [n for n, m in world.life.machines.items() if m.state != "maintenance"]

        def snapshot() -> bytes:
            # What etcd holds, as far as the simulation has it: the API server's objects,
            # ending as an etcd snapshot ends, with the SHA-256 of the rest.
            with world.store.lock:
                objects = [o for kind in KINDS for o in world.store.list(kind)]
            return with_integrity_hash(json.dumps(objects, sort_keys=True, default=str).encode())

        def reset() -> None:
            sim.scenario.hook("node-reset", [name])

        refused: list[str] = []
        role = next(n.role for n in world.profile.nodes if n.name == name)

        def reset_refusal() -> str:
            # The `node-reset-failed` fault: the last node's first reset does not get through,
            # as when the node cannot be reached on the routed VLAN at that moment (talosctl's
            # dial error); a second reset, the product's fix, does.
            with world.store.lock:
                if refused or not world.fault(NODE_RESET_FAILED):
                    return ""
                if name != world.profile.nodes[-1].name:
                    return ""
                refused.append(name)
            return (
                'connection error: desc = "transport: Error while dialing: dial tcp '
                f'{node.services}:{TALOS_PORT}: i/o timeout"'
            )

        recovery = self.recoveries.setdefault(name, EtcdRecovery())

        def bootstrap(recover: bool, skip_hash: bool) -> str:
            # `talosctl bootstrap [--recover-from]` on this node: etcd starts as the talos
            # provider's bootstrap starts it (the scenario's hook), from the uploaded snapshot
            # when asked. The simulation does not put the snapshot's objects back.
            refusal = recovery.refusal(recover, skip_hash)
            if refusal:
                return refusal
            if name != sim.catalog.bootstrap_node():
                return f"the simulated cluster bootstraps etcd on {sim.catalog.bootstrap_node()}"
            result = sim.scenario.hook("bootstrap", [])
            if result.rc:
                return result.stderr
            if recover:
                recovery.recovered()
            return ""

        addresses: tuple[str, ...] = (node.internal, node.maintenance, node.services)
        if name == sim.catalog.bootstrap_node():
            # Talos's shared VIP (the talosconfig's endpoint) is held by one control plane.
            addresses += (self.network.vip,)
        facts = NodeFacts(
            name=name,
            addresses=addresses,
            mode=mode,
            talos_version=lambda: sim.catalog.versions.talos,
            etcd_members=members,
            snapshot=snapshot,
            on_reset=reset,
            reset_refusal=reset_refusal,
            snapshot_refusal=lambda: (
                "etcdserver: request timed out" if world.fault(ETCD_SNAPSHOT_FAILED) else ""
            ),
            control_plane=role == "control-plane",
            on_recover_upload=recovery.upload,
            on_bootstrap=bootstrap,
        )
        return TalosNodeServer(facts, sim.ca_pem, sim.ca_key_pem)

    def stop(self) -> None:
        for node in self.talos_nodes:
            node.stop()
        self.talos_nodes = []
        if self.host is not None:
            self.host.stop()
            shutil.rmtree(self.host.directory, ignore_errors=True)
            self.host = None
        self.sim.stop()

    def _record_reached(self, reached: set[str]) -> None:
        atomic_write(self.workspace / REACHED, json.dumps(sorted(reached)).encode())

    @property
    def bin_dir(self) -> Path:
        return self.workspace / "bin"

    def _write_tools(self) -> None:
        """talosctl on PATH: this package's simulated one, run by this Python."""
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        script = self.bin_dir / "talosctl"
        script.write_text(
            "#!/bin/sh\n"
            # The simulated world's talosctl is of its Talos release.
            f"VIXENS_SIM_TALOS_VERSION={shlex.quote(self.sim.catalog.versions.talos)} "
            f'exec {shlex.quote(sys.executable)} -m vixens_tui.sim.talosctl "$@"\n'
        )
        script.chmod(0o700)  # the workspace is private (0700 directories, 0600 files)

    def terraform_env(self) -> dict[str, str]:
        """Terraform's environment: the providers to reattach, the control channel, and a PATH
        with talosctl and this venv's kubectl first."""
        assert self.host is not None, "start() first"
        path = os.pathsep.join(
            [str(self.bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
        )
        return {
            **self.sim.hook_env(),
            **self.host.reattach_env(),
            "VIXENS_SIM_NETWORK": json.dumps(self.network.to_json()),
            "PATH": path,
        }

    def info(self) -> dict[str, Any]:
        """What the product needs to reach this world (daemon.py writes it to sim.json)."""
        sim = self.sim
        return {
            "pid": os.getpid(),
            "api_url": sim.api_url,
            "control_url": sim.control_url,
            "http_url": sim.http_url,
            "token": sim.token,
            "ca_pem": sim.ca_pem.decode(),
            "http_checks": [json.loads(c.model_dump_json()) for c in sim.demo_http_checks()],
            "terraform_env": self.terraform_env(),
            "network": self.network.to_json(),
            "terraform_dir": str(self.tf_dir),
            "faults": list(sim.faults.names()),
            "speed": sim.speed,
        }
