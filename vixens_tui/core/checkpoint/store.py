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

CHECKPOINT = "checkpoint.json"
JOURNAL = "journal.jsonl"


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
        logs = ensure_private_dir(self.dir / "logs" / run_id)
        return logs / f"{stage}-{attempt}.log"

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
        return self

    def lock(self) -> EnvLock:
        return EnvLock(self.lock_path, self.env)

    # -- checkpoint ------------------------------------------------------------------------

    def load(self, *, set_aside: bool = True) -> Checkpoint | None:
        """The saved checkpoint, None when there is none. Raises StateError subclasses.

        A corrupt file is moved aside (never overwritten) unless `set_aside` is false, which
        read-only commands such as `status` use.
        """
        path = self.checkpoint_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read checkpoint {path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            problem = "truncated or not JSON" if raw.strip() else "empty file"
            raise self._corrupt(path, f"{problem}: {exc}", set_aside) from None
        version = data.get("schema_version")
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise NewerCheckpoint(path, version)
        try:
            checkpoint = Checkpoint.model_validate(upgrade(data))
        except (ValidationError, ValueError) as exc:
            first = str(exc).splitlines()[:3]
            raise self._corrupt(path, " ".join(first), set_aside) from None
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
        while kept.exists():  # never overwrite an earlier kept copy
            kept = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
            n += 1
        os.replace(path, kept)
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
        runs = ensure_private_dir(self.dir / "runs")
        target = runs / f"{checkpoint.run_id}.json"
        atomic_write(target, checkpoint.model_dump_json(indent=2).encode())
        return target

    # -- journal ---------------------------------------------------------------------------

    def journal(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        try:
            # Kept open for the run: one open() per record cost more than the write itself.
            # O_APPEND keeps each record whole, one write() per line.
            if self._journal_fd is None:
                self._journal_fd = os.open(
                    self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
                )
            os.write(self._journal_fd, line)
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
        """Journal records (of one run), skipping a torn last line after a crash."""
        try:
            handle = self.journal_path.open(encoding="utf-8")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if run_id is None or record.get("run_id") == run_id:
                    yield record
