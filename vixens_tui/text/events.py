"""One human line per engine event: what the headless front end prints and the TUI's log shows."""

from __future__ import annotations

import time

from vixens_tui.core.events import (
    ChecklistChanged,
    ClusterChanged,
    DestroyLaunched,
    EtcdSnapshotSaved,
    Event,
    FixApplied,
    Info,
    IssueDetected,
    LogLine,
    NodePhaseChanged,
    PhaseChanged,
    ResourceProgress,
    RunFinished,
    RunStarted,
    StageChecked,
    StageFailed,
    StageInterrupted,
    StageSkipped,
    StageStarted,
    StageSucceeded,
    Transitioned,
    WaitEnded,
    Waiting,
)
from vixens_tui.text.durations import clock, duration


def render(event: Event) -> str | None:
    """One human line for an event (None: nothing worth a line)."""
    if isinstance(event, RunStarted):
        plan = " > ".join(s.value for s in event.plan)
        how = "resuming" if event.resumed else "starting"
        demo = " (demo: simulated cluster)" if event.demo else ""
        return f"{how} run {event.run_id} of {event.env}{demo}: {plan}"
    if isinstance(event, StageStarted):
        low, high = event.expected_s
        expected = f", usually {duration(low)}-{duration(high)}" if high else ""
        return f"== {event.title} (attempt {event.attempt}{expected}, timeout {duration(event.timeout_s)})"
    if isinstance(event, StageSucceeded):
        return f"done in {duration(event.duration_s)}: {event.summary}"
    if isinstance(event, StageFailed):
        return f"FAILED after {duration(event.duration_s)} ({event.failure}): {event.error}"
    if isinstance(event, StageSkipped):
        return f"skipped: {event.reason}"
    if isinstance(event, StageInterrupted):
        return f"interrupted after {duration(event.duration_s)}: {event.reason}"
    if isinstance(event, StageChecked):
        verdict = "still done" if event.satisfied else "NOT done any more"
        return f"re-check: {verdict}: {event.detail}"
    if isinstance(event, Info):
        prefix = {"warning": "warning: ", "error": "error: "}.get(event.level, "")
        return prefix + event.message
    if isinstance(event, LogLine):
        return f"  | {event.text}"
    if isinstance(event, ResourceProgress):
        if event.status in ("complete", "errored"):
            took = f" after {duration(event.elapsed_s)}" if event.elapsed_s else ""
            return f"  {event.address}: {event.action} {event.status}{took}"
        return None
    if isinstance(event, PhaseChanged):
        return f"-- phase {event.index + 1}/{event.total}: {event.phase}"
    if isinstance(event, NodePhaseChanged):
        return f"  node {event.node} ({event.address}): {event.phase}: {event.evidence}"
    if isinstance(event, Waiting):
        waited = time.time() - event.since
        return (
            f"waiting for {event.what} since {clock(event.since)} ({duration(waited)} of "
            f"{duration(event.timeout_s)} timeout): {event.detail}"
        )
    if isinstance(event, WaitEnded):
        if event.elapsed_s < 0.05 and event.satisfied:
            return None
        verdict = "ok" if event.satisfied else "gave up"
        return f"{verdict} after {duration(event.elapsed_s)}: {event.what}: {event.detail}"
    if isinstance(event, IssueDetected):
        lines = [f"KNOWN ISSUE {event.issue_id}: {event.title}"]
        lines += [f"    evidence: {e}" for e in event.evidence]
        auto = (
            f"applied automatically ({event.applied_so_far}/{event.limit} used)"
            if event.automatic
            else "never automatic: a person must decide"
        )
        lines.append(f"    fix: {event.fix} [{auto}]")
        return "\n".join(lines)
    if isinstance(event, FixApplied):
        verdict = "fix applied" if event.ok else "FIX FAILED"
        return f"{verdict} ({event.issue_id}, by {event.by}): {event.detail}"
    if isinstance(event, ChecklistChanged):
        mark = {"proved": "[x]", "failed": "[!]", "manual": "[m]"}.get(event.state, "[ ]")
        return f"checklist {mark} {event.title}: {event.evidence}"
    if isinstance(event, RunFinished):
        return f"run {event.outcome} (exit {event.exit_code}): {event.message}"
    if isinstance(event, DestroyLaunched):
        return f"terraform destroy of {event.resources} resources at {event.endpoint}"
    if isinstance(event, EtcdSnapshotSaved):
        return (
            f"etcd snapshot saved: {event.path} ({event.size:,} bytes, sha256 "
            f"{event.sha256[:16]}…, from {event.node})"
        )
    if isinstance(event, Transitioned | ClusterChanged):
        return None
    return f"{event.kind}"
