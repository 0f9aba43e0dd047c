"""Durations and times as every front end writes them."""

from __future__ import annotations

import time


def duration(seconds: float) -> str:
    """`42s`, `3m10s`, `1h05m`: how long something took or has been running."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def clock(at: float) -> str:
    """`14:05:09`: a moment of today, in local time."""
    return time.strftime("%H:%M:%S", time.localtime(at))
