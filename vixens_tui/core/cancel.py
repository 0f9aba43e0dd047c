"""Co-operative cancellation shared by the engine, the stages and the backends.

A signal handler (headless) or the quit key (TUI) calls `cancel()`. Waits notice at once because
they sleep on the token; backends that run a child process register a callback that forwards the
interruption to the child's process group, so Terraform can stop gracefully and release its lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised inside a stage when the run is being stopped."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[str], None]] = {}
        self._next = 0
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "interrupted") -> None:
        """Ask everything to stop. Safe from a signal handler or any thread; idempotent."""
        with self._lock:
            if self._event.is_set():
                callbacks: list[Callable[[str], None]] = []
            else:
                self.reason = reason
                self._event.set()
                callbacks = list(self._callbacks.values())
        for callback in callbacks:
            callback(reason)

    def register(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call `callback(reason)` on cancellation (at once if already cancelled).

        Returns a function that unregisters it.
        """
        with self._lock:
            key = self._next
            self._next += 1
            self._callbacks[key] = callback
            already = self._event.is_set()
        if already:
            callback(self.reason)

        def unregister() -> None:
            with self._lock:
                self._callbacks.pop(key, None)

        return unregister

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when cancelled meanwhile."""
        return self._event.wait(max(0.0, seconds))

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled(self.reason)
