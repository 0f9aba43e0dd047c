"""The redactor scrubs cluster snapshots (issue 10, point 6): every text field of every object,
at no cost when it has nothing to mask, copying only what it changes."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

from tests.conftest import GANDI_TOKEN, Harness
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.cluster import (
    AppInfo,
    CertificateInfo,
    ClusterSnapshot,
    IssuerInfo,
    NodeInfo,
    PodInfo,
    VolumeClaimInfo,
)
from vixens_tui.core.context import StageContext
from vixens_tui.core.decider import AutoDecider, Decision, FailureReport
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import ClusterChanged
from vixens_tui.core.failures import StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.redact import MASK, Redactor
from vixens_tui.core.stages import default_stages
from vixens_tui.core.stages.base import CheckResult, Stage

TOKEN = GANDI_TOKEN
B64 = base64.b64encode(TOKEN.encode()).decode()


def clean_snapshot(pods: int = 3) -> ClusterSnapshot:
    return ClusterSnapshot(
        version=7,
        reachable=True,
        server="https://192.168.111.160:6443",
        nodes=(NodeInfo("obsy", True, ("control-plane",), "v1.34.0"),),
        pods=tuple(
            PodInfo("whoami", f"whoami-{i}", "Running", 1, 1, labels={"app": "whoami"})
            for i in range(pods)
        ),
        apps=(AppInfo("whoami", "argocd", "Synced", "Healthy"),),
        certificates=(CertificateInfo("whoami", "whoami-tls", True, "Ready"),),
        issuers=(IssuerInfo("letsencrypt-staging", True),),
        namespaces=("argocd", "whoami"),
        volume_claims=(VolumeClaimInfo("whoami", "data", "Bound"),),
        synced_kinds=frozenset({"pods"}),
    )


def leaky_snapshot() -> ClusterSnapshot:
    snap = clean_snapshot()
    return replace(
        snap,
        error=f"Unauthorized: {TOKEN}",
        pods=(
            *snap.pods,
            PodInfo(
                "cert-manager", "webhook", "Pending", reason=f"CreateContainerConfigError {B64}"
            ),
        ),
        apps=(
            *snap.apps,
            AppInfo(
                "gandi",
                "argocd",
                "OutOfSync",
                "Degraded",
                conditions=("SyncError: fine", f"ComparisonError: key {TOKEN}"),
                operation_message=f"failed with {TOKEN}",
            ),
        ),
        certificates=(
            *snap.certificates,
            CertificateInfo("whoami", "leaky", False, f"Failed {TOKEN}", f"challenge: {B64}"),
        ),
        issuers=(IssuerInfo("gandi", False, reason=f"bad key {TOKEN}"),),
        namespaces=(*snap.namespaces, f"ns-{TOKEN.lower()}"),
    )


def redactor() -> Redactor:
    r = Redactor()
    r.add(TOKEN)
    r.add(TOKEN.lower())
    return r


def test_cluster_changed_masks_every_text_of_the_snapshot() -> None:
    snap = leaky_snapshot()
    event = redactor().scrub_event(ClusterChanged(snapshot=snap))
    clean = event.snapshot
    assert isinstance(clean, ClusterSnapshot)
    for needle in (TOKEN, B64, TOKEN.lower()):
        assert needle not in repr(clean)
        assert needle not in json.dumps(event.to_dict())
    assert clean.error == f"Unauthorized: {MASK}"
    assert clean.pods[-1].reason == f"CreateContainerConfigError {MASK}"
    gandi = clean.app("gandi")
    assert gandi is not None
    assert gandi.conditions == ("SyncError: fine", f"ComparisonError: key {MASK}")
    assert gandi.operation_message == f"failed with {MASK}"
    assert clean.certificates[-1].reason == f"Failed {MASK}"
    assert clean.certificates[-1].message == f"challenge: {MASK}"
    assert clean.issuers[0].reason == f"bad key {MASK}"
    assert clean.namespaces[-1] == f"ns-{MASK}"
    # What had nothing to mask is the very same object; the rest is kept as it was.
    assert clean.pods[:3] == snap.pods[:3]
    assert all(a is b for a, b in zip(clean.pods[:3], snap.pods[:3], strict=True))
    assert clean.nodes is snap.nodes and clean.volume_claims is snap.volume_claims
    assert clean.apps[0] is snap.apps[0] and clean.certificates[0] is snap.certificates[0]
    assert (clean.version, clean.synced_kinds) == (snap.version, snap.synced_kinds)
    assert clean.pods[-1].labels == snap.pods[-1].labels


def test_a_snapshot_without_a_secret_is_not_copied() -> None:
    snap = clean_snapshot(pods=50)
    assert redactor().scrub_snapshot(snap) is snap
    nothing = Redactor()
    leaky = leaky_snapshot()
    assert nothing.scrub_snapshot(leaky) is leaky
    event = ClusterChanged(snapshot=snap)
    assert redactor().scrub_event(event) is event


def test_labels_are_left_alone() -> None:
    """Labels are matched by selectors and never shown: masking them would break the
    selectors (repo-server pods are found by theirs)."""
    snap = replace(clean_snapshot(), pods=(PodInfo("a", "b", "Running", labels={"k": TOKEN}),))
    assert redactor().scrub_snapshot(snap) is snap


class _Leaky(Stage):
    """A stage that fails with the token in its message, evidence and data."""

    name = StageName.VALIDATE
    title = "leaky"

    def check(self, ctx: StageContext) -> CheckResult:
        return CheckResult(False, "")

    def run(self, ctx: StageContext) -> str:
        raise StageError(f"failed: {TOKEN}", evidence=(f"saw {B64}",), data={"address": "x"})


class _Recorder(AutoDecider):
    def __init__(self) -> None:
        super().__init__(yes=True)
        self.reports: list[FailureReport] = []

    def decide(self, report: FailureReport) -> Decision:
        self.reports.append(report)
        return super().decide(report)


def test_the_decider_gets_the_failure_masked(profile: Profile, state: EnvState) -> None:
    """The TUI shows the report's error (the decision bar, the skip question): masked too."""
    harness = Harness(profile, state)
    harness.world.prebuilt()
    decider = _Recorder()
    stages = {**default_stages(), StageName.VALIDATE: _Leaky()}
    engine = harness.engine(decider, stages=stages, redactor=redactor())
    engine.run(RunRequest(plan=(StageName.VALIDATE,)))
    (report,) = decider.reports
    assert report.error.message == f"failed: {MASK}"
    assert report.error.evidence == (f"saw {MASK}",)
    assert dict(report.error.data) == {"address": "x"}
    assert not [t for t in report.error.texts() if TOKEN in t or B64 in t]
