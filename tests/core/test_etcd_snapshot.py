"""Before the destroy: etcd's snapshot through the Talos API, saved privately, recorded, shown in
the confirmation; no snapshot, no destroy (unless the profile says to go on without one)."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

from vixens_tui.core.checkpoint.model import Outcome
from vixens_tui.core.context import DestroyPreview
from vixens_tui.core.decider import Action, AutoDecider, Decision, FailureReport
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import EtcdSnapshotSaved, Info, IssueDetected, StageFailed
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName


class Recording(AutoDecider):
    def __init__(self) -> None:
        super().__init__(yes=True)
        self.previews: list[DestroyPreview] = []

    def confirm_destroy(self, preview: DestroyPreview) -> bool:
        self.previews.append(preview)
        return super().confirm_destroy(preview)


def test_the_snapshot_is_saved_recorded_and_shown_before_anything_is_destroyed(harness) -> None:
    h = harness()
    decider = Recording()
    result = h.engine(decider).run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    cp = h.state.load()
    assert cp is not None and cp.etcd_snapshot is not None
    snap = cp.etcd_snapshot
    path = Path(snap.path)
    # Under the environment's state directory, private, whole, as recorded.
    assert path.parent == h.state.dir / "snapshots" and path.name == f"etcd-{cp.run_id}.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert snap.size == len(data) and snap.sha256 == hashlib.sha256(data).hexdigest()
    assert snap.node == "obsy"
    # The journal has it too, before the destroy was launched.
    records = [json.loads(line) for line in h.state.journal_path.read_text().splitlines()]
    kinds = [r["type"] for r in records]
    assert kinds.index("etcd_snapshot_saved") < kinds.index("destroy_launched")
    (saved,) = [r for r in records if r["type"] == "etcd_snapshot_saved"]
    assert saved["sha256"] == snap.sha256 and saved["size"] == snap.size
    # The confirmation lists it among what will be lost.
    (preview,) = decider.previews
    assert preview.etcd_snapshot == f"{path} ({len(data):,} bytes)"
    lost = [e.message for e in h.of(Info) if e.message.startswith("about to destroy")]
    assert lost and lost[0].endswith(f"; etcd snapshot saved: {path} ({len(data):,} bytes)")
    calls = h.world.calls
    assert "terraform destroy" in calls


def test_a_control_plane_that_refuses_is_passed_over(harness) -> None:
    h = harness()
    h.world.snapshot_refused = {"obsy"}
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    (saved,) = h.of(EtcdSnapshotSaved)
    assert saved.node == "onyx"
    warnings = [e.message for e in h.of(Info) if e.level == "warning"]
    assert any(w.startswith("etcd snapshot from obsy failed") for w in warnings)


def test_no_snapshot_means_no_destroy(harness) -> None:
    h = harness()
    h.world.snapshot_refused = {"obsy", "onyx", "opale"}
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.NEEDS_HUMAN
    (failed,) = [e for e in h.of(StageFailed) if e.stage is StageName.DESTROY]
    assert failed.error.startswith("no etcd snapshot could be taken (obsy: ")
    assert "nothing was destroyed" in failed.error and "etcd_snapshot = false" in failed.error
    assert "--allow-no-etcd-snapshot (this run)" in failed.error
    assert "terraform destroy" not in h.world.calls
    assert h.world.state  # the state still lists every resource
    cp = h.state.load()
    assert cp is not None and cp.etcd_snapshot is None and cp.destroy_launched_at is None
    assert not (h.state.dir / "snapshots").exists() or not any(
        (h.state.dir / "snapshots").iterdir()
    )


def test_the_profile_may_go_on_without_one(harness) -> None:
    h = harness()
    h.world.snapshot_refused = {"obsy", "onyx", "opale"}
    h.profile = h.profile.model_copy(
        update={"known_issues": h.profile.known_issues.model_copy(update={"etcd_snapshot": False})}
    )
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    assert not h.of(EtcdSnapshotSaved)
    assert not [c for c in h.world.talos_calls if c.startswith("etcd snapshot")]
    assert any(
        e.message == "no etcd snapshot: the profile says to destroy without one" for e in h.of(Info)
    )
    cp = h.state.load()
    assert cp is not None and cp.outcome is Outcome.DONE and cp.etcd_snapshot is None


def test_the_user_may_go_on_when_no_snapshot_can_be_taken(harness) -> None:
    """`--allow-no-etcd-snapshot` (wiring.profile_for): tried on each control plane, then the
    destroy goes on, said as a warning."""
    from vixens_tui.options import Options
    from vixens_tui.wiring import profile_for

    h = harness()
    h.world.snapshot_refused = {"obsy", "onyx", "opale"}
    flagged = profile_for(Options(allow_no_etcd_snapshot=True))
    assert flagged.known_issues.etcd_snapshot_required is False
    assert profile_for(Options()).known_issues.etcd_snapshot_required is True
    h.profile = h.profile.model_copy(update={"known_issues": flagged.known_issues})
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    tried = [c for c in h.world.talos_calls if c.startswith("etcd snapshot")]
    assert len(tried) == 3
    assert not h.of(EtcdSnapshotSaved)
    warned = [e.message for e in h.of(Info) if e.level == "warning"]
    assert any(
        w.startswith("no etcd snapshot could be taken (obsy: ")
        and w.endswith("going on without one, as asked (--allow-no-etcd-snapshot)")
        for w in warned
    ), warned
    assert "terraform destroy" in h.world.calls


class Person(Recording):
    """What a person does at the TUI's issue bar: presses the fix's key."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def decide(self, report: FailureReport) -> Decision:
        ids = [d.issue_id for d in report.detections]
        self.asked += ids
        if "etcd-snapshot-failed" in ids:
            return Decision(Action.FIX, "etcd-snapshot-failed", by="user")
        return super().decide(report)


def test_a_person_may_go_on_without_a_snapshot_with_the_issues_key(harness) -> None:
    """The failed snapshot is a known issue whose fix only a person may choose (issue 12
    point 4): chosen, the destroy's next attempt goes on without one, and the checkpoint
    records who decided."""
    h = harness()
    h.world.snapshot_refused = {"obsy", "onyx", "opale"}
    person = Person()
    result = h.engine(person).run(RunRequest())
    assert result.exit_code == ExitCode.DONE, result
    assert person.asked == ["etcd-snapshot-failed"]
    cp = h.state.load()
    assert cp is not None and cp.etcd_snapshot is None
    (fix,) = cp.fixes
    assert (fix.issue_id, fix.by, fix.ok) == ("etcd-snapshot-failed", "user", True)
    assert cp.stage(StageName.DESTROY).attempts == 2
    warned = [e.message for e in h.of(Info) if e.level == "warning"]
    assert "no etcd snapshot: a person chose to go on without one" in warned
    # The confirmation says what is at stake.
    (preview,) = person.previews
    assert preview.etcd_snapshot == ""
    assert preview.no_etcd_snapshot == "a person chose to go on without one"
    assert any(
        w.endswith(
            "; no etcd snapshot (a person chose to go on without one): the cluster's data "
            "will have no copy"
        )
        for w in warned
    ), warned
    assert "terraform destroy" in h.world.calls


def test_headless_a_failed_snapshot_needs_a_person(harness) -> None:
    """--auto never chooses it: exit 3, naming the choice and the flag that makes it."""
    h = harness()
    h.world.snapshot_refused = {"obsy", "onyx", "opale"}
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.NEEDS_HUMAN
    assert "needs a person: destroy without an etcd snapshot" in result.message
    assert "--allow-no-etcd-snapshot" in result.message
    (detected,) = h.of(IssueDetected)
    assert detected.issue_id == "etcd-snapshot-failed" and not detected.automatic
    assert "terraform destroy" not in h.world.calls
