"""The value types of the checkpoint: what a number, a name or a moment may be.

A checkpoint is read back from disk, where anything may have happened to it; each constraint
here is one a value written by this program always meets, and one the code that reads it
relies on (`status` divides and rounds durations, the engine counts attempts, run ids and
environments name directories, local times are computed from the moments).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

from vixens_tui.core.exitcodes import ExitCode

Count = Annotated[int, Field(ge=0)]
"""Attempts, resumes: never negative."""

Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A duration: finite and never negative (NaN and infinity would crash any rounding)."""

_PLAIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


def _plain_name(value: str) -> str:
    # The pattern already keeps out '/', and a leading '.'; '..' anywhere is refused too, so
    # that no name can ever walk out of the directory it is joined to.
    if ".." in value:
        raise ValueError("must not contain '..'")
    return value


PlainName = Annotated[str, Field(pattern=_PLAIN_NAME), AfterValidator(_plain_name)]
"""A name used as a file or directory name: letters, digits, '.', '_', '-'."""

_EARLIEST = 1970
_LATEST = 9998


def _sane_moment(value: datetime) -> datetime:
    # Year 9999 at 23:00 UTC is out of range in any zone east of UTC: showing it in local time
    # would crash. No run of this program happened before 1970 or will after 9998.
    if not _EARLIEST <= value.year <= _LATEST:
        raise ValueError(f"year {value.year} is outside {_EARLIEST}..{_LATEST}")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]
"""A point in time with its zone (a naive one cannot be compared with the others)."""

EXIT_CODES = frozenset(int(code) for code in ExitCode)
_NAMED_CODES = ", ".join(str(code) for code in sorted(EXIT_CODES))


def check_exit_code(value: int | None) -> int | None:
    """One of the CLI contract's exit codes, or None while the run is going."""
    if value is not None and value not in EXIT_CODES:
        raise ValueError(f"{value} is not an exit code of the contract ({_NAMED_CODES})")
    return value
