"""hashicorp/helm (~> 3.1.0): `helm_release`, for the Cilium and Argo CD releases.

Followed from helm/resource_helm_release.go (v3.1.2):
- Create installs and, with `wait`, waits for the release's resources; a failure is
  "installation failed". id is the release name, `status` "deployed".
- Read and Delete first ask whether the release exists (`resourceReleaseExists`). When that
  check itself fails (the API server does not answer), both take it as "not there": Read drops
  the release from the state, Delete returns without an error. Only an uninstall that fails
  once started is an error: summary "Error uninstalling release", detail "Unable to uninstall
  Helm release NAME: ERR". That is known issue 1: Cilium's uninstall cuts the API server off
  midway (`dial tcp VIP:6443: i/o timeout`). Terraform's diagnostic for it names no resource.
- Provider configuration: `kubernetes = { host, client_certificate, client_key,
  cluster_ca_certificate, ... }` (a nested attribute since v3). It is unknown during the first
  plan (it comes from talos_cluster_kubeconfig), which a provider must accept.
The charts are not downloaded: installing acts on the simulated cluster (backplane.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tf import schema, types
from tf.utils import Diagnostics

from vixens_tui.sim.providers.backplane import Backplane
from vixens_tui.sim.providers.base import SimProvider, SimResource, State, known
from vixens_tui.sim.providers.objtype import Object

KUBERNETES = Object(
    {
        "host": types.String(),
        "client_certificate": types.String(),
        "client_key": types.String(),
        "cluster_ca_certificate": types.String(),
        "config_path": types.String(),
        "config_context": types.String(),
        "token": types.String(),
        "insecure": types.Bool(),
    },
    optional=(
        "host",
        "client_certificate",
        "client_key",
        "cluster_ca_certificate",
        "config_path",
        "config_context",
        "token",
        "insecure",
    ),
)
METADATA = Object(
    {
        "name": types.String(),
        "namespace": types.String(),
        "chart": types.String(),
        "version": types.String(),
        "app_version": types.String(),
        "revision": types.Number(),
    }
)
RELEASES = {
    "cilium": ("cilium-install", "cilium-uninstall"),
    "argocd": ("argocd-install", "argocd-uninstall"),
}
"""The releases the simulated cluster knows how to run: name -> (install, uninstall) actions."""

_ERROR_PREFIXES = ("Error: ", "Error uninstalling release: ", "Kubernetes cluster unreachable: ")


def _error_text(stderr: str) -> str:
    text = stderr.strip()
    for prefix in _ERROR_PREFIXES:
        text = text.removeprefix(prefix)
    return text


def _flag(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


class HelmRelease(SimResource):
    name = "release"
    provider: HelmProvider

    @classmethod
    def get_schema(cls) -> schema.Schema:
        def attr(name: str, kind: Any, **flags: Any) -> schema.Attribute:
            return schema.Attribute(name, kind, **flags)

        return schema.Schema(
            version=1,
            attributes=[
                attr("id", types.String(), computed=True),
                attr("name", types.String(), required=True, requires_replace=True),
                attr("repository", types.String(), optional=True),
                attr("chart", types.String(), required=True),
                attr("version", types.String(), optional=True, computed=True),
                attr("namespace", types.String(), optional=True, computed=True, default="default"),
                attr("create_namespace", types.Bool(), optional=True, computed=True, default=False),
                attr("wait", types.Bool(), optional=True, computed=True, default=True),
                attr("wait_for_jobs", types.Bool(), optional=True, computed=True, default=False),
                attr("atomic", types.Bool(), optional=True, computed=True, default=False),
                attr("timeout", types.Number(), optional=True, computed=True, default=300),
                attr("values", types.List(types.String()), optional=True),
                attr("status", types.String(), computed=True),
                attr("metadata", METADATA, computed=True),
            ],
        )

    @property
    def plane(self) -> Backplane:
        return self.provider.plane

    def _metadata(self, state: State, app_version: str = "") -> State:
        return {
            "name": state["name"],
            "namespace": known(state.get("namespace")) or "default",
            "chart": state["chart"],
            "version": known(state.get("version")) or "",
            "app_version": app_version or known(state.get("version")) or "",
            "revision": 1,
        }

    def create(self, ctx: Any, planned: State) -> State | None:
        name = str(planned["name"])
        if not self.provider.reachable(ctx, "installation failed"):
            return None
        actions = RELEASES.get(name)
        if actions is None:
            ctx.diagnostics.add_error(
                "installation failed",
                f"the simulated cluster has no chart for release {name!r} "
                f"(it runs {', '.join(RELEASES)})",
            )
            return None
        result = self.plane.act(actions[0])
        if _flag(known(planned.get("wait")), True):
            self.plane.wait(result.sim_s)
        if result.rc != 0:
            ctx.diagnostics.add_error("installation failed", _error_text(result.stderr))
            return None
        return {
            **planned,
            "id": name,
            "status": "deployed",
            "namespace": known(planned.get("namespace")) or "default",
            "version": known(planned.get("version")) or "",
            "metadata": self._metadata(planned),
        }

    def read(self, ctx: Any, current: State) -> State | None:
        # resourceReleaseExists: an API that does not answer reads as "no release".
        if not self.plane.api_reachable():
            return None
        if not self.plane.release_installed(str(current["name"])):
            return None
        return current

    def update(self, ctx: Any, current: State, planned: State) -> State | None:
        return {**planned, "status": "deployed", "metadata": self._metadata(planned)}

    def delete(self, ctx: Any, current: State) -> State | None:
        name = str(current["name"])
        if not self.plane.api_reachable() or not self.plane.release_installed(name):
            return None  # as the real provider: nothing said, gone from the state
        result = self.plane.act(RELEASES[name][1])
        self.plane.wait(result.sim_s)
        if result.rc != 0:
            ctx.diagnostics.add_error(
                "Error uninstalling release",
                f"Unable to uninstall Helm release {name}: {_error_text(result.stderr)}",
            )
            return current  # kept in the state, as Terraform keeps a resource whose delete failed
        return None


class HelmProvider(SimProvider):
    source = "hashicorp/helm"
    prefix = "helm_"
    resources = (HelmRelease,)

    def __init__(self, plane: Backplane, workdir: Any = None) -> None:
        super().__init__(workdir)
        self.plane = plane

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[schema.Attribute("kubernetes", KUBERNETES, optional=True)],
        )

    def configure_provider(self, diags: Diagnostics, config: State) -> None:
        super().configure_provider(diags, config)
        kubernetes = (config or {}).get("kubernetes")
        host = kubernetes.get("host") if isinstance(kubernetes, dict) else None
        if isinstance(host, str) and host:
            self.plane.reach(urlsplit(host).hostname or host)

    def reachable(self, ctx: Any, summary: str) -> bool:
        if self.plane.api_reachable():
            return True
        host = self.plane.network.vip
        ctx.diagnostics.add_error(
            summary,
            f'Kubernetes cluster unreachable: Get "https://{host}:6443/version": '
            f"dial tcp {host}:6443: connect: connection refused",
        )
        return False
