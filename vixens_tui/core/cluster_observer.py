"""The cluster, seen by the front ends during a run: snapshots forwarded as they change."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.store import StateError
from vixens_tui.core.events import ClusterChanged

if TYPE_CHECKING:
    from vixens_tui.core.engine import Engine

OBSERVE_GAP_S = 0.05
"""Shortest time between two ClusterChanged events (the TUI shows at most ~12 a second)."""


class ClusterObserver:
    """Forwards cluster snapshots to the front ends as they change (for the grids)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stopper = CancelToken()
        self.thread = threading.Thread(target=self._loop, name="cluster-observer", daemon=True)
        self.version = -1
        """The version of the last snapshot sent."""

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopper.cancel("run over")
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        if self.thread.ident is None or self.thread.is_alive():
            return  # never started (the run failed first), or stuck in the backend
        # The last change can land in the gap between two sends (the run's final sync, say):
        # the grids would keep the picture before it for good, as the run is over.
        try:
            snap = self.engine.backends.cluster.snapshot()
            if snap.version != self.version:
                self.version = snap.version
                self.engine.emit(ClusterChanged(snapshot=snap))
        except Exception:  # a view, as in _loop; a StateError is the run's to report
            return

    def _loop(self) -> None:
        cluster = self.engine.backends.cluster
        version = -1
        while not self.stopper.cancelled:
            try:
                snap = cluster.wait_for_change(version, 1.0, self.stopper)
            except Exception:  # the observer is a view: never let it take the run down
                if self.stopper.wait(1.0):
                    return
                continue
            if snap.version != version and not self.stopper.cancelled:
                version = self.version = snap.version
                try:
                    self.engine.emit(ClusterChanged(snapshot=snap))
                except StateError:
                    return
                # The grids need a picture, not every change: a churning cluster (1,000 pod
                # updates a second) would otherwise cost a 5,000-pod snapshot per update.
                # Waits (wait_for) are not affected: they wait on the backend themselves.
                if self.stopper.wait(OBSERVE_GAP_S):
                    return
