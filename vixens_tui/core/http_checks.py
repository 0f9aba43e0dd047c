"""The procedure's `curl` checks (section 6.4), as the vixens ingresses answer them.

Every ingress of the vixens repository pairs an HTTPS router with an HTTP one that only
redirects, through the `redirect-https` middleware (apps/traefik-dashboard/base: Traefik's
redirectScheme, `scheme: https, permanent: true`). Traefik answers that redirect with 301 to a
GET and 308 to any other method (pkg/middlewares/redirect/redirect.go, moveHandler), Location
`https://<the request's host><path>`. So `curl http://whoami.dev.truxonline.com` shows a 301,
never the page. A check whose answer is such a redirect (same host, https) follows it once, or
accepts it (`https_redirect`), and says which.

The HTTPS answer's certificate is the one cert-manager issued through the ingress's issuer; the
dev environment's is letsencrypt-staging, whose CA is in no trust store: the evidence says the
certificate is not trusted, and why, without failing the check unless the profile requires a
trusted one (`require_trusted_certificate`).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urljoin, urlsplit

from vixens_tui.core.cluster import CertificateInfo, ClusterSnapshot
from vixens_tui.core.ports import HttpProber, HttpResult, TlsInfo
from vixens_tui.core.profile.model import HttpCheck

REDIRECTS = frozenset({301, 302, 303, 307, 308})
STAGING_MARK = "(STAGING)"
"""Let's Encrypt's staging hierarchy prefixes every CA name with it (letsencrypt.org/docs/
staging-environment: "(STAGING) Pretend Pear X1", ...); no client trusts those CAs."""
TRAEFIK_DEFAULT = "TRAEFIK DEFAULT CERT"
"""The certificate Traefik serves when a router's TLS Secret cannot be found."""


def request_host(check: HttpCheck) -> str:
    """The host the request names: its Host header when it sets one, else the URL's."""
    header = next((v for k, v in check.headers.items() if k.lower() == "host"), "")
    host = urlsplit(f"//{header}").hostname if header else check.url.host
    return (host or "").lower()


def https_target(check: HttpCheck, result: HttpResult) -> str:
    """The Location of `result` when it redirects to the same host over https ('' otherwise)."""
    if result.status not in REDIRECTS or not result.location:
        return ""
    target = urljoin(str(check.url), result.location)
    parts = urlsplit(target)
    if parts.scheme != "https" or (parts.hostname or "").lower() != request_host(check):
        return ""
    return target


def probe_check(http: HttpProber, check: HttpCheck) -> HttpResult:
    """Probe the check's URL; follow a redirect to the same host over https once, when the
    check says so and the redirect is not itself an expected status."""
    first = http.probe(
        str(check.url),
        method=check.method,
        headers=check.headers,
        timeout_s=check.timeout_s,
        connect_to=check.connect_to,
    )
    if check.https_redirect != "follow" or first.status in check.expect_status:
        return first
    target = https_target(check, first)
    if not target:
        return first
    # The new URL names the host: a Host header of the check would only repeat it.
    headers = {k: v for k, v in check.headers.items() if k.lower() != "host"}
    second = http.probe(
        target,
        method=check.method,
        headers=headers,
        timeout_s=check.timeout_s,
        connect_to=check.connect_to,
    )
    return dataclasses.replace(first, redirected_to=second)


def _ms(result: HttpResult) -> str:
    return f"{result.elapsed_s * 1000:.0f} ms"


def _expected(check: HttpCheck) -> str:
    return "expected HTTP " + " or ".join(map(str, check.expect_status))


def _certificate_for(host: str, snapshot: ClusterSnapshot | None) -> CertificateInfo | None:
    if snapshot is None:
        return None
    return next((c for c in snapshot.certificates if host in c.dns_names), None)


def _common_name(name: str) -> str:
    """The CN of an RFC 4514 name, else the whole name."""
    for part in name.split(","):
        key, _, value = part.partition("=")
        if key.strip().upper() == "CN" and value:
            return value.replace("\\", "")
    return name


def tls_note(tls: TlsInfo | None, host: str, snapshot: ClusterSnapshot | None = None) -> str:
    """What the HTTPS certificate is, in a few words ('' for a plain http answer)."""
    if tls is None:
        return ""
    issuer = _common_name(tls.issuer)
    if tls.trusted:
        return f"certificate trusted (issued by {issuer})" if issuer else "certificate trusted"
    why = f" ({tls.error})" if tls.error else ""
    note = f"certificate not trusted by this host{why}: issued by {issuer or 'an unknown CA'}"
    if STAGING_MARK in tls.issuer:
        note += ", Let's Encrypt's staging CA, which no client trusts"
    elif TRAEFIK_DEFAULT in tls.issuer or TRAEFIK_DEFAULT in tls.subject:
        note += ", Traefik's default certificate: the ingress's TLS Secret is not there (yet)"
    cert = _certificate_for(host, snapshot)
    if cert is not None:
        state = "Ready" if cert.ready else "not Ready"
        issuer = f" from {cert.issuer_kind} {cert.issuer}" if cert.issuer else ""
        note += f" (Certificate {cert.namespace}/{cert.name}{issuer}, {state})"
    return note


def http_verdict(
    check: HttpCheck, result: HttpResult | None, snapshot: ClusterSnapshot | None = None
) -> tuple[bool, str]:
    """(passed, evidence) of one check's last probe."""
    if result is None:
        return False, f"{check.url} not probed"
    head = f"{check.method} {check.url}"
    if result.status is None:
        return False, f"{head}: {result.error}"
    if result.status in check.expect_status:
        moved = f" to {result.location}" if result.location else ""
        return True, f"{head} -> HTTP {result.status}{moved} in {_ms(result)}"
    target = https_target(check, result)
    if not target:
        moved = f" to {result.location}" if result.location else ""
        follow = (
            "; only a redirect to https on the same host is followed"
            if result.status in REDIRECTS
            else ""
        )
        return False, (
            f"{head} -> HTTP {result.status}{moved} in {_ms(result)} ({_expected(check)}{follow})"
        )
    redirect = f"{head} -> HTTP {result.status} to {target} in {_ms(result)}"
    if check.https_redirect == "accept":
        return True, f"{redirect}: the redirect to HTTPS, accepted (HTTPS not probed)"
    hop = result.redirected_to
    if hop is None:
        return False, f"{redirect}: the HTTPS URL was not probed"
    host = request_host(check)
    note = tls_note(hop.tls, host, snapshot)
    if hop.status is None:
        return False, f"{redirect}; {check.method} {target}: {hop.error}"
    answered = f"{redirect} -> HTTP {hop.status} in {_ms(hop)}"
    if hop.status not in check.expect_status:
        extra = f"; {note}" if note else ""
        return False, f"{answered} ({_expected(check)}){extra}"
    if hop.tls is not None and not hop.tls.trusted and check.require_trusted_certificate:
        return False, f"{answered}; {note} (the check requires a trusted certificate)"
    return True, f"{answered}; {note}" if note else answered
