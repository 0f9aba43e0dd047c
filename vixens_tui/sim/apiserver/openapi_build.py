"""Build `openapi_schemas.json`: the OpenAPI v3 component schemas `kubectl explain` reads.

Run once, offline, when the served kinds change:

    python -m vixens_tui.sim.apiserver.openapi_build

Built-in kinds come from the models of the `kubernetes` Python client (generated from the
Kubernetes OpenAPI document: each field's JSON name, type, required flag and description, each
model's description); the Application from `application_explain` (the types the simulated
server validates, described in our own words: Argo CD's CRD is not copied here). The simulator
only reads the JSON it writes, so its start-up never imports the client's 800 models.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.apiserver.application_explain import application_schema
from vixens_tui.sim.apiserver.openapi import schema_name

Obj = dict[str, Any]
OUT = Path(__file__).with_name("openapi_schemas.json")
_META = {
    "ObjectMeta",
    "ManagedFieldsEntry",
    "OwnerReference",
    "LabelSelector",
    "LabelSelectorRequirement",
    "Condition",
    "ListMeta",
}
_APPS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "RollingUpdate")
# The CustomResourceDefinition's types (k8s.io/apiextensions-apiserver).
_APIEXTENSIONS = (
    "CustomResource",
    "JSONSchemaProps",
    "ExternalDocumentation",
    "ValidationRule",
    "SelectableField",
    "WebhookConversion",
)
_SCALARS: dict[str, Obj] = {
    "str": {"type": "string"},
    "int": {"type": "integer", "format": "int32"},
    "bool": {"type": "boolean"},
    "float": {"type": "number", "format": "double"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "bytes": {"type": "string", "format": "byte"},
    "object": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}


def _definition_name(model: str) -> str:
    short = re.sub(r"^([A-Z][a-z]+)*V\d+((alpha|beta)\d+)?", "", model)
    if short in _META:
        return f"io.k8s.apimachinery.pkg.apis.meta.v1.{short}"
    if short.startswith(_APPS):
        return f"io.k8s.api.apps.v1.{short}"
    if model.startswith("Apiextensions") or short.startswith(_APIEXTENSIONS):
        return f"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.{short}"
    return f"io.k8s.api.core.v1.{short}"


def _description(doc: str | None) -> str:
    text = (doc or "").split("Attributes:")[0]
    return " ".join(text.split())


class _Builder:
    def __init__(self) -> None:
        from kubernetes.client import models  # the client is needed here only

        self.models = models
        self.schemas: Obj = {}

    def type_of(self, spec: str) -> Obj:
        if spec in _SCALARS:
            return dict(_SCALARS[spec])
        if spec.lower().startswith("list["):
            return {"type": "array", "items": self.type_of(spec[5:-1])}
        if spec.lower().startswith(("dict(", "dict[")):
            inner = spec[5:-1].split(",", 1)[1].strip()
            return {"type": "object", "additionalProperties": self.type_of(inner)}
        return {"$ref": f"#/components/schemas/{self.model(spec)}"}

    def model(self, model: str, name: str = "") -> str:
        name = name or _definition_name(model)
        if name in self.schemas:
            return name
        cls = getattr(self.models, model)
        schema: Obj = {"type": "object", "properties": {}}
        self.schemas[name] = schema
        description = _description(cls.__doc__)
        if description:
            schema["description"] = description
        required = []
        fields = getattr(cls, "model_fields", {})
        for attr, spec in cls.openapi_types.items():
            json_name = cls.attribute_map[attr]
            field_type = self.type_of(spec)
            info = fields.get(attr)
            text = (getattr(info, "description", None) or "") if info else ""
            if "$ref" in field_type:
                field_type = {"allOf": [field_type], "default": {}}
            if text:
                field_type["description"] = text
            schema["properties"][json_name] = field_type
            if info is not None and info.is_required():
                required.append(json_name)
        if required:
            schema["required"] = required
        return name


def _kind_model(models: Any, kind: kinds.Kind) -> str:
    """The client's model of a kind: V1Pod, CoreV1Event (events.k8s.io has an Event too)."""
    name = f"V1{kind.kind}"
    return name if hasattr(models, name) else f"CoreV1{kind.kind}"


def build() -> Obj:
    builder = _Builder()
    for kind in kinds.KINDS:
        if kind.builtin:
            builder.model(_kind_model(builder.models, kind), schema_name(kind))
    schemas = builder.schemas
    application = application_schema()
    application["properties"]["metadata"] = {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
        "description": "Standard object's metadata. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    }
    schemas[schema_name(kinds.by_kind("Application"))] = application
    return schemas


def main(argv: list[str]) -> int:
    del argv
    schemas = build()
    OUT.write_text(json.dumps(schemas, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(schemas)} schemas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
