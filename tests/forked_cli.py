"""The real CLI's `main`, run in a child process forked from one that has imported it already.

The bad-input tables run the CLI some five hundred times. As `python -m vixens_tui`, each run
spends about 0.4 s of CPU importing pydantic, the kubernetes client and the product before it
reads its first file, and more when it reaches the cluster backend: once a third of the
suite's CPU. Here a `forkserver` (multiprocessing's:
a single-threaded process started once per test worker) imports all of that once, and every run
is a fork of it: still a process of its own, with its own environment, working directory,
limits (memory, file size) and standard streams, killed at the deadline when it hangs, its exit
code and output what the interpreter would give. What it no longer exercises, the interpreter's
start-up and `vixens_tui/__main__.py`, `tests/test_forked_cli.py` holds against the real command.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import selectors
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from tests.cliutil import ROOT

PRELOAD = [
    # multiprocessing makes each child import the parent's main module (pytest's script, or
    # the pytest package under `python -m pytest`) unless the forkserver has it already.
    "__main__",
    "pytest",
    "tests.forked_preload",
]
"""What every run would import (a run imports anything else it needs itself, as usual)."""

Limits = tuple[tuple[int, int], ...]
"""(resource.RLIMIT_*, value) pairs, soft and hard."""

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


@dataclass(frozen=True)
class Forked:
    code: int | None
    """None: still running at the deadline, killed."""
    stdout: str
    stderr: str


def run_forked(
    args: list[str],
    env: dict[str, str],
    *,
    timeout: float,
    limits: Limits = (),
    cwd: Path = ROOT,
) -> Forked:
    """`vixens-tui args` in `env`, stdin from /dev/null, stdout and stderr through pipes (as
    `subprocess.run(capture_output=True, timeout=timeout)`: a file-size limit does not cut
    them, and output a grandchild keeps open counts against the deadline)."""
    deadline = time.monotonic() + timeout
    out_r, out_w = _context.Pipe(duplex=False)
    err_r, err_w = _context.Pipe(duplex=False)
    child = _context.Process(
        target=_main, args=(_Command(list(args), dict(env), str(cwd), limits), out_w, err_w)
    )
    child.start()
    out_w.close()
    err_w.close()
    try:
        out, err = _read_until(deadline, out_r, err_r)
        child.join(max(0.0, deadline - time.monotonic()))
        code: int | None = child.exitcode
        if child.is_alive() or out is None:
            child.kill()
            child.join()
            code = None
        return Forked(code, _text(out), _text(err))
    finally:
        out_r.close()
        err_r.close()
        child.close()


def start_forked(target: Callable[..., None], *args: object) -> BaseProcess:
    """`target(*args)` started in a process of its own, forked from the same forkserver (for
    tests that kill a process at a random moment, many times: no interpreter start-up each)."""
    child = _context.Process(target=target, args=args)
    child.start()
    return child


def _read_until(deadline: float, *pipes: Connection) -> tuple[bytes | None, bytes]:
    """Everything written to the pipes until they all close: (stdout, stderr); stdout None
    when the deadline came first."""
    read = {pipe.fileno(): bytearray() for pipe in pipes}
    with selectors.DefaultSelector() as selector:
        for fd in read:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map() and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(left):
                data = os.read(key.fd, 1 << 16)
                if data:
                    read[key.fd] += data
                else:
                    selector.unregister(key.fd)
        done = not selector.get_map()
    out, err = (bytes(read[pipe.fileno()]) for pipe in pipes)
    return (out if done else None), err


def _text(data: bytes | None) -> str:
    return (data or b"").decode(errors="replace")


@dataclass(frozen=True)
class _Command:
    args: list[str]
    env: dict[str, str]
    cwd: str
    limits: Limits


def _main(command: _Command, out: Connection, err: Connection) -> None:
    """In the child: become `vixens-tui args` started from a shell, then exit as it would."""
    args = command.args
    os.chdir(command.cwd)
    os.environ.clear()
    os.environ.update(command.env)
    time.tzset()  # TZ is read at start-up; this one started in the forkserver's zone
    for limit, value in command.limits:
        resource.setrlimit(limit, (value, value))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    out.close()
    err.close()
    # The streams the interpreter makes for pipes: stdout block-buffered and strict, stderr
    # line-buffered with backslashreplace.
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(  # noqa: SIM115
        2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1
    )
    sys.argv = ["vixens-tui", *args]
    from vixens_tui.cli import main

    try:
        code = _exit_code(main(args))
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()  # what the interpreter prints for an uncaught exception
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError as exc:  # the interpreter's last flush, and what it says when it fails
            os.write(2, f"Exception ignored on flushing {stream.name}: {exc!r}\n".encode())
            code = code or 120
    os._exit(code)


def _exit_code(value: object) -> int:
    """SystemExit's argument as the interpreter reads it."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1
