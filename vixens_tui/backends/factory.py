"""The real backends for a profile: Terraform through python-terraform, the cluster through
the kubernetes client, the HTTP checks through httpx, the nodes through Talos's gRPC API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vixens_tui.backends.http import HttpxProber
from vixens_tui.backends.kube import KubeBackend
from vixens_tui.backends.talos.backend import TalosApiBackend
from vixens_tui.backends.terraform import PythonTerraformBackend, find_terraform
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.ports import (
    Backends,
    TerraformBackend,
    TerraformError,
    TfListener,
    TfResult,
    ToolRun,
)
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.redact import Redactor


class MissingTerraform:
    """Stands in when no terraform can be found: every call says so, and preflight (which
    asks for the version first) stops the run with that message before anything changes."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def _fail(self) -> TfResult:
        raise TerraformError(self.reason)

    def version(self) -> str:
        raise TerraformError(self.reason)

    def tool(self, name: str, *args: str) -> ToolRun:
        return ToolRun(name, "", None, self.reason)

    def validate(self) -> TfResult:
        return self._fail()

    def state_list(self) -> tuple[str, ...]:
        raise TerraformError(self.reason)

    def outputs(self) -> Mapping[str, Any]:
        raise TerraformError(self.reason)

    def evaluate(self, expression: str) -> Any:
        raise TerraformError(self.reason)

    def destroy(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        return self._fail()

    def apply(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        return self._fail()

    def state_rm(self, address: str) -> TfResult:
        return self._fail()

    def force_unlock(self, lock_id: str) -> TfResult:
        return self._fail()


def terraform_for(profile: Profile) -> TerraformBackend:
    try:
        engine = find_terraform(profile.terraform_binary)
    except TerraformError as exc:
        return MissingTerraform(str(exc))
    return PythonTerraformBackend(
        profile.terraform_dir, engine, grace_s=profile.terraform_stop_grace_s
    )


def real_backends(profile: Profile, redactor: Redactor | None = None) -> Backends:
    http = HttpxProber()
    cluster = KubeBackend(profile.kubeconfig, context=profile.context, redactor=redactor)
    return Backends(
        terraform=terraform_for(profile),
        cluster=cluster,
        http=http,
        talos=TalosApiBackend(profile.talosconfig) if profile.talos_api else None,
        closers=(cluster.stop, http.close),
    )
