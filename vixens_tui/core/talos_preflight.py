"""Preflight's Talos side: the talosconfig usable and aimed at the profile's nodes, each node
answering on Talos's API, and talosctl where the configuration's provisioners need it.
Read-only, as all of preflight.

A cluster in the Terraform state means installed nodes: the talosconfig must hold a usable
context (the etcd snapshot and a reset after the destroy need its certificate), its endpoints
must be the profile's nodes or its endpoint (a talosconfig of another cluster would snapshot
and reset the wrong machines), and every node must answer on its VLAN address. An empty state
means nodes waiting in maintenance mode: each must answer on its maintenance address, where
the apply's `talos_machine_configuration_apply` will reach it.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from vixens_tui.core.checkpoint.model import StageStatus
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TalosError
from vixens_tui.core.provisioners import tool_calls
from vixens_tui.core.versions import version_at_least


def _host(endpoint: str) -> str:
    """192.168.111.160, 192.168.111.160:50000, https://host:50000 or [v6]:port -> the host."""
    parsed = urlparse(endpoint if "//" in endpoint else f"//{endpoint}")
    return parsed.hostname or endpoint


def _ahead(ctx: StageContext, stage: StageName) -> bool:
    """Whether this run still has `stage` to do (planned, not done); `--only preflight`
    checks everything, as a rehearsal of a whole run."""
    run = ctx.run
    if list(run.plan) == [StageName.PREFLIGHT]:
        return True
    return stage in run.plan and run.stage(stage).status is not StageStatus.DONE


def check_talos(ctx: StageContext, *, cluster_expected: bool) -> str:
    """One line of what was proved; StageError (input) naming what is wrong. "" without a
    Talos backend, or when the run is past the point where these checks mean anything (a
    resume into the apply: the nodes are being installed, the talosconfig not written yet)."""
    talos = ctx.talos
    profile = ctx.profile
    if talos is None:
        if not profile.talos_api:
            ctx.info(
                "Talos API off (profile: talos_api = false): no talosconfig or node check, no "
                "etcd snapshot, no proof of maintenance mode, no Talos health",
                level="warning",
            )
            return "warning: Talos API off"
        return ""
    destroy_ahead = _ahead(ctx, StageName.DESTROY) and ctx.run.destroy_launched_at is None
    if cluster_expected and not destroy_ahead:
        return ""
    if not cluster_expected and not _ahead(ctx, StageName.APPLY):
        return ""
    done = []
    if cluster_expected:
        try:
            config = talos.talosconfig()
        except TalosError as exc:
            if profile.known_issues.etcd_snapshot:
                raise StageError(
                    f"{exc}: the etcd snapshot before the destroy needs its certificate (set "
                    "[known_issues] etcd_snapshot = false to destroy without one)",
                    kind=FailureKind.INPUT,
                ) from None
            ctx.info(f"{exc}: no etcd snapshot, no reset through the API", level="warning")
        else:
            allowed = {n.ip for n in profile.nodes if n.ip} | {profile.api_endpoint.host or ""}
            foreign = [e for e in config.endpoints if _host(e) not in allowed]
            if not config.endpoints or foreign:
                raise StageError(
                    f"talosconfig {config.path} (context {config.context}) has endpoints "
                    f"{', '.join(config.endpoints) or '(none)'}: not the profile's nodes "
                    f"({', '.join(sorted(a for a in allowed if a))}); the talosconfig of "
                    "another cluster would snapshot and reset other machines",
                    kind=FailureKind.INPUT,
                )
            done.append(
                f"talosconfig valid (context {config.context}, endpoints "
                f"{', '.join(config.endpoints)})"
            )
    where = "VLAN" if cluster_expected else "maintenance"
    answers = [
        (node, talos.probe(node.ip if cluster_expected else node.maintenance_address))
        for node in profile.nodes
    ]
    silent = [
        f"{n.name} ({r.address}): {r.evidence}" for n, r in answers if r.mode == "unreachable"
    ]
    if silent:
        raise StageError(
            f"{len(silent)}/{len(answers)} nodes do not answer on Talos's API (port 50000) at "
            f"their {where} address: " + "; ".join(silent),
            kind=FailureKind.INPUT,
            evidence=tuple(silent),
        )
    modes = sorted({r.mode for _, r in answers})
    done.append(f"{len(answers)}/{len(answers)} nodes answer on Talos's API ({', '.join(modes)})")
    return "; ".join(done)


_TALOSCTL_VERSION = re.compile(r"(?:Talos|Tag:)\s+v(\d+\.\d+\.\d+)")


def check_talosctl(ctx: StageContext) -> str:
    """talosctl on Terraform's PATH, at the profile's minimum version (the runbook's 1.11), when
    the configuration's provisioners run it and a stage that runs them is ahead: the destroy
    resets each node with it, the apply upgrades them. "" when neither applies."""
    profile = ctx.profile
    if not (_ahead(ctx, StageName.DESTROY) or _ahead(ctx, StageName.APPLY)):
        return ""
    calls = tool_calls(profile.terraform_dir, "talosctl")
    if not calls:
        return ""
    used = ", ".join(
        f"talosctl {sub} ({', '.join(f'{c.file}:{c.line}' for c in calls if c.subcommand == sub)})"
        for sub in dict.fromkeys(c.subcommand for c in calls)
    )
    minimum = profile.talosctl_min_version
    run = ctx.terraform.tool("talosctl", "version", "--client", "--short")
    if not run.path:
        raise StageError(
            f"talosctl is not on Terraform's PATH, and the configuration's provisioners run "
            f"it: {used}; install talosctl >= {minimum} (the runbook's) on this host",
            kind=FailureKind.INPUT,
        )
    found = _TALOSCTL_VERSION.search(run.output)
    if run.rc != 0 or found is None:
        said = run.output.strip().splitlines()[-1:] or [f"rc={run.rc}"]
        raise StageError(
            f"`{run.path} version --client` did not say its version ({said[0][:200]}); the "
            f"configuration's provisioners run it: {used}",
            kind=FailureKind.INPUT,
        )
    version = found.group(1)
    if not version_at_least(version, minimum):
        raise StageError(
            f"talosctl {version} ({run.path}) is older than the {minimum} the procedure needs; "
            f"the configuration's provisioners run it: {used}",
            kind=FailureKind.INPUT,
        )
    return f"talosctl v{version} at {run.path} (>= {minimum}; the provisioners run {used})"
