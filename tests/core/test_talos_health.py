"""After the apply: the node gate asks Talos too (etcd's members, apid/kubelet/etcd)."""

from __future__ import annotations

from vixens_tui.core import talos_health, waits
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import Info, StageFailed
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import TalosHealth

PLANES = ("obsy", "onyx", "opale")
RUNNING = {s: ("Running", True) for s in ("apid", "kubelet", "etcd", "machined")}


def health(
    name: str, members: tuple[str, ...] = PLANES, **services: tuple[str, bool]
) -> TalosHealth:
    return TalosHealth(f"ip-of-{name}", "v1.11.5", {**RUNNING, **services}, members)


def test_the_verdict_wants_every_member_and_the_three_services() -> None:
    ok, text = talos_health.verdict(PLANES, {n: health(n) for n in PLANES})
    assert ok and text == (
        "3/3 etcd members, apid/kubelet/etcd running on each node (obsy, onyx, opale)"
    )
    answers: dict[str, TalosHealth | str] = {n: health(n, ("obsy", "onyx")) for n in PLANES}
    answers["opale"] = health("opale", ("obsy", "onyx"), etcd=("Preparing", False))
    ok, text = talos_health.verdict(PLANES, answers)
    assert not ok
    assert "obsy sees 2/3 etcd members (missing opale)" in text
    assert "opale: etcd Preparing, not healthy" in text
    answers = {n: health(n) for n in PLANES}
    answers["onyx"] = "127.0.0.1: version: Unavailable: connection refused"
    ok, text = talos_health.verdict(PLANES, answers)
    assert not ok and text == "onyx: 127.0.0.1: version: Unavailable: connection refused"
    ok, text = talos_health.verdict(PLANES, {n: health(n, (*PLANES, "old")) for n in PLANES})
    assert not ok and "(not in the profile: old)" in text


def test_the_apply_summary_carries_talos_health(harness) -> None:
    h = harness()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    cp = h.state.load()
    assert cp is not None
    assert cp.stage(StageName.APPLY).summary.endswith(
        "; Talos: 3/3 etcd members, apid/kubelet/etcd running on each node (obsy, onyx, opale)"
    )
    # Each control plane asked by the apply's gate, and again by the validation's checklist,
    # whose Talos item carries the same evidence.
    asked = [c for c in h.world.talos_calls if c.startswith("health")]
    assert asked[:3] == [f"health {n.ip}" for n in h.profile.nodes]
    talos_item = next(c for c in cp.checklist if c.id == "talos-version")
    assert talos_item.evidence == (
        "3/3 nodes run Talos v1.11.5 (obsy, onyx, opale: osImage); 3/3 etcd members, "
        "apid/kubelet/etcd running on each node (obsy, onyx, opale)"
    )


def test_a_control_plane_whose_etcd_never_joins_fails_the_apply(harness, monkeypatch) -> None:
    monkeypatch.setattr(waits, "TALOS_POLL_S", 0.01)
    h = harness()
    h.world.etcd_missing = {"opale"}
    timeouts = dict(h.profile.timeouts_s)
    timeouts[StageName.APPLY] = 1.0
    h.profile = h.profile.model_copy(update={"timeouts_s": timeouts, "wait_progress_s": 0.2})
    result = h.engine().run(RunRequest())
    assert result.exit_code != ExitCode.DONE
    (failed, *_) = [e for e in h.of(StageFailed) if e.stage is StageName.APPLY]
    assert failed.error.startswith("Talos is not healthy on the control planes: ")
    assert "obsy sees 2/3 etcd members (missing opale)" in failed.error
    assert "opale: etcd Preparing, not healthy" in failed.error
    assert any(e.message.startswith("waiting for Talos on the control planes") for e in h.of(Info))
