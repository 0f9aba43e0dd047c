"""Small text helpers shared by the widgets: ages, expected ranges, widths (durations are
vixens_tui.text's, shared with the other front ends).

Pure functions of their arguments (the clock is passed in), so snapshots stay deterministic.
"""

from __future__ import annotations


def age(created: float, now: float) -> str:
    """kubectl's AGE column: `45s`, `12m`, `3h`, `5d`; `-` when unknown."""
    if created <= 0:
        return "-"
    seconds = max(0, int(now - created))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"


def _short(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds / 3600:.1f}h".replace(".0h", "h")


def expected(span: tuple[float, float]) -> str:
    """The procedure's expected duration: `5-10m`, `≤1m`, or '' when unknown."""
    low, high = span
    if high <= 0:
        return ""
    if low <= 0:
        return f"≤{_short(high)}"
    if low >= 60 and high >= 60 and high < 3600:
        return f"{int(low) // 60}-{int(high) // 60}m"
    return f"{_short(low)}-{_short(high)}"


def ellipsize(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis (one line)."""
    text = " ".join(text.split())
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…"
