"""The cluster backend over the official `kubernetes` client (watches, no polling)."""

from vixens_tui.backends.kube.backend import KubeBackend
from vixens_tui.backends.kube.watcher import Backoff
from vixens_tui.core.cluster import VolumeClaimInfo

__all__ = ["Backoff", "KubeBackend", "VolumeClaimInfo"]
