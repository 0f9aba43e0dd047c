"""Is this terraform recent enough? (preflight: terraform >= the profile's minimum)."""

from __future__ import annotations

import re

from vixens_tui.core.ports import TerraformBackend, TerraformError

_NUMBERS = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int]:
    """ "1.15.5", "v1.5.0", "1.6.0-beta1" -> (major, minor, patch). Raises ValueError."""
    found = _NUMBERS.match(text.strip())
    if found is None:
        raise ValueError(f"not a version: {text!r}")
    major, minor, patch = (int(part or 0) for part in found.groups())
    return major, minor, patch


def version_satisfies(version: str, minimum: str) -> bool:
    """Whether `version` >= `minimum` (a pre-release counts as its release)."""
    return parse_version(version) >= parse_version(minimum)


def check_version(backend: TerraformBackend, minimum: str) -> str:
    """The backend's terraform version; TerraformError when older than `minimum`."""
    version = backend.version()
    if not version_satisfies(version, minimum):
        raise TerraformError(f"terraform {version} is older than the required {minimum}")
    return version
