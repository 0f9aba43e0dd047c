"""Small comparisons of versions and endpoints."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_NUM = re.compile(r"\d+")


def version_tuple(text: str) -> tuple[int, ...]:
    core = text.strip().lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(n) for n in _NUM.findall(core)[:3])


def version_at_least(version: str, minimum: str) -> bool:
    return version_tuple(version) >= version_tuple(minimum)


def normalise_endpoint(url: str) -> str:
    """scheme://host:port with the default port made explicit, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme or "https"
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}:{port}"
