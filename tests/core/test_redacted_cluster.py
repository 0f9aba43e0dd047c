"""The cluster as every front end receives it (issue 10, point 6): whatever it reads from the
API (snapshots, pod logs, pod events, errors) comes back masked; the session's redactor knows
the secret files' values from the start, best effort."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import GANDI_TOKEN, SYNOLOGY_PASSWORD
from tests.fakes import FakeWorld
from tests.leaky import BROKEN_POD, LEAKY_POD, UNREACHABLE, leak_into, leaky_backends
from vixens_tui.core.ports import ClusterBackend, ClusterError
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.redact import MASK, Redactor
from vixens_tui.core.redacted_cluster import RedactedCluster, redacted_backends
from vixens_tui.core.secret_values import learn_secret_values


@pytest.fixture
def redactor() -> Redactor:
    r = Redactor()
    r.add(GANDI_TOKEN)
    return r


@pytest.fixture
def world(profile: Profile) -> FakeWorld:
    w = FakeWorld(profile).prebuilt()
    leak_into(w)
    return w


def masked(text: str) -> bool:
    return MASK in text and GANDI_TOKEN not in text


def test_what_the_cluster_says_comes_back_masked(world: FakeWorld, redactor: Redactor) -> None:
    cluster = redacted_backends(leaky_backends(world), redactor).cluster
    assert isinstance(cluster, ClusterBackend)
    first = cluster.wait_for_change(-1, 1.0)
    assert not first.reachable and first.error == UNREACHABLE.replace(GANDI_TOKEN, MASK)
    for snap in (cluster.snapshot(), cluster.wait_for_change(first.version, 1.0)):
        assert GANDI_TOKEN not in repr(snap)
        assert masked(snap.certificates[-1].message)
    assert masked(cluster.pod_logs(*LEAKY_POD))
    events = cluster.pod_events(*LEAKY_POD)
    assert sum(MASK in e for e in events) == 2 and not [e for e in events if GANDI_TOKEN in e]
    with pytest.raises(ClusterError) as caught:
        cluster.pod_logs(*BROKEN_POD)
    assert masked(str(caught.value)) and caught.value.status == 400
    assert GANDI_TOKEN not in repr(caught.value.args)
    # Actions go through unchanged.
    assert cluster.create_namespace("fresh") is True
    assert "create namespace fresh" in world.calls


def test_the_wrapper_is_put_on_once(world: FakeWorld, redactor: Redactor) -> None:
    backends = leaky_backends(world)
    once = redacted_backends(backends, redactor)
    assert isinstance(once.cluster, RedactedCluster)
    assert redacted_backends(once, redactor) is once
    assert once.terraform is backends.terraform and once.http is backends.http
    assert once.closers == backends.closers


def test_the_session_learns_the_secret_files(profile: Profile) -> None:
    r = Redactor()
    learn_secret_values(profile, r)
    assert r.scrub(f"{GANDI_TOKEN} {SYNOLOGY_PASSWORD}") == f"{MASK} {MASK}"


def test_an_unreadable_secret_file_is_left_to_preflight(profile: Profile, tmp_path: Path) -> None:
    """Preflight says what is wrong with a file; opening the session says nothing."""
    missing = profile.secrets.model_copy(update={"gandi_credentials": tmp_path / "nope.yaml"})
    r = Redactor()
    learn_secret_values(profile.model_copy(update={"secrets": missing}), r)
    assert r.scrub(SYNOLOGY_PASSWORD) == MASK  # the other file still counts
    garbage = tmp_path / "garbage.yml"
    garbage.write_text("clients: [: oops\n")
    broken = profile.secrets.model_copy(update={"synology_client_info": garbage})
    r = Redactor()
    learn_secret_values(profile.model_copy(update={"secrets": broken}), r)
    assert r.scrub(GANDI_TOKEN) == MASK
