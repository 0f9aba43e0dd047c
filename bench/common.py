"""Shared helpers: statistics, the machine, running a bench in a child process, RSS, paint hooks.

Every bench module runs in a process of its own (`python -m bench.<name>`), so that one bench's
imports, caches, threads and memory never colour another's figures; it prints one JSON object
on its last stdout line, which `bench.run` collects.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
KUBECTL = VENV_BIN / "kubectl"
RESULT_MARK = "BENCH-RESULT "
WORK_ROOT = Path(os.environ.get("VIXENS_BENCH_DIR", "/var/tmp/vixens-bench"))
"""Scratch space on the real disk (not tmpfs): state dirs, demo workspaces, log files."""


# -- statistics ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float], scale: float = 1.0, digits: int = 4) -> dict[str, Any]:
    """n, median, mean, p95, p99, min, max of `values` multiplied by `scale`."""
    if not values:
        return {"n": 0}
    v = [x * scale for x in values]
    return {
        "n": len(v),
        "median": round(statistics.median(v), digits),
        "mean": round(statistics.fmean(v), digits),
        "p95": round(percentile(v, 95), digits),
        "p99": round(percentile(v, 99), digits),
        "min": round(min(v), digits),
        "max": round(max(v), digits),
    }


# -- the machine ---------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _mem_total_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def filesystem_of(path: Path) -> str:
    """`ext4 on /dev/vda` for the mount holding `path` (from /proc/mounts)."""
    path = path.resolve()
    best = ("", "", "")
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            device, mount, fstype = line.split()[:3]
            inside = str(path) == mount or str(path).startswith(mount.rstrip("/") + "/")
            if inside and len(mount) >= len(best[1]):
                best = (device, mount, fstype)
    except OSError:
        return "?"
    return f"{best[2]} on {best[0]} (mounted at {best[1]})"


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_mb": _mem_total_mb(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "scratch": str(WORK_ROOT),
        "scratch_fs": filesystem_of(WORK_ROOT if WORK_ROOT.exists() else WORK_ROOT.parent),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


# -- memory --------------------------------------------------------------------------------------


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in MB."""
    out = {"rss_mb": math.nan, "peak_rss_mb": math.nan}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("VmHWM:"):
                out["peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


# -- child processes -----------------------------------------------------------------------------


def emit_result(result: dict[str, Any]) -> None:
    """The last line a bench module prints: what `run_module` reads."""
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_module(
    module: str, *args: str, timeout: float = 300.0, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `python -m bench.<module> ARGS` and return the JSON it printed last."""
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return dict(json.loads(line[len(RESULT_MARK) :]))
    tail = (proc.stderr or proc.stdout)[-3000:]
    raise RuntimeError(f"bench.{module} gave no result (rc={proc.returncode}):\n{tail}")


def scratch(name: str) -> Path:
    """A fresh directory under WORK_ROOT (real disk)."""
    import shutil

    path = WORK_ROOT / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, mode=0o700)
    return path


# -- Textual: when does the screen really change ---------------------------------------------------


class PaintRecorder:
    """Wraps `App._display` to know when a screen's update would reach the terminal.

    Pilot runs headless: Textual then computes every compositor update but skips turning it
    into terminal bytes. The wrapper does that step (`render_segments`, what a real terminal
    session does before writing) so that a "paint" costs what it costs for a person, and records
    `(time.perf_counter(), screen)` once the bytes are ready.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paints: list[tuple[float, Any]] = []
        self.listeners: list[Callable[[float, Any], None]] = []
        self._original = app._display
        app._display = self._display

    def _display(self, screen: Any, renderable: Any) -> None:
        self._original(screen, renderable)
        if renderable is None or self.app._batch_count:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(self.app.console)
        now = time.perf_counter()
        self.paints.append((now, type(screen)))
        for listener in list(self.listeners):
            listener(now, screen)

    def first_after(self, t0: float, screen_type: type | None = None) -> float | None:
        for t, kind in self.paints:
            if t >= t0 and (screen_type is None or issubclass(kind, screen_type)):
                return t
        return None


def screen_text(screen: Any) -> str:
    """The text a person reads on `screen` right now."""
    return "\n".join(strip.text for strip in screen._compositor.render_strips())


class GcWatch:
    """Durations of the garbage collector's passes, by generation (a pause on the UI thread
    is a pause of the screen)."""

    def __init__(self) -> None:
        import gc

        self._gc = gc
        self._started = 0.0
        self.passes: dict[int, list[float]] = {0: [], 1: [], 2: []}
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.passes[int(info.get("generation", 0))].append(time.perf_counter() - self._started)

    def reset(self) -> None:
        for values in self.passes.values():
            values.clear()

    def report(self) -> dict[str, Any]:
        return {
            f"gen{g}": {"count": len(v), "ms": summary(v, 1000, 1)} for g, v in self.passes.items()
        }

    def close(self) -> None:
        self._gc.callbacks.remove(self._callback)


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each live thread of this process, by name
    (threads of one name, e.g. the kube watches, are summed)."""
    import threading

    tick = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / tick
        name = names.get(int(task.name), "other")
        if name.startswith("kube-watch-"):
            name = "kube-watch-" + ("pods" if name.endswith("-pods") else "other kinds")
        out[name] = out.get(name, 0.0) + cpu
    return out


def cpu_delta(before: dict[str, float], after: dict[str, float], span: float) -> dict[str, float]:
    """Share of one core used by each thread between two `thread_cpu()` readings."""
    return {
        name: round((after.get(name, 0.0) - before.get(name, 0.0)) / span, 3)
        for name in sorted(after, key=lambda n: before.get(n, 0.0) - after[n])
        if after.get(name, 0.0) - before.get(name, 0.0) > 0.005 * span
    }
