"""Read the expected Argo CD apps from a GitOps checkout (the overlay's kustomization)."""

from __future__ import annotations

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


def read_apps(source: GitOpsSource, env: str) -> tuple[AppSpec, ...]:
    """The Applications listed by the environment's overlay kustomization.yaml, in order."""
    overlay = source.checkout / source.overlay_for(env)
    kustomization = overlay / "kustomization.yaml"
    doc = _load_yaml(kustomization)
    resources = doc.get("resources") if isinstance(doc, dict) else None
    if not isinstance(resources, list) or not resources:
        raise GitOpsError(kustomization, "no `resources` list")
    apps: list[AppSpec] = []
    for entry in resources:
        if not isinstance(entry, str) or not entry.endswith((".yaml", ".yml")):
            continue  # a directory or a remote base: not an Application manifest
        manifest = overlay / entry
        for item in _documents(manifest):
            apps.append(_app_from_manifest(manifest, item, source.accept_progressing))
    if not apps:
        raise GitOpsError(kustomization, "lists no Application manifests")
    return tuple(apps)


def _documents(path: Path) -> list[Any]:
    return _read(path, "listed in kustomization.yaml but not found")
