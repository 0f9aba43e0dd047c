"""Reading untrusted files: what is refused, how fast, and what still reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState, StateError
from vixens_tui.core.safefile import (
    FileRefused,
    iter_lines,
    json_nesting,
    open_regular,
    parse_json,
    parse_toml,
    read_bytes,
    toml_nesting,
)
from vixens_tui.core.safeyaml import parse_documents, parse_one

HERE = Path("file")


def test_json_nesting_ignores_brackets_in_strings_and_escapes() -> None:
    assert json_nesting('{"a": "[[[{{", "b": "\\"[[", "c": [[1], {"d": []}]}') == 4
    assert json_nesting("[" * 100_000 + "]" * 100_000) == 100_000
    assert json_nesting('"unterminated [[[') >= 0  # an upper bound, never an error


def test_toml_nesting_ignores_strings_and_comments() -> None:
    text = "a = \"[[[\" # [[[[\nb = '[[['\nc = '''\n[[[\n'''\nd = \"\"\"\n{{{\n\"\"\"\ne = [[1]]\n"
    assert toml_nesting(text, 64) == 2


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000],
    ids=["array", "object"],
)
def test_deep_json_is_a_clean_refusal(text: str) -> None:
    with pytest.raises(FileRefused) as err:
        parse_json(text, HERE)
    assert err.value.reason == "nesting" and "nested more than 64" in err.value.problem


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_is_strict_about_numbers(constant: str) -> None:
    with pytest.raises(FileRefused) as err:
        parse_json(f'{{"a": {constant}}}', HERE)
    assert err.value.reason == "syntax"


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 3000 + "]" * 3000,
        "a = " + "{b = " * 3000 + "1" + "}" * 3000,
        ".".join(["a"] * 3000) + " = 1",
        "[" + ".".join(["a"] * 3000) + "]\nx = 1",
    ],
    ids=["array", "inline-table", "dotted-key", "table-header"],
)
def test_deep_toml_is_a_clean_refusal(text: str) -> None:
    with pytest.raises(FileRefused) as err:
        parse_toml(text, HERE)
    assert err.value.reason == "nesting"


@pytest.mark.parametrize(
    "text",
    ["[" * 3000 + "]" * 3000, "- " * 3000 + "1\n", "{a: " * 3000 + "1" + "}" * 3000],
    ids=["flow-sequence", "block-sequence", "flow-mapping"],
)
def test_deep_yaml_is_a_clean_refusal(text: str) -> None:
    with pytest.raises(FileRefused) as err:
        parse_documents(text, HERE)
    assert err.value.reason == "nesting"


def test_a_yaml_bomb_is_refused_before_it_is_built() -> None:
    laughs = 'l0: &l0 ["lol"]\n' + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
    )
    with pytest.raises(FileRefused) as err:
        parse_one(laughs, HERE)
    assert "aliases" in err.value.problem


def test_yaml_aliases_within_reason_still_read() -> None:
    assert parse_one("a: &x [1, 2]\nb: *x\n", HERE) == {"a": [1, 2], "b": [1, 2]}


def test_an_impossible_yaml_date_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FileRefused) as err:
        parse_one("when: 2021-13-45\n", HERE)
    assert err.value.reason == "syntax" and "not valid YAML" in err.value.problem


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for flags in (os.O_RDONLY, os.O_WRONLY | os.O_CREAT | os.O_APPEND, os.O_RDWR | os.O_CREAT):
        with pytest.raises(FileRefused) as err:
            open_regular(fifo, flags)
        assert err.value.reason == "special" and "FIFO" in err.value.problem


def test_a_symlink_to_a_regular_file_reads_and_one_to_a_device_does_not(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("hello")
    (tmp_path / "link").symlink_to(real)
    assert read_bytes(tmp_path / "link", 100) == b"hello"
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(FileRefused) as err:
        read_bytes(tmp_path / "zero", 100)
    assert "character device" in err.value.problem


def test_a_file_over_its_cap_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.truncate(8 << 30)  # sparse: reading it would take 8 GiB
    with pytest.raises(FileRefused) as err:
        read_bytes(huge, 1 << 20)
    assert err.value.reason == "too-large" and "1 MiB" in err.value.problem


def test_lines_longer_than_the_cap_are_skipped_whole(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"one\n" + b"x" * 5000 + b"\ntwo\n" + b"y" * 5000)
    assert list(iter_lines(path, 100)) == [b"one\n", None, b"two\n", None]


def test_the_journal_skips_what_is_no_record(tmp_path: Path) -> None:
    state = EnvState(tmp_path, "dev").ensure()
    state.journal({"run_id": "r", "event": "first"})
    with state.journal_path.open("ab") as handle:
        handle.write(b"[" * 100_000 + b"]" * 100_000 + b"\n")  # deep: RecursionError before
        handle.write(b"[1, 2]\n")  # no record: has no .get()
        handle.write(b'{"run_id": "r", "d": NaN}\n')
        handle.write(b"\xff\xfe garbage\n")
    state.journal({"run_id": "r", "event": "last"})
    assert [r["event"] for r in state.read_journal("r")] == ["first", "last"]


def test_a_journal_that_is_a_fifo_stops_a_run_before_it_starts(tmp_path: Path) -> None:
    state = EnvState(tmp_path, "dev").ensure()
    os.mkfifo(state.journal_path)
    with pytest.raises(StateError, match="FIFO"):
        state.ensure()
    with pytest.raises(StateError, match="FIFO"):
        state.journal({"run_id": "r"})  # would have waited for a reader forever


def test_archiving_into_runs_that_is_a_file_is_a_state_error(tmp_path: Path) -> None:
    state = EnvState(tmp_path, "dev").ensure()
    (state.dir / "runs").write_text("not a directory")
    with pytest.raises(StateError, match="cannot keep the previous run"):
        state.archive(Checkpoint(run_id="r1", env="dev", profile_digest="d"))
