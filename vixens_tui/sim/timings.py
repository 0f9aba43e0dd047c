"""How long the cluster's life takes, in simulated seconds (divide by the speed for real time).

At speed 1 a whole rebuild plays in a few minutes: the procedure's 40 minutes scaled down so
the demo is watchable, in the same proportions (Cilium is the long phase, the Talos
configuration next). Tests run at speeds of 50 to 500.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timings:
    talos_config_s: float = 40.0
    """Install Talos on a node and reboot it (nodes are configured in parallel)."""
    bootstrap_s: float = 15.0
    """etcd bootstrap until the API server answers."""
    node_register_s: float = 4.0
    """The API is up until a node's kubelet registers it."""
    cilium_install_s: float = 45.0
    """`helm install cilium --wait`."""
    argocd_install_s: float = 30.0
    """`helm install argo-cd --wait`."""
    schedule_s: float = 1.0
    ready_after_start_s: float = 3.0
    """Containers running until the readiness probe passes."""
    terminate_s: float = 3.0
    """A deleted pod stays Terminating this long (its grace period, shortened)."""
    root_app_s: float = 3.0
    """Argo CD running until Terraform's root application exists."""
    compare_s: float = 2.0
    sync_s: float = 4.0
    wave_gap_s: float = 2.0
    progressing_s: float = 40.0
    """How long apps the procedure accepts as Progressing (argocd, traefik) stay so."""
    refresh_s: float = 90.0
    """Argo CD re-compares an app in error this often (its reconciliation timeout, scaled)."""
    issuer_register_s: float = 3.0
    certificate_issue_s: float = 20.0
    """DNS-01 with Gandi: from the credentials Secret to the certificate."""
    uninstall_s: float = 8.0
    node_reset_s: float = 10.0
    destroy_timeout_s: float = 30.0
    """How long the Helm provider waits before `i/o timeout` (cilium-destroy-timeout)."""
