"""Simulated time: a speed factor over the monotonic clock, and the wall clock objects show.

Durations of the cluster's life are in simulated seconds (`now()`), so `speed=100` plays a
minute in 0.6 s. Timestamps written into objects stay on the real wall clock, else kubectl
would show ages in the future; `wall_shift` backdates the objects of a cluster that is built
before the test starts ("created 40 minutes ago").
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = time.monotonic()
        self._skipped = 0.0
        self._wall_shift = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            return (time.monotonic() - self._origin) * self.speed + self._skipped

    def skip(self, seconds: float) -> None:
        """Jump forward in simulated time (fast-forward), moving backdated timestamps along."""
        with self._lock:
            self._skipped += seconds
            if self._wall_shift < 0:
                self._wall_shift = min(0.0, self._wall_shift + seconds)

    def backdate(self, seconds: float) -> None:
        """Make the wall clock read `seconds` earlier until fast-forwarding catches up."""
        with self._lock:
            self._wall_shift = -abs(seconds)

    def reset_wall(self) -> None:
        with self._lock:
            self._wall_shift = 0.0

    def wall(self) -> datetime:
        with self._lock:
            shift = self._wall_shift
        return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=shift)

    def real(self, sim_seconds: float) -> float:
        """Real seconds that `sim_seconds` of simulated time take."""
        return max(0.0, sim_seconds) / self.speed


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
