"""Where the suite's CPU goes, per test: a pytest plugin, off unless asked for.

    VIXENS_TEST_CPU=/tmp/cpu.jsonl PYTHONPATH=. pytest -p tests.cpu_usage -n 2
    python -m tests.cpu_usage /tmp/cpu.jsonl        # the table, per file and per test

Wall time is misleading on a shared machine (two suites on two cores take twice as long
without costing more), so this records CPU: for each test (setup, call and teardown) the
CPU of the test process and of every process it started. Where this process may make a
cgroup-v1 `cpuacct` group of its own (root on Linux), the figure is the group's: it counts the
daemons a test leaves to init (the demo's simulated cluster) as well. Elsewhere it is
`getrusage` of the process and of its reaped children, which misses such daemons.

It measures; it never asserts (speed is measured, not timed in tests).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


class _Meter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.group: Path | None = None
        group = CPUACCT / f"vixens-tests-{os.getpid()}-{_worker()}"
        with contextlib.suppress(OSError):
            group.mkdir(exist_ok=True)
            (group / "cgroup.procs").write_text(str(os.getpid()))
            self.group = group

    def cpu(self) -> float:
        """CPU seconds so far of this process and everything it started."""
        if self.group is not None:
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        total = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            total += usage.ru_utime + usage.ru_stime
        return total

    def record(self, **fields: object) -> None:
        with self.out.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(fields) + "\n")

    def close(self) -> None:
        if self.group is None:
            return
        # Back to the root group, so ours is empty and can go (its daemons may linger: then
        # it stays, harmlessly, until they end).
        with contextlib.suppress(OSError):
            (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
            self.group.rmdir()


_meters: list[_Meter] = []


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get("VIXENS_TEST_CPU")
    if out:
        meter = _Meter(Path(out))
        meter.record(event="start", worker=_worker(), cpu=meter.cpu())
        _meters.append(meter)


def pytest_unconfigure(config: pytest.Config) -> None:
    for meter in _meters:
        meter.record(event="end", worker=_worker(), cpu=meter.cpu())
        meter.close()
    _meters.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    if not _meters:
        yield
        return
    meter = _meters[0]
    cpu, wall = meter.cpu(), time.monotonic()
    yield
    meter.record(
        event="test",
        nodeid=item.nodeid,
        cpu=round(meter.cpu() - cpu, 3),
        wall=round(time.monotonic() - wall, 3),
    )


def report(path: Path, top: int = 20) -> str:
    tests: list[dict[str, object]] = []
    starts: dict[str, float] = {}
    session = 0.0
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["event"] == "test":
            tests.append(row)
        elif row["event"] == "start":
            starts[str(row["worker"])] = float(row["cpu"])
        elif row["event"] == "end" and str(row["worker"]) in starts:
            session += float(row["cpu"]) - starts.pop(str(row["worker"]))
    per_file: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in tests:
        entry = per_file[str(row["nodeid"]).split("::")[0]]
        entry[0] += float(row["cpu"])  # type: ignore[arg-type]
        entry[1] += float(row["wall"])  # type: ignore[arg-type]
        entry[2] += 1
    total = sum(entry[0] for entry in per_file.values())
    lines = [
        f"{len(tests)} tests: {total:.0f} s CPU in tests, {session:.0f} s in the pytest processes",
        "",
        "per file:",
    ]
    lines.append(f"{'cpu s':>8} {'wall s':>8} {'n':>4}  file")
    for name, (cpu, wall, count) in sorted(per_file.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"{cpu:8.1f} {wall:8.1f} {int(count):4d}  {name}")
    lines += ["", "per test:", f"{'cpu s':>8} {'wall s':>8}  test"]
    for row in sorted(tests, key=lambda r: -float(r["cpu"]))[:top]:  # type: ignore[arg-type]
        lines.append(f"{float(row['cpu']):8.1f} {float(row['wall']):8.1f}  {row['nodeid']}")  # type: ignore[arg-type]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 20))
