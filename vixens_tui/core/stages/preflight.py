"""Stage 1: everything checked before anything is destroyed. Changes nothing."""

from __future__ import annotations

from vixens_tui.core.context import StageContext
from vixens_tui.core.events import Info
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.guard import check_kubeconfig_side, check_terraform_side, state_addresses
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TerraformError
from vixens_tui.core.secretfiles import SecretFileError, load_gandi, load_synology
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.core.talos_preflight import check_talos, check_talosctl
from vixens_tui.core.versions import version_at_least


class Preflight(Stage):
    name = StageName.PREFLIGHT
    title = "Preflight checks"

    def check(self, ctx: StageContext) -> CheckResult:
        # Read-only by nature: a resume simply runs the checks again.
        try:
            return CheckResult(True, self.run(ctx))
        except StageError as exc:
            return CheckResult(False, exc.message)

    def run(self, ctx: StageContext) -> str:
        profile = ctx.profile
        done: list[str] = []

        # The Terraform directory.
        tf_dir = profile.terraform_dir
        if not tf_dir.is_dir():
            raise StageError(
                f"terraform directory {tf_dir} does not exist (profile field terraform_dir)",
                kind=FailureKind.INPUT,
            )
        if not any(tf_dir.glob("*.tf")):
            raise StageError(f"no *.tf file in {tf_dir}", kind=FailureKind.INPUT)
        # Tools: terraform >= the profile's minimum.
        try:
            version = ctx.terraform.version()
        except TerraformError as exc:
            raise StageError(
                f"terraform is not usable: {exc}; install terraform >= "
                f"{profile.terraform_min_version} or set terraform_binary in the profile",
                kind=FailureKind.INPUT,
            ) from None
        if not version_at_least(version, profile.terraform_min_version):
            raise StageError(
                f"terraform {version} is older than the {profile.terraform_min_version} the "
                f"procedure needs; install a newer terraform",
                kind=FailureKind.INPUT,
            )
        done.append(f"terraform {version}")
        ctx.info(f"terraform {version} (>= {profile.terraform_min_version})")

        ctx.info(f"terraform validate in {tf_dir}")
        result = ctx.terraform.validate()
        if not result.ok:
            raise StageError(
                f"terraform validate failed: {result.error_text()}",
                kind=FailureKind.INPUT,
                diagnostics=result.diagnostics,
            )
        done.append("configuration valid")

        # The secret files, parsed and checked now so a bad one stops us before destroy.
        try:
            gandi = load_gandi(profile.secrets.gandi_credentials, profile.secrets, ctx.redactor)
            synology = load_synology(
                profile.secrets.synology_client_info, profile.secrets, ctx.redactor
            )
        except SecretFileError as exc:
            raise StageError(str(exc), kind=FailureKind.INPUT) from None
        ctx.info(
            f"secret files valid: Secret {gandi.namespace}/{gandi.name}, "
            f"{synology.target.ref()} for {', '.join(synology.hosts)}"
        )
        done.append("secret files valid")

        # The wrong-cluster guard, both sides: the Terraform backend must answer (its state
        # says whether a cluster exists), the configuration must target the profile's
        # endpoint, and so must the kubeconfig, unless its absence is proved harmless.
        ctx.info(f"terraform state list ({tf_dir})")
        addresses = state_addresses(ctx)
        done.append(f"Terraform state readable ({len(addresses)} resources)")
        verdict = check_terraform_side(ctx, state_empty=not addresses)
        ctx.info(verdict)
        done.append(verdict)
        verdict = check_kubeconfig_side(ctx, addresses)
        ctx.info(verdict)
        done.append(verdict)
        verdict = check_talos(ctx, cluster_expected=bool(addresses))
        if verdict:
            ctx.info(verdict)
            done.append(verdict)
        verdict = check_talosctl(ctx)
        if verdict:
            ctx.info(verdict)
            done.append(verdict)
        for line in profile.apps_skipped:
            # The expected apps came from a GitOps overlay the reader did not fully follow.
            ctx.emit(
                Info(
                    stage=ctx.stage,
                    level="warning",
                    message=f"expected apps: the GitOps reader skipped {line}",
                )
            )
        if profile.apps_skipped:
            done.append(f"warning: {len(profile.apps_skipped)} parts of the GitOps overlay skipped")
        written = profile.terraform_kubeconfig
        if written is not None and written != profile.kubeconfig:
            # The run reads $KUBECONFIG; the apply rewrites the configuration's own file. After
            # a rebuild the first one still names the old cluster's certificates.
            ctx.emit(
                Info(
                    stage=ctx.stage,
                    level="warning",
                    message=(
                        f"this run reads the kubeconfig {profile.kubeconfig} ($KUBECONFIG), but "
                        f"Terraform writes its own to {written}: after the apply the first may "
                        f"still hold the destroyed cluster's credentials; point $KUBECONFIG at "
                        f"{written}, or copy it over once the apply is done"
                    ),
                )
            )
            done.append(f"warning: $KUBECONFIG is not the kubeconfig Terraform writes ({written})")
        return "; ".join(done)
