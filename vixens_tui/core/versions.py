"""Small comparisons of versions and endpoints."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_NUM = re.compile(r"\d+")


def version_tuple(text: str) -> tuple[int, ...]:
    core = text.strip().lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(n) for n in _NUM.findall(core)[:3])


def same_version(found: str, wanted: str, match: str = "minor") -> bool:
    """Whether `found` is `wanted` as far as `match` goes: "minor" (1.34.x is 1.34.0) or
    "patch". A `wanted` that names only a minor ("v1.34") is compared on its minor."""
    want = version_tuple(wanted)
    depth = min(2 if match == "minor" else 3, len(want))
    return bool(want) and version_tuple(found)[:depth] == want[:depth]


def version_at_least(version: str, minimum: str) -> bool:
    return version_tuple(version) >= version_tuple(minimum)


def normalise_endpoint(url: str) -> str:
    """scheme://host:port with the default port made explicit, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme or "https"
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}:{port}"
