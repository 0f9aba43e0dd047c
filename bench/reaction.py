"""Reaction latency: from the cluster making a condition true to the engine's wait returning.

The simulated cluster runs in its own process (bench.simproc, controllers stopped so only the
benchmark changes it) and is changed by writing its store directly. The client side is the
product's: `KubeBackend` (list + watch over HTTPS with the official client) and the engine's own
`core.waits.wait_for` on a real `StageContext`. One trial:

1. make the condition false (node NotReady, app OutOfSync; for a pod: the new name does not
   exist yet) and wait until the backend's snapshot shows it;
2. start `wait_for(ctx, ...)` in a thread and wait until it reports `Waiting` (it is blocked);
3. make the condition true in the simulator, which answers with the monotonic time of the write;
4. latency = the time `wait_for` returned minus the time of the write.

Baselines, in the same run, on the same kind of change (a pod appearing): a 2 s poller (real
kubectl `get pods -A` every 2 s, as `watch kubectl get pods -A` or k9s's refresh would see it)
against the watch (`KubeBackend.wait_for_change`), both timing the very same pod creations.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import KUBECTL, emit_result, scratch, summary
from bench.simproc import SimProcess
from vixens_tui.backends.kube import KubeBackend
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.events import Event, Waiting
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile import load_profile
from vixens_tui.core.redact import Redactor
from vixens_tui.core.waits import wait_for

POLL_PERIOD_S = 2.0
MANUAL_WAITS = {
    "repo-server restart (procedure: 'Attendre 30 secondes')": 30.0,
    "cert-manager deploy (procedure: 'Attendre 2-3 minutes'), low": 120.0,
    "cert-manager deploy (procedure: 'Attendre 2-3 minutes'), high": 180.0,
}


def until(backend: KubeBackend, predicate: Callable[[ClusterSnapshot], bool], timeout: float = 10):
    deadline = time.monotonic() + timeout
    snap = backend.snapshot()
    while not predicate(snap):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"not seen in {timeout}s: {snap.summary()}")
        snap = backend.wait_for_change(snap.version, left)
    return snap


class Trials:
    def __init__(self, sim: SimProcess, backend: KubeBackend, ctx_factory: Callable[..., Any]):
        self.sim = sim
        self.backend = backend
        self.make_ctx = ctx_factory

    def one(
        self,
        what: str,
        condition: Callable[[ClusterSnapshot], tuple[bool, str]],
        make_true: Callable[[], float],
    ) -> float:
        waiting = threading.Event()
        done: dict[str, float] = {}

        def emit(event: Event) -> None:
            if isinstance(event, Waiting):
                waiting.set()

        ctx = self.make_ctx(emit)

        def run() -> None:
            wait_for(ctx, what, condition, timeout_s=10.0)
            done["t"] = time.monotonic()

        thread = threading.Thread(target=run, name="bench-wait")
        thread.start()
        if not waiting.wait(5):
            raise RuntimeError(f"wait_for did not start waiting for {what}")
        time.sleep(random.uniform(0.0, 0.01))
        t0 = make_true()
        thread.join(15)
        if "t" not in done:
            raise RuntimeError(f"wait_for never returned for {what}")
        return done["t"] - t0


def run_trials(sim: SimProcess, backend: KubeBackend, trials: int, state: EnvState) -> dict:
    profile = load_profile("dev")
    backends = Backends(terraform=None, cluster=backend, http=None)  # type: ignore[arg-type]
    engine = Engine(profile, backends, state, AutoDecider(yes=True), lambda e: None)
    checkpoint = engine.prepare(RunRequest(plan=(StageName.ARGOCD_SYNC,)))
    cancel = CancelToken()

    def make_ctx(emit: Callable[[Event], None]) -> StageContext:
        return StageContext(
            profile=profile,
            backends=backends,
            stage=StageName.ARGOCD_SYNC,
            attempt=1,
            cancel=cancel,
            run=checkpoint,
            redactor=Redactor(),
            emit_raw=emit,
            confirm_destroy=lambda preview: False,
        )

    t = Trials(sim, backend, make_ctx)
    nodes = [n.name for n in profile.nodes]
    apps = [a.name for a in profile.apps][:6]
    results: dict[str, list[float]] = {"node Ready": [], "app Synced": [], "pod replaced": []}
    current_pod: list[str] = [""]
    sim.call("replace_pod", namespace="bench-react", old=None, new="bench-react-00000")
    current_pod[0] = "bench-react-00000"
    until(backend, lambda s: any(p.name == current_pod[0] for p in s.pods_in("bench-react")))

    for i in range(trials):
        # -- a node goes Ready --
        node = nodes[i % len(nodes)]
        sim.call("node_ready", name=node, ready=False)
        until(backend, lambda s, n=node: s.node(n) is not None and not s.node(n).ready)

        def node_ready(s: ClusterSnapshot, n: str = node) -> tuple[bool, str]:
            info = s.node(n)
            return (info is not None and info.ready), f"{n} not Ready"

        results["node Ready"].append(
            t.one(
                f"node {node} Ready",
                node_ready,
                lambda n=node: sim.call("node_ready", name=n, ready=True)["t"],
            )
        )
        # -- an app becomes Synced --
        app = apps[i % len(apps)]
        sim.call("app_sync", name=app, sync="OutOfSync")
        until(backend, lambda s, a=app: s.app(a) is not None and s.app(a).sync == "OutOfSync")

        def app_synced(s: ClusterSnapshot, a: str = app) -> tuple[bool, str]:
            info = s.app(a)
            return (info is not None and info.sync == "Synced"), f"{a} not Synced"

        results["app Synced"].append(
            t.one(
                f"app {app} Synced",
                app_synced,
                lambda a=app: sim.call("app_sync", name=a, sync="Synced")["t"],
            )
        )
        # -- a deleted pod's replacement appears (and is ready) --
        old, new = current_pod[0], f"bench-react-{i + 1:05d}"

        def replaced(s: ClusterSnapshot, o: str = old, n: str = new) -> tuple[bool, str]:
            pods = s.pods_in("bench-react")
            ok = any(p.name == n and p.is_ready for p in pods) and all(p.name != o for p in pods)
            return ok, f"{n} not Running"

        results["pod replaced"].append(
            t.one(
                "the replacement pod",
                replaced,
                lambda o=old, n=new: sim.call("replace_pod", namespace="bench-react", old=o, new=n)[
                    "t"
                ],
            )
        )
        current_pod[0] = new
    out = {k: summary(v, 1000, 2) for k, v in results.items()}
    everything = [x for v in results.values() for x in v]
    out["all"] = summary(everything, 1000, 2)
    return out


def poll_vs_watch(sim: SimProcess, backend: KubeBackend, kubeconfig: Path, seconds: float) -> dict:
    """Pods created at random moments; when does each side first see each of them?"""
    env_dir = kubeconfig.parent / "kubecache"
    stop = threading.Event()
    poll_seen: dict[str, float] = {}
    watch_seen: dict[str, float] = {}
    kubectl_s: list[float] = []

    def poller() -> None:
        # `watch -n 2 kubectl get pods -A`: run, show, sleep 2 s, again.
        while not stop.is_set():
            began = time.monotonic()
            out = subprocess.run(
                [
                    str(KUBECTL),
                    "--kubeconfig",
                    str(kubeconfig),
                    "--cache-dir",
                    str(env_dir),
                    "get",
                    "pods",
                    "-A",
                    "-o",
                    "name",
                ],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            ended = time.monotonic()
            kubectl_s.append(ended - began)
            for line in out.splitlines():
                name = line.strip().removeprefix("pod/")
                if name.startswith("bench-poll-"):
                    poll_seen.setdefault(name, ended)
            stop.wait(POLL_PERIOD_S)

    def watcher() -> None:
        snap = backend.snapshot()
        while not stop.is_set():
            snap = backend.wait_for_change(snap.version, 0.5)
            now = time.monotonic()
            for pod in snap.pods_in("bench-poll"):
                watch_seen.setdefault(pod.name, now)

    threads = [threading.Thread(target=poller), threading.Thread(target=watcher)]
    for th in threads:
        th.start()
    time.sleep(0.5)
    created: dict[str, float] = {}
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        name = f"bench-poll-{i:05d}"
        created[name] = sim.call("replace_pod", namespace="bench-poll", old=None, new=name)["t"]
        i += 1
        time.sleep(random.uniform(0.05, 0.35))
    time.sleep(POLL_PERIOD_S + 1.0 + max(kubectl_s or [0.5]))
    stop.set()
    for th in threads:
        th.join(10)
    poll = [poll_seen[n] - t for n, t in created.items() if n in poll_seen]
    watch = [watch_seen[n] - t for n, t in created.items() if n in watch_seen]
    mean_kubectl = sum(kubectl_s) / max(1, len(kubectl_s))
    cycle = POLL_PERIOD_S + mean_kubectl
    return {
        "pods_created": len(created),
        "poll_2s": summary(poll, 1000, 1),
        "poll_missed": len(created) - len(poll),
        "watch_same_pods": summary(watch, 1000, 2),
        "kubectl_get_pods_s": summary(kubectl_s, 1, 3),
        # A change lands uniformly in a cycle of (2 s + kubectl's run) and is seen when the
        # next kubectl run ends: mean = cycle / 2 + run, p95 = 0.95 cycle + run.
        "poll_2s_computed_ms": {
            "mean": round((cycle / 2 + mean_kubectl) * 1000, 1),
            "p95": round((0.95 * cycle + mean_kubectl) * 1000, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=120)
    parser.add_argument("--poll-seconds", type=float, default=24.0)
    args = parser.parse_args()
    work = scratch("reaction")
    kubeconfig = work / "kubeconfig"
    with SimProcess(kubeconfig) as sim:
        backend = KubeBackend(kubeconfig)
        backend.start()
        until(
            backend,
            lambda s: s.reachable and {"nodes", "pods", "applications"} <= s.synced_kinds,
            20,
        )
        time.sleep(0.5)  # the watches are open (the lists come first)
        state = EnvState(work / "state", "dev").ensure()
        trials = run_trials(sim, backend, args.trials, state)
        baseline = poll_vs_watch(sim, backend, kubeconfig, args.poll_seconds)
        backend.stop()
    emit_result(
        {
            "trials_per_kind": args.trials,
            "engine_wait_for_ms": trials,
            "baseline": baseline,
            "manual_waits_s": MANUAL_WAITS,
        }
    )


if __name__ == "__main__":
    main()
