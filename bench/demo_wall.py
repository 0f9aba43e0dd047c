"""The demo's wall time and CPU: `vixens-tui --demo --auto --yes --speed S`, start to exit.

    .venv/bin/python -m bench.demo_wall --runs 3 [--speed 200] [--faults NAME,...]
    .venv/bin/python -m bench.demo_wall --runs 3 --checkout /tmp/old   # another commit's tree

CPU is the whole process tree's (vixens-tui, the simulated cluster's daemon and its providers,
every Terraform and provisioner it ran): the rusage of the finished children, which a demo
that ends waits for. `--checkout` runs another tree of the project with this venv (its
`vixens_tui` first on the path), which is how the before/after figures of issue 11 were made.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import RESULT_MARK, ROOT, WORK_ROOT, summary


def one_run(checkout: Path, speed: str, faults: str, work: Path) -> dict[str, float]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "VIXENS_TUI_DEMO_DIR": str(work / "demo"),
        "XDG_STATE_HOME": str(work / "state"),
        "XDG_CONFIG_HOME": str(work / "config"),
    }
    args = [sys.executable, "-m", "vixens_tui", "--demo", "--auto", "--yes", "--speed", speed]
    if faults:
        args += ["--faults", faults]
    began = time.monotonic()
    proc = subprocess.Popen(
        args, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"the demo failed (exit {code}) in {checkout}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--speed", default="200")
    parser.add_argument("--faults", default="")
    parser.add_argument("--checkout", type=Path, default=ROOT)
    ns = parser.parse_args()
    runs = [
        one_run(ns.checkout.resolve(), ns.speed, ns.faults, WORK_ROOT / "demo_wall")
        for _ in range(ns.runs)
    ]
    result: dict[str, Any] = {
        "checkout": str(ns.checkout),
        "speed": ns.speed,
        "faults": ns.faults,
        "runs": ns.runs,
        "wall_s": summary([r["wall_s"] for r in runs], digits=2),
        "cpu_s": summary([r["cpu_s"] for r in runs], digits=2),
    }
    print(RESULT_MARK + json.dumps(result))


if __name__ == "__main__":
    main()
