from __future__ import annotations

import threading

from vixens_tui.core.checkpoint.model import ChecklistState, Outcome, StageStatus
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import ChecklistChanged, RunFinished, StageSucceeded, Waiting
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import STAGE_ORDER, StageName
from vixens_tui.core.plan import make_plan


def test_full_run_on_fakes_validates_everything(harness) -> None:
    h = harness()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE, [getattr(e, "error", "") for e in h.events]
    cp = h.state.load()
    assert cp is not None and cp.outcome is Outcome.DONE
    assert [r.status for r in cp.stages] == [StageStatus.DONE] * 7
    assert [e.stage for e in h.of(StageSucceeded)] == list(STAGE_ORDER)
    assert all(c.state is ChecklistState.PROVED and c.evidence for c in cp.checklist)
    assert len(cp.checklist) == 13
    assert isinstance(h.events[-1], RunFinished)


def test_what_a_destroy_will_lose_is_journaled_before_it_runs(harness) -> None:
    from vixens_tui.core.cluster import VolumeClaimInfo

    h = harness()
    seen = []

    class Confirm:
        def decide(self, report):  # pragma: no cover - no failure in this run
            raise AssertionError(report)

        def confirm_destroy(self, preview):
            seen.append(preview)
            journal = [r for r in h.state.read_journal() if r["type"] == "info"]
            assert any("about to destroy" in r["message"] for r in journal)
            return True

    original = h.world.snapshot

    def with_claims():
        snap = original()
        from dataclasses import replace

        return (
            replace(
                snap, volume_claims=(VolumeClaimInfo("media-stack", "media-nfs", capacity="1Ti"),)
            )
            if snap.reachable
            else snap
        )

    h.world.snapshot = with_claims
    result = h.engine(decider=Confirm()).run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    (preview,) = seen
    assert preview.cluster_reachable and "whoami" in preview.namespaces
    assert "cert-manager" in preview.applications and preview.volume_claims == (
        "media-stack/media-nfs (1Ti)",
    )
    assert len(preview.addresses) == 21  # the real configuration with 3 nodes
    info = [
        r["message"]
        for r in h.state.read_journal()
        if r["type"] == "info" and "about to destroy" in r["message"]
    ]
    assert "media-stack/media-nfs (1Ti)" in info[0] and "Applications (" in info[0]


def test_validate_does_not_judge_a_kind_before_its_first_list(harness) -> None:
    """Reachable but pods not listed yet (a watch reconnecting): no "0 pods Running" verdict."""
    h = harness()
    h.world.unlisted = {"pods"}

    def listed() -> None:
        h.world.unlisted = set()
        h.world.bump()

    timer = threading.Timer(1.0, listed)
    timer.start()
    try:
        result = h.engine().run(RunRequest(plan=make_plan(only=StageName.VALIDATE)))
    finally:
        timer.cancel()
    assert result.exit_code == ExitCode.DONE, result.message
    waits = [e.detail for e in h.of(Waiting) if e.stage is StageName.VALIDATE]
    assert any("waiting for the first list of pods" in w for w in waits), waits
    said = [e.evidence for e in h.of(ChecklistChanged)] + waits
    assert not [t for t in said if "0 pods Running" in t or "no kube-system pod" in t], said


def test_the_grids_get_the_clusters_last_picture_when_the_run_ends(harness, monkeypatch) -> None:
    """A change in the observer's gap between two sends (the final forced sync, seen in CI)
    still reaches the front ends: with a gap longer than the run, only the stop can send it."""
    from vixens_tui.core import cluster_observer
    from vixens_tui.core.events import ClusterChanged

    monkeypatch.setattr(cluster_observer, "OBSERVE_GAP_S", 60.0)
    h = harness()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    pictures = h.of(ClusterChanged)
    assert len(pictures) == 2, [p.snapshot.version for p in pictures]  # the first and the last
    last = pictures[-1].snapshot
    assert last.version == h.world.version
    assert all(a.sync == "Synced" for a in last.apps) and len(last.apps) == 13  # + the root
    # ... sent before the run's end, so a front end still shows it
    assert h.events.index(pictures[-1]) < h.events.index(h.of(RunFinished)[-1])


def test_data_sources_of_the_state_are_not_counted_as_resources() -> None:
    """`terraform state list` of the real configuration lists 21 resources and 4 data sources
    (measured on the demo): the runbook's count, and a destroy's, is of the 21."""
    from vixens_tui.core.stages.destroy import is_managed

    talos = "module.environment.module.talos_cluster"
    assert not is_managed(f"{talos}.data.talos_client_configuration.this")
    assert not is_managed(f'{talos}.data.talos_machine_configuration.control_plane["obsy"]')
    assert not is_managed("data.terraform_remote_state.network")
    assert is_managed(f'{talos}.null_resource.node_reset_on_destroy["data.x"]')
    assert is_managed("module.environment.module.cilium.helm_release.cilium")


def test_a_kubeconfig_other_than_terraforms_is_warned_about(harness, tmp_path) -> None:
    """$KUBECONFIG replaces the profile's file for reading the cluster; Terraform still writes
    its own: the run says so, naming both (the first would keep the old cluster's keys)."""
    from vixens_tui.core.events import Info

    h = harness()
    written = h.profile.kubeconfig
    elsewhere = tmp_path / "elsewhere" / "kubeconfig"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(written.read_bytes())
    h.profile = h.profile.model_copy(
        update={"kubeconfig": elsewhere, "terraform_kubeconfig": written}
    )
    h.world.profile = h.profile
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.PREFLIGHT)))
    assert result.exit_code == ExitCode.DONE
    warnings = [
        e.message for e in h.of(Info) if e.level == "warning" and "$KUBECONFIG" in e.message
    ]
    assert len(warnings) == 1
    assert str(elsewhere) in warnings[0] and str(written) in warnings[0]


def test_the_same_kubeconfig_is_not_warned_about(harness) -> None:
    from vixens_tui.core.events import Info

    h = harness()
    h.engine().run(RunRequest(plan=make_plan(only=StageName.PREFLIGHT)))
    assert not [e for e in h.of(Info) if "$KUBECONFIG" in e.message]
