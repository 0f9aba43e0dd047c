"""The few writes and reads the procedure makes, each one kubectl command of the procedure.

Responses are read raw (`_preload_content=False`) and mostly discarded: the backend needs
status codes, not the client's strict models (which would also hold the Secret's values in
memory for nothing). Every failure becomes a ClusterError; see errors.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pydantic
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vixens_tui.backends.kube.convert import timestamp
from vixens_tui.backends.kube.errors import to_cluster_error
from vixens_tui.core.ports import ClusterError

REQUEST_TIMEOUT = (5.0, 30.0)
"""(connect, read) seconds for one action: the engine retries, a hung call must not hang it."""
MERGE_PATCH = "application/merge-patch+json"
# A real API server answers this with metadata only (`kubectl get -o name` does the same);
# a server that does not know it falls back on plain JSON. Either way the body is discarded.
METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"

Reader = Callable[[client.ApiClient, str, str], Any]


def _read_core(method: str, namespaced: bool = True) -> Reader:
    def read(api: client.ApiClient, namespace: str, name: str) -> Any:
        call = getattr(client.CoreV1Api(api), method)
        args = (name, namespace) if namespaced else (name,)
        return call(
            *args,
            _preload_content=False,
            _request_timeout=REQUEST_TIMEOUT,
            _headers={"Accept": METADATA_ONLY},
        )

    return read


def _read_custom(group: str, version: str, plural: str, namespaced: bool = True) -> Reader:
    def read(api: client.ApiClient, namespace: str, name: str) -> Any:
        custom = client.CustomObjectsApi(api)
        if namespaced:
            return custom.get_namespaced_custom_object(
                group,
                version,
                namespace,
                plural,
                name,
                _preload_content=False,
                _request_timeout=REQUEST_TIMEOUT,
            )
        return custom.get_cluster_custom_object(
            group, version, plural, name, _preload_content=False, _request_timeout=REQUEST_TIMEOUT
        )

    return read


_READERS: dict[str, Reader] = {
    "secret": _read_core("read_namespaced_secret"),
    "configmap": _read_core("read_namespaced_config_map"),
    "namespace": _read_core("read_namespace", namespaced=False),
    "pod": _read_core("read_namespaced_pod"),
    "persistentvolumeclaim": _read_core("read_namespaced_persistent_volume_claim"),
    "application": _read_custom("argoproj.io", "v1alpha1", "applications"),
    "certificate": _read_custom("cert-manager.io", "v1", "certificates"),
    "clusterissuer": _read_custom("cert-manager.io", "v1", "clusterissuers", namespaced=False),
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
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)

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
                _drain(
                    self.core.create_namespace(
                        client.V1Namespace.model_validate(
                            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                        ),
                        _preload_content=False,
                        _request_timeout=REQUEST_TIMEOUT,
                    )
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
                _drain(
                    self.core.list_namespaced_pod(
                        namespace,
                        label_selector=selector,
                        _preload_content=False,
                        _request_timeout=REQUEST_TIMEOUT,
                    )
                )
            )
            deleted: list[str] = []
            for item in listed.get("items") or ():
                name = str((item.get("metadata") or {}).get("name") or "")
                if not name:
                    continue
                try:
                    _drain(
                        self.core.delete_namespaced_pod(
                            name,
                            namespace,
                            _preload_content=False,
                            _request_timeout=REQUEST_TIMEOUT,
                        )
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
            _drain(
                self.custom.patch_namespaced_custom_object(
                    "argoproj.io",
                    "v1alpha1",
                    namespace,
                    "applications",
                    name,
                    dict(patch),
                    _content_type=MERGE_PATCH,
                    _preload_content=False,
                    _request_timeout=REQUEST_TIMEOUT,
                )
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
                _drain(
                    self.core.create_namespaced_secret(
                        namespace, body, _preload_content=False, _request_timeout=REQUEST_TIMEOUT
                    )
                )
            except ApiException as exc:
                if exc.status != 409:
                    raise
                _drain(
                    self.core.replace_namespaced_secret(
                        name,
                        namespace,
                        body,
                        _preload_content=False,
                        _request_timeout=REQUEST_TIMEOUT,
                    )
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
                _drain(
                    self.core.create_namespaced_config_map(
                        namespace, body, _preload_content=False, _request_timeout=REQUEST_TIMEOUT
                    )
                )
            except ApiException as exc:
                if exc.status != 409:
                    raise
                _drain(
                    self.core.replace_namespaced_config_map(
                        name,
                        namespace,
                        body,
                        _preload_content=False,
                        _request_timeout=REQUEST_TIMEOUT,
                    )
                )

    def object_exists(self, kind: str, namespace: str, name: str) -> bool:
        """Whether the object exists; its content is read from the wire and dropped."""
        key = _ALIASES.get(kind.lower(), kind.lower())
        if key not in _READERS:
            key = key.removesuffix("s")  # "secrets", "configmaps": kubectl accepts plurals
        reader = _READERS.get(key)
        if reader is None:
            raise ClusterError(f"object_exists: unsupported kind {kind!r}", status=400)
        with self._errors(f"get {kind} {namespace}/{name}"):
            try:
                _drain(reader(self.api, namespace, name))
            except ApiException as exc:
                if exc.status == 404:
                    return False
                raise
        return True

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        """`kubectl logs -n NS POD --tail N`."""
        with self._errors(f"logs {namespace}/{name}"):
            return _drain(
                self.core.read_namespaced_pod_log(
                    name,
                    namespace,
                    tail_lines=tail,
                    _preload_content=False,
                    _request_timeout=REQUEST_TIMEOUT,
                )
            ).decode("utf-8", "replace")

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        """The Events section of `kubectl describe pod`, oldest first, one line each."""
        with self._errors(f"events of {namespace}/{name}"):
            listed = json.loads(
                _drain(
                    self.core.list_namespaced_event(
                        namespace,
                        field_selector=f"involvedObject.kind=Pod,involvedObject.name={name}",
                        _preload_content=False,
                        _request_timeout=REQUEST_TIMEOUT,
                    )
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
