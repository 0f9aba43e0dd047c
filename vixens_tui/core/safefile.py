"""Reading files we did not write in this process: state, profile, secrets, kubeconfig.

Anything may sit at a path we read: a FIFO (a blocking open waits forever for a writer), a
device (a symlink to /dev/zero never ends), a directory, a file of gigabytes, garbage, or a
document nested 100,000 levels deep (every parser here recurses, and a RecursionError is a
crash). So a file is read only when it is a regular file (a symlink to one is fine: kubeconfigs
often are), opened without blocking, and never more than its kind's size cap; JSON and TOML
are checked for nesting before they are parsed (YAML in `safeyaml`).

Every failure is one `FileRefused`, with the path and a one-line problem; callers turn it into
their own message and exit 2. The standard library only: the lock reads its file through this
module before anything heavy is imported.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any, Literal

KIB = 1 << 10
MIB = 1 << 20
MAX_DEPTH = 64
"""Nesting allowed by default: our files need fewer than 10 levels; the parsers' own limits
(Python's recursion limit) are far above what a thread's stack can take in every case."""

Reason = Literal["missing", "special", "unreadable", "too-large", "encoding", "syntax", "nesting"]
"""Why a file was refused. `missing`: nothing there (often an ordinary state for the caller);
`special`: not a regular file (never read); `unreadable`: an OS error (permissions); the
others concern its content: too large, not UTF-8, not valid, nested too deep."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class FileRefused(Exception):
    """A file that cannot be used: `path`, a one-line `problem`, and the `reason`."""

    def __init__(self, path: Path, problem: str, reason: Reason) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.reason = reason

    @property
    def missing(self) -> bool:
        return self.reason == "missing"

    @property
    def content(self) -> bool:
        """The file was read and its content is bad (as opposed to: not read at all)."""
        return self.reason in ("too-large", "encoding", "syntax", "nesting")


def describe_mode(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _special(path: Path, mode: int) -> FileRefused:
    return FileRefused(path, f"is {describe_mode(mode)}, not a regular file", "special")


def _os_error(path: Path, exc: OSError) -> FileRefused:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return FileRefused(path, "file not found", "missing")
    if exc.errno == errno.EISDIR:
        return FileRefused(path, "is a directory, not a regular file", "special")
    if exc.errno in (errno.ENXIO, errno.ENODEV):  # a FIFO without reader, a socket, a device
        return FileRefused(path, "is not a regular file", "special")
    return FileRefused(path, f"cannot read: {exc.strerror or exc}", "unreadable")


def open_regular(path: Path, flags: int = os.O_RDONLY, mode: int = 0o600) -> int:
    """A descriptor on the regular file at `path` (following symlinks), opened without
    blocking; FileRefused for anything else. With O_CREAT in `flags` a missing file is made.

    The type is checked twice: with stat before the open, so that a FIFO or a device is never
    even opened, and with fstat after it, in case the path was swapped in between.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise FileRefused(path, "file not found", "missing") from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    else:
        if not stat.S_ISREG(info.st_mode):
            raise _special(path, info.st_mode)
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC, mode)
    except OSError as exc:
        raise _os_error(path, exc) from None
    try:
        opened = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise _os_error(path, exc) from None
    if not stat.S_ISREG(opened):
        os.close(fd)
        raise _special(path, opened)
    return fd


def human_size(size: int) -> str:
    return f"{size // MIB} MiB" if size >= MIB and size % MIB == 0 else f"{size // KIB} KiB"


def read_fd(fd: int, path: Path, limit: int) -> bytes:
    """At most `limit` bytes from `fd`; FileRefused when there are more (reading `limit` + 1
    bytes at most, so a file growing while we read cannot take the memory)."""
    size = os.fstat(fd).st_size
    if size > limit:
        raise _too_large(path, limit)
    chunks: list[bytes] = []
    left = limit + 1
    try:
        while left > 0:
            chunk = os.read(fd, min(left, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise _os_error(path, exc) from None
    data = b"".join(chunks)
    if len(data) > limit:
        raise _too_large(path, limit)
    return data


def _too_large(path: Path, limit: int) -> FileRefused:
    return FileRefused(
        path, f"is larger than {human_size(limit)}, more than such a file ever holds", "too-large"
    )


def read_bytes(path: Path, limit: int) -> bytes:
    """The whole regular file at `path`, at most `limit` bytes. Raises FileRefused."""
    fd = open_regular(path)
    try:
        return read_fd(fd, path, limit)
    finally:
        os.close(fd)


def read_bytes_and_stat(path: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """`read_bytes`, with the stat of the very file read (one open, no race between the two)."""
    fd = open_regular(path)
    try:
        info = os.fstat(fd)
        return read_fd(fd, path, limit), info
    finally:
        os.close(fd)


def decode(data: bytes, path: Path) -> str:
    """UTF-8 text (a leading byte-order mark dropped, as editors on some systems add one)."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            path,
            f"is not UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 1]!r})",
            "encoding",
        ) from None


def read_text(path: Path, limit: int) -> str:
    return decode(read_bytes(path, limit), path)


def iter_lines(path: Path, line_limit: int) -> Iterator[bytes | None]:
    """The lines of a regular file (an append-only log), streamed: any number of lines, each
    at most `line_limit` bytes; a longer one is skipped whole and yields None in its place."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as handle:
        while True:
            line = handle.readline(line_limit + 1)
            if not line:
                return
            if len(line) <= line_limit or line.endswith(b"\n"):
                yield line
                continue
            while line and not line.endswith(b"\n"):  # the rest of the over-long line
                line = handle.readline(MIB)
            yield None


def nesting_error(path: Path, limit: int) -> FileRefused:
    return FileRefused(
        path, f"is nested more than {limit} levels deep, far more than such a file needs", "nesting"
    )


# -- JSON ------------------------------------------------------------------------------------

_JSON_ESCAPE = re.compile(r"\\.", re.DOTALL)
_JSON_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_nesting(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings ignored).

    Linear, in C: escapes are dropped first, so every remaining quote opens or closes a
    string and strings go with one regex that cannot backtrack. For an invalid text the
    figure is an upper bound up to where the parser would stop, which is all we need.
    """
    outside = _JSON_STRING.sub("", _JSON_ESCAPE.sub("", text))
    # UTF-8 never uses an ASCII byte inside a multi-byte character: bytes.translate can drop
    # everything but the brackets at C speed.
    brackets = outside.encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, path: Path, max_depth: int = MAX_DEPTH) -> Any:
    """Strict JSON (no NaN nor Infinity), at most `max_depth` levels. Raises FileRefused."""
    if json_nesting(text) > max_depth:
        raise nesting_error(path, max_depth)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:  # JSONDecodeError, NaN, an integer of 5,000 digits
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FileRefused(path, f"is not valid JSON: {problem}", "syntax") from None
    except RecursionError:  # cannot happen below max_depth; never a traceback all the same
        raise nesting_error(path, max_depth) from None


# -- TOML ------------------------------------------------------------------------------------

_TOML_SPECIAL = re.compile(r"""[\[\]{}"'#]""")
_TOML_BASIC = re.compile(r'(?:[^"\\\n]|\\.)*"')
_TOML_MULTI_BASIC = re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)


def toml_nesting(text: str, limit: int) -> int:
    """How deep the arrays and inline tables of a TOML text nest (strings and comments
    skipped); stops counting once past `limit`. Invalid text: an upper bound, as for JSON."""
    depth = deepest = 0
    pos, end = 0, len(text)
    while deepest <= limit:
        found = _TOML_SPECIAL.search(text, pos)
        if found is None:
            break
        char, pos = found.group(), found.end()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
        elif char == "#":
            newline = text.find("\n", pos)
            pos = end if newline < 0 else newline
        elif char == "'":
            closing = "'''" if text.startswith("''", pos) else "'"
            start = pos + len(closing) - 1
            stop = text.find(closing, start)
            pos = end if stop < 0 else stop + len(closing)
        else:
            multi = text.startswith('""', pos)
            pattern = _TOML_MULTI_BASIC if multi else _TOML_BASIC
            match = pattern.match(text, pos + 2 if multi else pos)
            pos = end if match is None else match.end()
    return deepest


def structure_depth(value: Any, limit: int) -> int:
    """How deep nested dicts and lists go (iteratively: safe on any depth); stops past
    `limit`. TOML's dotted keys (`a.b.c... = 1`) nest without a single bracket."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and deepest <= limit:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth + 1)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_toml(text: str, path: Path, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """TOML, at most `max_depth` levels deep. Raises FileRefused."""
    if toml_nesting(text, max_depth) > max_depth:
        raise nesting_error(path, max_depth)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileRefused(path, f"is not valid TOML: {exc}", "syntax") from None
    except RecursionError:
        raise nesting_error(path, max_depth) from None
    # The document's own table counts as one level in `structure_depth`, not in the text.
    if structure_depth(data, max_depth + 1) > max_depth + 1:
        raise nesting_error(path, max_depth)
    return data
