"""gavinbunney/kubectl's side of the wire: its client-go connection (host, client certificate,
CA), discovery, kubectl's apply and delete requests, and errors worded as Go prints them.

Errors are `KubeError`, whose text is what the real provider's messages embed: an API Status's
message (`namespaces "argocd" not found`), or a transport failure as a Go *url.Error,
`Get "https://127.0.0.1:6443/api?timeout=32s": dial tcp 127.0.0.1:6443: connect: connection
refused`. Discovery requests carry `?timeout=32s` as client-go's discovery client adds it.
"""

from __future__ import annotations

import errno
import secrets
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from vixens_tui.sim.providers import kubectl_manifest as mf

Obj = dict[str, Any]
DISCOVERY_TIMEOUT = "32s"
_MERGE_PATCH = "application/merge-patch+json"
_APPLY_PATCH = "application/apply-patch+yaml"
_STATUS_DEFAULTS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "the server could not find the requested resource",
    405: "the server does not allow this method on the requested resource",
}
_DIAL_ERRORS = {
    errno.ECONNREFUSED: "connect: connection refused",
    errno.EHOSTUNREACH: "connect: no route to host",
    errno.ENETUNREACH: "connect: network is unreachable",
    errno.ETIMEDOUT: "i/o timeout",
}

TERRAFORM_USER_AGENT = "HashiCorp/1.0 Terraform/1.15.5"


class KubeError(Exception):
    """A failed request; `str()` is Go's text of it, `code` the HTTP status (0: transport)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


def _pem_context(ca: str, cert: str, key: str, insecure: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca:
        try:
            context = ssl.create_default_context(cadata=ca)
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(
                "unable to load root certificates: unable to parse bytes as PEM block"
            ) from exc
    if cert or key:
        # ssl loads a certificate chain from files only: a private directory, gone at once.
        with tempfile.TemporaryDirectory(prefix="kubectl-provider-") as tmp:
            cert_file, key_file = Path(tmp) / "client.crt", Path(tmp) / "client.key"
            cert_file.write_text(cert)
            key_file.touch(mode=0o600)
            key_file.write_text(key)
            try:
                context.load_cert_chain(cert_file, key_file)
            except (ssl.SSLError, ValueError) as exc:
                raise ValueError("tls: failed to find any PEM data in certificate input") from exc
    return context


@dataclass(frozen=True)
class Connection:
    """Where and how to connect, from the provider's configuration."""

    url: str
    verify: ssl.SSLContext | bool
    token: str = ""
    unconfigured: bool = False
    """No host: client-go's default http://localhost, refused without trying (port 80)."""

    @classmethod
    def from_config(cls, config: Obj) -> Connection:
        """Raises ValueError (Go's text) for certificates that do not parse."""
        host = str(config.get("host") or "")
        ca = str(config.get("cluster_ca_certificate") or "")
        cert = str(config.get("client_certificate") or "")
        key = str(config.get("client_key") or "")
        insecure = bool(config.get("insecure"))
        token = str(config.get("token") or "")
        if not host:
            return cls("http://localhost", False, token, unconfigured=True)
        if "://" not in host:  # restclient.DefaultServerURL: https when TLS is configured
            host = ("https://" if ca or cert or insecure else "http://") + host
        verify: ssl.SSLContext | bool = False
        if host.startswith("https://"):
            verify = _pem_context(ca, cert, key, insecure)
        return cls(host.rstrip("/"), verify, token)


@dataclass(frozen=True)
class Mapping:
    """Where a kind is served (discovery's APIResource)."""

    prefix: str
    """/api/v1 or /apis/GROUP/VERSION."""
    plural: str
    namespaced: bool

    def default_namespace(self, obj: Obj) -> None:
        if self.namespaced and not mf.namespace(obj):
            obj.setdefault("metadata", {})["namespace"] = "default"

    def collection(self, obj: Obj) -> str:
        if self.namespaced:
            return f"{self.prefix}/namespaces/{mf.namespace(obj) or 'default'}/{self.plural}"
        return f"{self.prefix}/{self.plural}"

    def item(self, obj: Obj) -> str:
        return f"{self.collection(obj)}/{mf.name(obj)}"


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _transport_error(method: str, url: str, exc: httpx.HTTPError) -> KubeError:
    """A Go *url.Error: `Op "URL": err`, Op the method with only its first letter upper."""
    if isinstance(exc, httpx.ConnectTimeout):
        text = f"dial tcp {_host_port(url)}: i/o timeout"
    elif isinstance(exc, httpx.TimeoutException):
        text = "net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
    elif _cause(exc, ssl.SSLCertVerificationError) is not None:
        text = "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    elif _cause(exc, ssl.SSLError) is not None:
        text = "remote error: tls: bad certificate"
    elif isinstance(exc, httpx.ConnectError):
        os_error = _cause(exc, OSError)
        code = getattr(os_error, "errno", None)
        reason = _DIAL_ERRORS.get(code or 0, "connect: connection refused")
        text = f"dial tcp {_host_port(url)}: {reason}"
    else:
        text = "EOF"
    return KubeError(f'{method[:1]}{method[1:].lower()} "{url}": {text}')


class KubeApi:
    """One operation's requests (a connection pool of its own; the TLS context is shared)."""

    def __init__(
        self,
        connection: Connection,
        discovered: dict[tuple[str, str, str], Mapping],
        timeout: float,
        on_host: Callable[[str], None] | None = None,
    ) -> None:
        self.connection = connection
        self._discovered = discovered
        self._on_host = on_host
        # What terraform-plugin-sdk providers send (httpclient.TerraformUserAgent).
        headers = {"Accept": "application/json", "User-Agent": TERRAFORM_USER_AGENT}
        if connection.token:
            headers["Authorization"] = f"Bearer {connection.token}"
        self._http = httpx.Client(
            base_url=connection.url, verify=connection.verify, timeout=timeout, headers=headers
        )

    def __enter__(self) -> KubeApi:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Obj | None = None,
        content_type: str = "application/json",
    ) -> Obj:
        request = self._http.build_request(
            method,
            path,
            params=params,
            content=None if body is None else mf.go_json(body).encode(),
            headers={"Content-Type": content_type} if body is not None else None,
        )
        url = str(request.url)
        if self.connection.unconfigured:
            raise KubeError(
                f'{method[:1]}{method[1:].lower()} "{url}": dial tcp 127.0.0.1:80: connect: connection refused'
            )
        if self._on_host is not None:
            self._on_host(urlsplit(url).hostname or "")
        try:
            answer = self._http.send(request)
        except httpx.HTTPError as exc:
            raise _transport_error(method, url, exc) from exc
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.status_code >= 400:
            message = data.get("message") if isinstance(data, dict) else None
            default = _STATUS_DEFAULTS.get(answer.status_code, answer.text.strip() or "unknown")
            raise KubeError(str(message or default), answer.status_code)
        return data if isinstance(data, dict) else {}

    # -- discovery -------------------------------------------------------------------------

    def resolve(self, obj: Obj) -> Mapping | None:
        """The kind's resource, None when the cluster does not serve it.

        The real provider lists every group-version (ServerGroupsAndResources, cached ten
        minutes, refreshed once when the kind is missing). Asking /api, then the manifest's
        own group-version, answers the same with two requests; only hits are kept."""
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        key = (self.connection.url, api_version, kind)
        if key in self._discovered:
            return self._discovered[key]
        self.call("GET", "/api", params={"timeout": DISCOVERY_TIMEOUT})
        group, version = mf.group_version(api_version)
        if not version:
            return None
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            listing = self.call("GET", prefix, params={"timeout": DISCOVERY_TIMEOUT})
        except KubeError as exc:
            if exc.code == 404:
                return None
            raise
        # checkAPIResourceIsPresent: the first resource of that kind, subresources included.
        for resource in listing.get("resources") or []:
            if resource.get("kind") == kind:
                found = Mapping(prefix, str(resource["name"]), bool(resource.get("namespaced")))
                self._discovered[key] = found
                return found
        return None

    # -- objects ---------------------------------------------------------------------------

    def get(self, mapping: Mapping, obj: Obj) -> Obj:
        return self.call("GET", mapping.item(obj))

    def client_side_apply(self, mapping: Mapping, obj: Obj, manager: str) -> None:
        """`kubectl apply`: create with the last-applied annotation, or patch three-way."""
        source = f"/tmp/{secrets.randbelow(1 << 32)}kubectl_manifest.yaml"  # noqa: S108 (a name in a message)
        modified = mf.with_last_applied(obj)
        params = {"fieldManager": manager}
        try:
            current = self.get(mapping, obj)
        except KubeError as exc:
            if exc.code != 404:
                raise KubeError(
                    f"error when retrieving current configuration of:\n{_info(mapping, obj)}\n"
                    f'from server for: "{source}": {exc}',
                    exc.code,
                ) from exc
            try:
                self.call("POST", mapping.collection(obj), params=params, body=modified)
                return
            except KubeError as created:
                if created.code != 409:
                    raise KubeError(
                        f'error when creating "{source}": {created}', created.code
                    ) from created
                current = self.get(mapping, obj)  # created meanwhile: apply over it
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        original = mf.parse_json(annotations.get(mf.LAST_APPLIED, ""))
        patch = mf.three_way_patch(original, modified, current)
        if not patch:
            return  # "unchanged"
        try:
            self.call(
                "PATCH", mapping.item(obj), params=params, body=patch, content_type=_MERGE_PATCH
            )
        except KubeError as exc:
            raise KubeError(
                f"error when applying patch:\n{mf.go_json(patch)}\nto:\n{_info(mapping, obj)}\n"
                f'for: "{source}": error when patching "{source}": {exc}',
                exc.code,
            ) from exc

    def server_side_apply(self, mapping: Mapping, obj: Obj, manager: str, force: bool) -> None:
        params = {"fieldManager": manager}
        if force:
            params["force"] = "true"
        self.call("PATCH", mapping.item(obj), params=params, body=obj, content_type=_APPLY_PATCH)

    def delete(self, mapping: Mapping, obj: Obj, propagation: str) -> None:
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        self.call("DELETE", mapping.item(obj), body=options)


def _info(mapping: Mapping, obj: Obj) -> str:
    """cli-runtime's resource.Info.String()."""
    group, version = mf.group_version(str(obj.get("apiVersion", "")))
    return (
        f'Resource: "{group}/{version}, Resource={mapping.plural}", '
        f'GroupVersionKind: "{group}/{version}, Kind={obj.get("kind", "")}"\n'
        f'Name: "{mf.name(obj)}", Namespace: "{mf.namespace(obj)}"'
    )
