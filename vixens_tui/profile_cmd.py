"""`vixens-tui profile show|path`: what profile a run would use, and where it comes from."""

from __future__ import annotations

import json
import sys

from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.profile import ProfileError, load_profile, resolve_profile_path
from vixens_tui.options import Options


def run(options: Options, what: str) -> int:
    try:
        if what == "path":
            path = resolve_profile_path(options.env, options.config)
            print(path if path is not None else f"(built-in {options.env} profile)")
            return ExitCode.DONE
        profile = load_profile(options.env, options.config)
    except ProfileError as exc:
        print(f"vixens-tui: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    print(json.dumps(json.loads(profile.model_dump_json()), indent=2))
    return ExitCode.DONE
