"""The in-memory picture of the cluster the watches keep up to date, and its snapshots.

Watch threads write converted objects into per-kind caches under one lock and bump the
version; readers get an immutable ClusterSnapshot built lazily, at most once per version,
from tuples rebuilt only for the kinds that changed (a busy cluster sends a thousand pod
updates a second; rebuilding 5,000 pods per event would not keep up).

Each (re)start of the watches opens a new *generation*: writes from threads of an older one
(still unwinding after stop) are dropped, so they cannot resurrect the previous cluster.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.cluster import ClusterSnapshot

Key = tuple[str, str]


class KindCache:
    """The converted objects of one kind, by (namespace, name)."""

    __slots__ = ("_items", "_order", "_values", "synced")

    def __init__(self) -> None:
        self._items: dict[Key, object] = {}
        self._order: list[Key] | None = []
        """Sorted keys; None when an add or delete made it stale (updates keep it)."""
        self._values: tuple[Any, ...] | None = ()
        self.synced = False

    def put(self, key: Key, value: object) -> bool:
        old = self._items.get(key)
        if old is not None and old == value:
            return False  # resourceVersion-only updates show nothing new
        if old is None:
            self._order = None
        self._items[key] = value
        self._values = None
        return True

    def remove(self, key: Key) -> bool:
        if self._items.pop(key, None) is None:
            return False
        self._order = None
        self._values = None
        return True

    def replace(self, items: Mapping[Key, object]) -> bool:
        changed = not self.synced or dict(items) != self._items
        self.synced = True
        if changed:
            self._items = dict(items)
            self._order = None
            self._values = None
        return changed

    def clear(self) -> None:
        self._items = {}
        self._order = []
        self._values = ()
        self.synced = False

    def values(self) -> tuple[Any, ...]:
        if self._values is None:
            if self._order is None:
                self._order = sorted(self._items)
            items = self._items
            self._values = tuple(items[k] for k in self._order)
        return self._values


class ClusterState:
    def __init__(self, kinds: Iterable[str]) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._caches = {kind: KindCache() for kind in kinds}
        self._version = 0
        self._generation = 0
        self._snapshot: ClusterSnapshot | None = None
        self._server = ""
        self._config_error = ""
        self._contact: dict[str, bool] = {}
        self._last_error = ""
        self._reach: tuple[bool, str] = (False, "")
        """(reachable, error) as of the last version bump: a change of either is a change."""

    # -- generations -----------------------------------------------------------------------

    def begin(self, server: str = "", config_error: str = "") -> int:
        """Forget the previous cluster and start a new generation; its number."""
        with self._lock:
            self._generation += 1
            for cache in self._caches.values():
                cache.clear()
            self._server = server
            self._config_error = config_error
            self._contact = {}
            self._last_error = ""
            self._changed_locked()
            return self._generation

    def end(self, generation: int) -> None:
        """The watches of `generation` stopped: later writes from them are ignored."""
        with self._lock:
            if generation == self._generation:
                self._generation += 1
            self._changed.notify_all()

    # -- writes from the watches -------------------------------------------------------------

    def put(self, generation: int, kind: str, key: Key, value: object | None) -> None:
        """One watch event: `value` None deletes."""
        with self._lock:
            if generation != self._generation:
                return
            cache = self._caches[kind]
            changed = cache.put(key, value) if value is not None else cache.remove(key)
            if changed:
                self._changed_locked()

    def replace(self, generation: int, kind: str, items: Mapping[Key, object]) -> None:
        """The result of a (re)list: the kind is synced from now on."""
        with self._lock:
            if generation != self._generation:
                return
            self._contact[kind] = True
            if self._caches[kind].replace(items) | self._reachability_changed():
                self._changed_locked()

    def contact(self, generation: int, kind: str, ok: bool, error: str = "") -> None:
        """Whether the latest exchange of this kind's watcher with the API worked."""
        with self._lock:
            if generation != self._generation:
                return
            self._contact[kind] = ok
            if error:
                self._last_error = error
            if self._reachability_changed():
                self._changed_locked()

    def _reachable_error(self) -> tuple[bool, str]:
        if self._config_error:
            return False, self._config_error
        # One working watch proves the API answers; all of them failing proves it does not
        # (a flaky 5xx on one kind does not make the cluster look gone).
        if any(self._contact.values()):
            return True, ""
        return False, self._last_error

    def _reachability_changed(self) -> bool:
        return self._reachable_error() != self._reach

    def _changed_locked(self) -> None:
        self._reach = self._reachable_error()
        self._version += 1
        self._snapshot = None
        self._changed.notify_all()

    # -- reads -----------------------------------------------------------------------------

    def items(self, kind: str) -> tuple[Any, ...]:
        with self._lock:
            return self._caches[kind].values()

    def snapshot(self) -> ClusterSnapshot:
        with self._lock:
            if self._snapshot is None:
                reachable, error = self._reach
                caches = self._caches
                self._snapshot = ClusterSnapshot(
                    version=self._version,
                    reachable=reachable,
                    error=error,
                    server=self._server,
                    nodes=caches["nodes"].values(),
                    pods=caches["pods"].values(),
                    apps=caches["applications"].values(),
                    certificates=caches["certificates"].values(),
                    issuers=caches["clusterissuers"].values(),
                    orders=caches["orders"].values(),
                    challenges=caches["challenges"].values(),
                    namespaces=caches["namespaces"].values(),
                    volume_claims=caches["persistentvolumeclaims"].values(),
                    synced_kinds=frozenset(k for k, c in caches.items() if c.synced),
                )
            return self._snapshot

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        deadline = time.monotonic() + max(0.0, timeout)
        unregister = cancel.register(lambda _reason: self.wake()) if cancel else None
        try:
            with self._lock:
                while self._version <= after_version:
                    if cancel is not None and cancel.cancelled:
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                return self.snapshot()
        finally:
            if unregister is not None:
                unregister()

    def wake(self) -> None:
        with self._lock:
            self._changed.notify_all()
