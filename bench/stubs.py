"""Minimal backends for the benchmarks that measure something else than the cluster or HTTP
(the log flood), and the helpers that build the TUI around given backends.

These are not fakes of behaviour (tests/fakes.py does that): a cluster that never changes, an
HTTP prober that is never called, and a bench stage that runs what is being measured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.cluster import ClusterSnapshot, NodeInfo, PodInfo
from vixens_tui.core.context import StageContext
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends, HttpResult
from vixens_tui.core.profile import Profile, load_profile
from vixens_tui.core.stages.base import CheckResult, Stage
from vixens_tui.options import Options


class StaticCluster:
    """A reachable three-node cluster that never changes."""

    def __init__(self) -> None:
        now = time.time()
        self._snap = ClusterSnapshot(
            version=1,
            reachable=True,
            server="https://bench.invalid:6443",
            nodes=tuple(
                NodeInfo(n, True, ("control-plane",), "v1.34.0", now - 3600)
                for n in ("obsy", "onyx", "opale")
            ),
            pods=tuple(
                PodInfo("kube-system", f"coredns-{i}", "Running", 1, 1, 0, now - 3000)
                for i in range(2)
            ),
            synced_kinds=frozenset({"nodes", "pods", "namespaces"}),
        )

    def kubeconfig_server(self) -> str | None:
        return self._snap.server

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def snapshot(self) -> ClusterSnapshot:
        return self._snap

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        if after_version < self._snap.version:
            return self._snap
        if cancel is not None:
            cancel.wait(timeout)
        else:
            time.sleep(timeout)
        return self._snap

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"StaticCluster.{name}: not used by this benchmark")


class NullHttp:
    def probe(self, url: str, **_: Any) -> HttpResult:
        return HttpResult(url, 200, "", 0.0)


class BenchStage(Stage):
    """Stands in for a stage of the plan: runs `work(ctx)` and returns its summary."""

    def __init__(self, name: StageName, work: Callable[[StageContext], str]) -> None:
        self._name = name
        self._work = work

    @property  # type: ignore[override]
    def name(self) -> StageName:  # type: ignore[override]
        return self._name

    title = "benchmark"

    def check(self, ctx: StageContext) -> CheckResult:
        return CheckResult(False, "benchmark")

    def run(self, ctx: StageContext) -> str:
        return self._work(ctx)


def holding_until(release: threading.Event) -> Callable[[StageContext], str]:
    """A stage's work that keeps the engine running (its observer, its watches) until
    `release` is set or the run is cancelled: the benchmark measures what runs meanwhile."""

    def hold(ctx: StageContext) -> str:
        while not release.is_set() and not ctx.cancel.cancelled:
            release.wait(0.2)
        return "held"

    return hold


def bench_profile() -> Profile:
    return load_profile("dev")


def tui_app(
    work: Path, backends: Backends, *, profile: Profile | None = None, demo: bool = False
) -> Any:
    """The app `make_app` builds for users, on these backends and a state dir under `work`."""
    from vixens_tui.tui.app import make_app

    prof = profile or bench_profile()
    options = Options(state_dir=work / "state", demo=demo)

    def factory(p: Profile, o: Options) -> tuple[Profile, Backends]:
        return p, backends

    state = EnvState(work / "state", "dev-demo" if demo else "dev")
    return make_app(options, backend_factory=factory, state=state, profile=prof)
