"""The seven stages, in the procedure's order."""

from vixens_tui.core.names import StageName
from vixens_tui.core.stages.apply import Apply
from vixens_tui.core.stages.argocd_sync import ArgoCDSync
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.stages.destroy import Destroy
from vixens_tui.core.stages.namespaces import Namespaces
from vixens_tui.core.stages.preflight import Preflight
from vixens_tui.core.stages.secrets import Secrets
from vixens_tui.core.stages.validate import Validate


def default_stages() -> dict[StageName, Stage]:
    stages: list[Stage] = [
        Preflight(),
        Destroy(),
        Apply(),
        Namespaces(),
        ArgoCDSync(),
        Secrets(),
        Validate(),
    ]
    return {s.name: s for s in stages}


__all__ = ["CheckResult", "Stage", "default_stages"]
