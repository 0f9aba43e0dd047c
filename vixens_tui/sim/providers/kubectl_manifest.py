"""What gavinbunney/kubectl (v1.19.0) computes from a manifest, without the network: parsing
(yaml/parser.go), the self link that is the resource's id (yaml/manifest.go), the live
fingerprint (resource_kubectl_manifest.go, flatten/flatten.go), the obfuscated
`yaml_body_parsed`, and kubectl's client-side apply documents (the last-applied annotation and
the three-way JSON merge patch of k8s.io/apimachinery's jsonmergepatch).
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import yaml

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CONTROL_FIELDS = (
    "status",
    "metadata.finalizers",
    "metadata.initializers",
    "metadata.ownerReferences",
    "metadata.creationTimestamp",
    "metadata.generation",
    "metadata.resourceVersion",
    "metadata.uid",
    "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
    "metadata.managedFields",
)
"""Fields of the YAML left out of the fingerprint: the server or controllers own them."""


class ManifestError(ValueError):
    """A yaml_body the real provider cannot parse; the message is its (Go) one."""


class _Loader(yaml.SafeLoader):
    """YAML 1.1 like gopkg.in/yaml.v2, but timestamps stay strings as they do in Go's
    map[string]interface{} (PyYAML would make datetimes, which JSON cannot carry)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def go_json(value: Any) -> str:
    """encoding/json's output: sorted keys, compact, HTML characters escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _as_json(value: Any) -> Any:
    """yaml.v2's map[interface{}]interface{} through dyno.ConvertMapI2MapS and JSON."""
    if isinstance(value, dict):
        return {_key(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON "1" comes back an int64 in unstructured
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "" if key is None else str(key)


def parse(text: str) -> Obj:
    """The first YAML document as an object with a kind (yaml.ParseYAML)."""
    try:
        document = next(yaml.load_all(text, Loader=_Loader), None)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise ManifestError(f"yaml: line {line}: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"yaml: {exc}") from exc
    if document is None:
        document = {}
    if not isinstance(document, dict):
        tag = "!!seq" if isinstance(document, list) else "!!str"
        raise ManifestError(
            f"yaml: unmarshal errors:\n  line 1: cannot unmarshal {tag} into map[string]interface {{}}"
        )
    obj: Obj = _as_json(document)
    if not obj.get("kind"):
        raise ManifestError(f"Object 'Kind' is missing in '{go_json(obj)}'")
    return obj


def namespace(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def describe(obj: Obj) -> str:
    """How the provider names a manifest in its messages (Manifest.String)."""
    return f"{namespace(obj)}/{name(obj)}" if namespace(obj) else name(obj)


def group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def invalid_type(obj: Obj) -> str:
    """The error of a kind discovery does not serve (a CRD not installed yet)."""
    return (
        f"resource [{obj.get('apiVersion', '')}/{obj.get('kind', '')}] isn't valid for cluster, "
        "check the APIVersion and Kind fields are valid"
    )


def self_link(obj: Obj) -> str:
    """The id: the object's selfLink, or buildSelfLink's guess (plural = kind + "s"/"es")."""
    meta = obj.get("metadata") or {}
    if meta.get("selfLink"):
        return str(meta["selfLink"])
    api_version = str(obj.get("apiVersion", ""))
    link = "/api" if api_version == "v1" else "/apis"
    if api_version:
        link += f"/{api_version}"
    if namespace(obj):
        link += f"/namespaces/{namespace(obj)}"
    kind = str(obj.get("kind", ""))
    if kind:
        link += f"/{kind.lower()}{'es' if kind.endswith('s') else 's'}"
    if name(obj):
        link += f"/{name(obj)}"
    return link


# -- the fingerprint of the live fields ------------------------------------------------------


def _flatten_into(out: dict[str, str], prefix: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(out, f"{prefix}.{key}", item)
    elif isinstance(value, list):
        out[f"{prefix}.#"] = str(len(value))
        for index, item in enumerate(value):
            _flatten_into(out, f"{prefix}.{index}", item)
    else:
        out[prefix] = str(value)


def flatten(obj: Obj) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in obj.items():
        if key:
            _flatten_into(out, key, value)
    return out


def live_fields(user: Obj, live: Obj, ignored: list[str]) -> str:
    """The YAML's own fields with their live values, `k=v` sorted: what drift is judged on."""
    mine = flatten(user)
    theirs = flatten(live)
    for field in (*CONTROL_FIELDS, *ignored):
        for key in [k for k in mine if k == field or k.startswith(field + ".")]:
            del mine[key]
    kept = sorted(k for k in mine if k in theirs)
    return ",".join(f"{k}={theirs[k].strip()}" for k in kept)


def fingerprint(user: Obj, live: Obj, ignored: list[str]) -> str:
    return hashlib.sha256(live_fields(user, live, ignored).encode()).hexdigest()


def obfuscated_yaml(obj: Obj, sensitive: list[str]) -> str:
    """yaml_body_parsed: the YAML with each sensitive field replaced (sigs.k8s.io/yaml)."""
    shown = copy.deepcopy(obj)
    for path in sensitive:
        parts = path.split(".")
        parent: Any = shown
        for part in parts[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and parts[-1] in parent:
            parent[parts[-1]] = "(sensitive value)"
    return yaml.safe_dump(shown, sort_keys=True, default_flow_style=False, width=1 << 30)


# -- kubectl's client-side apply -------------------------------------------------------------


def with_last_applied(obj: Obj) -> Obj:
    """GetModifiedConfiguration: the object with its own JSON (annotation removed, then an
    empty annotations map kept, hence the familiar `"annotations":{}`) as the annotation."""
    modified = copy.deepcopy(obj)
    meta = modified.setdefault("metadata", {})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    meta["annotations"] = annotations
    applied = go_json(modified) + "\n"
    meta["annotations"] = {**annotations, LAST_APPLIED: applied}
    return modified


def parse_json(text: str) -> Obj | None:
    """A last-applied annotation's object; None when absent or not an object."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _diff(old: Any, new: Any) -> Any:
    """RFC 7386 merge patch from `old` to `new` (jsonpatch.CreateMergePatch)."""
    patch: Obj = {}
    for key in old:
        if key not in new:
            patch[key] = None
    for key, value in new.items():
        if key not in old:
            patch[key] = value
        elif isinstance(value, dict) and isinstance(old[key], dict):
            inner = _diff(old[key], value)
            if inner:
                patch[key] = inner
        elif value != old[key]:
            patch[key] = value
    return patch


def _keep(patch: Obj, nulls: bool) -> Obj:
    """keepOrDeleteNullInObj: only the deletions (`nulls`) or only the rest."""
    kept: Obj = {}
    for key, value in patch.items():
        if value is None:
            if nulls:
                kept[key] = None
        elif isinstance(value, dict):
            if not value:  # an explicitly empty map is a value, not an empty patch
                if not nulls:
                    kept[key] = value
                continue
            inner = _keep(value, nulls)
            if inner:
                kept[key] = inner
        elif not nulls:
            kept[key] = value
    return kept


def _merge(target: Obj, patch: Obj) -> Obj:
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            base = out.get(key)
            out[key] = _merge(base if isinstance(base, dict) else {}, value)
        else:
            out[key] = value
    return out


def three_way_patch(original: Obj | None, modified: Obj, current: Obj) -> Obj:
    """CreateThreeWayJSONMergePatch: what changed from the live object, plus what the last
    apply set and this one dropped (nothing when the object has no last-applied annotation)."""
    changes = _keep(_diff(current, modified), nulls=False)
    deletions = _keep(_diff(original or {}, modified), nulls=True)
    return _merge(deletions, changes)
