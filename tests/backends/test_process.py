"""process.py: own process group, streamed stdout, drained stderr, graceful stop, no orphan."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

import pytest

from vixens_tui.backends.process import ProcessResult, group_alive, run, spawn, supervise
from vixens_tui.core.cancel import CancelToken

PY = sys.executable


def pid_alive(pid: int) -> bool:
    """Alive and not a zombie (a zombie is dead, only waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def run_bounded(fn: Callable[[], ProcessResult], limit_s: float = 20.0) -> ProcessResult:
    """Run in a thread so that a deadlock fails the test instead of hanging it."""
    box: list[ProcessResult | BaseException] = []

    def target() -> None:
        try:
            box.append(fn())
        except BaseException as exc:
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit_s)
    assert not thread.is_alive(), f"still running after {limit_s}s (deadlock?)"
    result = box[0]
    if isinstance(result, BaseException):
        raise result
    return result


def test_lines_and_exit_code() -> None:
    lines: list[str] = []
    result = run(
        ["sh", "-c", "echo one; echo two >&2; printf 'three\\r\\nfour'; exit 3"], lines.append
    )
    assert lines == ["one", "three", "four"]
    assert result.rc == 3
    assert not result.interrupted
    assert result.stderr == "two\n"
    assert result.group_gone
    assert not group_alive(result.pgid)


def test_runs_in_its_own_process_group_and_session() -> None:
    lines: list[str] = []
    result = run(
        [PY, "-c", "import os; print(os.getpgid(0), os.getsid(0), os.getpid())"], lines.append
    )
    pgid, sid, pid = (int(x) for x in lines[0].split())
    assert pgid == pid == sid == result.pgid
    assert pgid != os.getpgid(0)


def test_no_line_lost_in_a_flood() -> None:
    count = 0
    last = ""

    def on_line(line: str) -> None:
        nonlocal count, last
        count += 1
        assert line == str(count)
        last = line

    result = run(["seq", "1", "200000"], on_line)
    assert result.rc == 0
    assert count == 200000
    assert last == "200000"


def test_stderr_flood_does_not_deadlock() -> None:
    script = (
        "import sys\n"
        "for i in range(1000):\n"
        "    sys.stderr.write('e' * 999 + '\\n')\n"
        "    if i % 100 == 0: print('out', i, flush=True)\n"
        "print('done')\n"
    )
    lines: list[str] = []
    result = run_bounded(lambda: run([PY, "-c", script], lines.append))
    assert result.rc == 0
    assert lines[-1] == "done"
    assert len(result.stderr) == 1_000_000


def test_cancel_kills_child_and_grandchild() -> None:
    # A background job of a non-interactive shell ignores SIGINT: only the later steps (and
    # the clean-up of the group once the leader is gone) can stop it.
    token = CancelToken()
    pids: list[int] = []

    def on_line(line: str) -> None:
        pids.append(int(line))
        if len(pids) == 2:
            token.cancel("test")

    script = "sleep 1000 & echo $!; echo $$; wait"
    started = time.monotonic()
    result = run_bounded(
        lambda: run(["sh", "-c", script], on_line, token, grace_s=0.5, term_grace_s=0.5)
    )
    assert result.interrupted
    assert result.rc != 0
    grandchild, child = pids
    assert child == result.pgid
    assert not pid_alive(child)
    assert not pid_alive(grandchild)
    with pytest.raises(ProcessLookupError):
        os.killpg(result.pgid, 0)
    assert time.monotonic() - started < 15


def test_sigint_is_forwarded_and_child_may_exit_cleanly() -> None:
    script = (
        "import signal, sys, time\n"
        "def stop(*_):\n"
        "    print('caught SIGINT, releasing the lock', flush=True)\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    token = CancelToken()
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        if line == "ready":
            token.cancel("user pressed Ctrl-C")

    result = run_bounded(lambda: run([PY, "-c", script], on_line, token, grace_s=10))
    assert lines == ["ready", "caught SIGINT, releasing the lock"]
    assert result.rc == 0
    assert result.interrupted
    assert result.duration_s < 5
    assert not group_alive(result.pgid)


def test_escalates_to_sigterm_then_sigkill() -> None:
    script = "trap '' INT TERM; echo ready; while :; do sleep 0.05; done"
    token = CancelToken()

    def on_line(line: str) -> None:
        token.cancel()

    started = time.monotonic()
    result = run_bounded(
        lambda: run(["sh", "-c", script], on_line, token, grace_s=0.3, term_grace_s=0.3)
    )
    elapsed = time.monotonic() - started
    assert result.interrupted
    assert result.rc == -9
    assert 0.5 <= elapsed < 10
    assert not group_alive(result.pgid)


def test_cancel_from_another_thread_while_silent() -> None:
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    result = run_bounded(lambda: run(["sleep", "1000"], lambda _l: None, token, grace_s=5))
    timer.join()
    assert result.interrupted
    assert result.rc == -2  # sleep dies of the SIGINT
    assert result.duration_s < 3


def test_already_cancelled_token_interrupts_at_once() -> None:
    token = CancelToken()
    token.cancel()
    result = run_bounded(lambda: run(["sleep", "1000"], lambda _l: None, token))
    assert result.interrupted
    assert result.duration_s < 3


def test_cancel_after_exit_is_harmless() -> None:
    token = CancelToken()
    result = run(["true"], lambda _l: None, token)
    token.cancel()
    assert result.rc == 0
    assert not result.interrupted


def test_child_closing_stdout_early_is_still_waited_for() -> None:
    result = run_bounded(
        lambda: run(["sh", "-c", "echo bye; exec >&-; sleep 0.3; exit 4"], lambda _l: None)
    )
    assert result.rc == 4
    assert result.duration_s >= 0.3


def test_orphan_left_after_a_normal_exit_is_killed() -> None:
    lines: list[str] = []
    result = run_bounded(
        lambda: run(["sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!"], lines.append)
    )
    assert result.rc == 0
    assert not result.interrupted
    assert not pid_alive(int(lines[0]))
    assert not group_alive(result.pgid)


def test_failing_callback_stops_the_child_and_propagates() -> None:
    def on_line(line: str) -> None:
        raise RuntimeError(f"listener broke on {line}")

    proc = spawn(["sh", "-c", "echo first; sleep 1000"])
    with pytest.raises(RuntimeError, match="listener broke on first"):
        supervise(proc, on_line, term_grace_s=1)
    assert proc.returncode is not None
    assert not group_alive(proc.pid)


def test_missing_binary_raises_oserror() -> None:
    with pytest.raises(FileNotFoundError):
        run(["/nonexistent/terraform"], lambda _l: None)


def test_environment_and_cwd(tmp_path: object) -> None:
    lines: list[str] = []
    run(
        ["sh", "-c", 'echo "$VIXENS_X"; pwd'],
        lines.append,
        cwd=str(tmp_path),
        env={"VIXENS_X": "hello", "PATH": os.environ["PATH"]},
    )
    assert lines == ["hello", str(tmp_path)]


def test_works_without_pidfd(monkeypatch: pytest.MonkeyPatch) -> None:
    """Older kernels (and non-Linux systems) have no pidfd: the leader is peeked at instead."""
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    lines: list[str] = []
    result = run(["sh", "-c", "echo a; sleep 0.2; echo b; exit 5"], lines.append)
    assert lines == ["a", "b"]
    assert result.rc == 5
    token = CancelToken()
    timer = threading.Timer(0.2, token.cancel)
    timer.start()
    result = run_bounded(lambda: run(["sleep", "1000"], lambda _l: None, token))
    timer.join()
    assert result.interrupted
    assert not group_alive(result.pgid)
