"""The in-memory backends of tests/cli_backends.py, which also write down every call they got
(to $VIXENS_CALLS_FILE, when the process exits): a test can then prove that nothing was
destroyed, not merely that the checkpoint says so."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from tests import cli_backends
from tests.fakes import FakeTerraform
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile.model import Profile
from vixens_tui.options import Options


def make(profile: Profile, options: Options) -> tuple[Profile, Backends]:
    profile, backends = cli_backends.make(profile, options)
    terraform = backends.terraform
    assert isinstance(terraform, FakeTerraform)
    world = terraform.world
    out = Path(os.environ["VIXENS_CALLS_FILE"])
    atexit.register(lambda: out.write_text("".join(f"{call}\n" for call in world.calls)))
    return profile, backends
