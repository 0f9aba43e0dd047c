"""API load in steady state: requests a minute to the API server once the product watches a
built cluster, against `watch kubectl get pods -A` (one run every 2 s).

The simulated cluster runs in its own process with its controllers on (speed 1: a live cluster,
as after a rebuild); its API server counts every request it serves, by verb and resource. The
product side is the engine's `KubeBackend` plus the engine's own cluster observer (the engine
runs a stage that only waits, as during a long wait of the procedure). Start-up (one list and
one watch per kind) is excluded: counting starts once every watch is open.

The anchor is measured, not assumed: real kubectl runs `get pods -A` a few times (its
discovery cache warm, as under `watch`), and the requests of one run times 30 gives the
per-minute figure of `watch -n 2`.
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time

from bench.common import KUBECTL, emit_result, scratch
from bench.simproc import SimProcess
from bench.stubs import BenchStage, NullHttp, bench_profile, holding_until
from vixens_tui.backends.kube import KubeBackend
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends

WATCHED = 7
"""Kinds the backend watches (nodes, pods, namespaces, applications, certificates,
clusterissuers, persistentvolumeclaims)."""


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in sorted(after) if after[k] != before.get(k, 0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    work = scratch("apiload")
    kubeconfig = work / "kubeconfig"
    with SimProcess(kubeconfig, controllers="on") as sim:
        cluster = KubeBackend(kubeconfig)
        backends = Backends(terraform=None, cluster=cluster, http=NullHttp())  # type: ignore[arg-type]
        release = threading.Event()

        engine = Engine(
            bench_profile(),
            backends,
            EnvState(work / "state", "dev").ensure(),
            AutoDecider(yes=True),
            lambda event: None,
            stages={StageName.VALIDATE: BenchStage(StageName.VALIDATE, holding_until(release))},
        )
        request = RunRequest(plan=(StageName.VALIDATE,))
        thread = threading.Thread(target=lambda: engine.run(request, engine.prepare(request)))
        started = sim.call("counts")["counts"]
        thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            counts = sim.call("counts")["counts"]
            opened = delta(started, counts)
            if sum(v for k, v in opened.items() if k.startswith("watch ")) >= WATCHED:
                break
            time.sleep(0.1)
        time.sleep(1.0)
        startup = delta(started, sim.call("counts")["counts"])
        before = sim.call("counts")
        time.sleep(args.seconds)
        after = sim.call("counts")
        window = after["t"] - before["t"]
        steady = delta(before["counts"], after["counts"])
        release.set()
        thread.join(10)
        cluster.stop()
        # -- the anchor: kubectl get pods -A, discovery cache warm ----------------------------
        cache = work / "kubecache"
        argv = [
            str(KUBECTL),
            "--kubeconfig",
            str(kubeconfig),
            "--cache-dir",
            str(cache),
            "get",
            "pods",
            "-A",
        ]
        subprocess.run(argv, capture_output=True, check=True)  # fills the discovery cache
        runs = 5
        k0 = sim.call("counts")["counts"]
        for _ in range(runs):
            subprocess.run(argv, capture_output=True, check=True)
        per_run = delta(k0, sim.call("counts")["counts"])
    total = sum(steady.values())
    per_minute = total * 60 / window
    kubectl_per_run = sum(per_run.values()) / runs
    emit_result(
        {
            "window_s": round(window, 1),
            "watched_kinds": WATCHED,
            "startup_requests": startup,
            "steady_requests": steady,
            "steady_per_minute": round(per_minute, 2),
            "steady_per_kind_per_minute": round(per_minute / WATCHED, 3),
            "kubectl_get_pods_requests_per_run": round(kubectl_per_run, 2),
            "kubectl_requests_by_kind_per_run": {k: v / runs for k, v in per_run.items()},
            "watch_kubectl_every_2s_per_minute": round(kubectl_per_run * 30, 1),
        }
    )


if __name__ == "__main__":
    main()
