"""The columns of `Table` answers: their definition, and the cells every kind shares (NAME, AGE,
and the default table convertor's CREATED AT)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vixens_tui.sim.clock import parse_rfc3339, rfc3339

Obj = dict[str, Any]
Cell = Callable[[Obj, datetime], Any]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    description: str
    cell: Cell
    priority: int = 0
    format: str = ""
    json_path: str = ""
    """A CRD printer column's JSONPath (its additionalPrinterColumns entry); '' otherwise."""

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, (hours // 24) % 365
    if hours < 24 * 365 * 8:
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{years}y"


def age_of(value: object, now: datetime) -> str:
    moment = parse_rfc3339(value) if isinstance(value, str) else None
    if moment is None:
        return "<unknown>"
    return human_duration((now - moment).total_seconds())


def age_cell(obj: Obj, now: datetime) -> str:
    return age_of(obj.get("metadata", {}).get("creationTimestamp"), now)


def name_cell(obj: Obj, _now: datetime) -> str:
    return str(obj.get("metadata", {}).get("name", ""))


NAME = Column("Name", "string", "Name must be unique within a namespace.", name_cell, format="name")
AGE = Column(
    "Age",
    "string",
    "CreationTimestamp is a timestamp representing the server time when this object was created.",
    age_cell,
)


def created_at_cell(obj: Obj, _now: datetime) -> str:
    """`m.GetCreationTimestamp().Time.UTC().Format(time.RFC3339)`: Go's zero time when unset."""
    value = obj.get("metadata", {}).get("creationTimestamp")
    moment = parse_rfc3339(value) if isinstance(value, str) else None
    return rfc3339(moment) if moment is not None else "0001-01-01T00:00:00Z"


CREATED_AT = Column(
    "Created At",
    "date",
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by "
    "the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    created_at_cell,
)
"""The second column of apiserver's default table convertor (registry/rest/table.go), which
the CustomResourceDefinition registry uses: `kubectl get crd` prints NAME and CREATED AT."""
