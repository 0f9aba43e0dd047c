"""A node reset that failed during the destroy: the node still runs the old cluster.

Symptom: after `terraform destroy` succeeded, a node's Talos API still refuses a client without
the old cluster's certificate instead of answering in maintenance mode (core/maintenance.py).
The user's Talos module resets each node from a destroy-time provisioner with
`talosctl reset ... || echo "Warning: Node reset failed, continuing destroy"`, so Terraform's
output only shows that warning, if anything. Left alone, the 15-25 minute apply fails later on
a node that never left the old cluster.

Fix: what the runbook would have the person type, `talosctl reset --graceful=false --reboot`
for each such node, through the node's API with the old cluster's client certificate (read
before the destroy removed the talosconfig); then ask every node again until each answers in
maintenance mode.
"""

from __future__ import annotations

from vixens_tui.core import maintenance
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection, FixFailed, KnownIssue
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TalosError


class NodeResetFailed(KnownIssue):
    id = "node-reset-failed"
    title = "A node was not reset by the destroy (not in maintenance mode)"
    stages = (StageName.DESTROY,)
    limit = 1

    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        listed = failure.data.get(maintenance.NOT_IN_MAINTENANCE, "")
        nodes = [line for line in listed.splitlines() if "=" in line]
        if not nodes or ctx.talos is None:
            return None
        names = ", ".join(n.split("=", 1)[0] for n in nodes)
        return self.detection(
            evidence=failure.evidence or (str(failure),),
            fix=f"reset {names} through the Talos API (talosctl reset --graceful=false "
            "--reboot), then ask every node again until it answers in maintenance mode",
            params={"nodes": "\n".join(nodes)},
        )

    def fix(self, detection: Detection, ctx: StageContext) -> str:
        talos = ctx.talos
        if talos is None:
            raise FixFailed("nothing here speaks to Talos")
        done = []
        for entry in detection.params["nodes"].splitlines():
            name, _, address = entry.partition("=")
            ctx.info(f"talosctl reset --graceful=false --reboot -n {address} ({name})")
            try:
                talos.reset(address)
            except TalosError as exc:
                raise FixFailed(f"reset of {name} failed: {exc}") from None
            done.append(name)
        modes = maintenance.wait_for_maintenance(
            ctx, talos, ctx.profile.known_issues.maintenance_wait_s
        )
        left = [m for m in modes if not m.report.in_maintenance]
        if left:
            raise FixFailed(
                "reset sent, but not in maintenance mode yet: " + "; ".join(m.line() for m in left)
            )
        return f"reset {', '.join(done)} through the Talos API; {maintenance.summary(modes)}"
