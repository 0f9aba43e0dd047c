"""`vixens-tui profile show|path`: what profile a run would use, and where it comes from."""

from __future__ import annotations

import json
import sys

from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.profile import ProfileError, resolve_profile_path
from vixens_tui.options import Options
from vixens_tui.quiet_pipe import quiet_on_broken_pipe
from vixens_tui.wiring import profile_for


@quiet_on_broken_pipe
def run(options: Options, what: str) -> int:
    try:
        if what == "path":
            path = resolve_profile_path(options.env, options.config)
            print(path if path is not None else f"(built-in {options.env} profile)")
            return ExitCode.DONE
        profile = profile_for(options)  # as a run would use it ($KUBECONFIG, --context)
    except ProfileError as exc:
        print(f"vixens-tui: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    print(json.dumps(json.loads(profile.model_dump_json()), indent=2))
    return ExitCode.DONE
