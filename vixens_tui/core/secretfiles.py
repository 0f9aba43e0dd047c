"""The two secret files of the procedure (étape 5), parsed and checked before anything is
destroyed. A message says which file and what is wrong, never the value itself.

- the Gandi API token Secret (`gandi-credentials.yaml`): applied as is;
- the Synology CSI client configuration (`client-info.yml`): becomes a ConfigMap.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vixens_tui.core.profile.model import Secrets
from vixens_tui.core.redact import Redactor

# The placeholders of the procedure's examples: a file still holding one was never filled in.
PLACEHOLDERS = ("YOUR_GANDI_API_TOKEN", "YOUR_SYNOLOGY_PASSWORD")
_MAX_BYTES = 1 << 20


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
    namespace: str
    name: str
    key: str
    text: str
    """The file's exact content, stored under `key` in the ConfigMap. Never logged."""
    hosts: tuple[str, ...]


def _read_yaml(path: Path) -> Any:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise SecretFileError(path, "larger than 1 MiB: not a secret file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretFileError(path, "file not found") from None
    except IsADirectoryError:
        raise SecretFileError(path, "is a directory") from None
    except PermissionError:
        raise SecretFileError(path, "permission denied") from None
    except UnicodeDecodeError:
        raise SecretFileError(path, "not a UTF-8 text file") from None
    if not text.strip():
        raise SecretFileError(path, "empty file")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SecretFileError(path, f"not valid YAML{where}") from None
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
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        raise SecretFileError(path, "metadata is missing")
    if meta.get("name") != spec.gandi_secret_name:
        raise SecretFileError(
            path, f"metadata.name is {meta.get('name')!r}, expected {spec.gandi_secret_name!r}"
        )
    if meta.get("namespace") != spec.gandi_namespace:
        raise SecretFileError(
            path,
            f"metadata.namespace is {meta.get('namespace')!r}, expected {spec.gandi_namespace!r}",
        )
    secret_type = doc.get("type", "Opaque")
    if secret_type != "Opaque":
        raise SecretFileError(path, f"type is {secret_type!r}, expected Opaque")
    values: dict[str, str] = {}
    string_data = doc.get("stringData") or {}
    data = doc.get("data") or {}
    if not isinstance(string_data, dict) or not isinstance(data, dict):
        raise SecretFileError(path, "stringData and data must be mappings")
    for key, raw in data.items():
        try:
            values[str(key)] = base64.b64decode(str(raw), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise SecretFileError(path, f"data.{key} is not valid base64 text") from None
    for key, raw in string_data.items():
        if not isinstance(raw, str | int):
            raise SecretFileError(path, f"stringData.{key} must be a string")
        values[str(key)] = str(raw)
    token_key = spec.gandi_token_key
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
        "metadata": {"name": spec.gandi_secret_name, "namespace": spec.gandi_namespace},
        "type": "Opaque",
        "stringData": values,
    }
    return GandiSecret(
        manifest=manifest, name=spec.gandi_secret_name, namespace=spec.gandi_namespace
    )


class _Client(BaseModel):
    model_config = ConfigDict(extra="allow")
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    https: bool
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)


class _ClientInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    clients: list[_Client] = Field(min_length=1)


def load_synology(path: Path, spec: Secrets, redactor: Redactor | None = None) -> SynologyConfig:
    doc, text = _read_yaml(path)
    if not isinstance(doc, dict):
        raise SecretFileError(path, "expected a mapping with a `clients` list")
    # Register the passwords before validating, so no later message can show one.
    for client in doc.get("clients") or []:
        password = client.get("password") if isinstance(client, dict) else None
        if password is not None and redactor and str(password) not in PLACEHOLDERS:
            redactor.add(str(password))
    try:
        info = _ClientInfo.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required"
        raise SecretFileError(path, f"{where}: {msg}") from None
    for i, client in enumerate(info.clients):
        _refuse_placeholder(path, f"clients.{i}.password", client.password)
        if not client.password.strip():
            raise SecretFileError(path, f"clients.{i}.password is empty")
    return SynologyConfig(
        namespace=spec.synology_namespace,
        name=spec.synology_configmap,
        key=spec.synology_key,
        text=text,
        hosts=tuple(f"{c.host}:{c.port}" for c in info.clients),
    )
