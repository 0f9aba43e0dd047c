"""The environment's lock, taken first: before the profile is read, before anything heavy is
imported, before the demo starts its cluster. A second run of the same environment gets exit 4
at once and has done nothing at all.

Standard library only (and two small modules that are): pydantic, the kubernetes client and
Textual are imported after the lock is held.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vixens_tui.core.checkpoint.files import ensure_private_dir
from vixens_tui.core.checkpoint.lock import EnvLock, LockHeld, UnusableLockFile
from vixens_tui.core.checkpoint.paths import LOCK, default_state_root
from vixens_tui.options import Options


def state_key(options: Options) -> str:
    """The environment's directory name: a demo never touches the real environment's state."""
    return f"{options.env}-demo" if options.demo else options.env


def state_root(options: Options) -> Path:
    return Path(options.state_dir or default_state_root()).expanduser()


def take_lock(options: Options) -> EnvLock:
    """The environment's lock, held. Raises LockHeld (exit 4), or OSError when the state
    directory cannot be made or the lock file opened (exit 2)."""
    directory = ensure_private_dir(state_root(options) / state_key(options))
    lock = EnvLock(directory / LOCK, state_key(options))
    lock.acquire()
    return lock


def lock_error(options: Options, exc: OSError) -> str:
    """One line for a lock that cannot be taken: an unusable lock file says so itself, any
    other failure is the state directory's."""
    if isinstance(exc, UnusableLockFile):
        return str(exc)
    where = state_root(options) / state_key(options)
    return (
        f"state directory {where} is not writable ({exc.strerror or exc}); choose another with "
        f"--state-dir or VIXENS_TUI_STATE_DIR"
    )


def run_locked(options: Options, body: Callable[[EnvLock], int], say: Callable[[str], None]) -> int:
    """`body(lock)` with the environment's lock held, released after; the exit code of the
    CLI contract when the lock cannot be had (4: another run holds it; 2: no state dir)."""
    try:
        lock = take_lock(options)
    except LockHeld as exc:
        say(str(exc))
        return 4
    except OSError as exc:
        say(lock_error(options, exc))
        return 2
    try:
        return body(lock)
    finally:
        lock.release()
