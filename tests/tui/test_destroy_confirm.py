"""The destroy confirmation says what is at stake about etcd: the snapshot saved, or why there
is none and that the cluster's data will then have no copy (issue 12 point 4)."""

from __future__ import annotations

from vixens_tui.core.context import DestroyPreview
from vixens_tui.tui.screens.modals import DestroyConfirmScreen


def _preview(**changes: str) -> DestroyPreview:
    return DestroyPreview(
        env="dev",
        endpoint="https://192.168.111.160:6443",
        kubeconfig_server="https://192.168.111.160:6443",
        addresses=("module.environment.local_file.kubeconfig",),
        **changes,  # type: ignore[arg-type]
    )


def test_the_snapshot_saved_is_listed() -> None:
    text = DestroyConfirmScreen(_preview(etcd_snapshot="/s/etcd-1.db (4,096 bytes)")).body()
    assert "etcd snapshot saved: /s/etcd-1.db (4,096 bytes)" in text.plain
    assert "No etcd snapshot" not in text.plain


def test_no_snapshot_is_said_with_its_reason() -> None:
    screen = DestroyConfirmScreen(_preview(no_etcd_snapshot="a person chose to go on without one"))
    plain = screen.body().plain
    assert (
        "No etcd snapshot (a person chose to go on without one): the cluster's data will have "
        "no copy"
    ) in plain
    assert "etcd snapshot saved" not in plain
