"""Helpers of the simulator's tests: real kubectl, the kubernetes client, polling."""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client, config

from vixens_tui.sim.cluster import SimCluster

KUBECTL = Path(sys.executable).parent / "kubectl"
BUILT_SPEED = 50.0
"""Clusters that start built: fast enough that a deleted pod is back in a fraction of a second."""
REBUILD_SPEED = 600.0
"""Clusters that live a whole rebuild: about half a second of real time for it."""
MakeSim = Callable[..., SimCluster]
"""The `make_sim` fixture: start a cluster of one's own."""


class Kubectl:
    """Real kubectl against one cluster, with a kubeconfig and a cache of its own."""

    def __init__(self, sim: SimCluster, home: Path, *, write: bool = True) -> None:
        self.sim = sim
        self.home = home
        self.kubeconfig = home / "kubeconfig"
        if write:
            sim.write_kubeconfig(self.kubeconfig)
        self.env = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "KUBECACHEDIR": str(home / "kubecache"),
            "HOME": str(home),
            "KUBECTL": str(KUBECTL),
        }

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(KUBECTL), *args],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
            )
        return result

    def sh(
        self, command: str, *, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """A shell pipeline as the procedure writes it; `kubectl` is the venv's."""
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", f'kubectl() {{ "$KUBECTL" "$@"; }}; {command}'],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stderr}")
        return result


_opened: list[client.ApiClient] = []


def api_client(sim: SimCluster, directory: Path) -> client.ApiClient:
    """A kubernetes client of the simulated cluster, closed after the test (tests/sim/conftest.py).

    Left to the garbage collector, its idle keep-alive connections would be closed whenever
    it runs, in some later test, and pytest would blame that test for the unclosed socket."""
    path = sim.write_kubeconfig(directory / "kubeconfig-python")
    opened = config.new_client_from_config(config_file=str(path))
    _opened.append(opened)
    return opened


def close_api_clients() -> None:
    while _opened:
        _opened.pop().close()


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy; its value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last value: {last!r})")


def rows(output: str) -> list[list[str]]:
    """kubectl's table output split into cells (on runs of 2+ spaces)."""
    return [
        re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines() if line.strip()
    ]


def raw_request(
    sim: SimCluster,
    method: str,
    path: str,
    *,
    body: bytes | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTPS request to the simulated API server: (status, headers, body)."""
    context = ssl.create_default_context(cadata=sim.ca_pem.decode())
    connection = http.client.HTTPSConnection(
        "127.0.0.1", sim.port, context=context, timeout=timeout
    )
    sent = {"Authorization": f"Bearer {sim.token if token is None else token}", **(headers or {})}
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def stream_events(
    sim: SimCluster, path: str, *, until: Callable[[dict[str, Any]], bool], timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Read a watch's events until one satisfies `until`, then hang up."""
    context = ssl.create_default_context(cadata=sim.ca_pem.decode())
    connection = http.client.HTTPSConnection(
        "127.0.0.1", sim.port, context=context, timeout=timeout
    )
    events: list[dict[str, Any]] = []
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {sim.token}"})
        response = connection.getresponse()
        assert response.status == 200, response.status
        while line := response.readline():
            if line.strip():
                events.append(json.loads(line))
                if until(events[-1]):
                    break
    finally:
        connection.close()
    return events


def run_hook(sim: SimCluster, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m vixens_tui.sim.hook ARGS` the way a local-exec provisioner runs it."""
    env = {**os.environ, **sim.hook_env()}
    return subprocess.run(
        [sys.executable, "-m", "vixens_tui.sim.hook", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- in-process readings, to wait on without spawning kubectl in a loop -------------------------


def app_state(sim: SimCluster, name: str, namespace: str = "argocd") -> tuple[str, str]:
    """(sync status, health status) of an Application, ("", "") when absent."""
    from vixens_tui.sim.apiserver import kinds

    status = (sim.store.get(kinds.APPLICATION, namespace, name) or {}).get("status", {})
    return status.get("sync", {}).get("status", ""), status.get("health", {}).get("status", "")


def all_apps_healthy(sim: SimCluster) -> bool:
    from vixens_tui.sim.apiserver import kinds

    apps = sim.store.list(kinds.APPLICATION)
    return bool(apps) and all(
        app_state(sim, a["metadata"]["name"]) == ("Synced", "Healthy") for a in apps
    )


def running_count(sim: SimCluster) -> int:
    from vixens_tui.sim.apiserver import kinds

    return sum(1 for p in sim.store.list(kinds.POD) if p["status"].get("phase") == "Running")


def node_statuses(sim: SimCluster) -> set[str]:
    from vixens_tui.sim.apiserver import kinds
    from vixens_tui.sim.apiserver.tables import node_status

    return {node_status(n) for n in sim.store.list(kinds.NODE)}
