"""The procedure's `curl` checks (section 6.4), through httpx.

One request per probe, redirects not followed (curl does not follow them either without -L):
the core decides what a redirect means (core/http_checks.py). An https URL is verified against
this host's trust store, as curl does; when verification fails the request is made again
without it, so the answer and the certificate's issuer can still be reported (a staging
certificate is not trusted, yet the service behind it answers).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography import x509

from vixens_tui.core.ports import HttpResult, TlsInfo


def _verifying() -> ssl.SSLContext:
    return ssl.create_default_context()


def _trusting() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _names(der: bytes | None) -> tuple[str, str]:
    """(issuer, subject) of a DER certificate, as RFC 4514 text."""
    if not der:
        return "", ""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return "", ""
    return cert.issuer.rfc4514_string(), cert.subject.rfc4514_string()


def _peer_certificate(response: httpx.Response) -> bytes | None:
    stream: Any = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    # Positional: the low-level _ssl._SSLSocket httpcore hands out takes no keywords.
    der: bytes | None = ssl_object.getpeercert(True)
    return der


class HttpxProber:
    """One probe per call (see the module's docstring)."""

    def __init__(self) -> None:
        self._clients = {
            True: httpx.Client(follow_redirects=False, trust_env=False, verify=_verifying()),
            False: httpx.Client(follow_redirects=False, trust_env=False, verify=_trusting()),
        }

    def _request(
        self,
        url: str,
        method: str,
        headers: Mapping[str, str],
        timeout_s: float,
        connect_to: Mapping[str, str],
        *,
        verify: bool,
    ) -> tuple[httpx.Response, bytes | None]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        send_headers = dict(headers)
        extensions: dict[str, Any] = {}
        target = connect_to.get(f"{host}:{port}")
        if target is not None:
            # curl --connect-to: another address, the same Host header and TLS server name.
            if not any(k.lower() == "host" for k in send_headers):
                send_headers["Host"] = parts.netloc.rpartition("@")[2]
            extensions["sni_hostname"] = host
            url = urlunsplit((parts.scheme, target, parts.path, parts.query, ""))
        client = self._clients[verify]
        request = client.build_request(
            method, url, headers=send_headers, timeout=timeout_s, extensions=extensions
        )
        response = client.send(request, stream=True)
        try:
            der = _peer_certificate(response) if parts.scheme == "https" else None
            response.read()
        finally:
            response.close()
        return response, der

    def probe(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 10.0,
        connect_to: Mapping[str, str] | None = None,
    ) -> HttpResult:
        started = time.monotonic()
        tls: TlsInfo | None = None
        try:
            try:
                response, der = self._request(
                    url, method, headers or {}, timeout_s, connect_to or {}, verify=True
                )
                if der is not None:
                    issuer, subject = _names(der)
                    tls = TlsInfo(True, issuer, subject)
            except httpx.ConnectError as exc:
                refused = _verify_error(exc)
                if refused is None:
                    raise
                # Not trusted here: ask again without verifying, to report what answers.
                started = time.monotonic()
                response, der = self._request(
                    url, method, headers or {}, timeout_s, connect_to or {}, verify=False
                )
                issuer, subject = _names(der)
                tls = TlsInfo(False, issuer, subject, refused.verify_message or str(refused))
        except httpx.TimeoutException:
            return HttpResult(
                url, None, f"timed out after {timeout_s:.0f}s", time.monotonic() - started
            )
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            return HttpResult(url, None, reason, time.monotonic() - started)
        location = response.headers.get("location", "") if response.is_redirect else ""
        return HttpResult(
            url, response.status_code, "", time.monotonic() - started, location=location, tls=tls
        )

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
