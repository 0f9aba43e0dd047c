"""`vixens-tui sim`: serve the simulated cluster alone, for real kubectl or for a look around."""

from __future__ import annotations

import sys
from pathlib import Path

from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.profile import ProfileError
from vixens_tui.options import Options
from vixens_tui.wiring import profile_for


def run(options: Options, *, port: int, kubeconfig_out: Path | None, scenario: str) -> int:
    try:
        profile = profile_for(options)
    except ProfileError as exc:
        print(f"vixens-tui: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    from vixens_tui.sim.serve import serve

    return serve(
        profile,
        port=port,
        kubeconfig_out=kubeconfig_out,
        faults=options.faults,
        speed=options.speed,
        scenario="rebuild" if scenario == "rebuild" else "built",
    )
