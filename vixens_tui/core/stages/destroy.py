"""Stage 2 (étape 1): terraform state list, then terraform destroy. Known issue 1 lives here."""

from __future__ import annotations

from vixens_tui.core.cancel import Cancelled
from vixens_tui.core.context import DestroyPreview, StageContext
from vixens_tui.core.events import DestroyLaunched, Info
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.guard import check_before_destroy
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TerraformError
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.stages.terraform_io import TerraformRelay


def state_addresses(ctx: StageContext) -> tuple[str, ...]:
    try:
        return ctx.terraform.state_list()
    except TerraformError as exc:
        raise StageError(f"terraform state list failed: {exc}", kind=FailureKind.UNKNOWN) from None


def destroy_preview(ctx: StageContext, addresses: tuple[str, ...]) -> DestroyPreview:
    snapshot = ctx.cluster.snapshot()
    try:
        server = ctx.cluster.kubeconfig_server()
    except Exception:  # the guard in preflight already judged the kubeconfig
        server = None
    return DestroyPreview(
        env=ctx.profile.name,
        endpoint=str(ctx.profile.api_endpoint),
        kubeconfig_server=server,
        addresses=addresses,
        namespaces=snapshot.namespaces if snapshot.reachable else (),
        applications=tuple(a.name for a in snapshot.apps) if snapshot.reachable else (),
        volume_claims=tuple(c.describe() for c in snapshot.volume_claims)
        if snapshot.reachable
        else (),
        cluster_reachable=snapshot.reachable,
    )


class Destroy(Stage):
    name = StageName.DESTROY
    title = "Destroy the cluster (terraform destroy)"

    def check(self, ctx: StageContext) -> CheckResult:
        # Once apply has started, the destroy's effect has been consumed on purpose.
        if ctx.run.stage(StageName.APPLY).attempts > 0:
            return CheckResult(True, "apply has run since: the destroy is behind us")
        addresses = state_addresses(ctx)
        if addresses:
            return CheckResult(False, f"{len(addresses)} resources in the Terraform state again")
        return CheckResult(True, "the Terraform state is empty")

    def run(self, ctx: StageContext) -> str:
        ctx.info(f"terraform state list ({ctx.profile.terraform_dir})")
        addresses = state_addresses(ctx)
        for address in addresses:
            ctx.log(address, source="terraform")
        if not addresses:
            ctx.info("the Terraform state is empty: nothing to destroy")
            self._files_gone(ctx)
            return "nothing to destroy (empty state)"
        ctx.info(f"{len(addresses)} resources in the state")

        preview = destroy_preview(ctx, addresses)
        # What will be lost goes to the journal before anyone is asked (issue: before destroy).
        if preview.cluster_reachable:
            lost = (
                f"about to destroy {len(addresses)} resources; the cluster holds "
                f"{len(preview.namespaces)} namespaces ({', '.join(preview.namespaces)}), "
                f"{len(preview.applications)} Applications ({', '.join(preview.applications)}) "
                f"and {len(preview.volume_claims)} PersistentVolumeClaims"
                + (f" ({', '.join(preview.volume_claims)})" if preview.volume_claims else "")
            )
        else:
            lost = (
                f"about to destroy {len(addresses)} resources; the cluster is not reachable, "
                f"so what it holds cannot be listed"
            )
        ctx.emit(Info(stage=ctx.stage, message=lost, level="warning"))
        if not ctx.confirm_destroy(preview):
            raise StageError(
                f"destroying environment {ctx.profile.name!r} was not confirmed",
                kind=FailureKind.INPUT,
            )
        # Both sides of the guard again, now: the files may have changed while the person
        # read the confirmation, and this may be a retry in a process that ran no preflight.
        check_before_destroy(ctx, addresses)
        ctx.emit(
            DestroyLaunched(
                stage=ctx.stage, resources=len(addresses), endpoint=str(ctx.profile.api_endpoint)
            )
        )
        ctx.info("terraform destroy -auto-approve")
        relay = TerraformRelay(ctx, follow_phases=False)
        try:
            result = ctx.terraform.destroy(relay, ctx.cancel)
        finally:
            relay.flush()  # lines a backend handed over without a flush() of its own
        if result.interrupted:
            raise Cancelled(ctx.cancel.reason or "terraform destroy interrupted")
        if not result.ok:
            diagnostics = result.diagnostics or tuple(relay.diagnostics)
            errors = [d for d in diagnostics if d.severity == "error"] or list(diagnostics)
            # The failing resource: named by its diagnostic when Terraform could (a provisioner's
            # error), else the one resource whose destroy errored (a provider's Delete error,
            # as the Helm provider's: no address on the diagnostic).
            address = next((d.address for d in errors if d.address), "")
            if not address and len(relay.errored) == 1:
                address = relay.errored[0]
            data = {"address": address} if address else {}
            if relay.errored:
                data["errored"] = "\n".join(relay.errored)
            raise StageError(
                f"terraform destroy failed (rc={result.rc}): {result.error_text()}",
                diagnostics=tuple(diagnostics),
                data=data,
            )
        left = state_addresses(ctx)
        if left:
            raise StageError(
                f"terraform destroy succeeded but {len(left)} resources remain in the state: "
                + ", ".join(left[:5])
            )
        self._files_gone(ctx)
        removed = result.summary.get("remove", relay.resources_done)
        return f"{removed} resources destroyed; kubeconfig and talosconfig removed"

    def _files_gone(self, ctx: StageContext) -> None:
        left = [p for p in (ctx.profile.kubeconfig, ctx.profile.talosconfig) if p.exists()]
        if left:
            raise StageError(
                "destroy finished but these files remain: " + ", ".join(str(p) for p in left)
            )
