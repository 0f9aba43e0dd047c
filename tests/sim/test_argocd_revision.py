"""Forced syncs and the revision they name, on the simulated Argo CD behaving as the real one
(controller/sync.go: an operation's `sync.revision`, when set, is what gets deployed; empty,
the app's own `targetRevision`; for a single-source Helm app it is the chart's version)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sim.helpers import Kubectl, wait_for
from vixens_tui.core.argocd import sync_patch
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.argocd import commit_of
from vixens_tui.sim.cluster import SimCluster

MakeSim = Callable[..., SimCluster]
PROCEDURE_PATCH = {"operation": {"initiatedBy": {"username": "admin"}, "sync": {"revision": "dev"}}}


def _app(sim: SimCluster, name: str) -> dict[str, Any]:
    return sim.store.get(kinds.APPLICATION, "argocd", name) or {}


def _finished(sim: SimCluster, name: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation state of `operation` (the one the patch requested) once it has ended."""

    def done() -> dict[str, Any] | None:
        state = _app(sim, name).get("status", {}).get("operationState", {})
        ours = state.get("operation", {}).get("sync") == operation["sync"]
        return state if ours and state.get("finishedAt") else None

    return dict(wait_for(done, what=f"the sync of {name} to finish"))


def _retarget(kubectl: Kubectl, name: str, source: dict[str, Any]) -> None:
    patch = {"spec": {"source": source}}
    kubectl("patch", "app", name, "-n", "argocd", "--type", "merge", "-p", json.dumps(patch))


def _sync(kubectl: Kubectl, sim: SimCluster, name: str, patch: dict[str, Any]) -> dict[str, Any]:
    kubectl("patch", "app", name, "-n", "argocd", "--type", "merge", "-p", json.dumps(patch))
    return _finished(sim, name, patch["operation"])


def test_an_app_tracking_main_is_synced_by_the_product_patch_not_the_procedure_one(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    source = dict(_app(sim, "whoami")["spec"]["source"], targetRevision="main")
    _retarget(kubectl, "whoami", source)

    # The procedure's fixed "dev": Argo CD deploys dev's commit, the app tracks main.
    _sync(kubectl, sim, "whoami", PROCEDURE_PATCH)
    status = _app(sim, "whoami")["status"]
    assert status["sync"]["status"] == "OutOfSync"
    assert status["operationState"]["syncResult"]["revision"] == commit_of("dev")

    # No revision: the app's own target.
    state = _sync(kubectl, sim, "whoami", sync_patch())
    assert state["phase"] == "Succeeded"
    status = _app(sim, "whoami")["status"]
    assert status["sync"]["status"] == "Synced"
    assert status["sync"]["revision"] == commit_of("main")


def test_a_helm_app_reads_the_revision_as_its_chart_version(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    chart = {
        "repoURL": "https://charts.jetstack.io",
        "chart": "cert-manager",
        "targetRevision": "v1.14.4",
        "path": None,
    }
    _retarget(kubectl, "whoami", chart)
    state = _sync(kubectl, sim, "whoami", PROCEDURE_PATCH)
    assert state["phase"] == "Error"
    assert 'chart "cert-manager" version "dev" not found' in state["message"]

    state = _sync(kubectl, sim, "whoami", sync_patch())
    assert state["phase"] == "Succeeded"
    assert _app(sim, "whoami")["status"]["sync"]["status"] == "Synced"
