"""A cluster that says a registered secret wherever a cluster can say something (issue 10).

The Gandi token of the test secret files (tests/conftest.py) turns up, as is and base64-encoded,
in a pod's status reason, an Application's condition and last sync message, a Certificate's
message, the API's error while it is unreachable, a pod's log lines and events, and the error of
a pod whose logs cannot be read. Everything else is tests/fakes.py's world.

`make` is also a `VIXENS_TUI_BACKENDS` hook, so the real command can run on it in a subprocess.
"""

from __future__ import annotations

import base64
from dataclasses import replace

from tests.conftest import GANDI_TOKEN
from tests.fakes import FakeCluster, FakeWorld, backends_for
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.cluster import AppInfo, CertificateInfo, ClusterSnapshot, PodInfo
from vixens_tui.core.ports import Backends, ClusterError
from vixens_tui.core.profile.model import Profile
from vixens_tui.options import Options

TOKEN = GANDI_TOKEN
TOKEN_B64 = base64.b64encode(TOKEN.encode()).decode()

LEAKY_POD = ("cert-manager", "cert-manager-webhook-gandi-leaky")
"""Its status reason, log lines and events all carry the token."""
BROKEN_POD = ("cert-manager", "cert-manager-webhook-gandi-broken")
"""Reading its logs fails with an API error quoting the token."""
LEAKY_APP = "gandi-dns"
LEAKY_CERT = CertificateInfo(
    namespace="whoami",
    name="whoami-tls",  # a Certificate the profile lists: the validation waits for it
    ready=False,
    reason="Failed",
    message=f"challenge failed: Gandi refused the API key {TOKEN}",
)
UNREACHABLE = f"Unauthorized: the webhook's API key {TOKEN} is not a bearer token"


def leak_into(world: FakeWorld) -> None:
    """Add the leaky pods and Application to a built world."""
    for namespace, name in (LEAKY_POD, BROKEN_POD):
        world.pods[(namespace, name)] = PodInfo(
            namespace=namespace,
            name=name,
            phase="Pending",
            containers=1,
            reason=f"CreateContainerConfigError: key {TOKEN} ({TOKEN_B64})",
        )
    world.apps[LEAKY_APP] = AppInfo(
        name=LEAKY_APP,
        namespace=world.profile.argocd.namespace,
        sync="OutOfSync",
        health="Degraded",
        destination_namespace="gandi-dns",  # never created: the app stays as it is
        conditions=(f"ComparisonError: key {TOKEN} rejected",),
        operation_phase="Failed",
        operation_message=f"gandi: 403 for {TOKEN_B64}",
    )
    world.bump()


class LeakyCluster(FakeCluster):
    def __init__(self, world: FakeWorld) -> None:
        super().__init__(world)
        self._said_unreachable = False

    def _leak(self, snap: ClusterSnapshot) -> ClusterSnapshot:
        if not snap.reachable:
            return replace(snap, error=UNREACHABLE)
        others = tuple(c for c in snap.certificates if c.name != LEAKY_CERT.name)
        return replace(snap, certificates=(*others, LEAKY_CERT))

    def snapshot(self) -> ClusterSnapshot:
        return self._leak(super().snapshot())

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        if after_version < 0 and not self._said_unreachable:
            # The run's first look at the cluster (the observer's): unreachable, and why.
            self._said_unreachable = True
            return ClusterSnapshot(version=0, reachable=False, error=UNREACHABLE)
        return self._leak(super().wait_for_change(after_version, timeout, cancel))

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        if (namespace, name) == BROKEN_POD:
            raise ClusterError(f"container webhook: bad API key {TOKEN}", status=400)
        logs = super().pod_logs(namespace, name, tail)
        return logs + (
            f'level=debug msg="Gandi API key loaded" key={TOKEN}\n'
            f'level=debug msg="Authorization header" value="Apikey {TOKEN_B64}"\n'
        )

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        return (
            *super().pod_events(namespace, name),
            f"Warning  Failed  pod/{name}  Error: gandi API refused key {TOKEN}",
            f"Warning  Failed  pod/{name}  secret data api-token: {TOKEN_B64}",
        )


def leaky_backends(world: FakeWorld) -> Backends:
    fakes = backends_for(world)
    return Backends(terraform=fakes.terraform, cluster=LeakyCluster(world), http=fakes.http)


def make(profile: Profile, options: Options) -> tuple[Profile, Backends]:
    """The `VIXENS_TUI_BACKENDS` hook: a built, leaky world."""
    world = FakeWorld(profile).prebuilt()
    leak_into(world)
    return profile, leaky_backends(world)
