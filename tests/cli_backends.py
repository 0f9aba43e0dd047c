"""Backends for CLI tests run in a subprocess (through the VIXENS_TUI_BACKENDS hook).

Configured by the VIXENS_FAKE environment variable (JSON):
  {"faults": {...Faults fields...}, "prebuilt": true,
   "child": {"stage": "apply", "pgid_file": PATH}}
`child` makes that Terraform command run a real shell in its own process group (through
vixens_tui.backends.process, as the real backend does) that starts a grandchild and waits,
so signal tests can check that the group is signalled and reaped.
"""

from __future__ import annotations

import json
import os
import sys

from tests.fakes import FakeTerraform, FakeWorld, Faults, backends_for
from vixens_tui.backends import process
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends, TfListener, TfLog, TfResult
from vixens_tui.core.profile.model import Profile
from vixens_tui.options import Options

# The pgid file is written once the trap is set: a test that signals as soon as it reads the
# file finds a child ready to stop the graceful way, however slowly the machine started it.
CHILD_SCRIPT = """
sleep 1000 &
trap 'echo "Interrupt received. Please wait for Terraform to exit..."; kill $!; exit 1' INT
echo $$ > "$PGID_FILE"
echo "terraform: working"
wait
"""


class ChildTerraform(FakeTerraform):
    def __init__(self, world: FakeWorld, stage: str, pgid_file: str) -> None:
        super().__init__(world)
        self.stage = stage
        self.pgid_file = pgid_file

    def _child(self, listener: TfListener, cancel: CancelToken, command: str) -> TfResult | None:
        if command != self.stage:
            return None
        env = {**os.environ, "PGID_FILE": self.pgid_file}
        result = process.run(
            ["/bin/sh", "-c", CHILD_SCRIPT],
            lambda line: listener(TfLog(line)),
            cancel,
            env=env,
            grace_s=5,
        )
        return TfResult(command, result.rc, interrupted=result.interrupted)

    def destroy(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        return self._child(listener, cancel, "destroy") or super().destroy(listener, cancel)

    def apply(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        return self._child(listener, cancel, "apply") or super().apply(listener, cancel)


def make(profile: Profile, options: Options) -> tuple[Profile, Backends]:
    config = json.loads(os.environ.get("VIXENS_FAKE", "{}"))
    faults = config.get("faults", {})
    if "fail_stage" in faults:
        faults["fail_stage"] = {StageName(k): v for k, v in faults["fail_stage"].items()}
    world = FakeWorld(profile, Faults(**faults))
    if config.get("prebuilt", True):
        world.prebuilt()
    backends = backends_for(world)
    child = config.get("child")
    if child:
        backends = Backends(
            terraform=ChildTerraform(world, child["stage"], child["pgid_file"]),
            cluster=backends.cluster,
            http=backends.http,
        )
    print(f"[fake backends for {profile.name}]", file=sys.stderr)
    return profile, backends
