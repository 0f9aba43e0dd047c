"""The object store (etcd's part): objects by kind, one resourceVersion counter, watch history.

Stored dicts are never mutated once handed to the store: readers (serializers, watches, the
controllers) share them without copying, and a writer deep-copies, edits and `put`s the copy.
All writes and the controllers' reconcile passes take `lock`; `changed` wakes the watches.
"""

from __future__ import annotations

import bisect
import builtins
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vixens_tui.sim.apiserver.kinds import KINDS, Kind
from vixens_tui.sim.clock import rfc3339

Obj = dict[str, Any]
# CRs and pods report a generation; the python client accepts it anywhere.
_GENERATION_KINDS = frozenset(
    {
        "Pod",
        "Application",
        "Certificate",
        "ClusterIssuer",
        "Issuer",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "CustomResourceDefinition",
        "CiliumLoadBalancerIPPool",
        "CiliumL2AnnouncementPolicy",
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    rv: int
    type: str
    """ADDED, MODIFIED or DELETED."""
    kind: Kind
    obj: Obj
    old: Obj | None = None


class TooOld(Exception):
    """A watch asked to resume from a resourceVersion the history no longer holds."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


# ObjectMeta fields that Go serializes with omitempty: a real server never stores them empty
# (it decodes into ObjectMeta and encodes it back, custom resources included). Dropping them on
# every write keeps a dry run's answer equal to the live object (kubectl diff compares them).
_OMIT_EMPTY_META = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")


def drop_empty_meta(meta: Obj) -> None:
    for field in _OMIT_EMPTY_META:
        if field in meta and meta[field] in ({}, [], None):
            del meta[field]


def key_of(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return meta.get("namespace", "") or "", meta["name"]


class Store:
    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        new_uid: Callable[[], str],
        history: int = 4096,
    ) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._now = now
        self._new_uid = new_uid
        self._max_history = history
        self._data: dict[str, dict[tuple[str, str], Obj]] = {k.resource: {} for k in KINDS}
        self._history: list[Change] = []
        self._history_rvs: list[int] = []
        self._rv = 0
        self._floor = 0
        """Resuming from an rv below this would miss changes the history dropped."""
        self.epoch = 0
        """Bumped when the cluster is wiped (a new etcd): watches of the old one must end."""

    # -- reads -----------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    def get(self, kind: Kind, namespace: str, name: str) -> Obj | None:
        with self.lock:
            return self._data[kind.resource].get((namespace if kind.namespaced else "", name))

    def list(self, kind: Kind, namespace: str | None = None) -> list[Obj]:
        """Objects of a kind (in one namespace when given), sorted like etcd keys."""
        with self.lock:
            items = self._data[kind.resource]
            keys = sorted(k for k in items if namespace is None or k[0] == namespace)
            return [items[k] for k in keys]

    def count(self, kind: Kind) -> int:
        with self.lock:
            return len(self._data[kind.resource])

    # -- writes ----------------------------------------------------------------------------

    def _bump(self) -> int:
        self._rv += 1
        return self._rv

    def _record(self, change: Change) -> None:
        self._history.append(change)
        self._history_rvs.append(change.rv)
        if len(self._history) > 2 * self._max_history:
            dropped = self._history[: -self._max_history]
            self._floor = dropped[-1].rv
            self._history = self._history[-self._max_history :]
            self._history_rvs = self._history_rvs[-self._max_history :]
        self.changed.notify_all()

    def add(self, kind: Kind, obj: Obj) -> Obj:
        """Store a new object, filling uid, creationTimestamp, generation and resourceVersion."""
        with self.lock:
            key = key_of(obj)
            if key in self._data[kind.resource]:
                raise KeyError(key)
            meta = obj.setdefault("metadata", {})
            drop_empty_meta(meta)
            meta.setdefault("uid", self._new_uid())
            meta.setdefault("creationTimestamp", rfc3339(self._now()))
            if kind.kind in _GENERATION_KINDS:
                meta.setdefault("generation", 1)
            obj.setdefault("apiVersion", kind.api_version)
            obj.setdefault("kind", kind.kind)
            meta["resourceVersion"] = str(self._bump())
            self._data[kind.resource][key] = obj
            self._record(Change(self._rv, "ADDED", kind, obj))
            return obj

    def put(self, kind: Kind, obj: Obj) -> Obj:
        """Replace a stored object with `obj` (a new dict), with a new resourceVersion."""
        with self.lock:
            key = key_of(obj)
            old = self._data[kind.resource].get(key)
            if old is None:
                raise KeyError(key)
            drop_empty_meta(obj["metadata"])
            obj["metadata"]["resourceVersion"] = str(self._bump())
            self._data[kind.resource][key] = obj
            self._record(Change(self._rv, "MODIFIED", kind, obj, old))
            return obj

    def remove(self, kind: Kind, namespace: str, name: str) -> Obj | None:
        with self.lock:
            key = (namespace if kind.namespaced else "", name)
            old = self._data[kind.resource].pop(key, None)
            if old is None:
                return None
            gone = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self._bump())}}
            self._record(Change(self._rv, "DELETED", kind, gone, old))
            return gone

    def wipe(self) -> None:
        """Forget everything (the cluster was destroyed); resourceVersions keep growing so a
        client of the old cluster is told its versions are too old rather than reused."""
        with self.lock:
            for items in self._data.values():
                items.clear()
            self._history.clear()
            self._history_rvs.clear()
            self._floor = self._bump()
            self.epoch += 1
            self.changed.notify_all()

    # -- watch support ---------------------------------------------------------------------

    def changes_after(self, rv: int, kinds: Iterable[Kind] | None = None) -> builtins.list[Change]:
        """Changes with a resourceVersion above `rv`; TooOld when some were forgotten."""
        with self.lock:
            if rv < self._floor:
                oldest = self._history_rvs[0] if self._history_rvs else self._rv
                raise TooOld(rv, oldest)
            start = bisect.bisect_right(self._history_rvs, rv)
            changes = self._history[start:]
            if kinds is not None:
                wanted = {k.resource for k in kinds}
                changes = [c for c in changes if c.kind.resource in wanted]
            return changes

    def compact(self) -> None:
        """Drop the whole history, as etcd compaction does: older versions become too old."""
        with self.lock:
            self._history.clear()
            self._history_rvs.clear()
            self._floor = self._rv
