"""The profile's secret files and the objects the secrets stage applies from them (the runbook's
étape 5): the Gandi API token Secret, the Synology CSI client configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal, Self

from pydantic import field_validator, model_validator

from vixens_tui.core.k8s_validation import config_key, dns1123_subdomain
from vixens_tui.core.profile.fields import DnsName
from vixens_tui.core.profile.fields import Strict as _Strict

SecretKind = Literal["Secret", "ConfigMap"]


class SecretObject(_Strict):
    """One object the secrets stage applies: its kind, where it lives, and the key that holds
    the secret file's content (the file name its consumer reads once the object is mounted)."""

    kind: SecretKind
    name: str
    namespace: DnsName
    key: str

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        return _k8s_checked(value, dns1123_subdomain)

    @field_validator("key")
    @classmethod
    def _key_shape(cls, value: str) -> str:
        return _k8s_checked(value, config_key)

    def ref(self) -> str:
        """How a person names it: `Secret synology-csi/client-info-secret`."""
        return f"{self.kind} {self.namespace}/{self.name}"

    def label(self) -> str:
        """The key of the secrets stage's checks: `synology-csi/secret/client-info-secret`."""
        return f"{self.namespace}/{self.kind.lower()}/{self.name}"


def _k8s_checked(value: str, rule: Callable[[str], list[str]]) -> str:
    # The API server's own rules (k8s_validation): a name it refuses would fail only in the
    # secrets stage, after the destroy.
    problems = rule(value)
    if problems:
        raise ValueError("; ".join(problems))
    return value


GANDI_OBJECT = SecretObject(
    kind="Secret", name="gandi-credentials", namespace="cert-manager", key="api-token"
)
"""The runbook's étape 5, secret 1: what cert-manager-webhook-gandi's ClusterIssuers read."""
SYNOLOGY_OBJECT = SecretObject(
    kind="Secret", name="client-info-secret", namespace="synology-csi", key="client-info.yml"
)
"""What the Synology CSI pods mount: apps/synology-csi-talos/base/controller.yaml and node.yaml
have the volume `client-info` from `secret: {secretName: client-info-secret}`, mounted at
/etc/synology, and run the plugin with `--client-info /etc/synology/client-info.yml`. The
runbook (étape 5) creates ConfigMap synology-client-info instead, which nothing mounts: its pods
would stay ContainerCreating (FailedMount: secret "client-info-secret" not found)."""

_OLD_FIELDS: dict[str, tuple[SecretObject, dict[str, str]]] = {
    "gandi": (
        GANDI_OBJECT,
        {"gandi_secret_name": "name", "gandi_namespace": "namespace", "gandi_token_key": "key"},
    ),
    "synology": (
        # What the old fields meant, defaults included: the runbook's ConfigMap.
        SecretObject(
            kind="ConfigMap",
            name="synology-client-info",
            namespace="synology-csi",
            key="client-info.yml",
        ),
        {
            "synology_configmap": "name",
            "synology_namespace": "namespace",
            "synology_key": "key",
        },
    ),
}
"""The flat fields of profiles written before `[secrets.gandi]` and `[secrets.synology]`:
still read, as the object they described (`synology_*` always described a ConfigMap)."""


class Secrets(_Strict):
    gandi_credentials: Path
    """The Gandi API token Secret manifest (`gandi-credentials.yaml`)."""
    synology_client_info: Path
    """The Synology CSI client configuration (`client-info.yml`)."""
    gandi: SecretObject = GANDI_OBJECT
    """The Secret applied from `gandi_credentials` (the file must name this very Secret)."""
    synology: SecretObject = SYNOLOGY_OBJECT
    """The Secret or ConfigMap applied from `synology_client_info`, the file under `key`."""

    @model_validator(mode="before")
    @classmethod
    def _old_fields(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for target, (meant, fields) in _OLD_FIELDS.items():
            given = [name for name in fields if name in data]
            if not given:
                continue
            if target in data:
                names = ", ".join(f"`{name}`" for name in given)
                raise ValueError(
                    f"both [secrets.{target}] and the older {names} are set: keep "
                    f"[secrets.{target}] (kind, name, namespace, key) alone"
                )
            old = {fields[name]: data.pop(name) for name in given}
            data[target] = {**meant.model_dump(), **old}
        return data

    @model_validator(mode="after")
    def _objects_fit(self) -> Self:
        if self.gandi.kind != "Secret":
            raise ValueError(
                "gandi.kind must be Secret: the Gandi file is a Secret manifest, and the "
                "ClusterIssuers' Gandi solver reads its token from a Secret"
            )
        if (self.gandi.kind, self.gandi.namespace, self.gandi.name) == (
            self.synology.kind,
            self.synology.namespace,
            self.synology.name,
        ):
            raise ValueError(f"gandi and synology are the same object ({self.gandi.ref()})")
        return self

    def objects(self) -> tuple[SecretObject, SecretObject]:
        """Every object the secrets stage applies, in the order it applies them."""
        return self.gandi, self.synology
