"""A real checkpoint, mutated every way a disk, an editor or a hostile user can: each mutant
through the real CLI (`status`, `status --json`, `--auto --resume` on the in-memory backends).

Each either loads and is valid (status shows it, the run resumes), or is refused: exit 2, one
line on stderr, no traceback, within the deadline (a hang fails), and the file is still there:
moved aside by a run when it is a corrupt checkpoint, left exactly as it was otherwise, and
never moved by `status`, which is read-only.
"""

from __future__ import annotations

import copy
import json
import os
import random
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.cliutil import env_for, profile_file
from tests.hostile import (
    Outcome,
    assert_no_traceback,
    assert_refused,
    calls_of,
    environ_for_recording,
    fifo,
    run,
    symlink,
)

Data = dict[str, Any]
Mutate = Callable[[Path, Data], None]
"""(the environment's state directory, the base checkpoint as JSON data) -> writes files."""

CHECKPOINT = "checkpoint.json"
LOG = "logs/{run_id}/destroy-2.log"
"""The log of destroy's next attempt, in the base run's log directory."""
DEEP = 100_000
HUGE = 8 << 30  # a sparse file: no disk used, but far more than any memory limit


@dataclass(frozen=True)
class Base:
    root: Path
    profile: Path
    state: Path
    data: Data


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """A checkpoint written by a real run: preflight done, destroy failed (exit 3)."""
    root = tmp_path_factory.mktemp("base")
    profile = profile_file(root)
    state = root / "state"
    failing = {"faults": {"fail_stage": {"destroy": 1}}}
    first = run(["--auto", "--yes", "--config", str(profile)], env_for(state, failing))
    assert first.code == 3, first.describe()
    data = json.loads((state / "dev" / CHECKPOINT).read_text())
    assert [s["status"] for s in data["stages"]][:2] == ["done", "failed"]
    return Base(root, profile, state, data)


# -- mutations --------------------------------------------------------------------------------


def edit(change: Callable[[Data], None], *, replace: tuple[str, str] | None = None) -> Mutate:
    """The checkpoint, its JSON data changed (NaN and Infinity written as Python writes them)."""

    def mutate(env: Path, data: Data) -> None:
        change(data)
        text = json.dumps(data, indent=2)
        if replace is not None:
            text = text.replace(*replace)
        (env / CHECKPOINT).write_text(text)

    return mutate


def raw(content: bytes | Callable[[Data], bytes]) -> Mutate:
    def mutate(env: Path, data: Data) -> None:
        (env / CHECKPOINT).write_bytes(content(data) if callable(content) else content)

    return mutate


def on_file(name: str, action: Callable[[Path], None]) -> Mutate:
    return lambda env, _data: action(env / name)


def setter(*path: str | int, value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def plan_only(*names: str, current: str | None = None, fill: str = "not-planned") -> Any:
    """A plan of `names`: the other stages get `fill` (consistent when it is not-planned)."""

    def change(data: Data) -> None:
        data["plan"] = list(names)
        for rec in data["stages"]:
            if rec["name"] not in names:
                rec.update(status=fill, attempts=0, started_at=None, finished_at=None)
                rec.update(duration_s=None, total_s=0.0, error=None, failure=None)
        data["current_stage"] = current if current is not None else names[0]

    return change


def append_copy(key: str, index: int) -> Callable[[Data], None]:
    return lambda data: data[key].append(copy.deepcopy(data[key][index]))


def swap_stages(data: Data) -> None:
    stages = data["stages"]
    stages[1], stages[2] = stages[2], stages[1]


def with_fix(**fields: Any) -> Callable[[Data], None]:
    fix = {
        "issue_id": "cilium-destroy-timeout",
        "stage": "destroy",
        "attempt": 1,
        "at": "2025-11-15T09:04:00Z",
        "ok": True,
        "by": "auto",
        "evidence": ["terraform destroy failed"],
        "detail": "removed the release from the state",
    }
    return lambda data: data["fixes"].append({**fix, **fields})


def deep_value(data: Data) -> bytes:
    data["message"] = "__DEEP__"
    return json.dumps(data).replace('"__DEEP__"', "[" * DEEP + "]" * DEEP).encode()


def huge_sparse(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(HUGE)


def directory(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()


def socket_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mknod(path, stat.S_IFSOCK | 0o600)


def symlinked_copy(path: Path) -> None:
    elsewhere = path.parent.parent / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    symlink(path, elsewhere)


def padded_compact(env: Path, data: Data) -> None:
    (env / CHECKPOINT).write_text(json.dumps(data) + "\n" * 1000)


def append_line(line: bytes) -> Callable[[Path], None]:
    def action(path: Path) -> None:
        with path.open("ab") as handle:
            handle.write(line)

    return action


def locked_by_nobody(path: Path) -> None:
    path.write_bytes(random.Random(3).randbytes(300))


def log_fifo(env: Path, data: Data) -> None:
    path = env / LOG.format(run_id=data["run_id"])
    path.parent.mkdir(parents=True)
    os.mkfifo(path)


def unreadable(path: Path) -> None:
    path.chmod(0)


# -- the table ---------------------------------------------------------------------------------

StatusVerdict = Literal["ok", "refused"]
RunVerdict = Literal["ok", "refused", "moved"]


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Mutate
    status: StatusVerdict
    """ok: `status` shows the run; refused: exit 2, one line."""
    resume: RunVerdict
    """ok: the run resumes and finishes; refused: exit 2, the file untouched; moved: exit 2,
    the corrupt checkpoint moved aside and kept."""
    says: tuple[str, ...] = ()
    """What the one line on stderr must say (every command that refuses)."""
    target: str = CHECKPOINT
    """The file the mutation concerns: it must still be there afterwards ({run_id}: the
    base run's id)."""


def corrupt(id: str, mutate: Mutate, *says: str) -> Case:
    return Case(id, mutate, "refused", "moved", says)


def special(id: str, mutate: Mutate, *says: str, target: str = CHECKPOINT) -> Case:
    return Case(id, mutate, "refused", "refused", says, target)


def valid(id: str, mutate: Mutate, target: str = CHECKPOINT) -> Case:
    return Case(id, mutate, "ok", "ok", (), target)


def run_only(id: str, mutate: Mutate, resume: RunVerdict, *says: str, target: str) -> Case:
    """A file `status` never reads (the journal): only a run is concerned."""
    return Case(id, mutate, "ok", resume, says, target)


ZONE = "JST-9"  # a local time ahead of UTC: year 9999 at 23:00 UTC is out of range there

CASES = [
    # numbers that are not durations or counts
    corrupt("nan-duration", edit(setter("stages", 0, "duration_s", value=float("nan")))),
    corrupt("infinite-total", edit(setter("stages", 0, "total_s", value=float("inf")))),
    corrupt(
        "overflowing-duration-1e999",
        edit(setter("stages", 0, "duration_s", value="__N__"), replace=('"__N__"', "1e999")),
    ),
    corrupt("negative-duration", edit(setter("stages", 0, "duration_s", value=-5.0)), "duration"),
    corrupt("negative-total", edit(setter("stages", 0, "total_s", value=-1.0)), "total_s"),
    corrupt("negative-attempts", edit(setter("stages", 1, "attempts", value=-1)), "attempts"),
    corrupt("negative-resumes", edit(setter("resumes", value=-3)), "resumes"),
    corrupt("negative-fix-attempt", edit(with_fix(attempt=-1)), "attempt"),
    corrupt(
        "huge-int-5000-digits",
        edit(setter("resumes", value="__N__"), replace=('"__N__"', "9" * 5000)),
    ),
    # stage records and the plan
    corrupt("duplicated-stage-record", edit(append_copy("stages", 1)), "destroy"),
    corrupt("missing-stage-record", edit(lambda d: d["stages"].pop()), "validate"),
    corrupt("unknown-stage-record", edit(setter("stages", 2, "name", value="teardown"))),
    corrupt("stage-records-out-of-order", edit(swap_stages), "stages"),
    corrupt("unknown-stage-status", edit(setter("stages", 0, "status", value="exploded"))),
    corrupt("plan-out-of-order", edit(lambda d: d["plan"].reverse()), "plan"),
    corrupt("plan-empty", edit(setter("plan", value=[])), "plan"),
    corrupt("plan-duplicate-stage", edit(lambda d: d["plan"].append("validate")), "plan"),
    corrupt("plan-unknown-stage", edit(setter("plan", 1, value="cilium"))),
    corrupt(
        "current-stage-not-in-plan",
        edit(plan_only("preflight", "destroy", current="validate")),
        "current_stage",
    ),
    corrupt(
        "planned-stage-marked-not-planned",
        edit(setter("stages", 3, "status", value="not-planned")),
        "namespaces",
    ),
    corrupt(
        "unplanned-stage-left-pending",
        edit(plan_only("preflight", "destroy", fill="pending")),
        "apply",
    ),
    corrupt("fix-in-unknown-stage", edit(with_fix(stage="nowhere"))),
    corrupt("checklist-duplicate-id", edit(append_copy("checklist", 0)), "checklist"),
    corrupt(
        "checklist-unknown-id",
        edit(setter("checklist", 0, "id", value="coffee-made")),
        "coffee-made",
    ),
    # identity and time
    corrupt("unknown-exit-code", edit(setter("exit_code", value=42)), "exit_code"),
    corrupt("run-id-path-traversal", edit(setter("run_id", value="../../../tmp/x")), "run_id"),
    corrupt("run-id-with-slash", edit(setter("run_id", value="runs/x")), "run_id"),
    corrupt("env-path-traversal", edit(setter("env", value="../dev")), "env"),
    corrupt(
        "naive-datetime", edit(setter("created_at", value="2025-11-15T09:00:00")), "created_at"
    ),
    corrupt(
        "datetime-at-the-end-of-time",
        edit(setter("updated_at", value="9999-12-31T23:00:00Z")),
        "updated_at",
    ),
    corrupt("schema-version-zero", edit(setter("schema_version", value=0))),
    # wrong shapes and types
    corrupt("attempts-not-a-number", edit(setter("stages", 1, "attempts", value="three"))),
    corrupt("stages-an-object", edit(setter("stages", value={}))),
    corrupt("plan-a-string", edit(setter("plan", value="all"))),
    corrupt("unknown-field", edit(setter("colour", value="red"))),
    corrupt("top-level-array", raw(b"[]")),
    corrupt("json-null", raw(b"null")),
    # hostile syntax and size
    corrupt("deep-array-100000", raw(b"[" * DEEP + b"]" * DEEP), "nested"),
    corrupt("deep-object-100000", raw(b'{"a":' * DEEP + b"1" + b"}" * DEEP), "nested"),
    corrupt("deep-value-in-a-field", raw(deep_value), "nested"),
    corrupt("huge-sparse-file-8gib", on_file(CHECKPOINT, huge_sparse), "larger than"),
    corrupt("binary-garbage", raw(random.Random(0).randbytes(4096))),
    corrupt("truncated", raw(lambda d: json.dumps(d).encode()[:200]), "truncated"),
    corrupt("empty-file", raw(b""), "empty"),
    corrupt(
        "latin1-byte-in-a-string",
        raw(lambda d: json.dumps(d).encode().replace(b"run", b"r\xe9n", 1)),
    ),
    Case(
        "newer-schema-version",
        edit(setter("schema_version", value=99)),
        "refused",
        "refused",
        ("newer than this vixens-tui",),
    ),
    # not a regular file: refused, left exactly as it is (never read, never moved)
    special("fifo", on_file(CHECKPOINT, fifo), "FIFO"),
    special(
        "symlink-to-dev-zero", on_file(CHECKPOINT, lambda p: symlink(p, "/dev/zero")), "device"
    ),
    special(
        "symlink-to-dev-null", on_file(CHECKPOINT, lambda p: symlink(p, "/dev/null")), "device"
    ),
    special("directory", on_file(CHECKPOINT, directory), "directory"),
    special("unix-socket", on_file(CHECKPOINT, socket_file), "socket"),
    # still valid: loads, shows, resumes
    valid("unchanged", lambda env, data: None),
    valid("symlink-to-a-regular-copy", on_file(CHECKPOINT, symlinked_copy)),
    valid("compact-json-padded-with-newlines", padded_compact),
    valid("numeric-string-attempts", edit(setter("stages", 0, "attempts", value="1"))),
    valid(
        "consistent-plan-without-destroy",
        edit(plan_only("preflight", "apply", "namespaces", "argocd-sync", "secrets", "validate")),
    ),
    valid("utf8-bom", raw(lambda d: b"\xef\xbb\xbf" + json.dumps(d).encode())),
    # the journal: status never reads it; a run appends to it
    run_only(
        "journal-fifo", on_file("journal.jsonl", fifo), "refused", "FIFO", target="journal.jsonl"
    ),
    run_only(
        "journal-symlink-to-dev-zero",
        on_file("journal.jsonl", lambda p: symlink(p, "/dev/zero")),
        "refused",
        "device",
        target="journal.jsonl",
    ),
    run_only(
        "journal-directory",
        on_file("journal.jsonl", directory),
        "refused",
        "directory",
        target="journal.jsonl",
    ),
    run_only(
        "journal-deep-line",
        on_file("journal.jsonl", append_line(b"[" * DEEP + b"]" * DEEP + b"\n")),
        "ok",
        target="journal.jsonl",
    ),
    run_only(
        "journal-binary-garbage",
        on_file("journal.jsonl", append_line(random.Random(1).randbytes(2000))),
        "ok",
        target="journal.jsonl",
    ),
    # the attempt's log file: a run appends to it (destroy's second attempt here)
    run_only("log-file-fifo", log_fifo, "refused", "FIFO", target=LOG),
    run_only(
        "logs-a-regular-file",
        on_file("logs", lambda p: p.write_text("not a directory\n")),
        "refused",
        "log directory",
        target="logs",
    ),
    # the lock: a run takes it, status reads who holds it
    special("lock-fifo", on_file("lock", fifo), "lock", "FIFO", target="lock"),
    special("lock-directory", on_file("lock", directory), "lock", "directory", target="lock"),
    special(
        "lock-symlink-to-dev-zero",
        on_file("lock", lambda p: symlink(p, "/dev/zero")),
        "lock",
        "device",
        target="lock",
    ),
    valid("lock-binary-garbage", on_file("lock", locked_by_nobody), target="lock"),
]

if os.geteuid() != 0:  # root reads a mode-000 file all the same
    CASES.append(special("unreadable-mode-000", on_file(CHECKPOINT, unreadable), "denied"))


def test_the_table_has_at_least_forty_mutations() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 40


# -- the test ----------------------------------------------------------------------------------


def snapshot(path: Path) -> tuple[object, ...]:
    """What is at `path`, enough to tell it was kept as is (never reading a huge file whole)."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return ("symlink", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
        return ("file", info.st_size, head)
    return ("special", stat.S_IFMT(info.st_mode))


def corrupt_copies(env: Path) -> list[Path]:
    return sorted(env.glob(f"{CHECKPOINT}.corrupt-*"))


def check_status(outcome: Outcome, case: Case, *, as_json: bool) -> None:
    if case.status == "refused":
        assert_refused(outcome, *case.says)
        return
    assert_no_traceback(outcome)
    assert outcome.code == 0, outcome.describe()
    if as_json:
        shown = json.loads(outcome.stdout)
        assert shown["run"]["env"] == "dev", outcome.describe()
    else:
        assert "environment dev" in outcome.stdout, outcome.describe()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_mutated_state_file(base: Base, tmp_path: Path, case: Case) -> None:
    state = tmp_path / "state"
    env = state / "dev"
    env.mkdir(parents=True)
    for name in (CHECKPOINT, "journal.jsonl"):
        (env / name).write_bytes((base.state / "dev" / name).read_bytes())
    case.mutate(env, copy.deepcopy(base.data))
    target = env / case.target.format(run_id=base.data["run_id"])
    before = snapshot(target)
    environ = {**env_for(state), "TZ": ZONE}

    # status, twice: read-only, it moves nothing whatever it finds.
    for args in (["status"], ["status", "--json"]):
        outcome = run(args, environ)
        check_status(outcome, case, as_json="--json" in args)
        assert snapshot(target) == before, f"`{' '.join(args)}` changed {target}"
        assert corrupt_copies(env) == [], f"`{' '.join(args)}` moved the checkpoint"

    calls = tmp_path / "calls"
    resume = ["--auto", "--yes", "--resume", "--config", str(base.profile)]
    outcome = run(resume, environ_for_recording(env_for(state, {}), calls))
    if case.resume == "ok":
        assert_no_traceback(outcome)
        assert outcome.code == 0, outcome.describe()
        return
    line = assert_refused(outcome, *case.says)
    assert "terraform destroy" not in calls_of(calls)
    if not case.target.startswith("logs"):  # a log is opened by the stage, after preflight
        assert calls_of(calls) == [], "a refused resume must not reach any backend"
    if case.resume == "refused":
        assert snapshot(target) == before, f"{target} was changed: {line}"
        assert corrupt_copies(env) == []
    else:
        assert "moved aside" in line, line
        assert not target.exists() and not target.is_symlink()
        kept = corrupt_copies(env)
        assert [snapshot(k) for k in kept] == [before], line


def test_runs_directory_replaced_by_a_file_refuses_a_new_run(base: Base, tmp_path: Path) -> None:
    """A new run keeps the previous one under runs/ first; when it cannot, it stops there."""
    state = tmp_path / "state"
    env = state / "dev"
    env.mkdir(parents=True)
    (env / CHECKPOINT).write_bytes((base.state / "dev" / CHECKPOINT).read_bytes())
    (env / "runs").write_text("not a directory\n")
    before = snapshot(env / CHECKPOINT)
    calls = tmp_path / "calls"
    outcome = run(
        ["--auto", "--yes", "--config", str(base.profile)],
        environ_for_recording(env_for(state, {}), calls),
    )
    assert_refused(outcome, "cannot keep the previous run")
    assert "terraform destroy" not in calls_of(calls)
    assert snapshot(env / CHECKPOINT) == before
