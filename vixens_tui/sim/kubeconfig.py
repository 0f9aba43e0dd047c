"""The client files a Talos cluster hands out: a kubeconfig and a talosconfig.

Names follow what `talosctl kubeconfig` writes (cluster `vixens-dev`, user and context
`admin@vixens-dev`). The simulated API authenticates with a bearer token where Talos would use
a client certificate: both kubectl and the `kubernetes` client send it over HTTPS.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import yaml


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig_text(
    cluster: str,
    server: str,
    ca_pem: bytes,
    token: str = "",
    *,
    client_cert: tuple[bytes, bytes] | None = None,
) -> str:
    """A kubeconfig with `token`, or with `client_cert` (certificate PEM, key PEM) as Talos
    writes it (client-certificate-data, client-key-data)."""
    user = f"admin@{cluster}"
    credentials = (
        {"client-certificate-data": _b64(client_cert[0]), "client-key-data": _b64(client_cert[1])}
        if client_cert is not None
        else {"token": token}
    )
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {"server": server, "certificate-authority-data": _b64(ca_pem)},
            }
        ],
        "contexts": [
            {"name": user, "context": {"cluster": cluster, "namespace": "default", "user": user}}
        ],
        "current-context": user,
        "users": [{"name": user, "user": credentials}],
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def talosconfig_text(
    cluster: str, endpoints: Sequence[str], ca_pem: bytes, crt_pem: bytes, key_pem: bytes
) -> str:
    config = {
        "context": cluster,
        "contexts": {
            cluster: {
                "endpoints": list(endpoints),
                "nodes": list(endpoints[:1]),
                "ca": _b64(ca_pem),
                "crt": _b64(crt_pem),
                "key": _b64(key_pem),
            }
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_private(path: Path, text: str) -> Path:
    """Write a credentials file readable by its owner only (as Terraform's local_sensitive_file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")
    return path
