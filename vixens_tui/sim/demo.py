"""`--demo`: the product on its embedded default, a simulated cluster and a real Terraform engine.

The workspace lives at a fixed place per environment (`workspace_of`) so that `--demo --resume` after a crash finds everything again: the Terraform directory (demo
configuration, state, kubeconfig), the secret files, and the simulated cluster, which runs in a
process of its own (see daemon.py) as a real cluster runs beside the admin host.

The Terraform directory is the user's real configuration (demo_repo.py: environments/dev of
their repository and its modules, unmodified, plus a local-backend override and loopback
tfvars), run by a real Terraform engine against simulated providers (provider_world.py).

A new demo run starts from a cluster that exists, like the procedure does: the simulator starts
"built" and a first, silent `terraform apply` takes it into the Terraform state (the providers
find everything already there). The run then destroys and rebuilds it for real. The product's
real backends pointed at all this are assembled by the wiring layer (vixens_tui/wiring/demo.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from vixens_tui.core.checkpoint.files import ensure_private_dir
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.profile import HttpCheck, NodeSpec, Profile
from vixens_tui.sim.addresses import DemoNetwork
from vixens_tui.sim.daemon import INFO, LOG, REQUEST
from vixens_tui.sim.demo_repo import real_tfvars

DEMO_GANDI_TOKEN = "demo-gandi-token-not-a-real-secret"
DEMO_SYNOLOGY_PASSWORD = "demo-synology-password-not-real"
START_TIMEOUT_S = 30.0


class SimulatorError(Exception):
    """The simulated cluster could not be started; the message says why (the wiring turns it
    into the demo's exit 2)."""


def workspace_of(state: EnvState) -> Path:
    """Where the demo's "admin host" lives: its Terraform directory, secret files, simulator.

    Not in the state directory: like /root/vixens on the real host, it holds the inputs
    (secret files, the kubeconfig) the state must never contain. $VIXENS_TUI_DEMO_DIR moves it.
    """
    override = os.environ.get("VIXENS_TUI_DEMO_DIR")
    if override:
        return Path(override).expanduser() / state.env
    import platformdirs

    return Path(platformdirs.user_cache_dir("vixens-tui", appauthor=False)) / "demo" / state.env


def _pid_alive(pid: int) -> bool:
    # The daemon may be our own child: reap it if it exited, or it lingers as a zombie that
    # kill(pid, 0) still finds.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_info(workspace: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads((workspace / INFO).read_text())
    except (OSError, ValueError):
        return None
    return info if _pid_alive(int(info.get("pid", 0))) else None


_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}
"""Daemons this process started: kept so that they are reaped when stopped, and never
garbage-collected while they run (the cluster outlives a `vixens-tui` killed mid-run)."""


def stop_daemon(workspace: Path, timeout_s: float = 10.0) -> None:
    info = read_info(workspace)
    if info is None:
        return
    pid = int(info["pid"])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout_s)


def start_daemon(
    workspace: Path, profile: Profile, *, faults: tuple[str, ...], speed: float
) -> dict[str, Any]:
    (workspace / INFO).unlink(missing_ok=True)
    request = {
        "profile": json.loads(profile.model_dump_json()),
        "faults": list(faults),
        "speed": speed,
        "scenario": "built",
    }
    fd = os.open(workspace / REQUEST, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(request))
    log = os.open(workspace / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vixens_tui.sim.daemon", str(workspace)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # a signal to vixens-tui's group must not reach the cluster
            env={**os.environ, "PYTHONPATH": _pythonpath()},
        )
    finally:
        os.close(log)
    _CHILDREN[proc.pid] = proc
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        info = read_info(workspace)
        if info is not None:
            return info
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    tail = (workspace / LOG).read_text(errors="replace")[-2000:]
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
    _CHILDREN.pop(proc.pid, None)
    raise SimulatorError(f"the simulated cluster did not start (log {workspace / LOG}):\n{tail}")


def _pythonpath() -> str:
    root = str(Path(__file__).resolve().parents[2])
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    return os.pathsep.join([root, *rest])


def _write_secrets(directory: Path, profile: Profile) -> tuple[Path, Path]:
    ensure_private_dir(directory)
    target = profile.secrets.gandi  # the file must name the Secret the profile applies
    gandi = directory / "gandi-credentials.yaml"
    client = directory / "client-info.yml"  # the same content, applied as whatever kind
    for path, text in (
        (
            gandi,
            f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {target.name}\n"
            f"  namespace: {target.namespace}\ntype: Opaque\nstringData:\n"
            f'  {target.key}: "{DEMO_GANDI_TOKEN}"\n',
        ),
        (
            client,
            '---\nclients:\n  - host: "192.168.111.69"\n    port: 5000\n    https: false\n'
            f'    username: "talos-csi"\n    password: "{DEMO_SYNOLOGY_PASSWORD}"\n',
        ),
    ):
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
    return gandi, client


def _nodes_on(profile: Profile, network: DemoNetwork) -> tuple[NodeSpec, ...]:
    """The profile's nodes at their addresses of the demo's network (the Talos API's)."""
    where = {n.name: n for n in network.nodes}
    return tuple(
        node.model_copy(
            update={"ip": where[node.name].internal, "maintenance_ip": where[node.name].maintenance}
        )
        if node.name in where
        else node
        for node in profile.nodes
    )


def demo_profile(profile: Profile, workspace: Path, info: dict[str, Any]) -> Profile:
    """The profile pointed at the simulator and the workspace.

    The graces that wait on the cluster's own pace (Argo CD creating a namespace, an app
    starting its sync) shrink with the simulation's speed, since its whole life is that many
    times faster; timeouts stay as they are (they are upper bounds).
    """
    speed = max(1.0, float(info.get("speed", 1.0)))
    # Where the configuration writes them (its paths.kubeconfig and paths.talosconfig, the same
    # whatever the profile's name), relative to its directory.
    tf_dir = Path(info["terraform_dir"])
    paths = real_tfvars()["paths"]
    gandi, client = _write_secrets(workspace / "secrets", profile)
    return profile.model_copy(
        update={
            "description": f"demo of {profile.name}: simulated cluster, embedded Terraform",
            "terraform_dir": tf_dir,
            "kubeconfig": tf_dir / paths["kubeconfig"],
            "talosconfig": tf_dir / paths["talosconfig"],
            "nodes": _nodes_on(profile, DemoNetwork.from_json(info["network"])),
            "context": None,
            "api_endpoint": type(profile.api_endpoint)(info["api_url"]),
            "http_checks": tuple(HttpCheck.model_validate(c) for c in info["http_checks"]),
            "secrets": profile.secrets.model_copy(
                update={"gandi_credentials": gandi, "synology_client_info": client}
            ),
            "known_issues": profile.known_issues.model_copy(
                update={
                    "namespace_grace_s": max(2.0, profile.known_issues.namespace_grace_s / speed),
                    "maintenance_wait_s": max(
                        10.0, profile.known_issues.maintenance_wait_s / speed
                    ),
                }
            ),
            # A node installs in seconds here: asked as often, its phases are seen.
            "talos_progress_s": max(0.1, profile.talos_progress_s / speed),
            "argocd": profile.argocd.model_copy(
                update={"sync_grace_s": max(2.0, profile.argocd.sync_grace_s / speed)}
            ),
        }
    )
