"""siderolabs/talos (~> 0.9): the resources and data sources of the user's Talos module.

Followed from the provider's source (pkg/talos/*.go of siderolabs/terraform-provider-talos):
- `talos_machine_secrets`: `machine_secrets` and `client_configuration` (base64 PEMs), id
  "machine_secrets".
- `talos_machine_configuration` (data): the machine configuration YAML of a node type, with the
  config patches merged in.
- `talos_client_configuration` (data): a talosconfig with the given endpoints and nodes.
- `talos_machine_configuration_apply`: ApplyConfiguration on `node` through `endpoint` (default:
  the node), retried until the create timeout (10 min) unless the error is InvalidArgument;
  id "machine_configuration_apply". Delete does nothing unless `on_destroy.reset`.
- `talos_machine_bootstrap`: Bootstrap on `node`, retried while the node is not up yet; id
  "machine_bootstrap"; Read and Delete do nothing.
- `talos_cluster_kubeconfig`: the kubeconfig of `node` (a client certificate) and its parts,
  base64, in `kubernetes_client_configuration`; id the cluster name.
The RPCs act on the simulated machines (backplane.py): applying a configuration installs Talos
and reboots the node, which the bootstrap then waits for, as the real retry loop does.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import yaml
from tf import schema, types

from vixens_tui.core.ports import TALOS_PORT
from vixens_tui.sim.providers.backplane import Backplane
from vixens_tui.sim.providers.base import (
    SimDataSource,
    SimProvider,
    SimResource,
    State,
    known,
)
from vixens_tui.sim.providers.objtype import Object

CREATE_TIMEOUT_S = 600.0
"""The provider's default create timeout, in simulated seconds (10 minutes)."""

_PAIR = Object({"cert": types.String(), "key": types.String()})
MACHINE_SECRETS = Object(
    {
        "cluster": Object({"id": types.String(), "secret": types.String()}),
        "secrets": Object(
            {
                "bootstrap_token": types.String(),
                "secretbox_encryption_secret": types.String(),
            }
        ),
        "trustdinfo": Object({"token": types.String()}),
        "certs": Object(
            {
                "etcd": _PAIR,
                "k8s": _PAIR,
                "k8s_aggregator": _PAIR,
                "k8s_serviceaccount": Object({"key": types.String()}),
                "os": _PAIR,
            }
        ),
    }
)
CLIENT_CONFIGURATION = Object(
    {
        "ca_certificate": types.String(),
        "client_certificate": types.String(),
        "client_key": types.String(),
    }
)
KUBERNETES_CLIENT_CONFIGURATION = Object(
    {
        "host": types.String(),
        "ca_certificate": types.String(),
        "client_certificate": types.String(),
        "client_key": types.String(),
    }
)
ON_DESTROY = Object(
    {"reset": types.Bool(), "graceful": types.Bool(), "reboot": types.Bool()},
    optional=("reset", "graceful", "reboot"),
)


def _attr(name: str, kind: Any, **flags: Any) -> schema.Attribute:
    return schema.Attribute(name, kind, **flags)


def _token(length: int = 16) -> str:
    return secrets.token_hex(length)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Talos's strategic merge, as far as these patches go: maps merge, the rest replaces."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class TalosResource(SimResource):
    provider: TalosProvider

    @property
    def plane(self) -> Backplane:
        return self.provider.plane

    def _retry(self, ctx: Any, summary: str, node: str, endpoint: str) -> str | None:
        """The node's name when `endpoint` reaches a simulated machine; else the real loop's
        end: the connection retried until the create timeout, then the gRPC error."""
        name = self.plane.node_at(endpoint)
        self.plane.reach(node)
        if name is not None and self.plane.node_at(node) == name:
            return name
        self.plane.wait(CREATE_TIMEOUT_S)
        ctx.diagnostics.add_error(
            summary,
            "rpc error: code = Unavailable desc = connection error: desc = "
            f'"transport: Error while dialing: dial tcp {endpoint}:{TALOS_PORT}: '
            'connect: no route to host"',
        )
        return None


class MachineSecrets(TalosResource):
    name = "machine_secrets"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=1,
            attributes=[
                _attr("id", types.String(), computed=True),
                _attr("talos_version", types.String(), optional=True, requires_replace=True),
                _attr("machine_secrets", MACHINE_SECRETS, computed=True),
                _attr("client_configuration", CLIENT_CONFIGURATION, computed=True, sensitive=True),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State:
        client = self.plane.talos_client_configuration()

        def pair() -> dict[str, str]:
            return {"cert": client["ca_certificate"], "key": _b64(_token(32))}

        return {
            **planned,
            "id": "machine_secrets",
            "machine_secrets": {
                "cluster": {"id": _b64(_token()), "secret": _b64(_token(32))},
                "secrets": {
                    "bootstrap_token": f"{_token(3)}.{_token(8)}",
                    "secretbox_encryption_secret": _b64(_token(32)),
                },
                "trustdinfo": {"token": f"{_token(3)}.{_token(8)}"},
                "certs": {
                    "etcd": pair(),
                    "k8s": pair(),
                    "k8s_aggregator": pair(),
                    "k8s_serviceaccount": {"key": _b64(_token(32))},
                    "os": pair(),
                },
            },
            "client_configuration": client,
        }


class MachineConfigurationApply(TalosResource):
    name = "machine_configuration_apply"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                _attr("id", types.String(), computed=True),
                _attr("node", types.String(), required=True),
                _attr("endpoint", types.String(), optional=True, computed=True),
                _attr("apply_mode", types.String(), optional=True, computed=True, default="auto"),
                _attr("client_configuration", CLIENT_CONFIGURATION, optional=True),
                _attr("machine_configuration_input", types.String(), optional=True, sensitive=True),
                _attr("config_patches", types.List(types.String()), optional=True),
                _attr("on_destroy", ON_DESTROY, optional=True),
                _attr("machine_configuration", types.String(), computed=True, sensitive=True),
            ],
        )

    def _apply(self, ctx: Any, planned: State) -> State | None:
        endpoint = known(planned.get("endpoint")) or planned["node"]
        name = self._retry(ctx, "Error applying configuration", planned["node"], endpoint)
        if name is None:
            return None
        result = self.plane.act("talos-config", name)
        if result.rc != 0:
            ctx.diagnostics.add_error("Error applying configuration", result.stderr)
            return None
        # ApplyConfiguration returns once the node has the configuration: the install and the
        # reboot go on after it (the bootstrap's retry loop waits for them).
        self.plane.wait(min(result.sim_s, 3.0))
        patches = known(planned.get("config_patches")) or []
        config = known(planned.get("machine_configuration_input")) or ""
        for patch in patches:
            merged = _merge(yaml.safe_load(config) or {}, yaml.safe_load(patch) or {})
            config = yaml.safe_dump(merged, sort_keys=False)
        return {
            **planned,
            "id": "machine_configuration_apply",
            "endpoint": endpoint,
            "apply_mode": known(planned.get("apply_mode")) or "auto",
            "machine_configuration": config,
        }

    def create(self, ctx: Any, planned: State) -> State | None:
        return self._apply(ctx, planned)

    def update(self, ctx: Any, current: State, planned: State) -> State | None:
        return self._apply(ctx, planned)

    def delete(self, ctx: Any, current: State) -> None:
        on_destroy = current.get("on_destroy") or {}
        if on_destroy.get("reset"):
            name = self.plane.node_at(known(current.get("endpoint")) or current["node"])
            if name is not None:
                result = self.plane.act("node-reset", name)
                if result.rc != 0:
                    ctx.diagnostics.add_error("Error resetting machine", result.stderr)
                    return current  # type: ignore[return-value]  # kept in state
        return None


class MachineBootstrap(TalosResource):
    name = "machine_bootstrap"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=1,
            attributes=[
                _attr("id", types.String(), computed=True),
                _attr("node", types.String(), required=True),
                _attr("endpoint", types.String(), optional=True, computed=True),
                _attr("client_configuration", CLIENT_CONFIGURATION, optional=True),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State | None:
        endpoint = known(planned.get("endpoint")) or planned["node"]
        name = self._retry(ctx, "Error bootstrapping node", planned["node"], endpoint)
        if name is None:
            return None
        # The retry loop: the node reboots into its installed system first.
        self.plane.wait(max(0.0, self.plane.machine_ready_at(name) - self.plane.sim_now()))
        result = self.plane.act("bootstrap")
        if result.rc != 0:
            self.plane.wait(CREATE_TIMEOUT_S)
            ctx.diagnostics.add_error("Error bootstrapping node", result.stderr)
            return None
        return {**planned, "id": "machine_bootstrap", "endpoint": endpoint}


class ClusterKubeconfig(TalosResource):
    name = "cluster_kubeconfig"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=1,
            attributes=[
                _attr("id", types.String(), computed=True),
                _attr("node", types.String(), required=True),
                _attr("endpoint", types.String(), optional=True, computed=True),
                _attr("client_configuration", CLIENT_CONFIGURATION, optional=True),
                _attr("kubeconfig_raw", types.String(), computed=True, sensitive=True),
                _attr(
                    "kubernetes_client_configuration",
                    KUBERNETES_CLIENT_CONFIGURATION,
                    computed=True,
                    sensitive=True,
                ),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State | None:
        endpoint = known(planned.get("endpoint")) or planned["node"]
        if self._retry(ctx, "failed to retrieve kubeconfig", planned["node"], endpoint) is None:
            return None
        if not self.plane.bootstrapped():
            self.plane.wait(CREATE_TIMEOUT_S)
            ctx.diagnostics.add_error(
                "failed to retrieve kubeconfig",
                "rpc error: code = Unavailable desc = kubeconfig is not available yet",
            )
            return None
        raw = self.plane.admin_kubeconfig()
        config = yaml.safe_load(raw)
        cluster = config["clusters"][0]
        user = config["users"][0]["user"]
        return {
            **planned,
            "id": cluster["name"],
            "endpoint": endpoint,
            "kubeconfig_raw": raw,
            "kubernetes_client_configuration": {
                "host": cluster["cluster"]["server"],
                "ca_certificate": cluster["cluster"]["certificate-authority-data"],
                "client_certificate": user["client-certificate-data"],
                "client_key": user["client-key-data"],
            },
        }


class MachineConfigurationData(SimDataSource):
    """data "talos_machine_configuration"."""

    name = "machine_configuration"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                _attr("id", types.String(), computed=True),
                _attr("cluster_name", types.String(), required=True),
                _attr("machine_type", types.String(), required=True),
                _attr("cluster_endpoint", types.String(), required=True),
                _attr("machine_secrets", MACHINE_SECRETS, required=True),
                _attr("talos_version", types.String(), optional=True),
                _attr("kubernetes_version", types.String(), optional=True),
                _attr("config_patches", types.List(types.String()), optional=True),
                _attr("docs", types.Bool(), optional=True),
                _attr("examples", types.Bool(), optional=True),
                _attr("machine_configuration", types.String(), computed=True, sensitive=True),
            ],
        )

    def read(self, ctx: Any, config: State) -> State:
        machine_secrets = config["machine_secrets"]
        document: dict[str, Any] = {
            "version": "v1alpha1",
            "machine": {
                "type": config["machine_type"],
                "token": machine_secrets["trustdinfo"]["token"],
                "ca": {"crt": machine_secrets["certs"]["os"]["cert"]},
            },
            "cluster": {
                "id": machine_secrets["cluster"]["id"],
                "clusterName": config["cluster_name"],
                "controlPlane": {"endpoint": config["cluster_endpoint"]},
                "token": machine_secrets["secrets"]["bootstrap_token"],
            },
        }
        for patch in config.get("config_patches") or []:
            document = _merge(document, yaml.safe_load(patch) or {})
        return {
            **config,
            "id": config["cluster_name"],
            "machine_configuration": yaml.safe_dump(document, sort_keys=False),
        }


class ClientConfigurationData(SimDataSource):
    """data "talos_client_configuration": a talosconfig."""

    name = "client_configuration"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                _attr("id", types.String(), computed=True),
                _attr("cluster_name", types.String(), required=True),
                _attr("client_configuration", CLIENT_CONFIGURATION, required=True),
                _attr("endpoints", types.List(types.String()), optional=True),
                _attr("nodes", types.List(types.String()), optional=True),
                _attr("talos_config", types.String(), computed=True, sensitive=True),
            ],
        )

    def read(self, ctx: Any, config: State) -> State:
        name = config["cluster_name"]
        client = config["client_configuration"]
        talosconfig = {
            "context": name,
            "contexts": {
                name: {
                    "endpoints": list(config.get("endpoints") or []),
                    "nodes": list(config.get("nodes") or []),
                    "ca": client["ca_certificate"],
                    "crt": client["client_certificate"],
                    "key": client["client_key"],
                }
            },
        }
        return {
            **config,
            "id": name,
            "talos_config": yaml.safe_dump(talosconfig, sort_keys=False),
        }


class TalosProvider(SimProvider):
    source = "siderolabs/talos"
    prefix = "talos_"
    resources = (MachineSecrets, MachineConfigurationApply, MachineBootstrap, ClusterKubeconfig)
    data_sources = (MachineConfigurationData, ClientConfigurationData)

    def __init__(self, plane: Backplane, workdir: Any = None) -> None:
        super().__init__(workdir)
        self.plane = plane
