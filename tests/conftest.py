from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes import FakeWorld, Faults, backends_for
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.decider import AutoDecider, Decider
from vixens_tui.core.engine import Engine
from vixens_tui.core.events import Event, StageStarted
from vixens_tui.core.profile import Profile, load_profile

GANDI_TOKEN = "gandi-SECRET-5f0e1d2c3b4a"
SYNOLOGY_PASSWORD = "synology-SECRET-9a8b7c6d"


def write_secret_files(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    gandi = directory / "gandi-credentials.yaml"
    gandi.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gandi-credentials\n"
        f'  namespace: cert-manager\ntype: Opaque\nstringData:\n  api-token: "{GANDI_TOKEN}"\n'
    )
    client = directory / "client-info.yml"
    client.write_text(
        '---\nclients:\n  - host: "192.168.111.69"\n    port: 5000\n    https: false\n'
        f'    username: "talos-csi"\n    password: "{SYNOLOGY_PASSWORD}"\n'
    )
    return gandi, client


def test_profile(root: Path, **overrides: object) -> Profile:
    """The built-in dev profile, moved into `root`, with short timeouts for fakes."""
    base = load_profile("dev")
    tf = root / "terraform"
    tf.mkdir(parents=True, exist_ok=True)
    (tf / "main.tf").write_text("# fake\n")
    gandi, client = write_secret_files(root / "secrets")
    secrets = base.secrets.model_copy(
        update={"gandi_credentials": gandi, "synology_client_info": client}
    )
    update: dict[str, object] = {
        "terraform_dir": tf,
        "kubeconfig": tf / "kubeconfig-dev",
        "talosconfig": tf / "talosconfig-dev",
        "secrets": secrets,
        "timeouts_s": {s: 10.0 for s in base.timeouts_s},
        "wait_progress_s": 0.2,
        "known_issues": base.known_issues.model_copy(
            update={"namespace_grace_s": 0.5, "repo_server_ready_timeout_s": 5.0}
        ),
        "argocd": base.argocd.model_copy(update={"sync_grace_s": 0.2}),
    }
    update.update(overrides)
    return base.model_copy(update=update)


test_profile.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    return test_profile(tmp_path / "env")


@pytest.fixture
def state(tmp_path: Path) -> EnvState:
    return EnvState(tmp_path / "state", "dev").ensure()


class Harness:
    """An engine on fakes, recording its events; the world survives between engines."""

    def __init__(self, profile: Profile, state: EnvState, faults: Faults | None = None) -> None:
        self.profile = profile
        self.state = state
        self.world = FakeWorld(profile, faults)
        self.events: list[Event] = []

    def sink(self, event: Event) -> None:
        if isinstance(event, StageStarted):
            self.world.current_stage = event.stage
        self.events.append(event)

    def engine(self, decider: Decider | None = None, **kwargs: object) -> Engine:
        return Engine(
            self.profile,
            backends_for(self.world),
            self.state,
            decider or AutoDecider(yes=True),
            self.sink,
            **kwargs,  # type: ignore[arg-type]
        )

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def harness(profile: Profile, state: EnvState) -> Callable[..., Harness]:
    def make(faults: Faults | None = None, prebuilt: bool = True) -> Harness:
        h = Harness(profile, state, faults)
        if prebuilt:
            h.world.prebuilt()
        return h

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `long` first, in their order, then the rest in theirs.

    pytest-xdist hands out tests in collection order, and the longest ones (the demo runs, the
    whole TUI runs) are collected last (tests/tui, tests/e2e): one worker ended on them while
    the other sat idle, the last two minutes of a suite beside another one on the same two
    cores (measured 10-45% idle there). Longest first, the short tests fill in at the end.
    Every worker sorts the same way, so their collections still match."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
