"""Terraform left running by a killed vixens-tui.

Terraform runs in a session of its own (so a Ctrl-C in our terminal reaches us first, and we
stop it gracefully). The price: when vixens-tui itself is killed (kill -9, OOM, a crash),
that Terraform lives on, holding the state lock, and the resumed run would find the state
locked. Before a streaming command we look for such strays and stop them the graceful way.

A stray is recognised strictly, so that an administrator's own terraform in the same
directory is never touched: its working directory is ours, it leads its own session (as
`process.spawn` starts it; a terraform typed in a shell does not) and it was orphaned: its
parent is init, or whatever adopted it when its vixens-tui died (a subreaper such as
`systemd --user` on an admin host), anything but a live vixens-tui. Linux only (/proc);
elsewhere nothing is found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from vixens_tui.backends import process


def _stat_fields(pid: int) -> tuple[int, int] | None:
    """(ppid, session id) of `pid` from /proc/PID/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return int(fields[1]), int(fields[3])
    except (IndexError, ValueError):
        return None


def _argv(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


def _runs_vixens_tui(pid: int) -> bool:
    """Whether `pid` is a vixens-tui (the console script or `python -m vixens_tui`)."""
    return any(b"vixens_tui" in arg or b"vixens-tui" in arg for arg in _argv(pid))


def _is_terraform(pid: int) -> bool:
    """A terraform binary, or the embedded engine's `terraform` script run by its Python.
    (Anything else that leads a session in that directory, a tmux server say, is left alone.)"""
    return any(os.path.basename(arg) == b"terraform" for arg in _argv(pid)[:2])


def find_strays(working_dir: Path) -> list[int]:
    target = working_dir.resolve()
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd != target:
            continue
        fields = _stat_fields(pid)
        if fields is None:
            continue
        ppid, sid = fields
        orphaned = ppid == 1 or (ppid != os.getpid() and not _runs_vixens_tui(ppid))
        if sid == pid and orphaned and _is_terraform(pid):
            found.append(pid)
    return found


def stop_strays(working_dir: Path, *, grace_s: float = 30.0) -> list[int]:
    """Stop strays like an interrupted run would: SIGINT, then SIGTERM, then SIGKILL."""
    strays = find_strays(working_dir)
    for pid in strays:
        for sig, wait in ((signal.SIGINT, grace_s), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)
            deadline = time.monotonic() + wait
            while process.group_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not process.group_alive(pid):
                break
    return strays
