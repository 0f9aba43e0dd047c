"""Read the expected Argo CD apps from a GitOps checkout (the overlay's kustomization).

The reader understands a flat overlay: `resources` naming Application manifests. What it does
not follow (a subdirectory or a remote base among the resources, components, name prefixes,
patches, replacements) could change the list of apps or the apps themselves: it is said, one
line each (`OverlayRead.skipped`), never silently left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vixens_tui.core.profile.model import AppSpec, GitOpsSource
from vixens_tui.core.safefile import MIB, FileRefused
from vixens_tui.core.safeyaml import read_documents

MANIFEST_MAX_BYTES = 4 * MIB


class GitOpsError(Exception):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _read(path: Path, missing: str) -> list[Any]:
    """The documents of a file of the checkout (never a FIFO, a device, a bomb)."""
    try:
        return read_documents(path, MANIFEST_MAX_BYTES)
    except FileRefused as exc:
        raise GitOpsError(path, missing if exc.missing else exc.problem) from None


def _load_yaml(path: Path) -> Any:
    docs = _read(path, "file not found")
    if len(docs) > 1:
        raise GitOpsError(path, f"holds {len(docs)} YAML documents, expected one")
    return docs[0] if docs else None


def _app_from_manifest(path: Path, doc: Any, accept_progressing: tuple[str, ...]) -> AppSpec:
    if not isinstance(doc, dict) or doc.get("kind") != "Application":
        raise GitOpsError(path, "not an argoproj.io Application manifest")
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    name = meta.get("name")
    namespace = (spec.get("destination") or {}).get("namespace")
    if not name or not namespace:
        raise GitOpsError(path, "metadata.name and spec.destination.namespace are required")
    annotations = meta.get("annotations") or {}
    try:
        wave = int(annotations.get("argocd.argoproj.io/sync-wave", 0))
    except (TypeError, ValueError):
        raise GitOpsError(path, "argocd.argoproj.io/sync-wave is not an integer") from None
    options = ((spec.get("syncPolicy") or {}).get("syncOptions")) or []
    return AppSpec(
        name=name,
        namespace=namespace,
        sync_wave=wave,
        create_namespace="CreateNamespace=true" in options,
        accept_progressing=name in accept_progressing,
    )


@dataclass(frozen=True, slots=True)
class OverlayRead:
    apps: tuple[AppSpec, ...]
    skipped: tuple[str, ...] = ()
    """What the overlay holds that the reader did not follow, one sentence each."""


# Kustomization fields that cannot change which Applications are listed or what is read of
# them (names, destination namespaces, waves, sync options).
_HARMLESS = frozenset(
    {"apiVersion", "kind", "resources", "namespace", "labels", "commonLabels", "metadata"}
)
_TRANSFORMS = {
    "components": "a component can add, drop or change apps (hibernate them, say)",
    "namePrefix": "the apps' names are read without it",
    "nameSuffix": "the apps' names are read without it",
    "patches": "patches can change the apps",
    "patchesStrategicMerge": "patches can change the apps",
    "patchesJson6902": "patches can change the apps",
    "replacements": "replacements can change the apps",
    "generators": "generated resources are not read",
    "transformers": "transformers can change the apps",
    "commonAnnotations": "an annotation can change an app's sync wave",
}


def _remote(entry: str) -> bool:
    return (
        "://" in entry
        or entry.startswith(("github.com/", "gitlab.com/", "git@"))
        or ("?ref=" in entry)
    )


def read_overlay(source: GitOpsSource, env: str) -> OverlayRead:
    """The Applications listed by the environment's overlay kustomization.yaml, in order, and
    what the overlay holds that was not followed."""
    overlay = source.checkout / source.overlay_for(env)
    kustomization = overlay / "kustomization.yaml"
    doc = _load_yaml(kustomization)
    resources = doc.get("resources") if isinstance(doc, dict) else None
    if not isinstance(resources, list) or not resources:
        raise GitOpsError(kustomization, "no `resources` list")
    apps: list[AppSpec] = []
    skipped: list[str] = []
    for entry in resources:
        if not isinstance(entry, str):
            skipped.append(f"resources entry {entry!r}: not a path, not read")
        elif _remote(entry):
            skipped.append(f"remote base {entry}: not fetched, its Applications are not listed")
        elif not entry.endswith((".yaml", ".yml")):
            skipped.append(
                f"resources entry {entry}: a directory (its own kustomization), not read: "
                "its Applications are not listed"
            )
        else:
            manifest = overlay / entry
            for item in _documents(manifest):
                apps.append(_app_from_manifest(manifest, item, source.accept_progressing))
    assert isinstance(doc, dict)
    for key in doc:
        if key in _HARMLESS:
            continue
        why = _TRANSFORMS.get(key, "not understood by this reader")
        value = doc[key]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        skipped.append(f"`{key}: {shown}` not applied: {why}")
    if not apps:
        raise GitOpsError(kustomization, "lists no Application manifests")
    return OverlayRead(tuple(apps), tuple(skipped))


def read_apps(source: GitOpsSource, env: str) -> tuple[AppSpec, ...]:
    """The Applications listed by the environment's overlay kustomization.yaml, in order."""
    return read_overlay(source, env).apps


def _documents(path: Path) -> list[Any]:
    return _read(path, "listed in kustomization.yaml but not found")
