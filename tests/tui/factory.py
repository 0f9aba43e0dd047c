"""The TUI on in-memory backends: the app `make_app` builds for users, with tests/fakes.py's world.

Mirrors tests/cli_backends.py (which the tmux test uses through VIXENS_TUI_BACKENDS), but keeps
the world at hand so tests can assert on what the fakes were asked to do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.cliutil import profile_file
from tests.fakes import FakeWorld, Faults, backends_for
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile.model import Profile
from vixens_tui.options import Options
from vixens_tui.tui.app import VixensApp, make_app


@dataclass
class FakeFactory:
    """A backend factory that builds one FakeWorld and remembers it."""

    faults: Faults = field(default_factory=Faults)
    prebuilt: bool = True
    world: FakeWorld | None = None
    tweak: Callable[[FakeWorld], None] | None = None
    """Changes the world once built (a test's particular cluster)."""
    closed: int = 0
    """How many times the backends were closed (the app must close them once, at the end)."""

    def __call__(self, profile: Profile, options: Options) -> tuple[Profile, Backends]:
        if self.world is None:
            self.world = FakeWorld(profile, self.faults)
            if self.prebuilt:
                self.world.prebuilt()
            if self.tweak is not None:
                self.tweak(self.world)
        backends = backends_for(self.world)
        return profile, Backends(
            terraform=backends.terraform,
            cluster=backends.cluster,
            http=backends.http,
            closers=(self._close,),
        )

    def _close(self) -> None:
        self.closed += 1


@dataclass
class TuiEnv:
    """One environment on disk: a profile file and a state directory."""

    root: Path
    profile_path: Path
    state_dir: Path

    def options(self, **changes: object) -> Options:
        base: dict[str, object] = {"config": self.profile_path, "state_dir": self.state_dir}
        base.update(changes)
        return Options(**base)  # type: ignore[arg-type]

    def state(self, options: Options | None = None) -> EnvState:
        opts = options or self.options()
        name = f"{opts.env}-demo" if opts.demo else opts.env
        return EnvState(self.state_dir, name)

    def app(
        self,
        faults: Faults | None = None,
        *,
        prebuilt: bool = True,
        clock: Callable[[], float] = time.time,
        factory: FakeFactory | None = None,
        **options: object,
    ) -> tuple[VixensApp, FakeFactory]:
        opts = self.options(**options)
        fake = factory or FakeFactory(faults or Faults(), prebuilt)
        app = make_app(opts, backend_factory=fake, state=self.state(opts), clock=clock)
        return app, fake


def tui_env(root: Path) -> TuiEnv:
    return TuiEnv(root, profile_file(root / "env"), root / "state")


async def until(
    pilot: object, predicate: Callable[[], bool], timeout: float = 10.0, what: str = ""
) -> None:
    """Let the app run until `predicate()` holds (or fail after `timeout`)."""
    # The app runs in this event loop (run_test): sleeping lets it work. (pilot.pause would
    # also wait for the process to look idle, which the engine's thread delays.)
    del pilot
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def showing(app: object, kind: type) -> Callable[[], bool]:
    """A predicate: the app shows a screen of this kind, composed and mounted."""

    def check() -> bool:
        screen = app.screen  # type: ignore[attr-defined]
        return isinstance(screen, kind) and bool(screen.is_mounted)  # type: ignore[attr-defined]

    return check
