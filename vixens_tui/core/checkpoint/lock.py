"""One run per environment: an fcntl lock whose file names the holder.

The kernel drops an flock when its process dies, so the lock of a crashed run (even a kill -9)
is free again at once; the file's stale content then only tells who held it last, and we say so.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from vixens_tui.core.checkpoint.files import FILE_MODE
from vixens_tui.core.safefile import FileRefused, open_regular


@dataclass(frozen=True, slots=True)
class Holder:
    pid: int
    host: str
    since: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.since}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        parts = text.strip().split(maxsplit=2)
        if len(parts) != 3 or not parts[0].isdigit():
            return None
        return cls(pid=int(parts[0]), host=parts[1], since=parts[2])


class LockHeld(Exception):
    def __init__(self, env: str, holder: Holder | None, path: Path) -> None:
        self.env = env
        self.holder = holder
        self.path = path
        who = holder.describe() if holder else "another process"
        super().__init__(
            f"environment {env!r} is locked by {who} ({path}); wait for that run to finish "
            f"or stop it, then try again"
        )


class UnusableLockFile(OSError):
    """The lock file is there but is no regular file (a FIFO, a directory, a device): it can
    be neither locked nor read, and is never opened in a way that could block. An OSError, as
    every other reason the state directory cannot hold the lock (exit 2)."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(errno.EINVAL, f"lock file {path} {problem}: move it away")

    def __str__(self) -> str:
        return str(self.strerror)


def _open(path: Path, flags: int) -> int:
    try:
        return open_regular(path, flags, FILE_MODE)
    except FileRefused as exc:
        if exc.missing:
            raise FileNotFoundError(errno.ENOENT, "no lock file", str(path)) from None
        raise UnusableLockFile(path, exc.problem) from None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EnvLock:
    """An exclusive, non-blocking lock on `path`. Use as a context manager."""

    def __init__(self, path: Path, env: str) -> None:
        self.path = path
        self.env = env
        self._fd: int | None = None
        self.previous: Holder | None = None
        """Who held it before us, if the file said so (for a "taken over" note)."""

    def acquire(self) -> None:
        fd = _open(self.path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Holder.parse(_read(fd))
            os.close(fd)
            raise LockHeld(self.env, holder, self.path) from None
        except BaseException:
            os.close(fd)
            raise
        self.previous = Holder.parse(_read(fd))
        me = f"{os.getpid()} {socket.gethostname()} {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, me.encode(), 0)
        self._fd = fd

    def took_over_dead_holder(self) -> bool:
        prev = self.previous
        return (
            prev is not None
            and prev.host == socket.gethostname()
            and prev.pid != os.getpid()
            and not _alive(prev.pid)
        )

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> EnvLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path) -> Holder | None:
    """Who holds the lock right now (None when free). Raises UnusableLockFile."""
    try:
        fd = _open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return Holder.parse(_read(fd))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 4096, 0).decode(errors="replace")
    except OSError:
        return ""
