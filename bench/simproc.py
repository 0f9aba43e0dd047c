"""The simulated cluster in a process of its own, driven by JSON lines on stdin.

A real API server lives on another machine: running the simulator in the benchmark's own process
would make it share the GIL with the client it serves and inflate every latency. So the
benchmarks start `python -m bench.simproc`, read its "ready" line (the kubeconfig written), and
send commands that write the store directly, the way a controller would. Each reply carries
`t`, the `time.monotonic()` right after the write (CLOCK_MONOTONIC is one clock for every process
of the machine, so the client side can subtract its own readings from it).

Commands: node_ready, app_sync, replace_pod, add_pods, churn, churn_stats, counts, rss, quit.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import rss_mb
from vixens_tui.core.profile import load_profile
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

Obj = dict[str, Any]


class Controller:
    def __init__(self, sim: SimCluster) -> None:
        self.sim = sim
        self.store = sim.store
        self._template = self._pick_template()
        self._serial = 0
        self._churn: threading.Thread | None = None
        self._churn_stop = threading.Event()
        self.churned = 0
        self.churn_window = (0.0, 0.0)
        self.bench_pods: list[tuple[str, str]] = []

    def _pick_template(self) -> Obj:
        for pod in self.store.list(kinds.POD):
            if pod["status"].get("phase") == "Running" and pod["status"].get("containerStatuses"):
                return pod
        raise RuntimeError("no running pod to copy")

    # -- writes ----------------------------------------------------------------------------

    def node_ready(self, name: str, ready: bool) -> float:
        with self.store.lock:
            obj = self.store.get(kinds.NODE, "", name)
            assert obj is not None, name
            conditions = []
            for cond in obj["status"]["conditions"]:
                if cond.get("type") == "Ready":
                    conditions.append(
                        {
                            **cond,
                            "status": "True" if ready else "False",
                            "reason": "KubeletReady" if ready else "KubeletNotReady",
                        }
                    )
                else:
                    conditions.append(cond)
            new = {
                **obj,
                "metadata": dict(obj["metadata"]),
                "status": {**obj["status"], "conditions": conditions},
            }
            self.store.put(kinds.NODE, new)
            return time.monotonic()

    def app_sync(self, name: str, sync: str) -> float:
        namespace = self.sim.profile.argocd.namespace
        with self.store.lock:
            obj = self.store.get(kinds.APPLICATION, namespace, name)
            assert obj is not None, name
            status = obj.get("status") or {}
            new = {
                **obj,
                "metadata": dict(obj["metadata"]),
                "status": {**status, "sync": {**(status.get("sync") or {}), "status": sync}},
            }
            self.store.put(kinds.APPLICATION, new)
            return time.monotonic()

    def _pod(self, namespace: str, name: str, labels: dict[str, str]) -> Obj:
        pod = copy.deepcopy(self._template)
        meta = pod["metadata"]
        for key in ("uid", "resourceVersion", "creationTimestamp", "generateName"):
            meta.pop(key, None)
        meta.update({"name": name, "namespace": namespace, "labels": labels})
        meta.pop("ownerReferences", None)
        return pod

    def replace_pod(self, namespace: str, old: str | None, new: str) -> float:
        """Delete `old` (if given) and add `new`, Running and ready, as a ReplicaSet does."""
        with self.store.lock:
            if old:
                self.store.remove(kinds.POD, namespace, old)
            self.store.add(kinds.POD, self._pod(namespace, new, {"app": "bench-react"}))
            return time.monotonic()

    def add_pods(self, count: int, namespaces: int = 40) -> dict[str, float]:
        from vixens_tui.sim.objects import namespace as namespace_obj

        began = time.monotonic()
        with self.store.lock:
            for n in range(namespaces):
                name = f"bench-{n:02d}"
                if self.store.get(kinds.NAMESPACE, "", name) is None:
                    self.store.add(kinds.NAMESPACE, namespace_obj(name))
            for i in range(count):
                namespace = f"bench-{i % namespaces:02d}"
                name = f"load-{i:05d}-7d9f8b6c5-x{i % 97:02d}k4z"
                self.store.add(kinds.POD, self._pod(namespace, name, {"app": f"load-{i % 50}"}))
                self.bench_pods.append((namespace, name))
            t = time.monotonic()
        return {"t": t, "elapsed_s": t - began, "pods": self.store.count(kinds.POD)}

    # -- churn -----------------------------------------------------------------------------

    def _bump(self, namespace: str, name: str) -> None:
        obj = self.store.get(kinds.POD, namespace, name)
        if obj is None:
            return
        status = obj["status"]
        statuses = [
            {**cs, "restartCount": int(cs.get("restartCount", 0)) + 1}
            for cs in status.get("containerStatuses") or ()
        ]
        new = {
            **obj,
            "metadata": dict(obj["metadata"]),
            "status": {**status, "containerStatuses": statuses},
        }
        self.store.put(kinds.POD, new)

    def churn(self, rate: float, seconds: float, batch_hz: float = 100.0) -> None:
        """Update `rate` pods a second for `seconds`, in `batch_hz` batches a second."""
        self._churn_stop.clear()
        per_batch = max(1, round(rate / batch_hz))
        period = per_batch / rate

        def run() -> None:
            pods = self.bench_pods
            start = time.monotonic()
            end = start + seconds
            i = 0
            next_at = start
            while not self._churn_stop.is_set():
                now = time.monotonic()
                if now >= end:
                    break
                if now < next_at:
                    time.sleep(next_at - now)
                    continue
                with self.store.lock:
                    for _ in range(per_batch):
                        namespace, name = pods[i % len(pods)]
                        self._bump(namespace, name)
                        i += 1
                self.churned = i
                next_at += period
            self.churn_window = (start, time.monotonic())

        self.churned = 0
        self._churn = threading.Thread(target=run, name="churn", daemon=True)
        self._churn.start()

    def churn_stats(self) -> dict[str, float]:
        if self._churn is not None:
            self._churn.join()
        start, end = self.churn_window
        span = max(1e-9, end - start)
        return {"updates": self.churned, "seconds": span, "rate": self.churned / span}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubeconfig", type=Path, required=True)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--controllers",
        choices=("on", "off"),
        default="off",
        help="off: the cluster's controllers stop once it is built (nothing but the "
        "benchmark's own writes changes it)",
    )
    args = parser.parse_args()
    sim = SimCluster(load_profile("dev"), speed=args.speed, seed=args.seed).start()
    if args.controllers == "off":
        sim.scenario.stop()
    sim.write_kubeconfig(args.kubeconfig)
    control = Controller(sim)
    out = sys.stdout

    def reply(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    reply({"ready": True, "api_url": sim.api_url, "pid": os.getpid()})
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd.pop("op")
        if op == "node_ready":
            reply({"t": control.node_ready(cmd["name"], cmd["ready"])})
        elif op == "app_sync":
            reply({"t": control.app_sync(cmd["name"], cmd["sync"])})
        elif op == "replace_pod":
            reply({"t": control.replace_pod(cmd["namespace"], cmd.get("old"), cmd["new"])})
        elif op == "add_pods":
            reply(control.add_pods(int(cmd["count"])))
        elif op == "churn":
            control.churn(float(cmd["rate"]), float(cmd["seconds"]))
            reply({"t": time.monotonic()})
        elif op == "churn_stats":
            reply(control.churn_stats())
        elif op == "counts":
            reply({"counts": sim.request_counts(), "t": time.monotonic()})
        elif op == "rss":
            reply(rss_mb())
        elif op == "quit":
            reply({"bye": True})
            break
    sim.stop()


class SimProcess:
    """The client side: start `bench.simproc`, send commands, stop it."""

    def __init__(self, kubeconfig: Path, *, controllers: str = "off", speed: float = 1.0) -> None:
        import subprocess

        self.kubeconfig = kubeconfig
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.simproc",
                "--kubeconfig",
                str(kubeconfig),
                "--controllers",
                controllers,
                "--speed",
                str(speed),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        self._lock = threading.Lock()
        ready = self._read()
        if not ready.get("ready"):
            raise RuntimeError(f"the simulated cluster did not start: {ready}")
        self.info = ready

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulated cluster process ended")
        return dict(json.loads(line))

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
            self.proc.stdin.flush()
            return self._read()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("quit")
        try:
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    main()
