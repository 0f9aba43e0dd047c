"""The parsed command line, as plain data both front ends understand."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from vixens_tui.core.names import StageName


class UsageError(Exception):
    """Bad flags or a bad combination of flags (exit 2)."""


DEFAULT_ENV = "dev"
_ENV_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def env_of(env: str | None, config: Path | None) -> str:
    """The environment a command works on: `--env`, else the profile file's own (its `name`,
    else its stem), else `dev`.

    The environment names the state directory, the lock and the demo's workspace, so it must
    be the profile's own: `--config lab.toml` records its runs under `lab`, never under `dev`.
    Only the `name` key is peeked at here (cheap, for `status`); the loader validates the
    whole file later and refuses a profile whose name is not this environment.
    """
    if env:
        return env
    if config is None:
        return DEFAULT_ENV
    name = _peek_name(config)
    return name if name is not None else config.stem


def _peek_name(config: Path) -> str | None:
    """The `name` of a TOML profile, or None (absent, unreadable, not TOML: the loader will
    say what is wrong). The safe reader: never blocks on a FIFO nor reads a device."""
    from vixens_tui.core.safefile import MIB, FileRefused, parse_toml, read_text

    try:
        name = parse_toml(read_text(config, MIB), config).get("name")
    except FileRefused:
        return None
    return name if isinstance(name, str) and _ENV_NAME.match(name) else None


@dataclass(frozen=True)
class Options:
    env: str = DEFAULT_ENV
    """The environment (`env_of`): names the state directory, the lock and the demo."""
    config: Path | None = None
    state_dir: Path | None = None
    auto: bool = False
    yes: bool = False
    json: bool = False
    resume: bool = False
    from_stage: StageName | None = None
    only: StageName | None = None
    demo: bool = False
    faults: tuple[str, ...] = field(default_factory=tuple)
    speed: float = 1.0
    context: str | None = None
    accept_profile_change: bool = False
    allow_no_etcd_snapshot: bool = False
    """Destroy even when no control plane gives etcd's snapshot (it is still tried)."""
    """With --resume: go on although the profile's inputs changed since the run started."""
    kubeconfig: Path | None = None
    """From $KUBECONFIG: replaces the profile's kubeconfig path (not in a demo, whose cluster
    has its own file)."""
