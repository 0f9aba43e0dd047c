"""The catalogue: each known issue detected from evidence, fixed once, journaled."""

from __future__ import annotations

from types import SimpleNamespace

from tests.fakes import CILIUM, CILIUM_DIAGNOSTIC, Faults
from vixens_tui.core import waits
from vixens_tui.core.checkpoint.model import Outcome
from vixens_tui.core.decider import Action, AutoDecider, Decision, FailureReport
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import FixApplied, Info, IssueDetected, StageFailed
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection
from vixens_tui.core.issues.cilium_destroy_timeout import CiliumDestroyTimeout
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.profile import load_profile


def test_the_three_known_issues_are_detected_and_fixed_exactly_once(harness) -> None:
    h = harness(Faults(cilium_destroy=1, cert_manager_namespace=True, repo_server_eof=True))
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE, result.message
    detected = {e.issue_id: e for e in h.of(IssueDetected)}
    assert set(detected) == {
        "cilium-destroy-timeout",
        "cert-manager-namespace-missing",
        "repo-server-eof",
    }
    fixes = h.of(FixApplied)
    assert sorted(f.issue_id for f in fixes) == sorted(detected)
    assert all(f.ok for f in fixes)

    cilium = detected["cilium-destroy-timeout"]
    assert cilium.stage is StageName.DESTROY
    assert any(CILIUM in line for line in cilium.evidence)
    assert any("Error uninstalling release" in line for line in cilium.evidence)
    assert f"terraform state rm {CILIUM}" in h.world.calls
    assert h.world.calls.count("terraform destroy") == 2

    namespace = detected["cert-manager-namespace-missing"]
    assert any('namespaces "cert-manager" not found' in e for e in namespace.evidence)
    assert any("CreateNamespace=true" in e for e in namespace.evidence)
    assert h.world.calls.count("create namespace cert-manager") == 1

    eof = detected["repo-server-eof"]
    assert any("error reading from server: EOF" in e for e in eof.evidence)
    assert sum(c.startswith("delete pods argocd") for c in h.world.calls) == 1

    # The journal holds each detection with its evidence and each fix, once.
    records = list(h.state.read_journal(result.run_id))
    journal_detected = [r for r in records if r["type"] == "issue_detected"]
    assert sorted(r["issue_id"] for r in journal_detected) == sorted(detected)
    assert all(r["evidence"] for r in journal_detected)
    assert sorted(r["issue_id"] for r in records if r["type"] == "fix_applied") == sorted(detected)
    cp = h.state.load()
    assert cp is not None and sorted(f.issue_id for f in cp.fixes) == sorted(detected)
    assert all(f.evidence for f in cp.fixes)


def test_auto_fix_stops_at_its_limit(harness) -> None:
    h = harness(Faults(repo_server_eof=True, eof_cured_by_restart=False))
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.STAGE_FAILED
    fixes = h.of(FixApplied)
    assert [f.issue_id for f in fixes] == ["repo-server-eof"] * 2  # its limit
    cp = h.state.load()
    assert cp is not None and cp.outcome is Outcome.FAILED
    assert cp.current_stage is StageName.ARGOCD_SYNC
    assert cp.stage(StageName.ARGOCD_SYNC).attempts == 3
    assert "error reading from server: EOF" in result.message


def test_unknown_failure_in_auto_needs_a_human(harness) -> None:
    h = harness(Faults(fail_stage={StageName.DESTROY: 1}))
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.NEEDS_HUMAN
    assert not h.of(IssueDetected)
    failed = h.of(StageFailed)
    assert failed and failed[0].failure == "unknown"


def test_a_fix_is_never_applied_outside_its_issue(harness) -> None:
    """A Cilium-like error on an address the profile does not allow is not dropped from state."""
    h = harness(Faults(cilium_destroy=1))
    h.profile = h.profile.model_copy(
        update={
            "known_issues": h.profile.known_issues.model_copy(
                update={"state_rm_allowed": ("module.other.*",)}
            )
        }
    )
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.NEEDS_HUMAN
    assert not any(c.startswith("terraform state rm") for c in h.world.calls)


class Recording(AutoDecider):
    def __init__(self) -> None:
        super().__init__(yes=True)
        self.reports: list[FailureReport] = []

    def decide(self, report: FailureReport) -> Decision:
        self.reports.append(report)
        return super().decide(report)


def test_decider_sees_detections_and_counts(harness) -> None:
    h = harness(Faults(repo_server_eof=True, eof_cured_by_restart=False))
    decider = Recording()
    h.engine(decider=decider).run(RunRequest())
    counts = [r.fixes_applied["repo-server-eof"] for r in decider.reports]
    assert counts == [0, 1, 2]
    assert all(r.stage is StageName.ARGOCD_SYNC for r in decider.reports)
    assert decider.decide(decider.reports[-1]).action is Action.STOP


def test_a_stale_namespace_error_is_cured_by_a_forced_sync(harness) -> None:
    """The namespace exists now (made by hand, or by a run killed after the namespaces stage),
    but cert-manager's last sync still says it is missing: force the sync, do not fail."""
    h = harness(Faults(cert_manager_namespace=True))
    app = h.world.apps["cert-manager"]
    assert 'namespaces "cert-manager" not found' in app.operation_message  # stale from here on
    h.world.namespaces.add("cert-manager")
    h.world._cert_manager_pods()
    h.world.bump()
    result = h.engine().run(RunRequest(plan=make_plan(from_stage=StageName.ARGOCD_SYNC)))
    assert result.exit_code == ExitCode.DONE, result.message
    assert "sync cert-manager" in h.world.calls
    assert h.of(IssueDetected) == []  # no known issue: the namespace is there


def test_a_namespace_still_missing_is_the_known_issue(harness) -> None:
    h = harness(Faults(cert_manager_namespace=True))
    result = h.engine().run(RunRequest(plan=make_plan(from_stage=StageName.ARGOCD_SYNC)))
    assert result.exit_code == ExitCode.DONE, result.message
    assert [d.issue_id for d in h.of(IssueDetected)] == ["cert-manager-namespace-missing"]


# -- the Cilium release's failed Delete names no address --------------------------------------


def _cilium_failure(**data: str) -> StageError:
    return StageError(
        "terraform destroy failed (rc=1)", diagnostics=(CILIUM_DIAGNOSTIC,), data=data
    )


def _detect(failure: StageError, *allow: str) -> Detection | None:
    profile = load_profile("dev")
    if allow:
        issues = profile.known_issues.model_copy(update={"state_rm_allowed": allow})
        profile = profile.model_copy(update={"known_issues": issues})
    ctx = SimpleNamespace(profile=profile)
    return CiliumDestroyTimeout().detect(failure, ctx)  # type: ignore[arg-type]


def test_the_failed_release_is_the_one_whose_destroy_errored() -> None:
    assert CILIUM_DIAGNOSTIC.address == ""  # as real Terraform gives it
    other = "module.environment.module.argocd.helm_release.argocd"
    # Two destroys errored, one of them the Cilium release: the allow-list picks it.
    found = _detect(_cilium_failure(errored=f"{other}\n{CILIUM}"))
    assert found is not None and found.params["address"] == CILIUM
    assert any(CILIUM in line for line in found.evidence)
    # The destroy stage's choice (the one errored resource) is taken as it is.
    found = _detect(_cilium_failure(address=CILIUM, errored=CILIUM))
    assert found is not None and found.params["address"] == CILIUM


def test_no_errored_resource_or_one_outside_the_allow_list_is_not_dropped() -> None:
    assert _detect(_cilium_failure()) is None
    assert _detect(_cilium_failure(errored="module.environment.local_file.kubeconfig")) is None
    # Two allowed resources errored: which one the message is about is not known; nothing is
    # dropped from the state.
    second = "module.environment.module.cilium.helm_release.cilium_lb"
    pattern = "module.environment.module.cilium.*"
    assert _detect(_cilium_failure(errored=f"{CILIUM}\n{second}"), pattern) is None
    assert _detect(_cilium_failure(errored=f"{CILIUM}\n{second}")) is not None  # exact list


def test_a_node_reset_swallowed_by_the_talos_module_is_found_and_fixed(harness) -> None:
    """The Talos module's destroy-time provisioner runs `talosctl reset ... || echo "Warning:
    Node reset failed, continuing destroy"`: Terraform succeeds with the node not reset. The
    node's own API says it is still installed; the known issue resets it through the API
    (with the certificate kept before the destroy removed the talosconfig), and the destroy
    is done only once every node answers in maintenance mode."""
    h = harness(Faults(reset_unreachable=("onyx",)))
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE, result
    (failed,) = [e for e in h.of(StageFailed) if e.stage is StageName.DESTROY]
    assert "1/3 nodes are not in maintenance mode: onyx installed" in failed.error
    (detected,) = [e for e in h.of(IssueDetected) if e.issue_id == "node-reset-failed"]
    # The evidence: the provisioner's swallowed warning, and what the node's API said.
    assert any('node_reset_on_destroy["onyx"]' in line for line in detected.evidence)
    assert any("onyx (192.168.0.164): installed" in line for line in detected.evidence)
    assert "obsy" not in " ".join(detected.evidence)
    (fixed,) = [e for e in h.of(FixApplied) if e.issue_id == "node-reset-failed"]
    assert fixed.ok and fixed.detail.startswith("reset onyx through the Talos API; 3/3 nodes")
    calls = h.world.talos_calls
    # The snapshot first, then the certificate kept, before terraform destroy removed the file.
    # Preflight asks each node on its VLAN address; then the destroy takes the snapshot and
    # keeps the certificate, before terraform destroy removed the talosconfig.
    assert calls[:3] == [f"probe {n.ip}" for n in h.profile.nodes]
    assert calls[3:5] == ["etcd snapshot 192.168.111.162", "keep credentials"]
    assert calls.count("reset 192.168.0.164") == 1 and not [
        c for c in calls if "reset 192.168.0.16" in c and "164" not in c
    ]
    # The apply ran only after the node was proven reset.
    assert h.world.calls.index("terraform apply") > h.world.calls.index("terraform destroy")
    cp = h.state.load()
    assert cp is not None and cp.outcome is Outcome.DONE
    assert "3/3 nodes in maintenance mode" in cp.stage(StageName.DESTROY).summary


def test_a_clean_destroy_proves_every_node_in_maintenance_mode(harness) -> None:
    h = harness()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    cp = h.state.load()
    assert cp is not None
    summary = cp.stage(StageName.DESTROY).summary
    assert summary.endswith(
        "3/3 nodes in maintenance mode (obsy 192.168.0.162, onyx 192.168.0.164, "
        "opale 192.168.0.163)"
    ), summary
    assert [c for c in h.world.talos_calls if c.startswith("reset")] == []
    assert not h.of(IssueDetected)


def test_a_node_rebooting_after_its_reset_is_waited_for(harness, monkeypatch) -> None:
    """`talosctl reset --wait=false` returns before the node reboots: for a while it still
    answers as installed, then not at all, then in maintenance mode. The destroy waits for it
    and says what it waits for; no known issue."""
    monkeypatch.setattr(waits, "TALOS_POLL_S", 0.01)
    h = harness()
    h.profile = h.profile.model_copy(update={"wait_progress_s": 0.01})
    h.world.talos_script["opale"] = [
        "installed",
        "installed",
        "unreachable",
        "unreachable",
        "maintenance",
    ]
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE, result
    assert not h.of(IssueDetected)
    said = [e.message for e in h.of(Info) if e.message.startswith("waiting for 1/3 nodes")]
    assert said and "opale" in said[0], said
    cp = h.state.load()
    assert cp is not None and "3/3 nodes in maintenance mode" in cp.stage(StageName.DESTROY).summary


def test_a_node_not_reset_without_a_certificate_kept_stops_the_run(harness) -> None:
    """No talosconfig could be read before the destroy: the node cannot be reset through its
    API (it accepts only the old cluster's certificate). The fix fails, saying why; the run
    stops (exit 1: a known issue whose fix failed), nothing is built on the installed node."""
    h = harness(Faults(reset_unreachable=("opale",)))
    h.world.talos_credentials = False  # the file could not be read before the destroy
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.STAGE_FAILED
    fixes = [e for e in h.of(FixApplied) if e.issue_id == "node-reset-failed"]
    assert fixes and not any(f.ok for f in fixes)
    assert "no client certificate for the old cluster" in fixes[0].detail
    assert "terraform apply" not in h.world.calls


def test_an_emptied_state_with_a_node_still_installed_is_not_a_finished_destroy(harness) -> None:
    """A later run after a destroy whose reset failed: the state is empty and the files are
    gone, but the destroy asks the nodes and finds the one still installed. Its fix needs the
    old cluster's certificate, which went with the talosconfig: it says so, and nothing is
    built on that node."""
    h = harness()
    h.world.state.clear()
    for path in (h.profile.kubeconfig, h.profile.talosconfig):
        path.unlink(missing_ok=True)
    h.world.talos_modes = {"obsy": "installed", "onyx": "maintenance", "opale": "maintenance"}
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.STAGE_FAILED, result
    (failed,) = [e for e in h.of(StageFailed) if e.stage is StageName.DESTROY]
    assert "1/3 nodes are not in maintenance mode: obsy installed" in failed.error
    (fix,) = [e for e in h.of(FixApplied) if e.issue_id == "node-reset-failed"]
    assert not fix.ok and "no client certificate for the old cluster" in fix.detail
    assert "terraform apply" not in h.world.calls


def test_the_runbooks_20_destroyed_is_21_minus_the_release_the_fix_removed(harness) -> None:
    """The first destroy deletes what depends on Cilium, fails on its release; the fix drops
    the release from the state; the second destroy deletes the rest. The summary adds it up."""
    h = harness(Faults(cilium_destroy=1))
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    cp = h.state.load()
    assert cp is not None and cp.destroy_resources == 21 and cp.destroyed == 20
    summary = cp.stage(StageName.DESTROY).summary or ""
    assert summary.startswith("15 resources destroyed (20 in all over 2 attempts: 21 in the")
    assert f"- 1 left it without being destroyed (removed by a fix: {CILIUM}) = 20)" in summary


def test_a_destroy_without_a_fix_says_no_arithmetic(harness) -> None:
    h = harness()
    assert h.engine().run(RunRequest()).exit_code == ExitCode.DONE
    cp = h.state.load()
    assert cp is not None and cp.destroy_resources == 21 and cp.destroyed == 21
    assert cp.stage(StageName.DESTROY).summary == (
        "21 resources destroyed; kubeconfig and talosconfig removed; 3/3 nodes in "
        "maintenance mode (obsy 192.168.0.162, onyx 192.168.0.164, opale 192.168.0.163)"
    )
