"""Bring an older checkpoint up to the current schema before validation.

Version 1 is the first: nothing to upgrade yet. When the schema changes, bump SCHEMA_VERSION,
add a step here (1 -> 2, ...) and a golden file of the old version under state/golden/ so a
test proves old runs still resume.
"""

from __future__ import annotations

from typing import Any

from vixens_tui.core.checkpoint.model import SCHEMA_VERSION


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"schema_version must be a positive integer, got {version!r}")
    if version > SCHEMA_VERSION:
        raise ValueError(f"schema_version {version} is newer than {SCHEMA_VERSION}")
    return data
