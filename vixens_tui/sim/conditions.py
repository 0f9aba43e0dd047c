"""Small readings of stored objects shared by the controllers and the loopback HTTP server."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def is_ready(pod: Obj) -> bool:
    """Running with every container ready, and not terminating (what `kubectl wait` waits for)."""
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    status = pod.get("status", {})
    if status.get("phase") != "Running":
        return False
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    return conditions.get("Ready") == "True"


def condition(obj: Obj, type_: str) -> Obj | None:
    return next(
        (c for c in obj.get("status", {}).get("conditions") or [] if c.get("type") == type_), None
    )
