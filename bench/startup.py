"""Start-up: wall time of `vixens-tui --help` and `vixens-tui status` against `python -c pass`
and the real kubectl's `version --client`, interleaved round by round (so a slow moment of the
machine hits every command alike), after two warm-up rounds that are not counted.

`status` reads a real checkpoint (the golden one of the state contract) so it validates and
renders a full run, as it does for a person. A second demo run, started while the benchmark
holds the environment's lock, must be refused (exit 4) at once and start nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

from bench.common import KUBECTL, ROOT, VENV_BIN, emit_result, scratch, summary
from vixens_tui.core.checkpoint.store import EnvState

SECOND_RUN = "second run refused (exit 4)"
"""`vixens-tui --demo --auto --yes` while another run holds the environment's lock."""


def commands(state_dir: str) -> dict[str, list[str]]:
    exe = str(VENV_BIN / "vixens-tui")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "kubectl version --client": [str(KUBECTL), "version", "--client"],
        "vixens-tui --help": [exe, "--help"],
        "vixens-tui status": [exe, "status", "--state-dir", state_dir],
        SECOND_RUN: [exe, "--demo", "--auto", "--yes", "--state-dir", state_dir],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    work = scratch("startup")
    env_dir = work / "state" / "dev"
    env_dir.mkdir(parents=True)
    shutil.copy(ROOT / "state" / "golden" / "checkpoint-v1.json", env_dir / "checkpoint.json")
    cmds = commands(str(work / "state"))
    env = {
        **os.environ,
        "KUBECONFIG": str(work / "no-kubeconfig"),
        "VIXENS_TUI_DEMO_DIR": str(work / "demo"),
    }
    times: dict[str, list[float]] = {name: [] for name in cmds}
    # Another run of the demo environment, held for the whole benchmark: the second run must
    # be told at once (the lock comes first), having started nothing.
    holder = EnvState(work / "state", "dev-demo").ensure().lock()
    holder.acquire()
    try:
        for round_ in range(args.runs + 2):
            for name, argv in cmds.items():
                began = time.perf_counter()
                proc = subprocess.run(
                    argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
                )
                took = time.perf_counter() - began
                expected = 4 if name == SECOND_RUN else 0
                if proc.returncode != expected:
                    raise RuntimeError(f"{name} failed: {proc.stderr.decode()[-500:]}")
                if round_ >= 2:
                    times[name].append(took)
    finally:
        holder.release()
    if (work / "demo").exists():
        raise RuntimeError("the refused second run created the demo workspace")
    result = {name: summary(v, 1000, 1) for name, v in times.items()}
    kubectl = result["kubectl version --client"]["median"]
    emit_result(
        {
            "runs": args.runs,
            "wall_ms": result,
            "help_vs_kubectl": round(result["vixens-tui --help"]["median"] / kubectl, 2),
            "status_vs_kubectl": round(result["vixens-tui status"]["median"] / kubectl, 2),
            "second_run_vs_kubectl": round(result[SECOND_RUN]["median"] / kubectl, 2),
        }
    )


if __name__ == "__main__":
    main()
