"""The known-issue catalogue (docs/known-issues.md)."""

from vixens_tui.core.issues.base import Catalogue, Detection, FixFailed, KnownIssue
from vixens_tui.core.issues.cert_manager_namespace import CertManagerNamespaceMissing
from vixens_tui.core.issues.cilium_destroy_timeout import CiliumDestroyTimeout
from vixens_tui.core.issues.etcd_snapshot_failed import EtcdSnapshotFailed
from vixens_tui.core.issues.node_reset_failed import NodeResetFailed
from vixens_tui.core.issues.repo_server_eof import RepoServerEOF
from vixens_tui.core.issues.terraform_state_lock import TerraformStateLock


def default_catalogue() -> Catalogue:
    return Catalogue(
        [
            CiliumDestroyTimeout(),
            EtcdSnapshotFailed(),
            NodeResetFailed(),
            CertManagerNamespaceMissing(),
            RepoServerEOF(),
            TerraformStateLock(),
        ]
    )


__all__ = ["Catalogue", "Detection", "FixFailed", "KnownIssue", "default_catalogue"]
