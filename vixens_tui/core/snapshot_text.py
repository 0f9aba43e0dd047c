"""Masking secrets inside a `ClusterSnapshot`, cheaply enough for every snapshot.

A 5,000-pod snapshot can arrive up to 20 times a second, and almost never holds a secret. So
each kind of object is searched once, all its texts joined into one string (C-speed joins and
substring searches, no Python loop per field); only a kind with a match is walked object by
object, and only the objects with a match are copied. Everything else is the very same object.

The text fields are found from the dataclasses' annotations (`str` and `tuple[str, ...]`), so a
field added to `cluster.py` later is covered without a change here. Mappings (pod labels) are
left alone: selectors match them and no screen shows them.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

from vixens_tui.core.cluster import ClusterSnapshot

Scrub = Callable[[str], str]
"""Returns its argument itself when there is nothing to mask."""

_TEXTS = tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    """The text fields of one dataclass, and the nested object tuples (by element class)."""

    strings: tuple[str, ...]
    texts: tuple[str, ...]
    objects: tuple[tuple[str, type], ...] = ()


@functools.cache
def _shape(cls: type) -> _Shape:
    hints = typing.get_type_hints(cls)
    strings, texts, objects = [], [], []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if hint is str:
            strings.append(f.name)
        elif hint == _TEXTS:
            texts.append(f.name)
        elif typing.get_origin(hint) is tuple:
            element = typing.get_args(hint)[0]
            if dataclasses.is_dataclass(element) and isinstance(element, type):
                objects.append((f.name, element))
    return _Shape(tuple(strings), tuple(texts), tuple(objects))


def _joined(items: Sequence[Any], shape: _Shape) -> str:
    """Every text of `items`, NUL-separated (no secret holds a NUL: no match across two)."""
    parts: list[str] = []
    if len(shape.strings) == 1:
        parts.extend(map(attrgetter(shape.strings[0]), items))
    elif shape.strings:
        parts.extend(chain.from_iterable(map(attrgetter(*shape.strings), items)))
    for name in shape.texts:
        parts.extend(chain.from_iterable(map(attrgetter(name), items)))
    return "\0".join(parts)


def _scrub_one(item: Any, shape: _Shape, scrub: Scrub) -> Any:
    changes: dict[str, Any] = {}
    for name in shape.strings:
        value = getattr(item, name)
        clean = scrub(value)
        if clean is not value:
            changes[name] = clean
    for name in shape.texts:
        values = getattr(item, name)
        cleaned = tuple(map(scrub, values))
        if any(c is not v for c, v in zip(cleaned, values, strict=True)):
            changes[name] = cleaned
    return dataclasses.replace(item, **changes) if changes else item


def _scrub_items(
    items: tuple[Any, ...], cls: type, needles: tuple[str, ...], scrub: Scrub
) -> tuple[Any, ...]:
    if not items:
        return items
    shape = _shape(cls)
    joined = _joined(items, shape)
    if not any(needle in joined for needle in needles):
        return items
    cleaned = tuple(_scrub_one(item, shape, scrub) for item in items)
    return cleaned if any(c is not i for c, i in zip(cleaned, items, strict=True)) else items


def scrub_snapshot(
    snap: ClusterSnapshot, needles: tuple[str, ...], scrub: Scrub
) -> ClusterSnapshot:
    """`snap` with `scrub` applied to every text that holds one of `needles`."""
    shape = _shape(ClusterSnapshot)
    top: ClusterSnapshot = _scrub_one(snap, shape, scrub)
    changes: dict[str, Any] = {}
    for name, cls in shape.objects:
        items = getattr(snap, name)
        cleaned = _scrub_items(items, cls, needles, scrub)
        if cleaned is not items:
            changes[name] = cleaned
    return dataclasses.replace(top, **changes) if changes else top
