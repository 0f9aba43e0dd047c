"""The cluster backend over the official `kubernetes` client (watches, no polling)."""

from vixens_tui.backends.kube.backend import KubeBackend
from vixens_tui.backends.kube.convert import VolumeClaimInfo
from vixens_tui.backends.kube.watcher import Backoff

__all__ = ["Backoff", "KubeBackend", "VolumeClaimInfo"]
