"""The validation's HTTP checks and Certificates as the vixens cluster really answers them.

HTTP: every vixens ingress redirects plain HTTP to HTTPS (the `redirect-https` middleware, a
Traefik redirectScheme: 301 to a GET), and the dev certificates come from letsencrypt-staging,
which no client trusts. Certificates: none at all is not "OK" when the repository declares
some; a Certificate that is not Ready says why through its Order and Challenge, its issuer's
condition, and the wait for them has its own bound (validation.certificates_timeout_s).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from vixens_tui.core.checkpoint.model import ChecklistState
from vixens_tui.core.cluster import CertificateInfo, ChallengeInfo, IssuerInfo, OrderInfo
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import ChecklistChanged, Info, StageSucceeded, Waiting
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.ports import HttpResult, TlsInfo
from vixens_tui.core.run_result import RunResult

WHOAMI = "http://whoami.dev.truxonline.com/"
WHOAMI_TLS = "https://whoami.dev.truxonline.com/"
STAGING = TlsInfo(
    trusted=False,
    issuer="CN=(STAGING) Ersatz Edamame E1,O=(STAGING) Let's Encrypt,C=US",
    subject="CN=whoami.dev.truxonline.com",
    error="unable to get local issuer certificate",
)
GANDI_MISSING = (
    "unable to get Gandi client: unable to get secret `gandi-credentials`; "
    'secrets "gandi-credentials" not found'
)
"""The Gandi webhook's Present error when the credentials Secret is not there (its
getGandiClient), which cert-manager puts in the Challenge's status.reason."""


def _run_validate(h, *, timeout_s: float = 3.0, **validation: object) -> RunResult:
    profile = h.profile
    h.profile = profile.model_copy(
        update={
            "timeouts_s": {**profile.timeouts_s, StageName.VALIDATE: timeout_s},
            "validation": profile.validation.model_copy(update=validation),
        }
    )
    return h.engine().run(RunRequest(plan=make_plan(only=StageName.VALIDATE)))


def _redirecting(h, **check_changes: object) -> None:
    """whoami answers as Traefik does: 301 to HTTPS, the page there under a staging cert."""
    checks = tuple(
        c.model_copy(update=check_changes) if c.name == "whoami" else c
        for c in h.profile.http_checks
    )
    h.profile = h.profile.model_copy(update={"http_checks": checks})
    h.world.http_answers = {
        WHOAMI: HttpResult(WHOAMI, 301, "", 0.002, location=WHOAMI_TLS),
        WHOAMI_TLS: HttpResult(WHOAMI_TLS, 200, "", 0.004, tls=STAGING),
    }
    h.world.certificates = tuple(
        replace(c, dns_names=("whoami.dev.truxonline.com",)) if c.name == "whoami-tls" else c
        for c in h.world.current_certificates()
    )


def _said(h, prefix: str) -> list[str]:
    return [e.message for e in h.of(Info) if e.message.startswith(prefix)]


def _journal(h) -> list[dict[str, object]]:
    return [json.loads(line) for line in h.state.journal_path.read_text().splitlines()]


# -- HTTP ---------------------------------------------------------------------------------------


def test_the_redirect_to_https_is_followed_and_the_staging_certificate_said(harness) -> None:
    h = harness()
    _redirecting(h)
    result = _run_validate(h)
    assert result.exit_code == ExitCode.DONE, result.message
    assert h.world.http_probes.count(f"GET {WHOAMI_TLS}") >= 1
    assert _said(h, "HTTP check whoami passed")[-1] == (
        "HTTP check whoami passed: GET http://whoami.dev.truxonline.com/ -> HTTP 301 to "
        "https://whoami.dev.truxonline.com/ in 2 ms -> HTTP 200 in 4 ms; certificate not "
        "trusted by this host (unable to get local issuer certificate): issued by (STAGING) "
        "Ersatz Edamame E1, Let's Encrypt's staging CA, which no client trusts (Certificate "
        "whoami/whoami-tls from ClusterIssuer letsencrypt-staging, Ready)"
    )


def test_every_http_checks_evidence_is_journaled_not_only_argocds(harness) -> None:
    h = harness()
    result = _run_validate(h)
    assert result.exit_code == ExitCode.DONE, result.message
    told = [
        str(r["message"])
        for r in _journal(h)
        if r["type"] == "info" and str(r["message"]).startswith("HTTP check ")
    ]
    for check in h.profile.http_checks:
        assert any(t.startswith(f"HTTP check {check.name} passed: ") for t in told), told
    assert any("traefik.dev.truxonline.com/dashboard/ -> HTTP 200" in t for t in told), told


def test_accepting_the_redirect_passes_without_probing_https(harness) -> None:
    h = harness()
    _redirecting(h, https_redirect="accept")
    result = _run_validate(h)
    assert result.exit_code == ExitCode.DONE, result.message
    assert f"GET {WHOAMI_TLS}" not in h.world.http_probes
    assert _said(h, "HTTP check whoami passed")[-1].endswith(
        "-> HTTP 301 to https://whoami.dev.truxonline.com/ in 2 ms: the redirect to HTTPS, "
        "accepted (HTTPS not probed)"
    )


def test_a_check_that_requires_a_trusted_certificate_fails_on_staging(harness) -> None:
    h = harness()
    _redirecting(h, require_trusted_certificate=True)
    result = _run_validate(h, timeout_s=1.5)
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert "http whoami: " in result.message
    assert "Let's Encrypt's staging CA" in result.message
    assert "(the check requires a trusted certificate)" in result.message


def test_a_redirect_to_another_host_is_not_followed(harness) -> None:
    h = harness()
    h.world.http_answers = {
        WHOAMI: HttpResult(WHOAMI, 302, "", 0.002, location="https://login.example/?next=/")
    }
    result = _run_validate(h, timeout_s=1.5)
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert all("login.example" not in p for p in h.world.http_probes)
    assert (
        "http whoami: GET http://whoami.dev.truxonline.com/ -> HTTP 302 to "
        "https://login.example/?next=/ in 2 ms (expected HTTP 200; only a redirect to https on "
        "the same host is followed)"
    ) in result.message


# -- Certificates -----------------------------------------------------------------------------


def test_no_certificate_at_all_is_not_ok_when_the_repository_declares_some(harness) -> None:
    h = harness()
    h.world.certificates = ()
    result = _run_validate(h, timeout_s=1.5)
    assert result.exit_code == ExitCode.STAGE_FAILED, result.message
    assert (
        "no Certificate in the cluster; the repository declares 4 (validation.certificates): "
        "argocd/argocd-server-tls, traefik/traefik-dashboard-tls, whoami/whoami-tls, "
        "homeassistant/homeassistant-tls-dev"
    ) in result.message


def test_each_missing_certificate_is_named(harness) -> None:
    h = harness()
    h.world.certificates = tuple(
        c for c in h.world.current_certificates() if c.name != "homeassistant-tls-dev"
    )
    result = _run_validate(h, timeout_s=1.5)
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert (
        "certificate homeassistant/homeassistant-tls-dev: missing (declared in "
        "validation.certificates)"
    ) in result.message


def test_a_certificate_not_ready_shows_its_order_and_challenge(harness) -> None:
    h = harness()
    h.world.certificates = tuple(
        replace(
            c,
            ready=False,
            reason="DoesNotExist",
            message="Issuing certificate as Secret does not exist",
            dns_names=("whoami.dev.truxonline.com",),
        )
        if c.name == "whoami-tls"
        else c
        for c in h.world.current_certificates()
    )
    order = "whoami-tls-x2x4q-1194030489"
    h.world.orders = (
        OrderInfo("whoami", order, "whoami-tls", "pending", "", ("whoami.dev.truxonline.com",)),
    )
    h.world.challenges = (
        ChallengeInfo(
            "whoami",
            f"{order}-2759242927",
            order,
            "whoami.dev.truxonline.com",
            "DNS-01",
            "pending",
            GANDI_MISSING,
            presented=False,
            processing=True,
        ),
    )
    result = _run_validate(h, timeout_s=1.5)
    assert result.exit_code == ExitCode.STAGE_FAILED
    line = (
        "certificate whoami/whoami-tls: not Ready (Issuing certificate as Secret does not "
        f"exist); order {order}: pending; challenge whoami.dev.truxonline.com DNS-01: pending, "
        f"not presented: {GANDI_MISSING}"
    )
    assert line in result.message
    waits = [e.detail for e in h.of(Waiting) if e.stage is StageName.VALIDATE]
    assert any(GANDI_MISSING in w for w in waits), waits


def _with_mail_gateway(h) -> None:
    """The Certificate the mail-gateway Ingress makes: its ClusterIssuer "gandi" is not in the
    repository, so cert-manager never issues it."""
    mail = CertificateInfo(
        "mail-gateway",
        "mail-gateway-tls-dev",
        ready=False,
        reason="DoesNotExist",
        message="Issuing certificate as Secret does not exist",
        issuer="gandi",
        issuer_kind="ClusterIssuer",
        dns_names=("mail.dev.truxonline.com",),
    )
    h.world.certificates = (*h.world.current_certificates(), mail)


def test_a_certificate_the_profile_does_not_list_is_shown_not_waited_for(harness) -> None:
    h = harness()
    _with_mail_gateway(h)
    result = _run_validate(h, timeout_s=5.0)
    assert result.exit_code == ExitCode.DONE, result.message
    done = [e for e in h.of(StageSucceeded) if e.stage is StageName.VALIDATE]
    assert (
        "4 Certificates Ready; not in validation.certificates, not judged: "
        "mail-gateway/mail-gateway-tls-dev not Ready (Issuing certificate as Secret does not "
        "exist); ClusterIssuer gandi does not exist"
    ) in done[-1].summary


def test_with_no_list_every_certificate_is_judged(harness) -> None:
    h = harness()
    _with_mail_gateway(h)
    result = _run_validate(h, timeout_s=1.5, certificates=())
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert (
        "certificate mail-gateway/mail-gateway-tls-dev: not Ready (Issuing certificate as "
        "Secret does not exist); ClusterIssuer gandi does not exist"
    ) in result.message


def test_a_clusterissuer_not_ready_says_why(harness) -> None:
    h = harness()
    why = (
        "Failed to register ACME account: 400 urn:ietf:params:acme:error:invalidContact: "
        "Error creating new account :: invalid contact domain. Contact emails @example.com "
        "are forbidden"
    )
    h.world.issuers = (IssuerInfo("letsencrypt-staging", False, "ErrRegisterACMEAccount", why),)
    h.world.certificates = tuple(
        replace(c, ready=False, message="Issuing certificate as Secret does not exist")
        if c.name == "whoami-tls"
        else c
        for c in h.world.current_certificates()
    )
    result = _run_validate(h, timeout_s=1.5)
    assert result.exit_code == ExitCode.STAGE_FAILED
    issuers = [e for e in h.of(ChecklistChanged) if e.item_id == "clusterissuers-created"]
    assert issuers[-1].state == ChecklistState.FAILED.value
    assert issuers[-1].evidence == (
        "1 ClusterIssuers (letsencrypt-staging); not Ready: letsencrypt-staging "
        f"(ErrRegisterACMEAccount: {why})"
    )
    assert (
        "certificate whoami/whoami-tls: not Ready (Issuing certificate as Secret does not "
        f"exist); ClusterIssuer letsencrypt-staging not Ready (ErrRegisterACMEAccount: {why})"
    ) in result.message


def test_the_certificates_have_a_timeout_of_their_own(harness) -> None:
    h = harness()
    h.world.certificates = tuple(
        replace(c, ready=False, message="Issuing certificate as Secret does not exist")
        if c.name == "whoami-tls"
        else c
        for c in h.world.current_certificates()
    )
    started = time.monotonic()
    result = _run_validate(h, timeout_s=8.0, certificates_timeout_s=0.5)
    elapsed = time.monotonic() - started
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert elapsed < 6.0, elapsed  # the certificates' bound, well before the stage's
    assert "certificates not Ready after " in result.message
    assert "(validation.certificates_timeout_s = 0.5): certificate whoami/whoami-tls: " in (
        result.message
    )
    record = h.state.load()
    assert record is not None
    stage = next(s for s in record.stages if s.name is StageName.VALIDATE)
    assert stage.error is not None and stage.error.startswith("certificates not Ready after ")
