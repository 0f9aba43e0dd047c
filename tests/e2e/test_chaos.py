"""Chaos (issue 6): demo runs killed with SIGKILL at random moments, each followed by `--resume`
until done.

    VIXENS_CHAOS_RUNS=50 .venv/bin/pytest -s tests/e2e/test_chaos.py    # a 50-run pass
    VIXENS_CHAOS_SEED=7 VIXENS_CHAOS_RUNS=50 .venv/bin/pytest -s ...     # other kill moments

CI runs VIXENS_CHAOS_RUNS runs (default 1: test_demo_kill kills a demo in each stage already, and a
run costs some 16 s of CPU). Run N draws its kills from the seed
VIXENS_CHAOS_SEED + N (default seed 2025), so a failing run is replayed by its number; `-s`
prints one line per run (kills, where each landed) and a total at the end.

A run is a new demo (`--demo --auto --yes --json`) killed 1 to 3 times with SIGKILL, each
kill followed by `--resume` (itself maybe killed), then a last `--resume` left to finish.
Kill moments spread over the whole run, by kind, in turn: in the middle of `terraform destroy`
(the n-th resource event), during a wait on the cluster, in the middle of `terraform apply`,
at a random time, at a stage's start, right at a checkpoint write (a state transition).

Every run must:
- end validated: the last process exits 0, the checkpoint says done, all seven stages done,
  the 10 checklist items proved by a probe;
- never leave a checkpoint that fails to load (loaded after every kill, never set aside),
  nor a torn journal line;
- never run again a stage before the interrupted one (from the journal: in a resumed
  segment, no stage_started for a stage that succeeded earlier in the run unless a
  stage_checked with satisfied=false for it came first in that segment);
- keep one run id across its segments, and leave no process in the Terraform directory.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import Harness
from tests.e2e.conftest import Demo, EventStream, processes_in
from vixens_tui.backends.terraform.strays import find_strays
from vixens_tui.core.checkpoint.model import ChecklistState, Checkpoint, Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState, StateError
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import STAGE_ORDER, StageName

RUNS = int(os.environ.get("VIXENS_CHAOS_RUNS", "1"))
SEED = int(os.environ.get("VIXENS_CHAOS_SEED", "2025"))
KINDS = ("destroy-terraform", "wait", "apply-terraform", "time", "stage-start", "checkpoint-write")
SEGMENT_TIMEOUT_S = 150.0

Event = dict[str, Any]


@dataclass(frozen=True)
class Kill:
    """When to kill a segment: at the `nth` event matching `kind` (+ `delay`), or `delay`
    seconds into the run for kind "time"."""

    kind: str
    nth: int = 1
    delay: float = 0.0
    stage: str = ""

    def matches(self, event: Event) -> bool:
        kind, stage = event.get("type"), event.get("stage")
        if self.kind == "destroy-terraform":
            return kind == "resource" and stage == "destroy"
        if self.kind == "apply-terraform":
            return kind == "resource" and stage == "apply"
        if self.kind == "wait":
            return kind == "waiting"
        if self.kind == "stage-start":
            return kind == "stage_started" and stage == self.stage
        if self.kind == "checkpoint-write":
            return kind == "transitioned"
        return False

    def describe(self) -> str:
        what = f"{self.kind}#{self.nth}" if self.kind != "time" else "time"
        return f"{what}{'(' + self.stage + ')' if self.stage else ''}+{self.delay:.2f}s"


def plan_kill(rng: random.Random, kind: str, remaining: list[str]) -> Kill:
    """A kill of `kind`, its moment drawn at random; "time" when the kind is behind us."""
    if kind == "destroy-terraform" and "destroy" in remaining:
        return Kill(kind, nth=rng.randint(1, 40), delay=rng.uniform(0, 0.2))
    if kind == "apply-terraform" and "apply" in remaining:
        return Kill(kind, nth=rng.randint(1, 40), delay=rng.uniform(0, 0.2))
    if kind == "wait" and set(remaining) & {"apply", "namespaces", "argocd-sync", "validate"}:
        return Kill(kind, nth=rng.randint(1, 2), delay=rng.uniform(0, 0.05))
    if kind == "stage-start" and remaining:
        return Kill(kind, delay=rng.uniform(0, 0.1), stage=rng.choice(remaining))
    if kind == "checkpoint-write" and remaining:
        return Kill(kind, nth=rng.randint(1, 2 * len(remaining)), delay=rng.uniform(0, 0.005))
    return Kill("time", delay=rng.uniform(0, 9.0))


@dataclass
class Tally:
    runs: int = 0
    passed: int = 0
    kills: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def chaos_summary() -> Iterator[None]:
    began = time.monotonic()
    yield
    TALLY.seconds = time.monotonic() - began
    if TALLY.runs:
        hits = ", ".join(f"{k} {n}" for k, n in sorted(TALLY.hits.items()))
        failed = TALLY.runs - TALLY.passed
        print(
            f"\nchaos pass (seed {SEED}): {TALLY.runs} runs, {TALLY.kills} kills, "
            f"{failed} failed, {TALLY.seconds:.0f}s; "
            f"kills landed in: {hits}"
        )


def load_after_kill(demo: Demo) -> Checkpoint | None:
    """The checkpoint must load as it is after any kill (never moved aside)."""
    try:
        cp = demo.state.load(set_aside=False)
    except StateError as exc:  # the failure this test exists for
        raise AssertionError(f"checkpoint unreadable after a kill: {exc}") from exc
    assert not list(demo.state.dir.glob("checkpoint.json.corrupt-*"))
    return cp


def journal_lines_whole(demo: Demo) -> None:
    path = demo.state.journal_path
    if not path.exists():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            json.loads(line)
        except ValueError:
            raise AssertionError(f"journal line {number} is torn: {line[:200]!r}") from None


def rerun_violations(records: list[Event]) -> tuple[list[str], list[str]]:
    """Stages run again in a resumed segment without a failed re-check first.

    Two lists: the re-runs nothing explains, and those of a stage whose stage_succeeded was
    the last journal record before the resume: the kill fell between the journal line and the
    checkpoint write (the recorder saves the checkpoint first so that this cannot happen).
    """
    succeeded: set[str] = set()
    rechecked_false: set[str] = set()
    resumed = False
    segment = 0
    before_resume: Event | None = None
    unexplained, torn = [], []
    for previous, record in zip([None, *records], records, strict=False):
        kind, stage = record["type"], record.get("stage")
        if kind == "run_started":
            segment += 1
            resumed = bool(record.get("resumed"))
            rechecked_false = set()
            before_resume = previous
        elif kind == "stage_checked" and not record.get("satisfied"):
            rechecked_false.add(stage)
        elif kind == "stage_started" and resumed:
            if stage in succeeded and stage not in rechecked_false:
                problem = f"segment {segment}: {stage} ran again after it had succeeded"
                last = before_resume or {}
                if last.get("type") == "stage_succeeded" and last.get("stage") == stage:
                    torn.append(problem)
                else:
                    unexplained.append(problem)
        elif kind == "stage_succeeded":
            succeeded.add(stage)
    return unexplained, torn


def where(stream: EventStream, tf_strays: list[int]) -> str:
    """Where a kill landed: the stage, and terraform / a wait / a plain step / start-up."""
    stage, waiting = "", False
    for event in list(stream.events):
        kind = event.get("type")
        if kind == "stage_started":
            stage, waiting = event["stage"], False
        elif kind == "waiting":
            waiting = True
        elif kind in ("wait_ended", "stage_succeeded", "stage_failed"):
            waiting = False
        elif kind == "run_finished":
            return "after the run"
    if not stage:
        return "start-up"
    if tf_strays:
        return f"{stage}/terraform"
    return f"{stage}/{'wait' if waiting else 'step'}"


def run_segment(demo: Demo, kill: Kill | None, *, resume: bool) -> tuple[int, str | None, str]:
    """One process; killed as `kill` says. (exit code, where the kill landed or None, output)."""
    stream = EventStream(demo.start("--json", *(["--resume"] if resume else [])))
    strays: list[int] | None = None
    try:
        if kill is not None:
            trigger: Callable[[Event], bool]
            if kill.kind == "time":
                # A new run is killed once its checkpoint exists; a resume from its start.
                if not resume:
                    stream.wait_for(lambda e: e.get("type") == "run_started", SEGMENT_TIMEOUT_S)
                time.sleep(kill.delay)
            else:
                count = 0

                def trigger(event: Event) -> bool:
                    nonlocal count
                    if kill.matches(event):
                        count += 1
                    return count >= kill.nth

                if stream.wait_for(trigger, SEGMENT_TIMEOUT_S) is not None:
                    time.sleep(kill.delay)
            if stream.proc.poll() is None:
                stream.proc.send_signal(signal.SIGKILL)
                stream.proc.wait()
                # Terraform (its own session) outlives a killed vixens-tui: look at once.
                strays = find_strays(demo.tf_dir)
    finally:
        code = stream.finish(SEGMENT_TIMEOUT_S)
    landed = None if strays is None else where(stream, strays)
    return code, landed, stream.stdout[-2000:] + stream.stderr


@pytest.mark.long
@pytest.mark.parametrize("index", range(RUNS))
def test_killed_demo_runs_resume_to_validated(demo: Demo, index: int) -> None:
    seed = SEED + index
    rng = random.Random(seed)
    began = time.monotonic()
    TALLY.runs += 1
    planned = rng.randint(1, 3)
    hits: list[str] = []
    resume = False
    for number in range(planned):
        cp = load_after_kill(demo) if resume else None
        if cp is not None and cp.outcome is Outcome.DONE:
            break  # the last kill came after the run had finished
        remaining = [
            s.value for s in STAGE_ORDER if cp is None or cp.stage(s).status is not StageStatus.DONE
        ]
        kill = plan_kill(rng, KINDS[(2 * index + number) % len(KINDS)], remaining)
        code, landed, output = run_segment(demo, kill, resume=resume)
        if landed is None:  # the process ended before the kill: it must have finished well
            assert code == 0, f"segment {number} ({kill.describe()}) exited {code}:\n{output}"
            hits.append(f"{kill.describe()} -> finished first")
        else:
            hits.append(f"{kill.describe()} -> {landed}")
            TALLY.kills += 1
            TALLY.hits[landed.split("/")[-1] if "/" in landed else landed] += 1
        cp = load_after_kill(demo)
        journal_lines_whole(demo)
        resume = cp is not None
        assert resume, f"no checkpoint after segment {number} ({kill.describe()})"

    cp = load_after_kill(demo)
    assert cp is not None
    if cp.outcome is Outcome.DONE:
        # The last kill came after the run had finished (and recorded exit 0).
        assert cp.exit_code == 0
    else:
        result = demo.run("--resume", "--json", timeout=SEGMENT_TIMEOUT_S)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr

    # Validated.
    cp = demo.checkpoint()
    assert cp.outcome is Outcome.DONE, cp.message
    assert [r.status for r in cp.stages] == [StageStatus.DONE] * len(STAGE_ORDER)
    assert len(cp.checklist) == 13
    for item in cp.checklist:
        assert item.state is ChecklistState.PROVED and item.by == "probe" and item.evidence, item
    # One run, resumed; no stage before the interrupted one re-run.
    journal_lines_whole(demo)
    records = demo.journal()
    assert {r["run_id"] for r in records} == {cp.run_id}
    starts = [r for r in records if r["type"] == "run_started"]
    assert not starts[0]["resumed"] and all(r["resumed"] for r in starts[1:])
    assert cp.resumes >= len(starts) - 1 >= 0
    unexplained, torn = rerun_violations(records)
    assert unexplained == []
    assert torn == [], "a stage re-run after a kill between its journal line and the checkpoint"
    # No terraform (nor a provisioner's child) left in the Terraform directory.
    assert processes_in(demo.tf_dir) == []

    took = time.monotonic() - began
    print(
        f"\nchaos run {index} (seed {seed}): {sum('finished first' not in h for h in hits)} kills: "
        f"{'; '.join(hits)}; resumes {cp.resumes}; {took:.0f}s"
    )
    TALLY.passed += 1


# -- the race the chaos runs found, made deterministic -----------------------------------------


class Killed(BaseException):
    """Stands for the SIGKILL: nothing after it runs."""


def test_kill_between_journal_and_checkpoint_does_not_rerun_the_stage(
    harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness()
    real_save = EnvState.save
    armed = True

    def save(self: EnvState, checkpoint: Checkpoint) -> None:
        # The process dies as namespaces' success is being written to the checkpoint.
        if armed and checkpoint.stage(StageName.NAMESPACES).status is StageStatus.DONE:
            raise Killed
        real_save(self, checkpoint)

    monkeypatch.setattr(EnvState, "save", save)
    with pytest.raises(Killed):
        h.engine().run(RunRequest())
    armed = False
    cp = h.state.load()
    assert cp is not None and cp.stage(StageName.NAMESPACES).status is StageStatus.RUNNING

    result = h.engine().run(RunRequest(resume=True))
    assert result.exit_code == ExitCode.DONE
    unexplained, torn = rerun_violations(list(h.state.read_journal()))
    assert unexplained + torn == []


def test_resume_of_a_finished_demo_says_nothing_to_resume(demo: Demo) -> None:
    # A kill that lands after the run finished (the simulator already stopped) leaves this.
    done = Checkpoint(
        run_id="20251115T090000-d0d0d0",
        env=demo.key,
        profile_digest="0",
        outcome=Outcome.DONE,
        exit_code=0,
        demo=True,
    )
    demo.state.ensure().save(done)
    result = demo.run("--resume")
    assert "nothing to resume" in result.stderr, result.stderr
    assert result.returncode == 0
