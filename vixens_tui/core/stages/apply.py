"""Stage 3 (étape 2): terraform validate, terraform apply with its phases followed live (and
each node's way through Talos's phase, from the node: talos_progress.py), then wait until the profile's nodes are Ready at its Kubernetes version, and until Talos says
etcd has every control plane and apid, kubelet and etcd run on each (talos_health.py)."""

from __future__ import annotations

from vixens_tui.core import talos_health
from vixens_tui.core.cancel import Cancelled
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.node_verdict import nodes_verdict
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.talos_progress import NodeProgress
from vixens_tui.core.terraform_listener import TerraformListener
from vixens_tui.core.waits import wait_for


class NodesReady:
    """Condition: every profile node present, Ready, at the profile's version."""

    def __init__(self, ctx: StageContext) -> None:
        self.nodes = ctx.profile.nodes
        self.version = ctx.profile.kubernetes_version
        self.match = ctx.profile.kubernetes_version_match

    def __call__(self, snap: ClusterSnapshot) -> tuple[bool, str]:
        if not snap.reachable:
            return False, f"API not reachable yet ({snap.error or 'connecting'})"
        return nodes_verdict(snap, self.nodes, self.version, self.match)


class Apply(Stage):
    name = StageName.APPLY
    title = "Create the cluster (terraform apply)"

    def check(self, ctx: StageContext) -> CheckResult:
        ctx.cluster.start()
        ok, detail = NodesReady(ctx)(ctx.cluster.snapshot())
        return CheckResult(ok, detail)

    def run(self, ctx: StageContext) -> str:
        ctx.info("terraform validate")
        result = ctx.terraform.validate()
        if not result.ok:
            raise StageError(
                f"terraform validate failed: {result.error_text()}",
                kind=FailureKind.INPUT,
                diagnostics=result.diagnostics,
            )
        progress = None
        if ctx.talos is not None:
            # Where each node is comes from the node: Terraform's lines say what it asked for.
            progress = NodeProgress(
                ctx.talos,
                ctx.profile.nodes,
                ctx.cluster.snapshot,
                ctx.emit,
                stage=self.name,
                interval_s=ctx.profile.talos_progress_s,
            ).start()
        try:
            summary = self._apply(ctx)
            if progress is not None:
                progress.finish()
            return summary
        finally:
            if progress is not None:
                progress.stop()

    def _apply(self, ctx: StageContext) -> str:
        ctx.info("terraform apply -auto-approve")
        listener = TerraformListener(ctx, follow_phases=True)
        try:
            result = ctx.terraform.apply(listener, ctx.cancel)
        finally:
            listener.flush()  # lines a backend handed over without a flush() of its own
        if result.interrupted:
            raise Cancelled(ctx.cancel.reason or "terraform apply interrupted")
        if not result.ok:
            diagnostics = result.diagnostics or tuple(listener.diagnostics)
            raise StageError(
                f"terraform apply failed (rc={result.rc}): {result.error_text()}",
                diagnostics=tuple(diagnostics),
            )
        added = result.summary.get("add", listener.resources_done)
        ctx.info(f"terraform apply complete: {added} resources added")
        if not ctx.profile.kubeconfig.exists():
            raise StageError(
                f"terraform apply did not write the kubeconfig {ctx.profile.kubeconfig}"
            )
        # A new cluster behind a new kubeconfig: (re)start the watches on it.
        ctx.cluster.start()
        condition = NodesReady(ctx)
        wait_for(ctx, f"{len(condition.nodes)} nodes Ready at {condition.version}", condition)
        summary = f"{added} resources created; " + condition(ctx.cluster.snapshot())[1]
        if ctx.talos is not None:
            ctx.info("asking each control plane's Talos API for its services and etcd's members")
            health = talos_health.wait_healthy(ctx, ctx.talos)
            ctx.info(f"Talos: {health}")
            summary += f"; Talos: {health}"
        return summary
