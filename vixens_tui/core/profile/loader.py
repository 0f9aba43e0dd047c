"""Find, parse and validate a profile; every failure becomes one clear `ProfileError`."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vixens_tui.core.profile.gitops import GitOpsError, read_overlay
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.safefile import MIB, FileRefused, parse_toml, read_text

BUILTIN = "builtin"
PROFILE_MAX_BYTES = MIB
"""A profile is a few kilobytes; the CLI peeks at its `name` within the same limit."""


class ProfileError(Exception):
    """A profile that cannot be used. The message names the file, the field and the problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid profile {source}:\n{lines}")


def config_dir() -> Path:
    """Where profiles live: $VIXENS_TUI_CONFIG_DIR, else the platform's user config dir."""
    override = os.environ.get("VIXENS_TUI_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("vixens-tui", appauthor=False))


def resolve_profile_path(env: str, config: Path | None) -> Path | None:
    """The profile file to use, or None for the built-in profile of `env`."""
    if config is not None:
        return config
    candidate = config_dir() / "profiles" / f"{env}.toml"
    if candidate.exists():
        return candidate
    if builtin_text(env) is not None:
        return None
    raise ProfileError(
        str(candidate),
        [
            f"no profile for environment {env!r}: create this file (start from "
            f"`vixens-tui profile show --env dev`) or pass --config FILE"
        ],
    )


def builtin_text(env: str) -> str | None:
    try:
        return (resources.files("vixens_tui.core.profile") / BUILTIN / f"{env}.toml").read_text(
            encoding="utf-8"
        )
    except (FileNotFoundError, OSError):
        return None


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _validation_problems(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p not in ("function-after[_apps_one_source]()",))
        field = _format_loc(loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (a typo?)"
        problems.append(f"field `{field}`: {msg}")
    return problems


def parse_profile(text: str, source: str, base: Path | None, *, env: str | None = None) -> Profile:
    """Validate TOML text into a Profile. `base` resolves relative paths (None: leave).

    `env` is the environment the profile is loaded for: a profile without `name` takes it,
    a profile whose `name` differs is refused (its runs would be recorded under another
    environment's state, lock and demo).
    """
    try:
        data = parse_toml(text, Path(source))
    except FileRefused as exc:
        raise ProfileError(source, [exc.problem.removeprefix("is ")]) from None
    if env is not None:
        name = data.setdefault("name", env)
        if isinstance(name, str) and name != env:
            raise ProfileError(
                source,
                [
                    f"field `name`: is {name!r} but the environment is {env!r} (from --env or "
                    f"the profile's file name); make them agree"
                ],
            )
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(source, _validation_problems(exc, data)) from None
    if base is not None:
        profile = profile.resolve_paths(base)
    if profile.apps_from is not None:
        try:
            read = read_overlay(profile.apps_from, profile.name)
        except GitOpsError as exc:
            raise ProfileError(source, [f"field `apps_from`: {exc}"]) from None
        overlay = profile.apps_from.checkout / profile.apps_from.overlay_for(profile.name)
        try:
            profile = Profile.model_validate(
                {
                    **profile.model_dump(),
                    "apps": [a.model_dump() for a in read.apps],
                    "apps_from": None,
                    "apps_skipped": [f"{overlay}: {line}" for line in read.skipped],
                }
            )
        except ValidationError as exc:
            raise ProfileError(source, _validation_problems(exc, data)) from None
    return profile


def load_profile(env: str = "dev", config: Path | None = None) -> Profile:
    """The profile for `env` (from --config, the config dir, or built in). Raises ProfileError."""
    path = resolve_profile_path(env, config)
    if path is None:
        text = builtin_text(env)
        assert text is not None
        profile = parse_profile(text, f"(built-in {env})", base=None, env=env)
    else:
        try:
            text = read_text(path, PROFILE_MAX_BYTES)  # never a FIFO, a device, a huge file
        except FileRefused as exc:
            raise ProfileError(str(path), [exc.problem]) from None
        profile = parse_profile(text, str(path), base=path.parent, env=env)
    return profile
