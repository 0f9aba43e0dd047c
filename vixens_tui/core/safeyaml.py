"""YAML from files we did not write: read as `safefile` reads, parsed without unbounded
recursion or expansion.

PyYAML's composer recurses once per level (a document nested 3,000 deep is a RecursionError),
and aliases make a small file stand for a huge tree (the "billion laughs": nine aliases of
nine aliases... is 387 million nodes to whoever walks it). Its event parser does neither, so
the events are read first, counting the depth and the nodes as they would be once every alias
is expanded; only a document within both limits is then composed and constructed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vixens_tui.core.safefile import MAX_DEPTH, FileRefused, nesting_error, read_text

MAX_NODES = 1_000_000
"""Nodes once aliases are expanded: a kubeconfig of thousands of contexts stays far below."""

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _syntax(path: Path, exc: Exception) -> FileRefused:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    if isinstance(exc, yaml.YAMLError):
        return FileRefused(path, f"is not valid YAML{where}", "syntax")
    # A scalar the constructor cannot build, such as the date 2021-13-45.
    return FileRefused(path, f"is not valid YAML{where}: {exc}", "syntax")


def check_events(text: str, path: Path, max_depth: int, max_nodes: int) -> None:
    """Raise FileRefused when `text` nests deeper than `max_depth` or stands for more than
    `max_nodes` nodes with its aliases expanded (or is not YAML at all)."""
    starts: list[tuple[str | None, int]] = []  # (anchor, nodes seen before it) per open node
    sizes: dict[str, int] = {}  # anchor -> nodes under it, aliases expanded
    nodes = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, _OPEN):
                starts.append((event.anchor, nodes))
                nodes += 1
                if len(starts) > max_depth:
                    raise nesting_error(path, max_depth)
            elif isinstance(event, _CLOSE):
                anchor, before = starts.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - before
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                nodes += sizes.get(event.anchor or "", 1)  # unknown: the composer will say
            if nodes > max_nodes:
                raise FileRefused(
                    path,
                    f"stands for more than {max_nodes:,} values once its aliases are expanded "
                    f"(a YAML bomb?)",
                    "nesting",
                )
    except yaml.YAMLError as exc:
        raise _syntax(path, exc) from None


def parse_documents(
    text: str, path: Path, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> list[Any]:
    """Every non-empty document of `text`. Raises FileRefused."""
    check_events(text, path, max_depth, max_nodes)
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
        raise _syntax(path, exc) from None
    except RecursionError:  # cannot happen below max_depth; never a traceback all the same
        raise nesting_error(path, max_depth) from None


def parse_one(text: str, path: Path, max_depth: int = MAX_DEPTH) -> Any:
    """The one document of `text` (None when it is empty). Raises FileRefused."""
    docs = parse_documents(text, path, max_depth)
    if len(docs) > 1:
        raise FileRefused(path, f"holds {len(docs)} YAML documents, expected one", "syntax")
    return docs[0] if docs else None


def read_documents(path: Path, limit: int, max_depth: int = MAX_DEPTH) -> list[Any]:
    return parse_documents(read_text(path, limit), path, max_depth)


def read_one(path: Path, limit: int, max_depth: int = MAX_DEPTH) -> Any:
    return parse_one(read_text(path, limit), path, max_depth)
