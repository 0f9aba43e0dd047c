"""A held state lock, read from Terraform's "Error acquiring the state lock" diagnostic.

Terraform interrupted hard (SSH drop, kill) can leave a remote state locked; a live run holds
the lock legitimately. Either way the error carries the lock's ID and holder, which a person
needs before choosing `terraform force-unlock ID` (never automatic: docs/known-issues.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from vixens_tui.core.ports import TfDiagnostic

LOCK_SUMMARY = "Error acquiring the state lock"
_FIELD = re.compile(r"^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*?)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class StateLock:
    id: str
    who: str = ""
    operation: str = ""
    created: str = ""
    path: str = ""
    version: str = ""

    def describe(self) -> str:
        holder = self.who or "an unknown holder"
        what = f" during {self.operation}" if self.operation else ""
        since = f" since {self.created}" if self.created else ""
        return f"lock ID {self.id}, held by {holder}{what}{since}"


def is_lock_error(diag: TfDiagnostic) -> bool:
    return LOCK_SUMMARY.lower() in diag.text().lower()


def parse_lock_info(text: str) -> StateLock | None:
    """The "Lock Info:" block of the error's detail (the ID is required)."""
    block = text.split("Lock Info:", 1)[1] if "Lock Info:" in text else text
    fields = {key: value for key, value in _FIELD.findall(block)}
    if not fields.get("ID"):
        return None
    return StateLock(
        id=fields["ID"],
        who=fields.get("Who", ""),
        operation=fields.get("Operation", ""),
        created=fields.get("Created", ""),
        path=fields.get("Path", ""),
        version=fields.get("Version", ""),
    )


def find_state_lock(diagnostics: Iterable[TfDiagnostic]) -> StateLock | None:
    """The lock a command could not acquire, if that is why it failed."""
    for diag in diagnostics:
        if is_lock_error(diag):
            lock = parse_lock_info(diag.detail or diag.summary)
            if lock is not None:
                return lock
    return None


def describe_lock(diag: TfDiagnostic) -> TfDiagnostic:
    """The same diagnostic, its summary naming the lock and its holder at a glance.

    The detail is kept whole: it holds Terraform's "Lock Info:" block (ID, Who, Operation),
    which the core's known-issue catalogue reads to offer force-unlock.
    """
    if not is_lock_error(diag):
        return diag
    lock = parse_lock_info(diag.detail or diag.summary)
    if lock is None or lock.id in diag.summary:
        return diag
    return TfDiagnostic(
        severity=diag.severity,
        summary=f"{LOCK_SUMMARY} ({lock.describe()})",
        detail=diag.detail,
        address=diag.address,
    )
