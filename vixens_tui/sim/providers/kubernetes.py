"""hashicorp/kubernetes (~> 2.38.0): configured by the user's root module
(`config_path = var.paths.kubeconfig`) but used by no resource of it.

Terraform still needs it installed for `init` and its schema to check the configuration; with
no resource depending on it, Terraform prunes it from the graph and never configures it. The
provider's arguments the real one has that a configuration like this one sets are declared.
"""

from __future__ import annotations

from tf import schema, types
from tf.utils import Diagnostics

from vixens_tui.sim.providers.base import SimProvider

_STRINGS = (
    "host",
    "config_path",
    "config_context",
    "config_context_cluster",
    "config_context_auth_info",
    "client_certificate",
    "client_key",
    "cluster_ca_certificate",
    "token",
    "proxy_url",
    "tls_server_name",
    "username",
    "password",
)


class KubernetesProvider(SimProvider):
    source = "hashicorp/kubernetes"
    prefix = "kubernetes_"

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        attributes = [schema.Attribute(n, types.String(), optional=True) for n in _STRINGS]
        attributes += [
            schema.Attribute("insecure", types.Bool(), optional=True),
            schema.Attribute("config_paths", types.List(types.String()), optional=True),
            schema.Attribute("ignore_annotations", types.List(types.String()), optional=True),
            schema.Attribute("ignore_labels", types.List(types.String()), optional=True),
        ]
        return schema.Schema(version=0, attributes=attributes)
