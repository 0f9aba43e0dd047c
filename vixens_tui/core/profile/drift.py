"""`vixens-tui profile check`: where a profile and the user's repository checkout disagree.

The repository moves on (nodes renamed, apps added or hibernated, another branch, the
Terraform moved to a repository of its own); a profile written on the runbook's day then
describes a cluster that no longer exists. Each disagreement is one line, saying both sides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vixens_tui.core.profile.gitops import GitOpsError, read_overlay
from vixens_tui.core.profile.model import GitOpsSource, Profile
from vixens_tui.core.safefile import MIB, FileRefused, read_text
from vixens_tui.core.versions import normalise_endpoint

TFVARS_MAX_BYTES = MIB


def read_tfvars(path: Path) -> dict[str, Any] | None:
    """A terraform.tfvars as Terraform reads it; None when the file is not there. Raises
    ValueError when it is not valid HCL."""
    try:
        text = read_text(path, TFVARS_MAX_BYTES)
    except FileRefused as exc:
        if exc.missing:
            return None
        raise ValueError(f"{path}: {exc.problem}") from None
    import hcl2  # lazy: only this command reads HCL (0.4 s to build its grammar)
    from hcl2.utils import SerializationOptions

    try:
        data: dict[str, Any] = hcl2.loads(
            text, serialization_options=SerializationOptions(strip_string_quotes=True)
        )
    except Exception as exc:  # lark raises several kinds; all mean "not HCL"
        raise ValueError(f"{path}: not valid HCL: {exc}") from None
    return data


def profile_drift(profile: Profile, checkout: Path) -> list[str]:
    """The disagreements between `profile` and the checkout, one sentence each."""
    env = profile.name
    drift: list[str] = []
    source = profile.apps_from or GitOpsSource(checkout=checkout)
    overlay_rel = source.overlay_for(env)
    try:
        read = read_overlay(GitOpsSource(checkout=checkout, overlay=overlay_rel), env)
    except GitOpsError as exc:
        drift.append(f"overlay {overlay_rel}: {exc.problem} (the profile's overlay path)")
        read = None
    if read is not None:
        in_repo = [a.name for a in read.apps]
        listed = [a.name for a in profile.apps]
        extra = [n for n in in_repo if n not in listed]
        gone = [n for n in listed if n not in in_repo]
        if extra:
            drift.append(f"apps in {overlay_rel} the profile does not expect: {', '.join(extra)}")
        if gone:
            drift.append(
                f"apps the profile expects that {overlay_rel} no longer lists: {', '.join(gone)}"
            )
        drift += [f"{overlay_rel}: the reader skipped {line}" for line in read.skipped]
        for check in profile.http_checks:
            if check.name not in in_repo:
                drift.append(
                    f"HTTP check {check.name!r} ({check.url}) names no app of {overlay_rel}"
                )
    tfvars_rel = Path("terraform") / "environments" / env / "terraform.tfvars"
    try:
        tfvars = read_tfvars(checkout / tfvars_rel)
    except ValueError as exc:
        drift.append(str(exc))
        return drift
    if tfvars is None:
        drift.append(
            f"no {tfvars_rel} in the checkout: its Terraform lives elsewhere; the profile runs "
            f"Terraform in {profile.terraform_dir}"
        )
        return drift
    drift += _terraform_drift(profile, tfvars, str(tfvars_rel))
    return drift


def _terraform_drift(profile: Profile, tfvars: dict[str, Any], where: str) -> list[str]:
    drift: list[str] = []
    nodes = {**(tfvars.get("control_plane_nodes") or {}), **(tfvars.get("worker_nodes") or {})}
    if nodes:
        in_repo = sorted(nodes)
        listed = sorted(n.name for n in profile.nodes)
        if in_repo != listed:
            drift.append(
                f"nodes: {where} has {', '.join(in_repo)}; the profile has {', '.join(listed)}"
            )
    endpoint = (tfvars.get("cluster") or {}).get("endpoint")
    if isinstance(endpoint, str) and normalise_endpoint(endpoint) != normalise_endpoint(
        str(profile.api_endpoint)
    ):
        drift.append(
            f"API endpoint: {where} has {endpoint}; the profile has {profile.api_endpoint}"
        )
    branch = tfvars.get("git_branch")
    if isinstance(branch, str) and branch != profile.argocd.revision:
        drift.append(
            f"Argo CD revision: {where} has git_branch {branch!r}; the profile's "
            f"argocd.revision is {profile.argocd.revision!r}"
        )
    return drift
