"""Stage 2 (étape 1): terraform state list, then terraform destroy. Known issue 1 lives here."""

from __future__ import annotations

import dataclasses

from vixens_tui.core import maintenance
from vixens_tui.core.cancel import Cancelled
from vixens_tui.core.context import DestroyPreview, StageContext
from vixens_tui.core.events import DestroyLaunched, EtcdSnapshotSaved, Info
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.guard import check_before_destroy, is_managed
from vixens_tui.core.issues import etcd_snapshot_failed
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TalosError, TerraformError
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.terraform_listener import TerraformListener


def state_addresses(ctx: StageContext) -> tuple[str, ...]:
    """The managed resources of the Terraform state (data sources left out)."""
    try:
        listed = ctx.terraform.state_list()
    except TerraformError as exc:
        raise StageError(f"terraform state list failed: {exc}", kind=FailureKind.UNKNOWN) from None
    return tuple(a for a in listed if is_managed(a))


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
        talos = ctx.talos
        if talos is not None:
            left = [
                m
                for m in maintenance.probe_all(talos, ctx.profile.nodes)
                if not m.report.in_maintenance
            ]
            if left:
                return CheckResult(
                    False,
                    "the Terraform state is empty, but not every node is in maintenance mode: "
                    + "; ".join(f"{m.node.name} {m.report.mode}" for m in left),
                )
            return CheckResult(True, "the Terraform state is empty; every node in maintenance mode")
        return CheckResult(True, "the Terraform state is empty")

    def run(self, ctx: StageContext) -> str:
        ctx.info(f"terraform state list ({ctx.profile.terraform_dir})")
        addresses = state_addresses(ctx)
        for address in addresses:
            ctx.log(address, source="terraform")
        if not addresses:
            ctx.info("the Terraform state is empty: nothing to destroy")
            self._files_gone(ctx)
            # Nothing was reset by this run: no reboot to wait for, one question per node.
            proven = self._nodes_in_maintenance(ctx, (), wait=False)
            return "nothing to destroy (empty state)" + (f"; {proven}" if proven else "")
        ctx.info(f"{len(addresses)} resources in the state")

        saved, why_none = self._etcd_snapshot(ctx)
        preview = dataclasses.replace(
            destroy_preview(ctx, addresses), etcd_snapshot=saved, no_etcd_snapshot=why_none
        )
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
        if saved:
            lost += f"; etcd snapshot saved: {saved}"
        elif why_none:
            lost += f"; no etcd snapshot ({why_none}): the cluster's data will have no copy"
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
        talos = ctx.talos
        if talos is not None and not talos.keep_credentials():
            ctx.info(
                f"no usable talosconfig at {ctx.profile.talosconfig}: a node whose reset fails "
                "could not be reset through its API afterwards",
                level="warning",
            )
        ctx.info("terraform destroy -auto-approve")
        listener = TerraformListener(ctx, follow_phases=False)
        try:
            result = ctx.terraform.destroy(listener, ctx.cancel)
        finally:
            listener.flush()  # lines a backend handed over without a flush() of its own
        if result.interrupted:
            raise Cancelled(ctx.cancel.reason or "terraform destroy interrupted")
        if not result.ok:
            diagnostics = result.diagnostics or tuple(listener.diagnostics)
            errors = [d for d in diagnostics if d.severity == "error"] or list(diagnostics)
            # The failing resource: named by its diagnostic when Terraform could (a provisioner's
            # error), else the one resource whose destroy errored (a provider's Delete error,
            # as the Helm provider's: no address on the diagnostic).
            address = next((d.address for d in errors if d.address), "")
            if not address and len(listener.errored) == 1:
                address = listener.errored[0]
            data = {"address": address} if address else {}
            if listener.errored:
                data["errored"] = "\n".join(listener.errored)
            raise StageError(
                f"terraform destroy failed (rc={result.rc}): {result.error_text()}",
                diagnostics=tuple(diagnostics),
                data=data,
            )
        if listener.swallowed and talos is not None:
            # The Talos module resets each node from a destroy-time provisioner that turns a
            # failed reset into a warning: whether the machines were reset, their API says.
            ctx.info(
                f"{len(listener.swallowed)} provisioner(s) swallowed a failure: "
                + " | ".join(listener.swallowed[:3])
                + "; asking the nodes themselves",
                level="warning",
            )
        elif listener.swallowed:
            # Nothing here speaks to Talos: the swallowed failure is all there is to go on.
            raise StageError(
                f"terraform destroy succeeded, but {len(listener.swallowed)} provisioner(s) "
                "swallowed a failure: the nodes they name were not reset and still run the old "
                "cluster (not in maintenance mode). Reset them (talosctl reset --graceful=false "
                "--reboot --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL), "
                "then retry: " + " | ".join(listener.swallowed[:3]),
                evidence=tuple(listener.swallowed),
            )
        left = state_addresses(ctx)
        if left:
            raise StageError(
                f"terraform destroy succeeded but {len(left)} resources remain in the state: "
                + ", ".join(left[:5])
            )
        self._files_gone(ctx)
        removed = result.summary.get("remove", listener.resources_done)
        counted = _arithmetic(ctx, removed)
        proven = self._nodes_in_maintenance(ctx, tuple(listener.swallowed))
        return f"{removed} resources destroyed{counted}; kubeconfig and talosconfig removed" + (
            f"; {proven}" if proven else ""
        )

    def _etcd_snapshot(self, ctx: StageContext) -> tuple[str, str]:
        """etcd's snapshot from the first control plane that gives one, saved under the state
        directory (0600) and recorded in the checkpoint and the journal: ("where (size)", "")
        or, when none is taken, ("", why not). A snapshot that cannot be taken stops the run
        before anything is destroyed, unless the user said to go on without one (the known
        issue's key, the flag, the profile)."""
        run = ctx.run
        if run.etcd_snapshot is not None:
            snap = run.etcd_snapshot
            ctx.info(f"etcd snapshot already saved by this run: {snap.path}")
            return f"{snap.path} ({snap.size:,} bytes)", ""
        talos, settings = ctx.talos, ctx.profile.known_issues
        if not settings.etcd_snapshot:
            why = "the profile says to destroy without one"
            ctx.info(f"no etcd snapshot: {why}", level="warning")
            return "", why
        if etcd_snapshot_failed.waived(run):
            why = "a person chose to go on without one"
            ctx.info(f"no etcd snapshot: {why}", level="warning")
            return "", why
        if run.destroy_launched_at is not None:
            # An earlier attempt of this run started destroying: etcd may be half gone.
            why = "the destroy had already started"
            ctx.info(f"no etcd snapshot: {why}", level="warning")
            return "", why
        if talos is None or ctx.state_dir is None:
            return "", "the Talos API is off (talos_api = false)" if talos is None else ""
        target = ctx.state_dir / "snapshots" / f"etcd-{run.run_id}.db"
        planes = [n for n in ctx.profile.nodes if n.role == "control-plane"]
        failures = []
        for node in planes:
            ctx.info(f"talosctl etcd snapshot {target} -n {node.ip} ({node.name})")
            try:
                info = talos.etcd_snapshot(node.ip, target)
            except TalosError as exc:
                failures.append(f"{node.name}: {exc}")
                ctx.info(f"etcd snapshot from {node.name} failed: {exc}", level="warning")
                continue
            ctx.emit(
                EtcdSnapshotSaved(
                    stage=ctx.stage,
                    path=info.path,
                    size=info.size,
                    sha256=info.sha256,
                    node=node.name,
                )
            )
            return f"{info.path} ({info.size:,} bytes)", ""
        if not settings.etcd_snapshot_required:
            ctx.info(
                f"no etcd snapshot could be taken ({'; '.join(failures)}): going on without "
                "one, as asked (--allow-no-etcd-snapshot)",
                level="warning",
            )
            return "", "none could be taken; --allow-no-etcd-snapshot"
        raise StageError(
            f"no etcd snapshot could be taken ({'; '.join(failures)}): nothing was destroyed. "
            "To destroy without one: the known issue's key in the TUI, --allow-no-etcd-snapshot "
            "(this run), or [known_issues] etcd_snapshot = false in the profile",
            evidence=tuple(failures),
            data={etcd_snapshot_failed.ETCD_SNAPSHOT_FAILED: str(len(failures))},
        )

    def _nodes_in_maintenance(
        self, ctx: StageContext, swallowed: tuple[str, ...], *, wait: bool = True
    ) -> str:
        """Every node answering in maintenance mode (maintenance.py), or the known issue's
        failure naming those that do not; "" when nothing here speaks to Talos."""
        talos = ctx.talos
        if talos is None:
            return ""
        ctx.info(
            "asking each node's Talos API whether it is in maintenance mode: "
            + ", ".join(f"{n.name} {n.maintenance_address}" for n in ctx.profile.nodes)
        )
        modes = (
            maintenance.wait_for_maintenance(
                ctx,
                talos,
                ctx.profile.known_issues.maintenance_wait_s,
                given_up=maintenance.named_in(swallowed, ctx.profile.nodes),
            )
            if wait
            else maintenance.probe_all(talos, ctx.profile.nodes)
        )
        for mode in modes:
            ctx.info(mode.line(), level="info" if mode.report.in_maintenance else "warning")
        left = [m for m in modes if not m.report.in_maintenance]
        if left:
            raise StageError(
                f"terraform destroy succeeded, but {len(left)}/{len(modes)} nodes are not in "
                "maintenance mode: "
                + "; ".join(f"{m.node.name} {m.report.mode}" for m in left)
                + " (their reset failed: they still run the old cluster)",
                evidence=(*swallowed, *(m.line() for m in left)),
                data={
                    maintenance.NOT_IN_MAINTENANCE: "\n".join(
                        f"{m.node.name}={m.report.address}" for m in left
                    )
                },
            )
        return maintenance.summary(modes)

    def _files_gone(self, ctx: StageContext) -> None:
        left = [p for p in (ctx.profile.kubeconfig, ctx.profile.talosconfig) if p.exists()]
        if left:
            raise StageError(
                "destroy finished but these files remain: " + ", ".join(str(p) for p in left)
            )


def _arithmetic(ctx: StageContext, removed: int) -> str:
    """How this attempt's count adds up with the earlier ones and the fixes' `state rm`:
    the runbook's "20 ressources détruites" is 21 in the state, minus the Cilium release its
    fix removed from it (destroyed by nobody), over two destroys."""
    run = ctx.run
    total, start = max(run.destroyed, removed), run.destroy_resources
    # The state-rm fix says "removed ADDRESS from the Terraform state" (cilium_destroy_timeout).
    dropped = [
        fix.detail.removeprefix("removed ").removesuffix(" from the Terraform state")
        for fix in run.fixes
        if fix.stage is StageName.DESTROY and fix.ok and fix.detail.endswith("Terraform state")
    ]
    missing = start - total if start is not None else 0
    if total == removed and not dropped and missing <= 0:
        return ""
    text = f" ({total} in all over {ctx.attempt} attempts"
    if start is not None:
        text += f": {start} in the state at the start"
        if missing > 0:
            why = (
                f"removed by a fix: {', '.join(dropped)}"
                if dropped
                # The Helm provider's refresh drops a release it cannot reach (3.x).
                else "a refresh no longer found it"
            )
            text += f" - {missing} left it without being destroyed ({why})"
        text += f" = {total}"
    return text + ")"
