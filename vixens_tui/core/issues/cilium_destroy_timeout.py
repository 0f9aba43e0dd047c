"""Known issue 1: the Cilium Helm release cannot be uninstalled during destroy.

Symptom: `Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout`. The
API is already unreachable because the CNI was partly destroyed. Fix: drop the release from
the state (only addresses the profile allows) and destroy again.

The Helm provider's Delete error carries no resource address (on destroy Terraform gives the
provider no configuration, and it adds the address only to diagnostics of a configured
resource): the resource is the one whose destroy errored (`apply_errored`), which the destroy
stage passes on in the failure's data.
"""

from __future__ import annotations

import fnmatch

from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection, FixFailed, KnownIssue
from vixens_tui.core.names import StageName

SYMPTOM = "error uninstalling release"


def allowed(address: str, patterns: tuple[str, ...]) -> bool:
    return any(address == p or fnmatch.fnmatchcase(address, p) for p in patterns)


def _one_allowed(errored: str, patterns: tuple[str, ...]) -> str:
    """Among several resources whose destroy errored, the only one the profile allows to drop
    from the state (none when it is ambiguous: then nothing is dropped)."""
    candidates = [a for a in errored.split("\n") if a and allowed(a, patterns)]
    return candidates[0] if len(candidates) == 1 else ""


class CiliumDestroyTimeout(KnownIssue):
    id = "cilium-destroy-timeout"
    title = "Cilium Helm release cannot be uninstalled (API already unreachable)"
    stages = (StageName.DESTROY,)
    limit = 1

    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        allow = ctx.profile.known_issues.state_rm_allowed
        for diag in failure.diagnostics:
            text = diag.text()
            if SYMPTOM not in text.lower():
                continue
            address = (
                diag.address
                or failure.data.get("address", "")
                or _one_allowed(failure.data.get("errored", ""), allow)
            )
            if not address or not allowed(address, allow):
                continue
            return self.detection(
                evidence=(
                    f"terraform destroy failed on {address}",
                    next((ln for ln in text.splitlines() if SYMPTOM in ln.lower()), text),
                ),
                fix=f"terraform state rm '{address}', then terraform destroy again",
                params={"address": address},
            )
        return None

    def fix(self, detection: Detection, ctx: StageContext) -> str:
        address = detection.params["address"]
        ctx.info(f"terraform state rm '{address}'")
        result = ctx.terraform.state_rm(address)
        if not result.ok:
            raise FixFailed(f"terraform state rm failed: {result.error_text()}")
        return f"removed {address} from the Terraform state"
