"""What went wrong talking to the API, in one line a person can act on.

Everything the client can raise (an ApiException carrying a Status, a urllib3 connection
error wrapping an OSError, a TLS failure) becomes a ClusterError: `status` is the HTTP code,
or 0 when the API could not be reached at all. Messages name the server but never carry a
request (the bearer token lives in its headers).
"""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from vixens_tui.core.ports import ClusterError


def _status_body(exc: ApiException) -> dict[str, Any]:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip().startswith("{"):
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: urllib3 keeps the OSError in `.reason`."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        reason = getattr(current, "reason", None)
        todo.extend(
            [
                reason if isinstance(reason, BaseException) else None,
                current.__cause__,
                current.__context__,
            ]
        )
    return seen


def api_error(exc: ApiException, what: str = "") -> ClusterError:
    status = int(exc.status or 0)
    body = _status_body(exc)
    reason = str(body.get("reason") or exc.reason or "")
    message = str(body.get("message") or "")
    if not message:
        # A watch's ERROR event arrives as ApiException(reason="Expired: too old ...").
        message = str(exc.reason or f"HTTP {status}")
    prefix = f"{what}: " if what else ""
    if status == 401:
        message = "the API refused the kubeconfig's credentials (401 Unauthorized)"
    return ClusterError(f"{prefix}{message}", status=status, reason=reason)


def connection_error(exc: BaseException, server: str, what: str = "") -> ClusterError:
    """A failure below HTTP: the status is 0 (unreachable)."""
    prefix = f"{what}: " if what else ""
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return ClusterError(f"{prefix}connection refused to {server}")
        if isinstance(cause, ssl.SSLCertVerificationError):
            return ClusterError(
                f"{prefix}TLS certificate of {server} not trusted by the kubeconfig's CA "
                f"({cause.verify_message or cause.reason})"
            )
        if isinstance(cause, socket.gaierror):
            return ClusterError(f"{prefix}cannot resolve the host of {server}")
    for cause in causes:
        if isinstance(cause, (TimeoutError, urllib3.exceptions.TimeoutError)):
            return ClusterError(f"{prefix}timed out talking to {server}")
        if isinstance(cause, ConnectionResetError | urllib3.exceptions.ProtocolError):
            return ClusterError(f"{prefix}connection to {server} lost")
        if isinstance(cause, ssl.SSLError):
            return ClusterError(f"{prefix}TLS error with {server}: {cause.reason or cause}")
    detail = str(causes[-1]) or type(causes[-1]).__name__
    return ClusterError(f"{prefix}cannot reach {server}: {detail}")


def to_cluster_error(exc: BaseException, server: str, what: str = "") -> ClusterError:
    if isinstance(exc, ClusterError):
        return exc
    if isinstance(exc, ApiException):
        if exc.status:
            return api_error(exc, what)
        return connection_error(exc, server, what)
    return connection_error(exc, server, what)
