"""The cluster as every front end receives it: what it reads from the API comes back masked.

One choke point instead of a patch per screen: snapshots (the grids, the apps table, the waits'
and the checklist's texts, the destroy's preview, `--json`), pod logs and events (the
diagnostics view), and the messages of `ClusterError` (stage failures, the diagnostics view)
all pass through the session's Redactor here, before any stage or screen sees them. Actions
(create, delete, patch, apply) go through unchanged: only what comes back is text to mask.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.ports import Backends, ClusterBackend, ClusterError
from vixens_tui.core.redact import Redactor


class RedactedCluster:
    """A ClusterBackend around another, masking the secrets `redactor` knows."""

    def __init__(self, inner: ClusterBackend, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except ClusterError as exc:
            message = str(exc)
            clean = self.redactor.scrub(message)
            if clean is message and self.redactor.scrub(exc.reason) is exc.reason:
                raise
            # `from None`: the original, unmasked, must not be printed as its cause.
            raise ClusterError(
                clean, status=exc.status, reason=self.redactor.scrub(exc.reason)
            ) from None

    def kubeconfig_server(self) -> str | None:
        with self._errors():
            server = self.inner.kubeconfig_server()
        return None if server is None else self.redactor.scrub(server)

    def start(self) -> None:
        with self._errors():
            self.inner.start()

    def stop(self) -> None:
        self.inner.stop()

    def snapshot(self) -> ClusterSnapshot:
        return self.redactor.scrub_snapshot(self.inner.snapshot())

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        return self.redactor.scrub_snapshot(
            self.inner.wait_for_change(after_version, timeout, cancel)
        )

    def create_namespace(self, name: str) -> bool:
        with self._errors():
            return self.inner.create_namespace(name)

    def delete_pods(self, namespace: str, selector: str) -> tuple[str, ...]:
        with self._errors():
            return self.inner.delete_pods(namespace, selector)

    def patch_application(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        with self._errors():
            self.inner.patch_application(namespace, name, patch)

    def apply_secret(self, manifest: Mapping[str, Any]) -> None:
        with self._errors():
            self.inner.apply_secret(manifest)

    def apply_configmap(self, namespace: str, name: str, data: Mapping[str, str]) -> None:
        with self._errors():
            self.inner.apply_configmap(namespace, name, data)

    def object_exists(self, kind: str, namespace: str, name: str) -> bool:
        with self._errors():
            return self.inner.object_exists(kind, namespace, name)

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        with self._errors():
            return self.redactor.scrub(self.inner.pod_logs(namespace, name, tail))

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        with self._errors():
            return tuple(map(self.redactor.scrub, self.inner.pod_events(namespace, name)))


def redacted_backends(backends: Backends, redactor: Redactor) -> Backends:
    """`backends` with its cluster behind `redactor` (once: already wrapped, as it is)."""
    cluster = backends.cluster
    if isinstance(cluster, RedactedCluster) and cluster.redactor is redactor:
        return backends
    return dataclasses.replace(backends, cluster=RedactedCluster(cluster, redactor))
