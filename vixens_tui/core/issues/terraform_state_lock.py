"""Terraform stopped mid-run can leave its state lock held (docs/known-issues.md, "Other traps").

Never automatic: unlocking a lock that another live Terraform holds corrupts the state. The
detection shows the lock's ID and holder; a person chooses to force-unlock.
"""

from __future__ import annotations

import re

from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection, FixFailed, KnownIssue
from vixens_tui.core.names import StageName

SYMPTOM = "error acquiring the state lock"
_ID = re.compile(r"\bID:\s*([0-9a-fA-F-]{8,})")
_WHO = re.compile(r"\bWho:\s*(\S+)")
_OP = re.compile(r"\bOperation:\s*(\S+)")


class TerraformStateLock(KnownIssue):
    id = "terraform-state-lock"
    title = "Terraform state is locked (an earlier run was interrupted?)"
    stages = (StageName.DESTROY, StageName.APPLY, StageName.PREFLIGHT)
    limit = 1
    automatic = False

    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        texts = [t for t in failure.texts() if SYMPTOM in t.lower()]
        if not texts:
            return None
        blob = "\n".join(failure.texts())
        lock_id = _ID.search(blob)
        if lock_id is None:
            return None
        who = _WHO.search(blob)
        op = _OP.search(blob)
        return self.detection(
            evidence=(
                texts[0].splitlines()[0],
                f"lock ID {lock_id.group(1)}",
                f"held by {who.group(1) if who else 'unknown'}"
                + (f" during {op.group(1)}" if op else ""),
                "make sure no other terraform is running on this state before unlocking",
            ),
            fix=f"terraform force-unlock {lock_id.group(1)}",
            params={"lock_id": lock_id.group(1)},
        )

    def fix(self, detection: Detection, ctx: StageContext) -> str:
        lock_id = detection.params["lock_id"]
        ctx.info(f"terraform force-unlock -force {lock_id}")
        result = ctx.terraform.force_unlock(lock_id)
        if not result.ok:
            raise FixFailed(f"force-unlock failed: {result.error_text()}")
        return f"state lock {lock_id} released"
