"""`vixens-tui sim`: serve the simulated cluster in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from vixens_tui.core.profile import Profile
from vixens_tui.sim.cluster import ScenarioName, SimCluster
from vixens_tui.sim.faults import FaultError


def serve(
    profile: Profile,
    *,
    port: int = 0,
    kubeconfig_out: Path | None = None,
    faults: Sequence[str] = (),
    speed: float = 1.0,
    scenario: ScenarioName = "built",
) -> int:
    """Run the simulator; returns the exit code (0 after Ctrl-C, 2 for bad arguments)."""
    try:
        cluster = SimCluster(profile, faults=faults, speed=speed, scenario=scenario, port=port)
    except (FaultError, ValueError) as exc:
        print(f"vixens-tui sim: {exc}", file=sys.stderr)
        return 2
    try:
        cluster.start()
    except OSError as exc:
        print(
            f"vixens-tui sim: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()
    previous: dict[int, object] = {}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Outside the main thread signal() fails: Ctrl-C then arrives as KeyboardInterrupt.
            with contextlib.suppress(ValueError):
                previous[signum] = signal.signal(signum, on_signal)
        path = Path(kubeconfig_out or Path.cwd() / f"kubeconfig-sim-{profile.name}").resolve()
        cluster.write_kubeconfig(path)
        env = cluster.hook_env()
        names = ", ".join(cluster.faults.names()) or "none"
        print(
            f"Simulated cluster {cluster.catalog.cluster_name}: scenario {scenario}, speed {speed:g}, faults: {names}"
        )
        print(f"  API server:  {cluster.api_url} (Kubernetes {profile.kubernetes_version})")
        print(f"  kubeconfig:  {path}")
        print(f"  try:         kubectl --kubeconfig {path} get nodes")
        print(
            f"               export KUBECONFIG={path}; kubectl get applications -n {profile.argocd.namespace}"
        )
        if scenario == "rebuild":
            print(
                "  The cluster is destroyed: its API refuses connections until a rebuild runs, e.g."
            )
            print(
                "               python -m vixens_tui.sim.hook talos-config NODE ... bootstrap, cilium-install, argocd-install"
            )
        print(
            f"  hooks:       VIXENS_SIM_CONTROL={env['VIXENS_SIM_CONTROL']} VIXENS_SIM_TOKEN={env['VIXENS_SIM_TOKEN']}"
        )
        for check in cluster.demo_http_checks():
            print(
                f"  http check:  {check.name}: {check.method} {check.url} (Host: {check.headers.get('Host', '')})"
            )
        print("Ctrl-C stops it.", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        cluster.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
    print("Simulated cluster stopped.", flush=True)
    return 0
