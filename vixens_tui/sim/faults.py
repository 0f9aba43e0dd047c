"""The faults of the CLI contract (`--faults NAME[=RATE],...`), each reproducing one symptom.

- `cilium-destroy-timeout`: the Cilium release's destroy hook fails with the procedure's
  `Error: Error uninstalling release: dial tcp HOST:6443: i/o timeout` (known issue 1).
- `cert-manager-namespace-missing`: the apps bound for the cert-manager namespace fail to sync
  with `namespaces "cert-manager" not found` until the namespace exists and a sync is forced.
- `repo-server-eof`: Argo CD's repo-server answers EOF after the apps appear, until its pods are
  replaced (known issue 3).
- `node-reset-failed`: the last node's Talos API refuses the destroy's reset (talosctl's dial
  error); the provisioner swallows it ("Warning: Node reset failed, continuing destroy") and
  the node stays installed, until a second reset.
- `etcd-snapshot-failed`: every control plane's EtcdSnapshot fails as Talos reports an etcd
  that cannot stream one (`failed reading etcd snapshot: etcdserver: request timed out`).
- `api-flaky[=RATE]`: a share of API requests (default 10%) answer 500/503 or stall, watches
  drop mid-stream or get 410 Gone on resume. Failures happen before any write: no data is lost.

Nothing in the API reveals a fault except its symptom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vixens_tui.sim.rand import Rand

CILIUM_DESTROY_TIMEOUT = "cilium-destroy-timeout"
CERT_MANAGER_NAMESPACE_MISSING = "cert-manager-namespace-missing"
REPO_SERVER_EOF = "repo-server-eof"
NODE_RESET_FAILED = "node-reset-failed"
ETCD_SNAPSHOT_FAILED = "etcd-snapshot-failed"
API_FLAKY = "api-flaky"
NAMES = (
    CILIUM_DESTROY_TIMEOUT,
    CERT_MANAGER_NAMESPACE_MISSING,
    REPO_SERVER_EOF,
    NODE_RESET_FAILED,
    ETCD_SNAPSHOT_FAILED,
    API_FLAKY,
)
DEFAULT_FLAKY_RATE = 0.1


class FaultError(ValueError):
    """An unknown fault name or a bad rate (a usage error for the CLI)."""


@dataclass(frozen=True, slots=True)
class Faults:
    active: frozenset[str] = frozenset()
    flaky_rate: float = 0.0

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Faults:
        """Fault specs: names, `api-flaky=0.3`, or comma-separated lists of them."""
        active: set[str] = set()
        rate = 0.0
        for spec in specs:
            for item in (s.strip() for s in spec.split(",")):
                if not item:
                    continue
                name, sep, value = item.partition("=")
                name = name.strip()
                if name not in NAMES:
                    raise FaultError(f"unknown fault {name!r}; valid faults: {', '.join(NAMES)}")
                if sep and name != API_FLAKY:
                    raise FaultError(f"fault {name!r} takes no value")
                if name == API_FLAKY:
                    try:
                        rate = float(value) if sep else DEFAULT_FLAKY_RATE
                    except ValueError:
                        raise FaultError(
                            f"api-flaky rate must be a number, not {value!r}"
                        ) from None
                    if not 0.0 <= rate <= 1.0:
                        raise FaultError("api-flaky rate must be between 0 and 1")
                active.add(name)
        return cls(frozenset(active), rate)

    def has(self, name: str) -> bool:
        return name in self.active

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in NAMES if n in self.active)


@dataclass
class FlakyApi:
    """The `api-flaky` behaviour, called by the API server per request (server.Disruptions)."""

    rate: float
    rand: Rand
    enabled: bool = True
    max_delay_s: float = 1.0
    """Slow answers stall up to this many real seconds."""
    max_watch_s: float = 3.0
    """Dropped watches are cut within this many real seconds."""
    stats: dict[str, int] = field(default_factory=dict)

    def _hit(self, what: str, share: float = 1.0) -> bool:
        if not self.enabled or self.rate <= 0:
            return False
        hit = self.rand.chance(self.rate * share)
        if hit:
            self.stats[what] = self.stats.get(what, 0) + 1
        return hit

    def failure(self) -> tuple[int, str, str] | None:
        if not self._hit("5xx", 0.5):
            return None
        if self.rand.chance(0.5):
            return 500, "InternalError", "Internal error occurred: etcdserver: request timed out"
        return 503, "ServiceUnavailable", "the server is currently unable to handle the request"

    def delay_s(self) -> float:
        if not self._hit("slow", 0.5):
            return 0.0
        return self.rand.uniform(self.max_delay_s / 4, self.max_delay_s)

    def drop_watch_after_s(self) -> float | None:
        return self.rand.uniform(0.1, self.max_watch_s) if self._hit("watch-drop") else None

    def expire_resume(self) -> bool:
        return self._hit("watch-410")
