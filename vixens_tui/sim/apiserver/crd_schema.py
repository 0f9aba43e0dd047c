"""The structural schema of Argo CD's Application CRD (types only), checked as the
apiextensions-apiserver checks a custom resource on create, update and patch.

The types are those of argoproj/argo-cd manifests/crds/application-crd.yaml, for the parts of an
Application the product, the procedure and the simulated controller touch (the whole schema is
400 kB of YAML). A value of the wrong type is a 422 Invalid with one cause per value, worded as
kube-openapi's `InvalidType` error turned into a field error by apiextensions-apiserver's
validation.ConvertToFieldErrors (`field.TypeInvalid(path, actualType, err.Error())`):

    operation: Invalid value: "string": operation in body must be of type object: "string"

Array items are named `path.0` as go-openapi names them. Fields the schema does not declare are
not checked, and a null is taken as absent (merge patches delete with it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vixens_tui.sim.apiserver.errors import Cause

Schema = Mapping[str, Any]

_S: Schema = {"type": "string"}
_B: Schema = {"type": "boolean"}
_I: Schema = {"type": "integer"}
_ANY_OBJECT: Schema = {"type": "object"}


def _obj(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties}


def _arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


_STRINGS = _arr(_S)
_NAME_VALUE = _obj(name=_S, value=_S)
_SOURCE = _obj(
    chart=_S,
    directory=_obj(exclude=_S, include=_S, jsonnet=_ANY_OBJECT, recurse=_B),
    helm=_obj(
        apiVersions=_STRINGS,
        fileParameters=_arr(_obj(name=_S, path=_S)),
        ignoreMissingValueFiles=_B,
        kubeVersion=_S,
        namespace=_S,
        parameters=_arr(_obj(forceString=_B, name=_S, value=_S)),
        passCredentials=_B,
        releaseName=_S,
        skipCrds=_B,
        skipSchemaValidation=_B,
        skipTests=_B,
        valueFiles=_STRINGS,
        values=_S,
        valuesObject=_ANY_OBJECT,
        version=_S,
    ),
    kustomize=_ANY_OBJECT,
    name=_S,
    path=_S,
    plugin=_ANY_OBJECT,
    ref=_S,
    repoURL=_S,
    targetRevision=_S,
)
_RETRY = _obj(
    backoff=_obj(duration=_S, factor=_I, maxDuration=_S),
    limit=_I,
    refresh=_B,
)
_OPERATION = _obj(
    info=_arr(_NAME_VALUE),
    initiatedBy=_obj(automated=_B, username=_S),
    retry=_RETRY,
    sync=_obj(
        autoHealAttemptsCount=_I,
        dryRun=_B,
        manifests=_STRINGS,
        prune=_B,
        resources=_arr(_obj(group=_S, kind=_S, name=_S, namespace=_S)),
        revision=_S,
        revisions=_STRINGS,
        source=_SOURCE,
        sources=_arr(_SOURCE),
        syncOptions=_STRINGS,
        syncStrategy=_obj(apply=_obj(force=_B), hook=_obj(force=_B)),
    ),
)
_SPEC = _obj(
    destination=_obj(name=_S, namespace=_S, server=_S),
    ignoreDifferences=_arr(
        _obj(
            group=_S,
            jqPathExpressions=_STRINGS,
            jsonPointers=_STRINGS,
            kind=_S,
            managedFieldsManagers=_STRINGS,
            name=_S,
            namespace=_S,
        )
    ),
    info=_arr(_NAME_VALUE),
    project=_S,
    revisionHistoryLimit=_I,
    source=_SOURCE,
    sourceHydrator=_ANY_OBJECT,
    sources=_arr(_SOURCE),
    syncPolicy=_obj(
        automated=_obj(allowEmpty=_B, enabled=_B, prune=_B, selfHeal=_B),
        managedNamespaceMetadata=_obj(annotations=_ANY_OBJECT, labels=_ANY_OBJECT),
        retry=_RETRY,
        syncOptions=_STRINGS,
    ),
)
_HEALTH = _obj(lastTransitionTime=_S, message=_S, status=_S)
_STATUS = _obj(
    controllerNamespace=_S,
    health=_HEALTH,
    history=_arr(
        _obj(
            deployStartedAt=_S,
            deployedAt=_S,
            id=_I,
            initiatedBy=_obj(automated=_B, username=_S),
            revision=_S,
            revisions=_STRINGS,
            source=_SOURCE,
            sources=_arr(_SOURCE),
        )
    ),
    observedAt=_S,
    operationState=_obj(
        finishedAt=_S,
        message=_S,
        operation=_OPERATION,
        phase=_S,
        retryCount=_I,
        startedAt=_S,
        syncResult=_obj(
            managedNamespaceMetadata=_ANY_OBJECT,
            resources=_arr(_ANY_OBJECT),
            revision=_S,
            revisions=_STRINGS,
            source=_SOURCE,
            sources=_arr(_SOURCE),
        ),
    ),
    reconciledAt=_S,
    resourceHealthSource=_S,
    resources=_arr(
        _obj(
            group=_S,
            health=_obj(lastTransitionTime=_S, message=_S, status=_S),
            hook=_B,
            kind=_S,
            name=_S,
            namespace=_S,
            requiresPruning=_B,
            status=_S,
            syncWave=_I,
            version=_S,
        )
    ),
    sourceHydrator=_ANY_OBJECT,
    sourceType=_S,
    sourceTypes=_STRINGS,
    summary=_obj(externalURLs=_STRINGS, images=_STRINGS),
    sync=_obj(
        comparedTo=_obj(
            destination=_obj(name=_S, namespace=_S, server=_S),
            ignoreDifferences=_arr(_ANY_OBJECT),
            source=_SOURCE,
            sources=_arr(_SOURCE),
        ),
        revision=_S,
        revisions=_STRINGS,
        status=_S,
    ),
)
APPLICATION: Schema = _obj(
    apiVersion=_S,
    kind=_S,
    metadata=_ANY_OBJECT,
    operation=_OPERATION,
    spec=_SPEC,
    status=_STATUS,
)


def json_type(value: Any) -> str:
    """The JSON schema type of a decoded value, as kube-openapi names it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "null"


def _fits(wanted: str, actual: str) -> bool:
    return wanted == actual or (wanted == "number" and actual == "integer")


def type_causes(schema: Schema, value: Any, path: str = "") -> list[Cause]:
    """One FieldValueTypeInvalid cause per value of the wrong type, walking the schema
    iteratively (a body may be deep)."""
    causes: list[Cause] = []
    pending: list[tuple[Schema, Any, str]] = [(schema, value, path)]
    while pending:
        node, current, where = pending.pop()
        if current is None:
            continue
        wanted = node.get("type")
        actual = json_type(current)
        if wanted and not _fits(wanted, actual):
            name = where or "body"
            message = (
                f'Invalid value: "{actual}": {name} in body must be of type {wanted}: "{actual}"'
            )
            causes.append(Cause(name, "FieldValueTypeInvalid", message))
            continue
        children: list[tuple[Schema, Any, str]] = []
        if actual == "object":
            for key, sub in (node.get("properties") or {}).items():
                if key in current:
                    children.append((sub, current[key], f"{where}.{key}" if where else key))
        elif actual == "array" and "items" in node:
            for index, item in enumerate(current):
                children.append((node["items"], item, f"{where}.{index}"))
        pending.extend(reversed(children))
    return causes


def application_causes(obj: Mapping[str, Any]) -> list[Cause]:
    """The structural schema problems of an Application (empty when every type fits)."""
    return type_causes(APPLICATION, obj)
