"""Forced syncs judged by the operation that started after the patch, never by a stale one."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from vixens_tui.core.cluster import AppInfo, ClusterSnapshot
from vixens_tui.core.profile import load_profile
from vixens_tui.core.profile.model import AppSpec
from vixens_tui.core.stages.argocd_sync import AppsSynced

STALE = AppInfo(
    "whoami",
    "whoami",
    sync="OutOfSync",
    health="Missing",
    operation_phase="Failed",
    operation_message="one or more objects failed to apply",
    operation_started_at="2026-12-04T10:00:00Z",
)


@dataclass
class Cluster:
    snap: ClusterSnapshot
    patches: list[str] = field(default_factory=list)

    def snapshot(self) -> ClusterSnapshot:
        return self.snap

    def patch_application(self, namespace: str, name: str, body: dict[str, Any]) -> None:
        self.patches.append(name)


def _snap(app: AppInfo) -> ClusterSnapshot:
    return ClusterSnapshot(reachable=True, apps=(app,), synced_kinds=frozenset({"applications"}))


def _condition(cluster: Cluster) -> AppsSynced:
    profile = load_profile("dev")
    profile = profile.model_copy(
        update={
            "apps": (AppSpec(name="whoami", namespace="whoami"),),
            "argocd": profile.argocd.model_copy(update={"sync_grace_s": 3600.0}),
        }
    )
    ctx = SimpleNamespace(profile=profile, cluster=cluster, info=lambda *a, **k: None)
    return AppsSynced(ctx, strict_health=False)  # type: ignore[arg-type]


def test_a_stale_failed_operation_does_not_trigger_another_forced_sync() -> None:
    cluster = Cluster(_snap(STALE))
    condition = _condition(cluster)
    assert condition(cluster.snap)[0] is False
    assert cluster.patches == ["whoami"]  # the failed sync is forced once
    # The next snapshots still show the failed operation from before the patch (the
    # controller has not picked the new one up yet): that is not the new sync's result.
    for _ in range(3):
        condition(cluster.snap)
    assert cluster.patches == ["whoami"]


def test_the_new_operation_is_judged_once_it_has_started() -> None:
    cluster = Cluster(_snap(STALE))
    condition = _condition(cluster)
    condition(cluster.snap)
    # The forced sync ran and failed too: that one counts, and is forced again.
    again = replace(STALE, operation_started_at="2026-12-04T10:05:00Z")
    cluster.snap = _snap(again)
    condition(cluster.snap)
    assert cluster.patches == ["whoami", "whoami"]
    # Synced at last: done, nothing more forced.
    cluster.snap = _snap(AppInfo("whoami", "whoami", sync="Synced", health="Healthy"))
    assert condition(cluster.snap)[0] is True
    assert cluster.patches == ["whoami", "whoami"]
