"""No etcd snapshot before the destroy: the person decides whether to go on without one.

Symptom: the destroy stage asked every control plane for etcd's snapshot through the Talos API
and none gave one (etcd down, a node unreachable, a talosconfig that no longer matches); the
run stopped before anything was destroyed (stages/destroy.py).

Fix: go on without a snapshot, which only a person may choose: the cluster's data then has no
copy once the destroy has run (the recovery path, `talosctl bootstrap --recover-from`, is lost
for this rebuild). Never automatic; headless, the same choice is `--allow-no-etcd-snapshot`.
The fix changes nothing itself: the record of it in the checkpoint is the decision, which the
destroy's next attempt reads (and a resume of this run too).
"""

from __future__ import annotations

from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection, KnownIssue
from vixens_tui.core.names import StageName

ETCD_SNAPSHOT_FAILED = "etcd-snapshot-failed"
"""The issue's id, and the failure's data key the destroy sets."""


def waived(run: Checkpoint) -> bool:
    """A person chose, in this run, to destroy without a snapshot."""
    return any(f.issue_id == ETCD_SNAPSHOT_FAILED and f.ok for f in run.fixes)


class EtcdSnapshotFailed(KnownIssue):
    id = ETCD_SNAPSHOT_FAILED
    title = "No etcd snapshot could be taken before the destroy"
    stages = (StageName.DESTROY,)
    limit = 1
    automatic = False

    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        if ETCD_SNAPSHOT_FAILED not in failure.data:
            return None
        return self.detection(
            evidence=failure.evidence or (str(failure),),
            fix="destroy without an etcd snapshot: the cluster's data will have no copy "
            "(headless: --allow-no-etcd-snapshot)",
        )

    def fix(self, detection: Detection, ctx: StageContext) -> str:
        ctx.info(
            "going on without an etcd snapshot, as a person chose: no recovery of this "
            "cluster's data after the destroy",
            level="warning",
        )
        return "the destroy goes on without an etcd snapshot (a person's choice)"
