"""The certificates Traefik's websecure entry point serves in the simulated cluster.

A host whose Certificate cert-manager has issued gets a certificate of the issuer the vixens
dev ingresses name, letsencrypt-staging: Let's Encrypt's staging hierarchy, whose names carry
the "(STAGING)" prefix (letsencrypt.org/docs/staging-environment: root "(STAGING) Pretend Pear
X1", ECDSA intermediate "(STAGING) Ersatz Edamame E1") and which is in no trust store, as the
real one. Here the CA is generated per server, so no client trusts it either, for the same
reason in effect. A host whose TLS Secret does not exist yet gets Traefik's default
certificate, self-signed, subject CN=TRAEFIK DEFAULT CERT and one DNS name
`<32 hex>.<32 hex>.traefik.default` (traefik pkg/tls/generate/generate.go).
"""

from __future__ import annotations

import secrets
import ssl
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

STAGING_ROOT = "(STAGING) Pretend Pear X1"
STAGING_INTERMEDIATE = "(STAGING) Ersatz Edamame E1"
TRAEFIK_DEFAULT_CN = "TRAEFIK DEFAULT CERT"

Issued = Callable[[str], bool]
"""Whether the TLS Secret of a host's Certificate exists (then its certificate is served)."""


def _name(common_name: str, organization: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "US")] if organization else []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _sign(
    subject: x509.Name,
    issuer: x509.Name,
    public: ec.EllipticCurvePublicKey,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    days: int,
    dns: tuple[str, ...] = (),
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def _context(chain: bytes, key: bytes) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    # load_cert_chain reads files only; the directory lives for the call.
    with tempfile.TemporaryDirectory(prefix="vixens-sim-ingress-") as directory:
        cert_file = Path(directory) / "tls.crt"
        key_file = Path(directory) / "tls.key"
        cert_file.write_bytes(chain)
        key_file.write_bytes(key)
        key_file.chmod(0o600)
        context.load_cert_chain(cert_file, key_file)
    return context


class IngressCertificates:
    """Server TLS contexts by SNI: the staging-issued certificate of a host once `issued`
    says its Secret exists, Traefik's default certificate before (and for unknown names)."""

    def __init__(self, issued: Issued) -> None:
        self._issued = issued
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(STAGING_ROOT, "(STAGING) Internet Security Research Group")
        self.root = _sign(root_name, root_name, root_key.public_key(), root_key, ca=True, days=3650)
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = _sign(
            _name(STAGING_INTERMEDIATE, "(STAGING) Let's Encrypt"),
            root_name,
            self._ca_key.public_key(),
            root_key,
            ca=True,
            days=1825,
        )
        default_key = ec.generate_private_key(ec.SECP256R1())
        token = secrets.token_hex(32)
        default_name = _name(TRAEFIK_DEFAULT_CN)
        default = _sign(
            default_name,
            default_name,
            default_key.public_key(),
            default_key,
            ca=False,
            days=365,
            dns=(f"{token[:32]}.{token[32:]}.traefik.default",),
        )
        self._default = _context(_pem(default), _key_pem(default_key))
        self._issued_contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.server_context = self._make_server_context()

    @property
    def root_pem(self) -> bytes:
        """The staging root, for a client that chooses to trust it (tests)."""
        return _pem(self.root)

    def _leaf(self, host: str) -> ssl.SSLContext:
        with self._lock:
            context = self._issued_contexts.get(host)
            if context is None:
                key = ec.generate_private_key(ec.SECP256R1())
                leaf = _sign(
                    _name(host),
                    self.intermediate.subject,
                    key.public_key(),
                    self._ca_key,
                    ca=False,
                    days=90,
                    dns=(host,),
                )
                context = _context(_pem(leaf) + _pem(self.intermediate), _key_pem(key))
                self._issued_contexts[host] = context
            return context

    def _make_server_context(self) -> ssl.SSLContext:
        context = self._default

        def pick(sock: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
            host = (server_name or "").lower()
            if host and self._issued(host):
                sock.context = self._leaf(host)

        context.sni_callback = pick
        return context
