"""The two secret files of the procedure (étape 5), parsed and checked whole before anything is
destroyed, and again by the secrets stage (the same functions: the two can never disagree). A
message says which file and what is wrong, never the value itself.

- the Gandi API token Secret (`gandi-credentials.yaml`): a v1 Secret, checked as the API
  server will check it (`k8s_validation`), then applied with its values;
- the Synology CSI client configuration (`client-info.yml`): stored whole under a key of the
  profile's object (a Secret for the real CSI pods, a ConfigMap for the runbook), so it is
  checked as the CSI driver will read it (Go's yaml.v2 into typed fields).
"""

from __future__ import annotations

import binascii
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vixens_tui.core.k8s_validation import decode_data, secret_problems
from vixens_tui.core.profile.secrets import SecretKind, SecretObject, Secrets
from vixens_tui.core.redact import Redactor
from vixens_tui.core.safefile import MIB, FileRefused, read_text
from vixens_tui.core.safeyaml import parse_documents

# The placeholders of the procedure's examples: a file still holding one was never filled in.
PLACEHOLDERS = ("YOUR_GANDI_API_TOKEN", "YOUR_SYNOLOGY_PASSWORD")
SECRET_MAX_BYTES = 4 * MIB
"""Above the API server's 1 MiB of data, so that its own rule is the one that speaks."""


class SecretFileError(Exception):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"secret file {path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class GandiSecret:
    manifest: dict[str, Any]
    """The Secret to apply, values in `stringData`. Never logged."""
    name: str
    namespace: str


@dataclass(frozen=True, slots=True)
class SynologyConfig:
    target: SecretObject
    """The object it is applied as (the profile's `[secrets.synology]`)."""
    text: str
    """The file's exact content, stored under the object's key. Never logged."""
    hosts: tuple[str, ...]

    @property
    def kind(self) -> SecretKind:
        return self.target.kind

    @property
    def namespace(self) -> str:
        return self.target.namespace

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def key(self) -> str:
        return self.target.key

    def secret_manifest(self) -> dict[str, Any]:
        """The Secret `kubectl create secret generic NAME --from-file=KEY=FILE` would apply
        (values in `stringData`, the API server stores them in `data`). Never logged."""
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "type": "Opaque",
            "stringData": {self.key: self.text},
        }


def _read_yaml(path: Path) -> tuple[Any, str]:
    """The file's one YAML document and its text; never a FIFO, a device, a bomb."""
    try:
        text = read_text(path, SECRET_MAX_BYTES)
        if not text.strip():
            raise SecretFileError(path, "empty file")
        docs = parse_documents(text, path)
    except FileRefused as exc:
        raise SecretFileError(path, exc.problem) from None
    if len(docs) != 1:
        raise SecretFileError(path, f"expected one YAML document, found {len(docs)}")
    return docs[0], text


def _refuse_placeholder(path: Path, field: str, value: str) -> None:
    for placeholder in PLACEHOLDERS:
        if placeholder in value:
            raise SecretFileError(
                path, f"{field} still holds the procedure's placeholder {placeholder}: fill it in"
            )


def load_gandi(path: Path, spec: Secrets, redactor: Redactor | None = None) -> GandiSecret:
    doc, _text = _read_yaml(path)
    if not isinstance(doc, dict):
        raise SecretFileError(path, "not a Kubernetes manifest (expected a mapping)")
    if doc.get("apiVersion") != "v1" or doc.get("kind") != "Secret":
        kind = f"{doc.get('apiVersion')}/{doc.get('kind')}"
        raise SecretFileError(path, f"expected apiVersion v1, kind Secret; found {kind}")
    if redactor is not None:
        _learn_values(doc, redactor)  # first: no later message, nor the cluster, shows one
    # Whole, as the API server would take it: a Secret it refuses must never get past
    # preflight, since it would be applied only after the destroy.
    problems = secret_problems(doc)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SecretFileError(path, problems[0] + more)
    meta = doc["metadata"]
    target = spec.gandi
    for field, expected in (
        ("name", target.name),
        ("namespace", target.namespace),
    ):
        if meta[field] != expected:
            raise SecretFileError(
                path, f"metadata.{field} is {meta[field]!r}, expected {expected!r}"
            )
    secret_type = doc.get("type") or "Opaque"
    if secret_type != "Opaque":
        raise SecretFileError(path, f"type is {secret_type!r}, expected Opaque")
    values: dict[str, str] = {}
    for key, raw in (doc.get("data") or {}).items():
        try:
            values[str(key)] = decode_data(raw or "").decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise SecretFileError(path, f"data.{key} is not valid base64 text") from None
    for key, raw in (doc.get("stringData") or {}).items():
        values[str(key)] = raw or ""
    token_key = target.key
    if token_key not in values:
        raise SecretFileError(path, f"no {token_key!r} key in stringData or data")
    for key, value in values.items():
        _refuse_placeholder(path, key, value)  # a placeholder is no secret: name it
        if redactor is not None:
            redactor.add(value)
        if not value.strip():
            raise SecretFileError(path, f"{key} is empty")
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": target.name, "namespace": target.namespace},
        "type": "Opaque",
        "stringData": values,
    }
    return GandiSecret(manifest=manifest, name=target.name, namespace=target.namespace)


def _learn_values(doc: dict[str, Any], redactor: Redactor) -> None:
    """Every value the file holds, as far as it can be read, even when the file is refused."""
    for section in ("data", "stringData"):
        entries = doc.get(section)
        for raw in entries.values() if isinstance(entries, dict) else ():
            if not isinstance(raw, str):
                continue
            texts = [raw]
            if section == "data":
                with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
                    texts.append(decode_data(raw).decode())
            for text in texts:
                if not any(p in text for p in PLACEHOLDERS):  # named in messages: no secret
                    redactor.add(text)


def load_synology(path: Path, spec: Secrets, redactor: Redactor | None = None) -> SynologyConfig:
    doc, text = _read_yaml(path)
    if not isinstance(doc, dict):
        raise SecretFileError(path, "expected a mapping with a `clients` list")
    clients = doc.get("clients")
    # Register the passwords before checking anything, so no later message can show one.
    for client in clients if isinstance(clients, list) else ():
        password = client.get("password") if isinstance(client, dict) else None
        secret = str(password) if isinstance(password, str | int | float) else None
        if secret is not None and redactor is not None and secret not in PLACEHOLDERS:
            redactor.add(secret)
    hosts = [_check_client(path, i, c) for i, c in enumerate(_clients(path, clients))]
    return SynologyConfig(target=spec.synology, text=text, hosts=tuple(hosts))


def _clients(path: Path, clients: object) -> list[object]:
    if clients is None:
        raise SecretFileError(path, "clients: required")
    if not isinstance(clients, list):
        raise SecretFileError(path, f"clients: must be a list, not {_kind(clients)}")
    if not clients:
        raise SecretFileError(path, "clients: must list at least one client")
    return clients


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return (
        "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else "null"
    )


def _check_client(path: Path, index: int, client: object) -> str:
    """One client as the driver's `ClientInfo` (Go, yaml.v2) decodes it: `port` an integer,
    `https` a boolean, and any scalar for the strings (yaml.v2 takes 5000 for "5000" there)."""
    where = f"clients.{index}"
    if not isinstance(client, dict):
        raise SecretFileError(path, f"{where}: must be a mapping, not {_kind(client)}")
    texts: dict[str, str] = {}
    for field in ("host", "username", "password"):
        value = client.get(field)
        if value is None:
            raise SecretFileError(path, f"{where}.{field}: required")
        if isinstance(value, dict | list):
            raise SecretFileError(path, f"{where}.{field}: must be a string, not {_kind(value)}")
        texts[field] = str(value)
    port = client.get("port")
    if port is None:
        raise SecretFileError(path, f"{where}.port: required")
    if isinstance(port, bool) or not isinstance(port, int):
        raise SecretFileError(
            path, f"{where}.port: must be an integer (the CSI driver reads one), not {_kind(port)}"
        )
    if not 1 <= port <= 65535:
        raise SecretFileError(path, f"{where}.port: must be between 1 and 65535")
    https = client.get("https")
    if not isinstance(https, bool):
        found = "missing" if https is None else _kind(https)
        raise SecretFileError(
            path, f"{where}.https: must be a boolean (true or false), not {found}"
        )
    _refuse_placeholder(path, f"{where}.password", texts["password"])
    for field, value in texts.items():
        if not value.strip():
            raise SecretFileError(path, f"{where}.{field} is empty")
    return f"{texts['host']}:{port}"
