"""Run a child command in its own process group, stream its output, stop it gracefully.

Terraform must be stopped with SIGINT (it then halts, writes its state and releases the state
lock), and the commands its provisioners start must not outlive it. So the child runs in a new
session (its own process group, no controlling terminal: a Ctrl-C in our terminal reaches us, and
we decide), a cancellation sends SIGINT to the whole group, then SIGTERM and SIGKILL if it does not
stop, and when the leader has exited whatever is left of its group is killed and waited for.

The leader is only reaped at the very end (its exit is observed with WNOWAIT), so its process
group ID cannot be recycled while we may still signal it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vixens_tui.core.cancel import CancelToken

LineCallback = Callable[[str], None]

_READ_SIZE = 1 << 16
_POLL_CAP_S = 0.1
"""Longest sleep of the supervising loop: bounds how late an escalation step can be."""
_STDERR_LIMIT = 16 << 20
"""Keep at most this much of stderr in memory; a flood beyond it is drained and dropped."""


@dataclass(frozen=True, slots=True)
class ProcessResult:
    rc: int
    """The exit status; negative when the leader died of a signal (subprocess's convention)."""
    interrupted: bool
    """A cancellation reached the child while it was running."""
    stderr: str
    pgid: int
    duration_s: float
    group_gone: bool = True
    """Every member of the process group was gone when the call returned."""


def spawn(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin_data: bytes | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` as the leader of a new session (hence of its own process group).

    stdin is /dev/null (nothing may prompt), or a pipe holding `stdin_data` then closed (what
    `terraform console` reads; small enough for the pipe's buffer, so the write never blocks).
    stdout and stderr are pipes for `supervise`. Raises OSError (FileNotFoundError,
    PermissionError) when it cannot be started.
    """
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL if stdin_data is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    if stdin_data is not None and proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(stdin_data)
        proc.stdin.close()
    return proc


def run(
    argv: Sequence[str],
    on_line: LineCallback,
    cancel: CancelToken | None = None,
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    grace_s: float = 30.0,
    term_grace_s: float = 5.0,
    reap_timeout_s: float = 10.0,
) -> ProcessResult:
    """`spawn` then `supervise`: every stdout line goes to `on_line`."""
    proc = spawn(argv, cwd=cwd, env=env)
    return supervise(
        proc,
        on_line,
        cancel,
        grace_s=grace_s,
        term_grace_s=term_grace_s,
        reap_timeout_s=reap_timeout_s,
    )


def supervise(
    proc: subprocess.Popen[bytes],
    on_line: LineCallback,
    cancel: CancelToken | None = None,
    *,
    grace_s: float = 30.0,
    term_grace_s: float = 5.0,
    reap_timeout_s: float = 10.0,
    on_chunk: Callable[[], None] | None = None,
    on_interrupt: Callable[[], None] | None = None,
) -> ProcessResult:
    """Stream a `spawn`ed child's stdout line by line to `on_line` until it ends.

    Lines are decoded as UTF-8 (invalid bytes replaced) without their line ending, and
    `on_line` is called in the calling thread, in order, for every line (a last line without
    a newline included). stderr is drained by a thread so a chatty child never blocks.

    On cancellation: SIGINT to the group, SIGTERM after `grace_s`, SIGKILL `term_grace_s`
    later. `on_interrupt` is called once, in the calling thread, when the SIGINT has been sent
    (a cancellation may come from a signal handler: nothing else runs there). Once the leader
    has exited, the rest of its group is killed, and the call waits up to `reap_timeout_s` for
    the group to disappear. If `on_line` raises, the child is stopped
    (SIGTERM, then SIGKILL) and reaped before the exception propagates.
    """
    return _Supervisor(
        proc,
        on_line,
        cancel,
        grace_s=grace_s,
        term_grace_s=term_grace_s,
        reap_timeout_s=reap_timeout_s,
        on_chunk=on_chunk,
        on_interrupt=on_interrupt,
    ).run()


class _Supervisor:
    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        on_line: LineCallback,
        cancel: CancelToken | None,
        *,
        grace_s: float,
        term_grace_s: float,
        reap_timeout_s: float,
        on_chunk: Callable[[], None] | None = None,
        on_interrupt: Callable[[], None] | None = None,
    ) -> None:
        self.on_chunk = on_chunk
        self.on_interrupt = on_interrupt
        self._told_interrupt = False
        if proc.stdout is None or proc.stderr is None:
            raise ValueError("supervise() needs a child started by spawn() (piped stdout/stderr)")
        self.proc = proc
        self.pgid = proc.pid  # start_new_session: the leader's PID is the group's ID
        self.on_line = on_line
        self.cancel = cancel
        self.grace_s = grace_s
        self.term_grace_s = term_grace_s
        self.reap_timeout_s = reap_timeout_s
        # Re-entrant: the cancel callback may run in a signal handler of this very thread.
        self._lock = threading.RLock()
        self._reaped = False
        self._exited = False
        self._interrupted_at: float | None = None
        self._termed_at: float | None = None
        self._killed = False
        self._stderr_chunks: list[bytes] = []

    # -- signals ---------------------------------------------------------------------------

    def _signal(self, sig: signal.Signals) -> None:
        with self._lock:
            if self._reaped:  # the group ID may belong to someone else by now
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, sig)

    def _on_cancel(self, _reason: str) -> None:
        with self._lock:
            if self._reaped or self._exited or self._interrupted_at is not None:
                return
            self._interrupted_at = time.monotonic()
            self._signal(signal.SIGINT)

    def _escalate(self, now: float) -> None:
        started = self._interrupted_at
        if started is None or self._exited or self._killed:
            return
        if self._termed_at is None:
            if now - started >= self.grace_s:
                self._termed_at = now
                self._signal(signal.SIGTERM)
        elif now - self._termed_at >= self.term_grace_s:
            self._killed = True
            self._signal(signal.SIGKILL)

    def _next_deadline(self) -> float | None:
        if self._interrupted_at is None or self._exited or self._killed:
            return None
        if self._termed_at is None:
            return self._interrupted_at + self.grace_s
        return self._termed_at + self.term_grace_s

    # -- the leader's exit, observed without reaping it ------------------------------------

    def _peek_exited(self) -> bool:
        try:
            info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # somebody reaped it (it is certainly gone)
            return True
        return info is not None

    # -- main loop -------------------------------------------------------------------------

    def run(self) -> ProcessResult:
        started = time.monotonic()
        assert self.proc.stderr is not None
        drain = threading.Thread(
            target=self._drain_stderr,
            args=(self.proc.stderr.fileno(),),
            name=f"stderr-{self.proc.pid}",
            daemon=True,
        )
        drain.start()
        unregister = self.cancel.register(self._on_cancel) if self.cancel is not None else None
        group_gone = True
        try:
            try:
                self._pump()
            except BaseException:
                self._stop_now()
                raise
        finally:
            if unregister is not None:
                unregister()
            group_gone = self._finish(drain)
        return ProcessResult(
            rc=self.proc.returncode,
            interrupted=self._interrupted_at is not None,
            stderr=b"".join(self._stderr_chunks).decode("utf-8", "replace"),
            pgid=self.pgid,
            duration_s=time.monotonic() - started,
            group_gone=group_gone,
        )

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        out_fd = self.proc.stdout.fileno()
        poller = select.poll()
        poller.register(out_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        pidfd = self._open_pidfd()
        if pidfd is not None:
            poller.register(pidfd, select.POLLIN)
        on_line = self.on_line
        pending = b""
        out_open = True
        exit_seen_at: float | None = None
        try:
            while out_open or exit_seen_at is None:
                timeout = _POLL_CAP_S
                deadline = self._next_deadline()
                if deadline is not None:
                    timeout = min(timeout, max(0.0, deadline - time.monotonic()))
                if pidfd is None and exit_seen_at is None:
                    timeout = min(timeout, 0.02)  # no pidfd: peek at the leader often
                for fd, _events in poller.poll(timeout * 1000):
                    if fd == out_fd:
                        chunk = os.read(out_fd, _READ_SIZE)
                        if not chunk:
                            out_open = False
                            poller.unregister(out_fd)
                            continue
                        if pending:
                            chunk = pending + chunk
                        # A newline byte never occurs inside a UTF-8 sequence: decode the
                        # complete lines of the chunk at once.
                        head, newline, pending = chunk.rpartition(b"\n")
                        if newline:
                            for line in head.decode("utf-8", "replace").split("\n"):
                                on_line(line.removesuffix("\r"))
                            if self.on_chunk is not None:
                                self.on_chunk()
                    elif fd == pidfd:
                        poller.unregister(pidfd)
                        self._exited = True
                now = time.monotonic()
                if self._interrupted_at is not None and not self._told_interrupt:
                    self._told_interrupt = True
                    if self.on_interrupt is not None:
                        self.on_interrupt()
                if not self._exited and pidfd is None:
                    self._exited = self._peek_exited()
                if self._exited and exit_seen_at is None:
                    exit_seen_at = now
                    # The leader is done: whatever is left of its group is an orphan (a
                    # provisioner's background child...). Killing it also closes its end of
                    # our pipes, so the read loop reaches EOF.
                    self._signal(signal.SIGKILL)
                elif exit_seen_at is not None and out_open and now - exit_seen_at > 2.0:
                    break  # a process that left the group holds the pipe: stop reading
                self._escalate(now)
        finally:
            if pidfd is not None:
                os.close(pidfd)
        if pending:
            on_line(pending.removesuffix(b"\r").decode("utf-8", "replace"))
        if self.on_chunk is not None:
            self.on_chunk()

    def _open_pidfd(self) -> int | None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is None:
            return None
        try:
            fd: int = pidfd_open(self.proc.pid)
        except OSError:  # old kernel, or a sandbox without the syscall
            return None
        return fd

    def _drain_stderr(self, fd: int) -> None:
        kept = 0
        with contextlib.suppress(OSError):
            while chunk := os.read(fd, _READ_SIZE):
                if kept < _STDERR_LIMIT:
                    piece = chunk[: _STDERR_LIMIT - kept]
                    self._stderr_chunks.append(piece)
                    kept += len(piece)

    def _stop_now(self) -> None:
        """The caller failed: stop the child without the long grace of a cancellation."""
        if self._exited:
            return
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + self.term_grace_s
        while time.monotonic() < deadline and not self._peek_exited():
            time.sleep(0.01)
        self._signal(signal.SIGKILL)

    def _finish(self, drain: threading.Thread) -> bool:
        """Kill what is left of the group, reap the leader, wait for the group to vanish."""
        if self._exited or self._peek_exited():
            self._signal(signal.SIGKILL)
        self.proc.wait()
        with self._lock:
            self._reaped = True
        gone = _wait_group_gone(self.pgid, self.reap_timeout_s)
        drain.join(timeout=2.0)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return gone


def group_alive(pgid: int) -> bool:
    """Whether any process (zombies included) is still in process group `pgid`."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the ID was recycled by another user's group: ours is gone
        return False
    return True


def _wait_group_gone(pgid: int, timeout_s: float) -> bool:
    """Killed orphans are reaped by init (or a subreaper), which may take a moment."""
    deadline = time.monotonic() + timeout_s
    pause = 0.001
    while group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return True
