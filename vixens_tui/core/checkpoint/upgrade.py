"""Bring an older checkpoint up to the current schema before validation.

When the schema changes, bump SCHEMA_VERSION, add a step here (1 -> 2, ...) and a golden
file of the old version under state/golden/ so a test proves old runs still resume.

- 1 -> 2: `inputs` (the profile's inputs, for a resume's "what changed") and
  `destroy_launched_at` (the guard's proof that a missing kubeconfig is the destroy's doing).
  A version-1 run has no inputs (a changed profile is then reported without details), and its
  destroy counts as launched once that stage has been attempted, as version 1 behaved.
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
    if version == 1:
        data = _v1_to_v2(data)
    return data


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    launched = None
    stages = data.get("stages")
    for rec in stages if isinstance(stages, list) else ():
        if isinstance(rec, dict) and rec.get("name") == "destroy":
            attempts = rec.get("attempts")
            if isinstance(attempts, int) and attempts > 0:
                launched = rec.get("started_at")
    return {**data, "schema_version": 2, "inputs": None, "destroy_launched_at": launched}
