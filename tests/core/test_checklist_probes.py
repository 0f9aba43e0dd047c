"""The checklist's probes on cluster states the real cluster shows."""

from __future__ import annotations

from vixens_tui.core.checklist import Observation, item
from vixens_tui.core.cluster import ClusterSnapshot, PodInfo
from vixens_tui.core.profile import load_profile


def _observe(*pods: PodInfo) -> Observation:
    snapshot = ClusterSnapshot(reachable=True, pods=pods, synced_kinds=frozenset({"pods"}))
    return Observation(load_profile("dev"), snapshot, {}, {})


def _pod(name: str, phase: str = "Running", ready: int = 1, reason: str = "") -> PodInfo:
    return PodInfo("cert-manager", name, phase, ready, 1, reason=reason)


CERT_MANAGER = item("cert-manager-running")


def test_a_finished_job_pod_is_not_a_pod_that_failed_to_run() -> None:
    """cert-manager's chart runs a `startupapicheck` Job: its pod ends Succeeded (Completed)."""
    ok, detail = CERT_MANAGER.probe(
        _observe(
            _pod("cert-manager-7d9f8c6b5-x2x4q"),
            _pod("cert-manager-cainjector-5c5695d979-8kqzr"),
            _pod("cert-manager-startupapicheck-5xq7n", phase="Succeeded", ready=0),
        )
    )
    assert ok, detail
    assert detail == "2/2 cert-manager pods Running and ready; 1 completed (Jobs)"


def test_only_completed_pods_or_a_failed_one_is_still_not_running() -> None:
    ok, detail = CERT_MANAGER.probe(
        _observe(_pod("cert-manager-startupapicheck-5xq7n", phase="Succeeded", ready=0))
    )
    assert not ok and detail == "no cert-manager pod found; 1 completed (Jobs)"
    ok, detail = CERT_MANAGER.probe(
        _observe(
            _pod("cert-manager-7d9f8c6b5-x2x4q"),
            _pod("cert-manager-startupapicheck-5xq7n", phase="Failed", ready=0, reason="Error"),
        )
    )
    assert not ok and "1/2 cert-manager pods not Running/ready" in detail
