"""Engine overhead: the demo at speed 200, the engine's own CPU time as a share of the run.

The run is `vixens-tui --demo --auto --yes --speed 200` done in-process, the way
`headless.run` does it (same profile, demo backends, redactor, `AutoDecider(yes=True)`, the
headless `Printer`, writing to /dev/null), so each thread's CPU can be attributed:

- every call the engine makes into a backend (Terraform, cluster, HTTP) is wrapped, and the CPU
  time of the calling thread (`time.thread_time`) spent inside it is charged to that backend;
  inside a Terraform apply/destroy, the listener (the engine's `TerraformListener`) is charged back
  to the engine, and anything it hands to the front end (the sink) to the front end;
- **the engine's own time** is then the CPU of the engine thread and of its cluster-observer
  thread minus those backend and front-end parts: the state machine, the stages' logic, the
  waits' condition checks, the known-issue detectors, the redactor, the recorder (checkpoint and
  journal, CPU only: time blocked in fsync is not CPU), the Terraform relay;
- not the engine's: the adapters (the Terraform process supervision and JSON parsing, the
  Kubernetes client's requests and watch threads, HTTP probes), Terraform itself and the demo's
  hooks (child processes), the simulated cluster (another process), and waiting.

Share = engine CPU seconds / wall seconds of `Engine.run`. The setup (simulated cluster start,
`terraform init`, the silent first apply) is not part of the run.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.common import WORK_ROOT, cpu_delta, emit_result, scratch, thread_cpu


class Ledger:
    """Per-thread CPU accounting by category, with nesting (a stack per thread)."""

    def __init__(self) -> None:
        self.cpu: dict[tuple[str, str], float] = defaultdict(float)
        self._local = threading.local()
        self._lock = threading.Lock()

    def _stack(self) -> list[list[Any]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            # First sight of this thread (the observer): it is the engine's until it calls out.
            stack = [["engine", time.thread_time()]]
            self._local.stack = stack
        return stack

    def _charge(self, category: str, seconds: float) -> None:
        key = (threading.current_thread().name, category)
        with self._lock:
            self.cpu[key] += seconds

    def enter(self, category: str) -> None:
        stack = self._stack()
        now = time.thread_time()
        top = stack[-1]
        self._charge(top[0], now - top[1])
        stack.append([category, now])

    def leave(self) -> None:
        stack = self._stack()
        now = time.thread_time()
        category, since = stack.pop()
        self._charge(category, now - since)
        stack[-1][1] = now

    def begin_thread(self) -> None:
        self._local.stack = [["engine", time.thread_time()]]

    def end_thread(self) -> None:
        stack = self._stack()
        while len(stack) > 1:
            self.leave()
        now = time.thread_time()
        self._charge(stack[0][0], now - stack[0][1])
        stack[0][1] = now

    def wrap(self, category: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.enter(category)
            try:
                return func(*args, **kwargs)
            finally:
                self.leave()

        return wrapped


class Proxy:
    """Charges every method call to `category`; callables passed in (listeners) are charged
    back to the engine."""

    def __init__(self, target: Any, category: str, ledger: Ledger) -> None:
        self._target = target
        self._category = category
        self._ledger = ledger

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value
        ledger, category = self._ledger, self._category

        def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(
                ledger.wrap("engine", a) if callable(a) and not isinstance(a, type) else a
                for a in args
            )
            ledger.enter(f"{category}/{name}")
            try:
                return value(*args, **kwargs)
            finally:
                ledger.leave()

        return call


def run_demo(speed: float) -> dict[str, Any]:
    from vixens_tui.core.decider import AutoDecider
    from vixens_tui.core.engine import Engine, RunRequest
    from vixens_tui.core.plan import make_plan
    from vixens_tui.core.ports import Backends
    from vixens_tui.core.redact import Redactor
    from vixens_tui.headless import Printer
    from vixens_tui.options import Options
    from vixens_tui.wiring import env_state, make_backends, profile_for

    work = scratch("engine-overhead")
    os.environ["VIXENS_TUI_DEMO_DIR"] = str(work / "demo")
    options = Options(demo=True, auto=True, yes=True, speed=speed, state_dir=work / "state")
    profile = profile_for(options)
    state = env_state(options).ensure()
    redactor = Redactor()
    setup_began = time.monotonic()
    profile, real = make_backends(profile, options, state, redactor)
    setup_s = time.monotonic() - setup_began
    ledger = Ledger()
    backends = Backends(
        terraform=Proxy(real.terraform, "terraform", ledger),  # type: ignore[arg-type]
        cluster=Proxy(real.cluster, "cluster", ledger),  # type: ignore[arg-type]
        http=Proxy(real.http, "http", ledger),  # type: ignore[arg-type]
        closers=real.closers,
    )
    out = io.StringIO()
    sink = ledger.wrap("frontend", Printer(out, as_json=False))
    engine = Engine(profile, backends, state, AutoDecider(yes=True), sink, redactor=redactor)
    request = RunRequest(plan=make_plan(), mode="auto", demo=True)
    checkpoint = engine.prepare(request)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process_before = time.process_time()
    threads_before = thread_cpu()
    ledger.begin_thread()
    began = time.perf_counter()
    result = engine.run(request, checkpoint)
    wall = time.perf_counter() - began
    ledger.end_thread()
    threads = cpu_delta(threads_before, thread_cpu(), wall)
    process_cpu = time.process_time() - process_before
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    shutil.copy(state.checkpoint_path, WORK_ROOT / "realistic-checkpoint.json")
    real.close()
    by: dict[str, float] = defaultdict(float)
    calls: dict[str, float] = defaultdict(float)
    for (thread, category), seconds in ledger.cpu.items():
        kind = category.split("/")[0]
        by[kind] += seconds
        by[f"{thread}:{kind}"] += seconds
        if "/" in category:
            calls[category] += seconds
    engine_cpu = by["engine"]
    return {
        "exit_code": int(result.exit_code),
        "outcome": result.outcome.value,
        "setup_s": round(setup_s, 2),
        "run_wall_s": round(wall, 3),
        "engine_cpu_s": round(engine_cpu, 4),
        "engine_share": round(engine_cpu / wall, 4),
        "cpu_s_by_category": {k: round(v, 4) for k, v in sorted(by.items()) if ":" not in k},
        "cpu_s_by_thread_and_category": {k: round(v, 4) for k, v in sorted(by.items()) if ":" in k},
        "backend_cpu_s_by_call": {
            k: round(v, 4) for k, v in sorted(calls.items(), key=lambda kv: -kv[1]) if v >= 0.001
        },
        "process_cpu_s": round(process_cpu, 3),
        "process_cpu_share": round(process_cpu / wall, 4),
        "cpu_share_by_thread": threads,
        "children_cpu_s": round(children, 3),
        "output_lines": out.getvalue().count("\n"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=200.0)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    runs = [run_demo(args.speed) for _ in range(args.runs)]
    shares = sorted(r["engine_share"] for r in runs)
    emit_result(
        {
            "speed": args.speed,
            "runs": runs,
            "engine_share_median": shares[len(shares) // 2],
            "engine_share_max": shares[-1],
        }
    )


if __name__ == "__main__":
    main()
