"""After the apply: Talos's own view of the control planes, part of the node gate.

Kubernetes' Node Ready says the kubelet reports; it does not say that etcd formed its quorum
with every control plane. Each control plane's Talos API is asked (mutual TLS with the
talosconfig the apply wrote) for its services and etcd's members, as `talosctl services` and
`talosctl etcd members` show them: the gate passes when etcd has exactly the profile's control
planes as members, seen alike from each one, and apid, kubelet and etcd run healthy on each.
"""

from __future__ import annotations

from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.ports import TalosBackend, TalosError, TalosHealth
from vixens_tui.core.waits import poll_until

REQUIRED = ("apid", "kubelet", "etcd")


def verdict(planes: tuple[str, ...], answers: dict[str, TalosHealth | str]) -> tuple[bool, str]:
    """(healthy, evidence) from each control plane's answer (a TalosHealth, or its error)."""
    problems: list[str] = []
    wanted = set(planes)
    members_seen: set[str] = set()
    for name in planes:
        answer = answers.get(name, "not asked")
        if isinstance(answer, str):
            problems.append(f"{name}: {answer}")
            continue
        members = set(answer.etcd_members)
        members_seen |= members
        if members != wanted:
            missing = sorted(wanted - members)
            extra = sorted(members - wanted)
            problems.append(
                f"{name} sees {len(members & wanted)}/{len(wanted)} etcd members"
                + (f" (missing {', '.join(missing)})" if missing else "")
                + (f" (not in the profile: {', '.join(extra)})" if extra else "")
            )
        for service in REQUIRED:
            state, healthy = answer.services.get(service, ("absent", False))
            if state != "Running" or not healthy:
                problems.append(f"{name}: {service} {state}{'' if healthy else ', not healthy'}")
    if problems:
        return False, "; ".join(problems)
    return True, (
        f"{len(members_seen)}/{len(wanted)} etcd members, {'/'.join(REQUIRED)} running on each "
        f"node ({', '.join(planes)})"
    )


def ask(talos: TalosBackend, ctx: StageContext) -> dict[str, TalosHealth | str]:
    answers: dict[str, TalosHealth | str] = {}
    for node in ctx.profile.nodes:
        if node.role != "control-plane":
            continue
        try:
            answers[node.name] = talos.health(node.ip)
        except TalosError as exc:
            answers[node.name] = str(exc)
    return answers


def wait_healthy(ctx: StageContext, talos: TalosBackend) -> str:
    """Ask until healthy or the stage's deadline; the evidence, or a StageError (timeout)."""
    planes = tuple(n.name for n in ctx.profile.nodes if n.role == "control-plane")
    evidence = ""

    def ask_all() -> tuple[bool, str]:
        nonlocal evidence
        ok, evidence = verdict(planes, ask(talos, ctx))
        return ok, f"waiting for Talos on the control planes: {evidence}"

    if not poll_until(ctx, ask_all, deadline=ctx.deadline):
        raise StageError(
            f"Talos is not healthy on the control planes: {evidence}",
            kind=FailureKind.TIMEOUT,
            evidence=(evidence,),
        )
    return evidence
