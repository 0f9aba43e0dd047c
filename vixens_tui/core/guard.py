"""The wrong-cluster guard: nothing is destroyed unless both sides name the profile's cluster.

A destroy acts through two doors. The Terraform side (its state, its variables) decides what
`terraform destroy` removes; the kubeconfig decides which cluster the product watches and
judges. Both must point at the profile's `api_endpoint`, or a dev profile could destroy prod
(a prod Terraform directory behind a dev kubeconfig) or a live cluster could be taken for a
dead one (a mistyped kubeconfig path read as "already destroyed").
"""

from __future__ import annotations

from dataclasses import dataclass

from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.ports import ClusterError, TerraformError
from vixens_tui.core.versions import normalise_endpoint


@dataclass(frozen=True, slots=True)
class TerraformTarget:
    """An endpoint the Terraform configuration targets, and where it was read."""

    endpoint: str
    source: str


def is_managed(address: str) -> bool:
    """A managed resource, not a data source: `terraform state list` lists both (the Talos
    module's data.talos_machine_configuration... stay in the state after an apply), and only
    the first are what a destroy destroys and the runbook counts."""
    path = address.split("[", 1)[0]
    return not (path.startswith("data.") or ".data." in path)


def state_addresses(ctx: StageContext) -> tuple[str, ...]:
    """`terraform state list`, its managed resources: the backend must answer before
    anything changes.

    An unreachable backend (the user's is S3 on a MinIO host) or missing credentials is an
    input problem found in preflight, with the backend's own words, not a failure in the
    middle of a destroy.
    """
    try:
        listed = ctx.terraform.state_list()
    except TerraformError as exc:
        raise StageError(
            f"the Terraform state cannot be read in {ctx.profile.terraform_dir}: {exc}",
            kind=FailureKind.INPUT,
        ) from None
    return tuple(a for a in listed if is_managed(a))


def terraform_targets(ctx: StageContext, *, state_empty: bool) -> tuple[TerraformTarget, ...]:
    """The endpoints the Terraform side targets: the state's output (what a destroy removes)
    and the configuration's variable (what an apply builds). Raises StageError (input)."""
    guard = ctx.profile.guard
    found: list[TerraformTarget] = []
    try:
        if not state_empty and guard.endpoint_output:
            value = ctx.terraform.outputs().get(guard.endpoint_output)
            if isinstance(value, str) and value:
                found.append(
                    TerraformTarget(value, f"output `{guard.endpoint_output}` of its state")
                )
        for expression in guard.endpoint_expressions:
            value = ctx.terraform.evaluate(expression)
            if isinstance(value, str) and value:
                found.append(TerraformTarget(value, f"`{expression}` of its configuration"))
                break
    except TerraformError as exc:
        raise StageError(
            f"cannot read which cluster the Terraform configuration in "
            f"{ctx.profile.terraform_dir} targets: {exc}",
            kind=FailureKind.INPUT,
        ) from None
    return tuple(found)


def check_terraform_side(ctx: StageContext, *, state_empty: bool) -> str:
    """Refuse (input error) unless the Terraform side targets the profile's endpoint."""
    profile = ctx.profile
    expected = str(profile.api_endpoint)
    targets = terraform_targets(ctx, state_empty=state_empty)
    if not targets:
        looked = [f"output `{profile.guard.endpoint_output}`"] if not state_empty else []
        looked += [f"`{e}`" for e in profile.guard.endpoint_expressions]
        raise StageError(
            f"cannot tell which cluster the Terraform configuration in {profile.terraform_dir} "
            f"targets (looked for {', '.join(looked) or 'nothing'}); refusing to go on. Name "
            f"it in the profile's [guard] table (endpoint_output, endpoint_expressions)",
            kind=FailureKind.INPUT,
        )
    for target in targets:
        if normalise_endpoint(target.endpoint) != normalise_endpoint(expected):
            raise StageError(
                f"wrong cluster: the Terraform configuration in {profile.terraform_dir} targets "
                f"{target.endpoint} ({target.source}), but profile {profile.name!r} expects "
                f"{expected}; refusing to go on",
                kind=FailureKind.INPUT,
            )
    return f"terraform targets {expected} ({', '.join(t.source for t in targets)})"


def destroy_under_way(ctx: StageContext) -> bool:
    """This run has already launched `terraform destroy`: from then on the kubeconfig being
    gone is what the destroy did (local_file.kubeconfig is one of its resources), not a typo."""
    return ctx.run.destroy_launched_at is not None


def check_kubeconfig_side(ctx: StageContext, addresses: tuple[str, ...]) -> str:
    """Refuse (input error) unless the kubeconfig points at the profile's endpoint, or is
    absent for a reason that is proved: an empty state, or this run's own destroy."""
    profile = ctx.profile
    expected = str(profile.api_endpoint)
    try:
        server = ctx.cluster.kubeconfig_server()
    except ClusterError as exc:
        raise StageError(
            f"kubeconfig {profile.kubeconfig} is unusable: {exc}", kind=FailureKind.INPUT
        ) from None
    if server is None:
        if not addresses:
            return "no kubeconfig and an empty Terraform state: the cluster is gone already"
        if destroy_under_way(ctx):
            return (
                f"no kubeconfig: this run's destroy removed it; {len(addresses)} resources "
                f"remain in the Terraform state"
            )
        raise StageError(
            f"no kubeconfig at {profile.kubeconfig}, but the Terraform state in "
            f"{profile.terraform_dir} still lists {len(addresses)} resources: the cluster may "
            f"be alive, and a missing file is no proof that it is gone. Nothing was changed. "
            f"Fix the path (the profile's `kubeconfig`, or $KUBECONFIG) so the cluster can be "
            f"checked before it is destroyed",
            kind=FailureKind.INPUT,
        )
    if normalise_endpoint(server) != normalise_endpoint(expected):
        raise StageError(
            f"wrong cluster: the kubeconfig {profile.kubeconfig} points at {server}, but "
            f"profile {profile.name!r} expects {expected}; refusing to go on",
            kind=FailureKind.INPUT,
        )
    return f"kubeconfig points at {server}, as profile {profile.name!r} expects"


def check_before_destroy(ctx: StageContext, addresses: tuple[str, ...]) -> None:
    """Both sides again, right before `terraform destroy` (the files may have changed since
    preflight, or the destroy may be resumed without it having run in this process)."""
    check_kubeconfig_side(ctx, addresses)
    check_terraform_side(ctx, state_empty=not addresses)
