"""`vixens-tui profile show|path|check`: what profile a run would use, where it comes from,
and where it disagrees with the repository's checkout (exit 1 when it does)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.profile import Profile, ProfileError, resolve_profile_path
from vixens_tui.options import Options
from vixens_tui.quiet_pipe import quiet_on_broken_pipe
from vixens_tui.wiring import profile_for


@quiet_on_broken_pipe
def run(options: Options, what: str, checkout: Path | None = None) -> int:
    try:
        if what == "path":
            path = resolve_profile_path(options.env, options.config)
            print(path if path is not None else f"(built-in {options.env} profile)")
            return ExitCode.DONE
        profile = profile_for(options)  # as a run would use it ($KUBECONFIG, --context)
    except ProfileError as exc:
        print(f"vixens-tui: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if what == "check":
        return _check(profile, checkout)
    print(json.dumps(json.loads(profile.model_dump_json()), indent=2))
    return ExitCode.DONE


def _check(profile: Profile, checkout: Path | None) -> int:
    from vixens_tui.core.profile.drift import profile_drift

    if checkout is None and profile.apps_from is not None:
        checkout = profile.apps_from.checkout
    if checkout is None or not checkout.is_dir():
        where = "give --checkout DIR" if checkout is None else f"{checkout} is not a directory"
        print(
            f"vixens-tui: profile check needs the repository's checkout: {where}", file=sys.stderr
        )
        return ExitCode.BAD_INPUT
    drift = profile_drift(profile, checkout)
    for line in drift:
        print(f"drift: {line}")
    if not drift:
        print(f"profile {profile.name!r} agrees with {checkout}")
        return ExitCode.DONE
    print(f"{len(drift)} differences between profile {profile.name!r} and {checkout}")
    return 1  # differences found, as diff(1) says it: not a usage error (2)
