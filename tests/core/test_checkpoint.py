from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from vixens_tui.core.checkpoint.contract import differences, golden_checkpoint, golden_name
from vixens_tui.core.checkpoint.model import SCHEMA_VERSION, Checkpoint
from vixens_tui.core.checkpoint.store import (
    CorruptCheckpoint,
    EnvState,
    NewerCheckpoint,
    StateError,
)

STATE_DIR = Path(__file__).resolve().parents[2] / "state"


def sample(env: str = "dev") -> Checkpoint:
    return Checkpoint(run_id="r1", env=env, profile_digest="d")


def test_state_contract_files_are_up_to_date() -> None:
    problems = differences(STATE_DIR)
    assert not problems, (
        "state/ is out of date; regenerate with `python -m vixens_tui.core.checkpoint.contract --write state` "
        f"and review the diff: {problems}"
    )


@pytest.mark.parametrize(
    "golden", sorted((STATE_DIR / "golden").glob("checkpoint-v*.json")), ids=lambda p: p.name
)
def test_every_golden_checkpoint_still_loads(tmp_path: Path, golden: Path) -> None:
    state = EnvState(tmp_path, "dev").ensure()
    state.checkpoint_path.write_bytes(golden.read_bytes())
    loaded = state.load()
    assert loaded is not None and loaded.run_id
    assert loaded.schema_version <= SCHEMA_VERSION


def test_golden_of_current_version_round_trips() -> None:
    text = (STATE_DIR / golden_name()).read_text()
    assert Checkpoint.model_validate_json(text) == golden_checkpoint()


def test_save_is_private_and_loads_back(state: EnvState) -> None:
    cp = sample()
    state.save(cp)
    mode = stat.S_IMODE(state.checkpoint_path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(state.dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(state.root.stat().st_mode) == 0o700
    assert state.load() == cp
    # No temporary file left behind.
    assert [p.name for p in state.dir.iterdir() if p.name.startswith(".")] == []


def test_existing_wide_directory_is_tightened(tmp_path: Path) -> None:
    root = tmp_path / "wide"
    (root / "dev").mkdir(parents=True)
    os.chmod(root, 0o755)
    os.chmod(root / "dev", 0o777)
    EnvState(root, "dev").ensure()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "dev").stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b'{"schema_version": 1, "run_id": "r', "truncated or not JSON"),
        (b"\x00\x01\x02", "truncated or not JSON"),
        (b"[1, 2]", "truncated or not JSON"),
        (b'{"schema_version": 1, "run_id": "r", "env": "dev"}', "profile_digest"),
        (b'{"schema_version": "one"}', "schema_version"),
    ],
    ids=["empty", "truncated", "binary", "not-object", "missing-field", "bad-version"],
)
def test_corrupt_checkpoint_is_kept_aside_never_overwritten(
    state: EnvState, content: bytes, problem: str
) -> None:
    state.checkpoint_path.write_bytes(content)
    with pytest.raises(CorruptCheckpoint) as err:
        state.load()
    message = str(err.value)
    assert str(state.checkpoint_path) in message and problem in message
    assert err.value.kept.read_bytes() == content
    assert not state.checkpoint_path.exists()
    # A second corrupt file gets its own name: the first kept copy is never overwritten.
    state.checkpoint_path.write_bytes(b"{")
    with pytest.raises(CorruptCheckpoint) as again:
        state.load()
    assert again.value.kept != err.value.kept
    assert err.value.kept.read_bytes() == content


def test_newer_schema_is_refused_and_left_untouched(state: EnvState) -> None:
    data = json.loads(sample().model_dump_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    raw = json.dumps(data).encode()
    state.checkpoint_path.write_bytes(raw)
    with pytest.raises(NewerCheckpoint, match="newer than this vixens-tui"):
        state.load()
    assert state.checkpoint_path.read_bytes() == raw


def test_read_only_load_does_not_move_a_corrupt_file(state: EnvState) -> None:
    state.checkpoint_path.write_bytes(b"{")
    with pytest.raises(StateError):
        state.load(set_aside=False)
    assert state.checkpoint_path.read_bytes() == b"{"


def test_unwritable_state_dir_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits: use a path under a regular file instead.
        blocker = tmp_path / "file"
        blocker.write_text("")
        target = EnvState(blocker / "sub", "dev")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = EnvState(locked / "sub", "dev")
    with pytest.raises(StateError, match="not writable"):
        target.ensure()


def test_journal_is_append_only_and_survives_a_torn_line(state: EnvState) -> None:
    state.journal({"run_id": "a", "type": "x", "n": 1})
    state.journal({"run_id": "b", "type": "x", "n": 2})
    with state.journal_path.open("a") as handle:
        handle.write('{"run_id": "a", "type": "x", "n"')  # a crash mid-write
    assert [r["n"] for r in state.read_journal()] == [1, 2]
    assert [r["n"] for r in state.read_journal("b")] == [2]
    assert stat.S_IMODE(state.journal_path.stat().st_mode) == 0o600


def test_archive_keeps_the_previous_run(state: EnvState) -> None:
    path = state.archive(sample())
    assert (
        path.parent.name == "runs"
        and Checkpoint.model_validate_json(path.read_text()).run_id == "r1"
    )
