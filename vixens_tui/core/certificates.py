"""The procedure's 6.3 (`kubectl get certificates -A`, `kubectl get clusterissuers`): which
Certificates are missing or not Ready, and why, in cert-manager's own words.

A Certificate that is not Ready says little by itself ("Issuing certificate as Secret does not
exist"); the reason is further down the chain cert-manager builds for an ACME issuer:
Certificate -> CertificateRequest -> Order (annotation cert-manager.io/certificate-name) ->
one Challenge per DNS name (owned by the Order). A DNS-01 Challenge through the Gandi webhook
says in `status.reason` why it does not pass (the webhook unreachable, the Gandi credentials
missing or refused, the record not yet propagated), with `status.presented` and `status.state`.
And an issuer that is not Ready, or does not exist, explains every Certificate that names it.
"""

from __future__ import annotations

from vixens_tui.core.cluster import (
    CertificateInfo,
    ChallengeInfo,
    ClusterSnapshot,
    IssuerInfo,
    OrderInfo,
)
from vixens_tui.core.profile.model import Profile

FINAL_ORDER_STATES = ("valid", "invalid", "expired", "errored")


def issuer_state(issuer: IssuerInfo) -> str:
    """`Ready`, or why not: the Ready condition's reason and message."""
    if issuer.ready:
        return "Ready"
    if not (issuer.reason or issuer.message):
        return "no Ready condition yet (cert-manager has not processed it)"
    return ": ".join(t for t in (issuer.reason, issuer.message) if t)


def _issuer_problem(cert: CertificateInfo, snap: ClusterSnapshot) -> str:
    if not cert.issuer or cert.issuer_kind != "ClusterIssuer":
        return ""  # a namespaced Issuer: not watched
    if "clusterissuers" not in snap.synced_kinds:
        return ""  # not listed yet: "does not exist" would be a guess
    issuer = next((i for i in snap.issuers if i.name == cert.issuer), None)
    if issuer is None:
        return f"ClusterIssuer {cert.issuer} does not exist"
    if issuer.ready:
        return ""
    return f"ClusterIssuer {cert.issuer} not Ready ({issuer_state(issuer)})"


def _orders_of(cert: CertificateInfo, snap: ClusterSnapshot) -> list[OrderInfo]:
    return [
        o
        for o in snap.orders
        if o.namespace == cert.namespace
        and (
            o.certificate == cert.name
            or (not o.certificate and set(o.dns_names) & set(cert.dns_names))
        )
    ]


def _challenges_of(
    cert: CertificateInfo, orders: list[OrderInfo], snap: ClusterSnapshot
) -> list[ChallengeInfo]:
    names = {o.name for o in orders}
    domains = {d.removeprefix("*.") for d in cert.dns_names}
    return [
        c
        for c in snap.challenges
        if c.namespace == cert.namespace
        and (c.order in names or (not c.order and c.dns_name in domains))
    ]


def challenge_state(challenge: ChallengeInfo) -> str:
    what = " ".join(t for t in (challenge.dns_name, challenge.type) if t) or challenge.name
    state = challenge.state or "state unknown"
    presented = "presented" if challenge.presented else "not presented"
    line = f"challenge {what}: {state}, {presented}"
    return f"{line}: {challenge.reason}" if challenge.reason else line


def certificate_problem(cert: CertificateInfo, snap: ClusterSnapshot) -> str:
    """Why `cert` is not Ready, in one line: its condition, its issuer, its ACME Order and
    Challenges."""
    parts = [f"not Ready ({cert.message or cert.reason or 'no Ready condition yet'})"]
    issuer = _issuer_problem(cert, snap)
    if issuer:
        parts.append(issuer)
    orders = _orders_of(cert, snap)
    live = [o for o in orders if o.state not in FINAL_ORDER_STATES] or orders
    for order in live[:1]:
        text = f"order {order.name}: {order.state or 'state unknown'}"
        parts.append(f"{text}: {order.reason}" if order.reason else text)
    challenges = _challenges_of(cert, live[:1], snap)
    parts += [challenge_state(c) for c in challenges[:3]]
    if not issuer and not orders and cert.issuer_kind == "ClusterIssuer":
        parts.append("no ACME Order yet")
    return "; ".join(parts)


def certificates_verdict(profile: Profile, snap: ClusterSnapshot) -> tuple[bool, list[str], str]:
    """(the expected Certificates exist and are Ready, the problems one per line, a summary
    for when there is none).

    With `validation.certificates` empty every Certificate is judged. With a list, only the
    listed ones are: the real repository also makes one that can never be issued (the
    mail-gateway Ingress names ClusterIssuer "gandi", which it never declares), and a rebuild
    must not wait on it forever. Such a Certificate is still shown, with its reason, in the
    summary."""
    present = {f"{c.namespace}/{c.name}": c for c in snap.certificates}
    expected = profile.validation.certificates
    unjudged = {
        ref: cert
        for ref, cert in present.items()
        if expected and ref not in expected and not cert.ready
    }
    present = {ref: cert for ref, cert in present.items() if ref not in unjudged}
    missing = [ref for ref in expected if ref not in present]
    problems: list[str] = []
    if missing and not present:
        problems.append(
            f"no Certificate in the cluster; the repository declares {len(expected)} "
            f"(validation.certificates): {', '.join(expected)}"
        )
    else:
        problems += [
            f"certificate {ref}: missing (declared in validation.certificates)" for ref in missing
        ]
    for ref, cert in sorted(present.items()):
        if not cert.ready:
            problems.append(f"certificate {ref}: {certificate_problem(cert, snap)}")
    if problems:
        return False, problems, ""
    if not present:
        return True, [], "no Certificate (none expected: validation.certificates is empty)"
    summary = f"{len(present)} Certificates Ready"
    if unjudged:
        summary += "; not in validation.certificates, not judged: " + "; ".join(
            f"{ref} {certificate_problem(cert, snap)}" for ref, cert in sorted(unjudged.items())
        )
    return True, [], summary
