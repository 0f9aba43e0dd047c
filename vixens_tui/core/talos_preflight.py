"""Preflight's Talos side: the talosconfig usable and aimed at the profile's nodes, each node
answering on Talos's API. Read-only, as all of preflight.

A cluster in the Terraform state means installed nodes: the talosconfig must hold a usable
context (the etcd snapshot and a reset after the destroy need its certificate), its endpoints
must be the profile's nodes or its endpoint (a talosconfig of another cluster would snapshot
and reset the wrong machines), and every node must answer on its VLAN address. An empty state
means nodes waiting in maintenance mode: each must answer on its maintenance address, where
the apply's `talos_machine_configuration_apply` will reach it.
"""

from __future__ import annotations

from urllib.parse import urlparse

from vixens_tui.core.checkpoint.model import StageStatus
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TalosError


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
