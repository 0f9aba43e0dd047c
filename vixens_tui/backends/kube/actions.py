"""The few writes and reads the procedure makes, each one kubectl command of the procedure.

Responses are read raw (`_preload_content=False`) and mostly discarded: the backend needs
status codes, not the client's strict models (which would also hold the Secret's values in
memory for nothing). Every failure becomes a ClusterError; see errors.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pydantic
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vixens_tui.backends.kube import rest
from vixens_tui.backends.kube.convert import timestamp
from vixens_tui.backends.kube.errors import to_cluster_error
from vixens_tui.core.ports import ClusterError

REQUEST_TIMEOUT = (5.0, 30.0)
"""(connect, read) seconds for one action: the engine retries, a hung call must not hang it."""
MERGE_PATCH = "application/merge-patch+json"
# A real API server answers this with metadata only (`kubectl get -o name` does the same);
# a server that does not know it falls back on plain JSON. Either way the body is discarded.
METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"

_READ_PATHS: dict[str, str] = {
    "secret": "/api/v1/namespaces/{namespace}/secrets/{name}",
    "configmap": "/api/v1/namespaces/{namespace}/configmaps/{name}",
    "namespace": "/api/v1/namespaces/{name}",
    "pod": "/api/v1/namespaces/{namespace}/pods/{name}",
    "persistentvolumeclaim": "/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}",
    "application": "/apis/argoproj.io/v1alpha1/namespaces/{namespace}/applications/{name}",
    "certificate": "/apis/cert-manager.io/v1/namespaces/{namespace}/certificates/{name}",
    "clusterissuer": "/apis/cert-manager.io/v1/clusterissuers/{name}",
}
_ALIASES = {
    "cm": "configmap",
    "ns": "namespace",
    "pvc": "persistentvolumeclaim",
    "app": "application",
}


def _drain(response: Any) -> bytes:
    """Read the whole body (keep-alive needs it) and give the connection back."""
    try:
        return bytes(response.data or b"")
    finally:
        response.release_conn()


def _invalid(what: str, exc: pydantic.ValidationError) -> ClusterError:
    # The client validates bodies against its models before sending; pydantic's message
    # would quote the offending input, which may be a secret value: name the fields only.
    fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
    return ClusterError(
        f"{what}: not a valid object (fields: {', '.join(fields)})", status=422, reason="Invalid"
    )


class Actions:
    """Calls on one ApiClient; `server` names the API in error messages."""

    def __init__(self, api: client.ApiClient, server: str) -> None:
        self.api = api
        self.server = server

    def _call(self, method: str, path: str, **options: Any) -> bytes:
        """One request (rest.call), its answer read whole; the connection goes back."""
        return _drain(rest.call(self.api, method, path, timeout=REQUEST_TIMEOUT, **options))

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except ClusterError:
            raise
        except pydantic.ValidationError as exc:
            raise _invalid(what, exc) from None
        except Exception as exc:
            raise to_cluster_error(exc, self.server, what) from None

    def create_namespace(self, name: str) -> bool:
        """`kubectl create namespace NAME`; False when it already exists."""
        with self._errors(f"create namespace {name}"):
            try:
                self._call(
                    "POST",
                    "/api/v1/namespaces",
                    body=client.V1Namespace.model_validate(
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                    ),
                )
            except ApiException as exc:
                if exc.status == 409:
                    return False
                raise
        return True

    def delete_pods(self, namespace: str, selector: str) -> tuple[str, ...]:
        """`kubectl delete pod -n NS -l SELECTOR`: list the matching pods, delete each."""
        with self._errors(f"delete pods -n {namespace} -l {selector}"):
            listed = json.loads(
                self._call(
                    "GET",
                    "/api/v1/namespaces/{namespace}/pods",
                    names={"namespace": namespace},
                    query={"label_selector": selector},
                )
            )
            deleted: list[str] = []
            for item in listed.get("items") or ():
                name = str((item.get("metadata") or {}).get("name") or "")
                if not name:
                    continue
                try:
                    self._call(
                        "DELETE",
                        "/api/v1/namespaces/{namespace}/pods/{name}",
                        names={"namespace": namespace, "name": name},
                    )
                except ApiException as exc:
                    if exc.status == 404:  # gone meanwhile: not ours to report
                        continue
                    raise
                deleted.append(name)
            return tuple(deleted)

    def patch_application(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        """`kubectl patch application NAME -n NS --type merge -p PATCH`.

        Custom resources reject strategic merge patch (415): the content type is explicit.
        """
        with self._errors(f"patch application {namespace}/{name}"):
            self._call(
                "PATCH",
                "/apis/argoproj.io/v1alpha1/namespaces/{namespace}/applications/{name}",
                names={"namespace": namespace, "name": name},
                body=dict(patch),
                content_type=MERGE_PATCH,
            )

    def apply_secret(self, manifest: Mapping[str, Any]) -> None:
        """`kubectl apply -f FILE` of a Secret: create it, or replace it when it exists."""
        meta = manifest.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        name = str(meta.get("name") or "")
        with self._errors(f"apply secret {namespace}/{name}"):
            body = client.V1Secret.model_validate(
                {"apiVersion": "v1", "kind": "Secret", **dict(manifest)}
            )
            try:
                self._call(
                    "POST",
                    "/api/v1/namespaces/{namespace}/secrets",
                    names={"namespace": namespace},
                    body=body,
                )
            except ApiException as exc:
                if exc.status != 409:
                    raise
                self._call(
                    "PUT",
                    "/api/v1/namespaces/{namespace}/secrets/{name}",
                    names={"namespace": namespace, "name": name},
                    body=body,
                )

    def apply_configmap(self, namespace: str, name: str, data: Mapping[str, str]) -> None:
        """`kubectl create configmap ... --dry-run=client -o yaml | kubectl apply -f -`."""
        with self._errors(f"apply configmap {namespace}/{name}"):
            body = client.V1ConfigMap.model_validate(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": namespace},
                    "data": dict(data),
                }
            )
            try:
                self._call(
                    "POST",
                    "/api/v1/namespaces/{namespace}/configmaps",
                    names={"namespace": namespace},
                    body=body,
                )
            except ApiException as exc:
                if exc.status != 409:
                    raise
                self._call(
                    "PUT",
                    "/api/v1/namespaces/{namespace}/configmaps/{name}",
                    names={"namespace": namespace, "name": name},
                    body=body,
                )

    def object_exists(self, kind: str, namespace: str, name: str) -> bool:
        """Whether the object exists; its content is read from the wire and dropped."""
        key = _ALIASES.get(kind.lower(), kind.lower())
        if key not in _READ_PATHS:
            key = key.removesuffix("s")  # "secrets", "configmaps": kubectl accepts plurals
        path = _READ_PATHS.get(key)
        if path is None:
            raise ClusterError(f"object_exists: unsupported kind {kind!r}", status=400)
        with self._errors(f"get {kind} {namespace}/{name}"):
            try:
                self._call(
                    "GET", path, names={"namespace": namespace, "name": name}, accept=METADATA_ONLY
                )
            except ApiException as exc:
                if exc.status == 404:
                    return False
                raise
        return True

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        """`kubectl logs -n NS POD --tail N`."""
        with self._errors(f"logs {namespace}/{name}"):
            return self._call(
                "GET",
                "/api/v1/namespaces/{namespace}/pods/{name}/log",
                names={"namespace": namespace, "name": name},
                query={"tail_lines": tail},
                accept="text/plain",
            ).decode("utf-8", "replace")

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        """The Events section of `kubectl describe pod`, oldest first, one line each."""
        with self._errors(f"events of {namespace}/{name}"):
            listed = json.loads(
                self._call(
                    "GET",
                    "/api/v1/namespaces/{namespace}/events",
                    names={"namespace": namespace},
                    query={"field_selector": f"involvedObject.kind=Pod,involvedObject.name={name}"},
                )
            )
        events = [e for e in listed.get("items") or () if isinstance(e, dict)]
        events.sort(key=_event_time)
        return tuple(_event_line(e) for e in events)


def _event_time(event: Mapping[str, Any]) -> float:
    return timestamp(
        event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
    )


def _event_line(event: Mapping[str, Any]) -> str:
    source = (event.get("source") or {}).get("component") or event.get("reportingComponent")
    count = event.get("count") or 1
    line = f"{event.get('type') or 'Normal'} {event.get('reason') or ''}"
    if source:
        line += f" ({source})"
    line += f": {event.get('message') or ''}".rstrip()
    return line + (f" (x{count})" if isinstance(count, int) and count > 1 else "")
