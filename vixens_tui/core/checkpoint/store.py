"""Where an environment's state lives on disk, and how it is read and written.

<state dir>/<env>/checkpoint.json        the current run (atomic, 0600)
<state dir>/<env>/journal.jsonl          every event of every run, appended
<state dir>/<env>/logs/<run>/<stage>-<attempt>.log   full tool output of each attempt
<state dir>/<env>/runs/<run>.json        earlier runs, archived when a new one starts
<state dir>/<env>/lock                   who runs now (fcntl)
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vixens_tui.core.checkpoint.files import (
    atomic_write,
    ensure_private_dir,
)
from vixens_tui.core.checkpoint.lock import EnvLock
from vixens_tui.core.checkpoint.model import SCHEMA_VERSION, Checkpoint
from vixens_tui.core.checkpoint.paths import LOCK
from vixens_tui.core.checkpoint.upgrade import upgrade
from vixens_tui.core.safefile import (
    MIB,
    FileRefused,
    decode,
    describe_mode,
    iter_lines,
    open_regular,
    parse_json,
    read_bytes,
)

CHECKPOINT = "checkpoint.json"
JOURNAL = "journal.jsonl"
CHECKPOINT_MAX_BYTES = 8 * MIB
"""A real checkpoint is a few kilobytes: seven stages, ten checklist items, a few fixes."""
JOURNAL_LINE_MAX_BYTES = MIB


class StateError(Exception):
    """The state directory or a checkpoint cannot be used (exit 2)."""


class CorruptCheckpoint(StateError):
    def __init__(self, path: Path, kept: Path, problem: str) -> None:
        self.path = path
        self.kept = kept
        super().__init__(
            f"checkpoint {path} is unreadable ({problem}); it was moved aside to {kept} and "
            f"kept as is. Run again to start a new run, or move it back to retry."
        )


class NewerCheckpoint(StateError):
    def __init__(self, path: Path, version: int) -> None:
        super().__init__(
            f"checkpoint {path} has schema_version {version}, newer than this vixens-tui "
            f"understands ({SCHEMA_VERSION}); upgrade vixens-tui to continue that run. "
            f"The file was left untouched."
        )


class ForeignCheckpoint(StateError):
    def __init__(self, path: Path, found: str, expected: str) -> None:
        self.found = found
        self.expected = expected
        super().__init__(
            f"checkpoint {path} is a run of environment {found!r}, not {expected!r}; it is "
            f"never resumed with another environment's profile. The file was left untouched: "
            f"move it away to start a new run of {expected!r}."
        )


class EnvState:
    """The on-disk state of one environment."""

    def __init__(self, root: Path, env: str) -> None:
        self.root = root
        self.env = env
        self.dir = root / env
        self._journal_fd: int | None = None

    # -- layout ----------------------------------------------------------------------------

    @property
    def checkpoint_path(self) -> Path:
        return self.dir / CHECKPOINT

    @property
    def journal_path(self) -> Path:
        return self.dir / JOURNAL

    @property
    def lock_path(self) -> Path:
        return self.dir / LOCK

    def log_path(self, run_id: str, stage: str, attempt: int) -> Path:
        path = self.dir / "logs" / run_id / f"{stage}-{attempt}.log"
        try:
            ensure_private_dir(path.parent)
        except OSError as exc:
            raise StateError(
                f"cannot make the log directory {path.parent} ({exc.strerror or exc})"
            ) from None
        _refuse_special(path, "log file")  # the engine opens it for appending: a FIFO blocks
        return path

    def ensure(self) -> EnvState:
        """Create the directories (0700); a clear StateError if that is impossible."""
        try:
            ensure_private_dir(self.root)
            ensure_private_dir(self.dir)
            probe = self.dir / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StateError(
                f"state directory {self.dir} is not writable ({exc.strerror}); choose another "
                f"with --state-dir or VIXENS_TUI_STATE_DIR"
            ) from None
        _refuse_special(self.journal_path, "journal")
        return self

    def lock(self) -> EnvLock:
        return EnvLock(self.lock_path, self.env)

    # -- checkpoint ------------------------------------------------------------------------

    def load(self, *, set_aside: bool = True) -> Checkpoint | None:
        """The saved checkpoint, None when there is none. Raises StateError subclasses.

        A corrupt file is moved aside (never overwritten) unless `set_aside` is false, which
        read-only commands such as `status` use. Something that is no regular file (a FIFO,
        a device, a directory) is never read, nor moved: it is not ours.
        """
        path = self.checkpoint_path
        try:
            raw = read_bytes(path, CHECKPOINT_MAX_BYTES)
        except FileRefused as exc:
            if exc.missing:
                return None
            if exc.reason == "too-large":  # a regular file, but no checkpoint of ours
                raise self._corrupt(path, exc.problem.removeprefix("is "), set_aside) from None
            raise StateError(
                f"cannot read checkpoint {path}: {_why(exc)}; nothing was moved"
            ) from None
        try:
            data = parse_json(decode(raw, path), path)
        except FileRefused as exc:
            if not raw.strip():
                problem = "empty file"
            elif exc.reason == "nesting":
                problem = exc.problem.removeprefix("is ")
            else:
                problem = (
                    f"truncated or not JSON: {exc.problem.removeprefix('is not valid JSON: ')}"
                )
            raise self._corrupt(path, problem, set_aside) from None
        if not isinstance(data, dict):
            raise self._corrupt(path, "truncated or not JSON: not a JSON object", set_aside)
        version = data.get("schema_version")
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise NewerCheckpoint(path, version)
        try:
            checkpoint = Checkpoint.model_validate(upgrade(data))
        except ValidationError as exc:
            raise self._corrupt(path, first_error(exc), set_aside) from None
        except ValueError as exc:
            raise self._corrupt(path, str(exc), set_aside) from None
        if checkpoint.env != self.env:
            # A run of another environment (a copied state directory, a profile renamed):
            # resuming it here would act on this profile's cluster with that run's history.
            raise ForeignCheckpoint(path, checkpoint.env, self.env)
        return checkpoint

    def _corrupt(self, path: Path, problem: str, set_aside: bool) -> StateError:
        if not set_aside:
            return StateError(f"checkpoint {path} is unreadable ({problem})")
        return CorruptCheckpoint(path, self._set_aside(path), problem)

    def _set_aside(self, path: Path) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        kept = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while kept.exists() or kept.is_symlink():  # never overwrite an earlier kept copy
            kept = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.replace(path, kept)
        except OSError as exc:
            raise StateError(
                f"checkpoint {path} is unreadable and cannot be moved aside ({exc.strerror}); "
                f"it was left as it is"
            ) from None
        return kept

    def save(self, checkpoint: Checkpoint) -> None:
        data = checkpoint.model_dump_json(indent=2).encode()
        try:
            atomic_write(self.checkpoint_path, data)
        except OSError as exc:
            raise StateError(
                f"cannot write checkpoint {self.checkpoint_path}: {exc.strerror}; the previous "
                f"checkpoint is intact"
            ) from None

    def archive(self, checkpoint: Checkpoint) -> Path:
        """Keep a finished or abandoned run under runs/ before a new one starts."""
        target = self.dir / "runs" / f"{checkpoint.run_id}.json"
        try:
            ensure_private_dir(target.parent)
            atomic_write(target, checkpoint.model_dump_json(indent=2).encode())
        except OSError as exc:
            raise StateError(
                f"cannot keep the previous run in {target} ({exc.strerror or exc}); it is still "
                f"in {self.checkpoint_path}"
            ) from None
        return target

    # -- journal ---------------------------------------------------------------------------

    def journal(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        try:
            # Kept open for the run: one open() per record cost more than the write itself.
            # O_APPEND keeps each record whole, one write() per line.
            if self._journal_fd is None:
                # Never blocks: a FIFO in its place would wait for a reader forever.
                self._journal_fd = open_regular(
                    self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND
                )
            os.write(self._journal_fd, line)
        except FileRefused as exc:
            raise StateError(
                f"cannot append to journal {self.journal_path}: it {exc.problem}"
            ) from None
        except OSError as exc:
            raise StateError(
                f"cannot append to journal {self.journal_path}: {exc.strerror}"
            ) from None

    def close_journal(self) -> None:
        """Close the journal kept open by `journal` (the next record opens it again)."""
        fd, self._journal_fd = self._journal_fd, None
        if fd is not None:
            os.close(fd)

    def read_journal(self, run_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Journal records (of one run), skipping what is no record: a torn last line after a
        crash, a line too long, too deep or not JSON."""
        try:
            lines = iter_lines(self.journal_path, JOURNAL_LINE_MAX_BYTES)
            for line in lines:
                record = _journal_record(line, self.journal_path)
                if record is not None and (run_id is None or record.get("run_id") == run_id):
                    yield record
        except FileRefused as exc:
            if exc.missing:
                return
            raise StateError(f"cannot read journal {self.journal_path}: {_why(exc)}") from None


def _why(exc: FileRefused) -> str:
    """A refusal as the end of a sentence naming the file: "it is a FIFO, not a ..."."""
    if exc.reason == "unreadable":
        return exc.problem.removeprefix("cannot read: ")
    return f"it {exc.problem}"


def _refuse_special(path: Path, what: str) -> None:
    """Refuse, before a run starts, a state file that is there but no regular file: the run
    would otherwise stop at its first write to it (or hang, were it opened blocking)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # absent (made when needed), or unreadable: said when it is used
    if not stat.S_ISREG(mode):
        raise StateError(
            f"{what} {path} is {describe_mode(mode)}, not a regular file; nothing was changed: "
            f"move it away to go on"
        )


def _journal_record(line: bytes | None, path: Path) -> dict[str, Any] | None:
    if line is None:
        return None
    try:
        record = parse_json(decode(line, path), path)
    except FileRefused:
        return None
    return record if isinstance(record, dict) else None


def first_error(exc: ValidationError) -> str:
    """The first problem of a ValidationError on one line: where, and what."""
    errors = exc.errors(include_url=False)
    if not errors:
        return str(exc).splitlines()[0]
    err = errors[0]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where or 'top level'}: {err['msg'].removeprefix('Value error, ')}{more}"
