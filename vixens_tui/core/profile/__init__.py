"""Profiles: one TOML file per environment, validated by pydantic."""

from vixens_tui.core.profile.loader import ProfileError, load_profile, resolve_profile_path
from vixens_tui.core.profile.model import (
    AppSpec,
    GitOpsSource,
    HttpCheck,
    NodeSpec,
    Profile,
)

__all__ = [
    "AppSpec",
    "GitOpsSource",
    "HttpCheck",
    "NodeSpec",
    "Profile",
    "ProfileError",
    "load_profile",
    "resolve_profile_path",
]
