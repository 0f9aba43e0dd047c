"""The demo's simulated cluster in a process of its own.

A real cluster lives on when the admin's terminal dies; so does the demo's. `--demo` starts this
process (its own session, so a Ctrl-C or a kill of vixens-tui does not reach it), and a later
`--demo --resume` finds it again through `sim.json` in the demo workspace. It stops on SIGTERM,
when a new demo run replaces it, or after `IDLE_S` without a single request.

    python -m vixens_tui.sim.daemon WORKSPACE

reads WORKSPACE/sim-request.json (the profile, faults, speed, scenario) and writes
WORKSPACE/sim.json (addresses, token, CA, the HTTP checks pointed at loopback, Terraform's
environment) once it serves. It also serves the six simulated Terraform providers of the
user's configuration (provider_world.py): Terraform reattaches to them, so they act on this
process's cluster and outlive every Terraform command of a run.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from vixens_tui.core.checkpoint.files import atomic_write
from vixens_tui.core.profile import Profile

REQUEST = "sim-request.json"
INFO = "sim.json"
LOG = "sim.log"
IDLE_S = 1800.0
"""Half an hour with no request: the demo was abandoned, free the ports."""


def serve_workspace(workspace: Path) -> int:
    from vixens_tui.sim.provider_world import ProviderWorld

    request: dict[str, Any] = json.loads((workspace / REQUEST).read_text())
    profile = Profile.model_validate(request["profile"])
    world = ProviderWorld(
        profile,
        workspace,
        faults=tuple(request.get("faults", ())),
        speed=float(request.get("speed", 1.0)),
        scenario=request.get("scenario", "built"),
        seed=request.get("seed"),
    )
    sim = world.sim
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    world.start()
    try:
        info = world.info()
        atomic_write(workspace / INFO, json.dumps(info, indent=2).encode())
        last_count, last_change = -1, time.monotonic()
        while not stop.wait(5.0):
            if not (workspace / REQUEST).exists():
                break  # the workspace was deleted: nobody can reach this cluster again
            count = sim.request_count()
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            elif time.monotonic() - last_change > IDLE_S:
                break
    finally:
        world.stop()
        with contextlib.suppress(OSError):
            (workspace / INFO).unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(serve_workspace(Path(sys.argv[1])))
