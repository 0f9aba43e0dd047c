"""Label and field selectors, with the grammar the real API server accepts.

Labels: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not
exist), comma-separated (all must hold). Fields: dotted paths into the object with `=`, `==`
or `!=`; a missing field reads as "" so `spec.nodeName=` finds unscheduled pods, as on a real
server (which supports fewer paths per kind: accepting any path only makes this one lenient).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_EQ = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|!=|=)\s*(?P<value>[-A-Za-z0-9_.]*)\s*$")
_EXISTS = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


class SelectorError(ValueError):
    """A selector that does not parse; the API server answers 400 BadRequest."""


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside a `(...)` value set."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


Requirement = Callable[[Mapping[str, str]], bool]


def _requirement(term: str) -> Requirement:
    if match := _SET.match(term):
        key = match["key"]
        values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
        if match["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ.match(term):
        key, value = match["key"], match["value"]
        if match["op"] == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS.match(term):
        key = match["key"]
        if match["neg"]:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise SelectorError(f"unable to parse requirement: {term.strip()!r}")


@dataclass(frozen=True, slots=True)
class LabelSelector:
    text: str
    requirements: tuple[Requirement, ...]

    @classmethod
    def parse(cls, text: str | None) -> LabelSelector:
        text = text or ""
        return cls(text, tuple(_requirement(t) for t in _split_top(text)))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(req(labels) for req in self.requirements)

    def matches_object(self, obj: Mapping[str, Any]) -> bool:
        return self.matches(obj.get("metadata", {}).get("labels"))

    @property
    def empty(self) -> bool:
        return not self.requirements


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string form of a dotted path's value, "" when absent (as the API server compares)."""
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return ""
        current = current[part]
    if isinstance(current, bool):
        return "true" if current else "false"
    if current is None:
        return ""
    return str(current)


_FIELD = re.compile(r"^\s*(?P<path>[A-Za-z0-9_.]+)\s*(?P<op>==|!=|=)\s*(?P<value>.*?)\s*$")


FieldValue = Callable[[Mapping[str, Any]], str]
"""How a kind computes a selectable field that is no plain path (field_labels.py)."""


@dataclass(frozen=True, slots=True)
class FieldSelector:
    text: str
    terms: tuple[tuple[str, bool, str], ...]
    """(path, equal, value): `equal` False for `!=`."""
    values: Mapping[str, FieldValue] = field(default_factory=dict)
    """Paths whose value a function computes, the others being read as dotted paths."""

    @classmethod
    def parse(cls, text: str | None) -> FieldSelector:
        text = text or ""
        terms = []
        for term in _split_top(text):
            match = _FIELD.match(term)
            if match is None:
                raise SelectorError(
                    f"invalid selector: '{text}'; can't understand '{term.strip()}'"
                )
            terms.append((match["path"], match["op"] != "!=", match["value"]))
        return cls(text, tuple(terms))

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all((self._value(obj, path) == value) == equal for path, equal, value in self.terms)

    def _value(self, obj: Mapping[str, Any], path: str) -> str:
        compute = self.values.get(path)
        return compute(obj) if compute is not None else field_value(obj, path)

    @property
    def empty(self) -> bool:
        return not self.terms

    def exact_name(self) -> str | None:
        """The name a `metadata.name=X` term pins down (kubectl wait and delete use it)."""
        for path, equal, value in self.terms:
            if path == "metadata.name" and equal:
                return value
        return None
