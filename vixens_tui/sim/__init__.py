"""The simulated cluster: a Kubernetes API server over HTTPS, the cluster's life, and its faults.

`SimCluster` (in `cluster.py`) is what the CLI, the demo and the tests use. This package is
imported by `python -m vixens_tui.sim.hook` on every Terraform provisioner run, so importing it
must stay cheap: `SimCluster` is loaded on first use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vixens_tui.sim.cluster import SimCluster

__all__ = ["SimCluster"]


def __getattr__(name: str) -> Any:
    if name == "SimCluster":
        from vixens_tui.sim.cluster import SimCluster

        return SimCluster
    raise AttributeError(name)
