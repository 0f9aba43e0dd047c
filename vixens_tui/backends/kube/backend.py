"""ClusterBackend over the official `kubernetes` client: watches in, a few actions out.

`start()` loads the profile's kubeconfig and runs one list-then-watch thread per kind
(watcher.py) feeding the in-memory picture (state.py); `snapshot()` and `wait_for_change()`
only read that picture, never the network. The kubeconfig is fingerprinted: `start()` again
with the same file does nothing, with a rewritten file (a new cluster after `terraform
apply`) it drops the old picture and watches the new cluster. While the file is absent or
unreadable, the snapshot says so and a light thread waits for it to change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client

from vixens_tui.backends.kube import kubeconfig
from vixens_tui.backends.kube.actions import Actions
from vixens_tui.backends.kube.kinds import KINDS
from vixens_tui.backends.kube.kubeconfig import Fingerprint
from vixens_tui.backends.kube.state import ClusterState
from vixens_tui.backends.kube.watcher import Backoff, KindWatcher
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.cluster import ClusterSnapshot, VolumeClaimInfo
from vixens_tui.core.ports import ClusterError
from vixens_tui.core.redact import Redactor

STOP_WAIT_S = 1.0
"""How long stop() waits for the threads; a straggler (a request stuck connecting) is a
daemon whose late results the state ignores, so stop never waits for a network timeout."""


@dataclass
class _Session:
    """The watches of one version of the kubeconfig."""

    fingerprint: Fingerprint | None
    generation: int
    stop: threading.Event = field(default_factory=threading.Event)
    api: client.ApiClient | None = None
    watchers: list[KindWatcher] = field(default_factory=list)
    waiter: threading.Thread | None = None


def _join(thread: threading.Thread | None, deadline: float) -> None:
    if thread is not None and thread is not threading.current_thread():
        thread.join(max(0.0, deadline - time.monotonic()))


class KubeBackend:
    def __init__(
        self,
        kubeconfig: Path,
        *,
        context: str | None = None,
        redactor: Redactor | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.kubeconfig = Path(kubeconfig)
        self.context = context
        self._redactor = redactor
        self._backoff = backoff or Backoff()
        self._state = ClusterState(kind.name for kind in KINDS)
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._actions_lock = threading.Lock()
        self._actions: tuple[Fingerprint, Actions] | None = None

    # -- kubeconfig ------------------------------------------------------------------------

    def _register(self, loaded: kubeconfig.LoadedKubeconfig) -> None:
        if self._redactor is not None:
            for secret in loaded.secrets():
                self._redactor.add(secret)

    def kubeconfig_server(self) -> str | None:
        loaded = kubeconfig.load(self.kubeconfig, self.context)
        if loaded is None:
            return None
        self._register(loaded)
        return loaded.server

    # -- watches ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            current = kubeconfig.fingerprint(self.kubeconfig)
            session = self._session
            if session is not None and session.fingerprint == current:
                return
            self._close(session)
            self._session = self._open(current)

    def stop(self) -> None:
        with self._lock:
            self._close(self._session)
            self._session = None
        # The actions' client too: its idle keep-alive connections would otherwise be closed
        # by the garbage collector, whenever it runs (a ResourceWarning, a socket held meanwhile).
        with self._actions_lock:
            if self._actions is not None:
                self._actions[1].api.close()  # type: ignore[no-untyped-call]
                self._actions = None

    @property
    def running(self) -> bool:
        return self._session is not None

    def _open(self, current: Fingerprint | None) -> _Session:
        try:
            loaded = kubeconfig.load(self.kubeconfig, self.context)
            error = "" if loaded else kubeconfig.missing_message(self.kubeconfig)
        except ClusterError as exc:
            loaded, error = None, str(exc)
        if loaded is None:
            session = _Session(current, self._state.begin(config_error=error))
            session.waiter = threading.Thread(
                target=self._await_kubeconfig,
                args=(session,),
                name="kube-kubeconfig-wait",
                daemon=True,
            )
            session.waiter.start()
            return session
        self._register(loaded)
        api = client.ApiClient(loaded.configuration)
        generation = self._state.begin(server=loaded.server)
        session = _Session(loaded.fingerprint, generation, api=api)
        session.watchers = [
            KindWatcher(
                kind=kind,
                api=api,
                server=loaded.server,
                state=self._state,
                generation=generation,
                stop=session.stop,
                backoff=self._backoff,
            )
            for kind in KINDS
        ]
        for watcher in session.watchers:
            watcher.start()
        return session

    def _close(self, session: _Session | None) -> None:
        if session is None:
            return
        session.stop.set()
        for watcher in session.watchers:
            watcher.interrupt()
        deadline = time.monotonic() + STOP_WAIT_S
        for watcher in session.watchers:
            watcher.join(max(0.0, deadline - time.monotonic()))
        _join(session.waiter, deadline)
        self._state.end(session.generation)
        if session.api is not None:
            session.api.close()  # type: ignore[no-untyped-call]

    def _await_kubeconfig(self, session: _Session) -> None:
        """Watch for the file to appear or change (a local stat, not an API call): the
        watches then start on their own, as the person would expect after `apply`."""
        delay = self._backoff.first_s
        while not session.stop.wait(delay):
            delay = min(delay * 2, self._backoff.max_s)
            if kubeconfig.fingerprint(self.kubeconfig) == session.fingerprint:
                continue
            with self._lock:
                if self._session is session and not session.stop.is_set():
                    self._close(session)
                    self._session = self._open(kubeconfig.fingerprint(self.kubeconfig))
            return

    # -- reading the picture ---------------------------------------------------------------

    def watch_endings(self) -> dict[str, list[str]]:
        """Per kind, why its last requests ended (for a person diagnosing, and the tests)."""
        with self._lock:
            session = self._session
            watchers = list(session.watchers) if session is not None else []
        return {w.kind.name: list(w.endings) for w in watchers if w.endings}

    def snapshot(self) -> ClusterSnapshot:
        return self._state.snapshot()

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        return self._state.wait_for_change(after_version, timeout, cancel)

    def volume_claims(self) -> tuple[VolumeClaimInfo, ...]:
        """The PersistentVolumeClaims last seen (what a destroy would lose)."""
        claims: tuple[VolumeClaimInfo, ...] = self._state.items("persistentvolumeclaims")
        return claims

    # -- actions ---------------------------------------------------------------------------

    def _act(self) -> Actions:
        """Actions on the kubeconfig as it is now (the file may have been rewritten)."""
        with self._actions_lock:
            current = kubeconfig.fingerprint(self.kubeconfig)
            if current is None:
                raise ClusterError(kubeconfig.missing_message(self.kubeconfig))
            if self._actions is None or self._actions[0] != current:
                loaded = kubeconfig.load(self.kubeconfig, self.context)
                if loaded is None:
                    raise ClusterError(kubeconfig.missing_message(self.kubeconfig))
                self._register(loaded)
                if self._actions is not None:
                    self._actions[1].api.close()  # type: ignore[no-untyped-call]
                actions = Actions(client.ApiClient(loaded.configuration), loaded.server)
                self._actions = (loaded.fingerprint, actions)
            return self._actions[1]

    def create_namespace(self, name: str) -> bool:
        return self._act().create_namespace(name)

    def delete_pods(self, namespace: str, selector: str) -> tuple[str, ...]:
        return self._act().delete_pods(namespace, selector)

    def patch_application(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        self._act().patch_application(namespace, name, patch)

    def apply_secret(self, manifest: Mapping[str, Any]) -> None:
        self._act().apply_secret(manifest)

    def apply_configmap(self, namespace: str, name: str, data: Mapping[str, str]) -> None:
        self._act().apply_configmap(namespace, name, data)

    def object_exists(self, kind: str, namespace: str, name: str) -> bool:
        return self._act().object_exists(kind, namespace, name)

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        return self._act().pod_logs(namespace, name, tail)

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        return self._act().pod_events(namespace, name)
