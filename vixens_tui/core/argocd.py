"""Forcing an Argo CD sync the safe way (docs/known-issues.md, "Forcing a sync").

The procedure patches the Application's `operation`. An operation already running is left
alone (we wait instead of stacking a second one), and success is judged by the app being
Synced at the end, not by a stale `status.operationState` from an earlier sync.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vixens_tui.core.cluster import AppInfo
from vixens_tui.core.context import StageContext


def sync_patch() -> dict[str, Any]:
    """The procedure's patch, without its fixed `revision`.

    The procedure sends `"revision": "dev"`. Argo CD syncs to the revision an operation names,
    and without one to the app's own `targetRevision` (controller/sync.go: `revision =
    syncOp.Revision`, then the source's target when empty). A fixed one is wrong as soon as an
    app tracks another branch (at later dates the apps track `main`), and for a single-source
    Helm app it is read as the chart's version ("dev" does not exist)."""
    return {"operation": {"initiatedBy": {"username": "admin"}, "sync": {}}}


def force_sync(ctx: StageContext, names: Iterable[str]) -> list[str]:
    """Request a sync of each named app that has no operation running; the names patched."""
    snapshot = ctx.cluster.snapshot()
    namespace = ctx.profile.argocd.namespace
    patched: list[str] = []
    for name in names:
        app = snapshot.app(name)
        if app is not None and (app.operation_phase == "Running" or app.operation_pending):
            ctx.info(f"{name}: a sync is already running; waiting for it instead")
            continue
        ctx.info(
            f"kubectl patch application {name} -n {namespace} --type merge "
            '-p \'{"operation":{"initiatedBy":{"username":"admin"},"sync":{}}}\' '
            "(the app's own targetRevision)"
        )
        ctx.cluster.patch_application(namespace, name, sync_patch())
        patched.append(name)
    return patched


def app_ok(app: AppInfo, *, allow_progressing: bool) -> bool:
    healthy = app.health == "Healthy" or (allow_progressing and app.health == "Progressing")
    return app.sync == "Synced" and healthy
