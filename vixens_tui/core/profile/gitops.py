"""Read the expected Argo CD apps from a GitOps checkout (the overlay's kustomization)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vixens_tui.core.profile.model import AppSpec, GitOpsSource


class GitOpsError(Exception):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GitOpsError(path, "file not found") from None
    except OSError as exc:
        raise GitOpsError(path, f"cannot read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise GitOpsError(path, f"not valid YAML{where}") from None


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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GitOpsError(path, "listed in kustomization.yaml but not found") from None
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        raise GitOpsError(path, "not valid YAML") from None
