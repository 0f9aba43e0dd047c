"""The parsed command line, as plain data both front ends understand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vixens_tui.core.names import StageName


class UsageError(Exception):
    """Bad flags or a bad combination of flags (exit 2)."""


@dataclass(frozen=True)
class Options:
    env: str = "dev"
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
    kubeconfig: Path | None = None
    """From $KUBECONFIG: replaces the profile's kubeconfig path (not in a demo, whose cluster
    has its own file)."""
