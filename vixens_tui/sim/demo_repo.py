"""The demo's copy of the user's repository: their real Terraform configuration, ready to run.

`vixens_repo/` (PROVENANCE.md) is copied as it is into the workspace, keeping the repository's
layout (environments/dev reaches its modules as ../../modules, the cilium-lb manifests as
../../../apps/...). Two files are added in environments/dev, and nothing else changes:

- `backend_override.tf`: Terraform merges override files into the configuration; this one's
  local backend replaces the S3 backend on the MinIO host (the demo keeps its state in the
  directory).
- `demo.auto.tfvars.json`: loaded after terraform.tfvars, it replaces every value that holds an
  address with its loopback twin (addresses.py). The user's terraform.tfvars stays beside it.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any

from vixens_tui.sim.addresses import DemoNetwork, demo_tfvars

REPO_PACKAGE = "vixens_tui.sim"
REPO_DIR = "vixens_repo"
ENV_DIR = PurePosixPath("terraform/environments/dev")
BACKEND_OVERRIDE = "backend_override.tf"
DEMO_TFVARS = "demo.auto.tfvars.json"

BACKEND_TEXT = """\
# Added by the vixens-tui demo: the state stays in this directory instead of the S3 bucket
# on the MinIO host of backend.tf (an override file replaces the backend block).
terraform {
  backend "local" {}
}
"""


def _walk(node: Traversable, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for item in node.iterdir():
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _walk(item, rel / item.name)
        elif item.name != "PROVENANCE.md":
            yield rel / item.name, item


def repo_files() -> dict[PurePosixPath, bytes]:
    root = resources.files(REPO_PACKAGE) / REPO_DIR
    return {rel: item.read_bytes() for rel, item in _walk(root, PurePosixPath())}


@functools.cache
def real_tfvars() -> dict[str, Any]:
    """The user's terraform.tfvars, parsed as Terraform reads it (once: building the HCL
    grammar costs 0.4 s of CPU). Callers must not change it."""
    import hcl2
    from hcl2.utils import SerializationOptions

    text = repo_files()[ENV_DIR / "terraform.tfvars"].decode()
    data: dict[str, Any] = hcl2.loads(
        text, serialization_options=SerializationOptions(strip_string_quotes=True)
    )
    return data


def copy_repo(target: Path) -> Path:
    """Copy the repository into `target` (files already there and equal are not rewritten);
    returns the Terraform directory."""
    # Private, as the whole demo workspace (0700 directories, 0600 files, 0700 scripts): the
    # Terraform directory receives the kubeconfig, the talosconfig and the state.
    for rel, data in repo_files().items():
        path = target.joinpath(*rel.parts)
        if not (path.exists() and path.read_bytes() == data):
            for parent in reversed(path.relative_to(target).parents):
                (target / parent).mkdir(mode=0o700, exist_ok=True)
            path.write_bytes(data)
        path.chmod(0o700 if path.suffix == ".sh" else 0o600)
    return target.joinpath(*ENV_DIR.parts)


def prepare_repo(target: Path, network: DemoNetwork) -> Path:
    """The repository in `target`, its backend override and loopback tfvars written; returns
    the Terraform directory (environments/dev)."""
    tf_dir = copy_repo(target)
    values = demo_tfvars(network, real_tfvars())
    for name, text in (
        (BACKEND_OVERRIDE, BACKEND_TEXT),
        (DEMO_TFVARS, json.dumps(values, indent=2, sort_keys=True) + "\n"),
    ):
        (tf_dir / name).write_text(text)
        (tf_dir / name).chmod(0o600)
    return tf_dir


def remove_repo(target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
