from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.fakes import FakeWorld, Faults, backends_for
from tests.loopback_only import GUARD_DIR, LOG_ENV, install
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.decider import AutoDecider, Decider
from vixens_tui.core.engine import Engine
from vixens_tui.core.events import Event, StageStarted
from vixens_tui.core.profile import Profile, load_profile

_Test = TypeVar("_Test", bound=Callable[..., object])

_SSL_LEFTOVERS = pytest.mark.filterwarnings("ignore:unclosed <ssl.SSLSocket:ResourceWarning")


@pytest.fixture
def _collect_ssl_leftovers() -> Iterator[None]:
    yield
    gc.collect()  # under the filter: the sockets CPython's ssl left behind die in this test


SERVER_GOES_AWAY = (_SSL_LEFTOVERS, pytest.mark.usefixtures("_collect_ssl_leftovers"))
"""The marks (as `pytestmark`; `server_goes_away` decorates one test) for the tests whose API server goes away while clients connect (an outage, a demo whose
cluster is destroyed or made unreachable by its faults).

CPython 3.11's ssl (SSLSocket._create) re-raises a ConnectionResetError met between the TCP
connect and the TLS handshake without closing the socket whose descriptor it has taken over:
the garbage collector closes it later, with a ResourceWarning in whatever test runs then (seen
about once in four runs of the suite; caught by wrapping _create, the reset always beside the
leak). Those tests ignore that warning and collect such sockets before they end, so it never
lands in another test. The backend's own connections are counted by
tests/backends/test_kube_sim.py::test_stop_closes_every_connection_it_opened."""


def server_goes_away(test: _Test) -> _Test:
    for mark in SERVER_GOES_AWAY:
        test = mark(test)
    return test


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


def pytest_configure(config: pytest.Config) -> None:
    """No traffic leaves the loopback (tests/loopback_only.py): the guard in this process, and
    in every Python it starts (through PYTHONPATH; the workers inherit the controller's)."""
    if not os.environ.get(LOG_ENV):
        fd, path = tempfile.mkstemp(prefix="vixens-netguard-", suffix=".log")
        os.close(fd)
        os.environ[LOG_ENV] = path
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if GUARD_DIR not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([*paths, GUARD_DIR])
    install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # the controller reads the one log, once every worker has finished
    path = os.environ.get(LOG_ENV, "")
    try:
        found = Path(path).read_text(encoding="utf-8") if path else ""
    except OSError:
        found = ""
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("connections off the loopback were refused:\n" + found, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_SLOW_DIRS = ("e2e", "sim", "backends")
"""Whole folders that start real engines: the demo, the simulated cluster, Terraform's engine,
kubectl, the Talos nodes' gRPC servers."""
_SLOW_TUI = ("test_tmux", "test_demo_pilot")
"""The TUI tests in a real terminal or on the demo (the others run the app on fakes)."""
_FAST_TOP = {"test_headless_render.py", "test_layers.py", "test_loopback_only.py"}
"""The top-level tests that do not run the real command as a process."""


def _starts_something_real(path: Path) -> bool:
    """A simulated cluster, a Terraform run, a terminal or the CLI as a process: the `slow`
    tier. `pytest -m "not slow"` is the fast one (core, profile, checkpoint, relay, decider,
    the TUI on fakes)."""
    parts = path.parts[path.parts.index("tests") + 1 :] if "tests" in path.parts else ()
    if not parts:
        return False
    if len(parts) == 1:
        return parts[0] not in _FAST_TOP
    return parts[0] in _SLOW_DIRS or (parts[0] == "tui" and parts[-1].startswith(_SLOW_TUI))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that starts something real is marked `slow` (see _starts_something_real).
    Then the tests marked `long` first, in their order, then the rest in theirs.

    pytest-xdist hands out tests in collection order, and the longest ones (the demo runs, the
    whole TUI runs) are collected last (tests/tui, tests/e2e): one worker ended on them while
    the other sat idle, the last two minutes of a suite beside another one on the same two
    cores (measured 10-45% idle there). Longest first, the short tests fill in at the end.
    Every worker sorts the same way, so their collections still match."""
    for item in items:
        if _starts_something_real(item.path) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
