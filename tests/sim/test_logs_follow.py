"""`kubectl logs -f` follows: the answer stays open and streams the lines the simulated container
writes, until the pod is deleted (kubectl then exits 0) or kubectl hangs up."""

from __future__ import annotations

import queue
import subprocess
import threading
from pathlib import Path

from tests.sim.helpers import KUBECTL, Kubectl, MakeSim, wait_for
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

ARGOCD = "argocd"


def _repo_server_pod(sim: SimCluster) -> str:
    names = [
        p["metadata"]["name"]
        for p in sim.store.list(kinds.POD, ARGOCD)
        if p["metadata"]["name"].startswith("argocd-repo-server-")
    ]
    assert names
    return names[0]


def _stop(process: subprocess.Popen[str], reader: threading.Thread) -> None:
    if process.poll() is None:
        process.terminate()
    process.wait(timeout=10)
    reader.join(timeout=10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _follow(
    kubectl: Kubectl, name: str
) -> tuple[subprocess.Popen[str], queue.Queue[str], threading.Thread]:
    process = subprocess.Popen(
        [str(KUBECTL), "logs", "-f", "-n", ARGOCD, name],
        env=kubectl.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return process, lines, reader


def test_logs_follow_streams_lines_written_after_the_request(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    name = _repo_server_pod(sim)
    process, lines, reader = _follow(kubectl, name)
    try:
        first = lines.get(timeout=30)
        assert "ArgoCD Repository Server is starting" in first
        # kubectl printed a line: the request is being answered. What the container wrote so far:
        pod = sim.store.get(kinds.POD, ARGOCD, name)
        assert pod is not None
        before = set(sim._log(pod, "repo-server").splitlines(keepends=True))
        seen: list[str] = [first]

        def a_new_line() -> bool:
            while not lines.empty():
                seen.append(lines.get())
            return any(line not in before for line in seen)

        wait_for(a_new_line, timeout=30, what="a log line written after the request")
        assert process.poll() is None
    finally:
        _stop(process, reader)


def test_logs_follow_ends_when_the_pod_is_deleted(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    name = _repo_server_pod(sim)
    process, lines, reader = _follow(kubectl, name)
    try:
        lines.get(timeout=30)
        kubectl("delete", "pod", "-n", ARGOCD, name, "--wait=false")
        wait_for(lambda: process.poll() is not None, timeout=30, what="kubectl logs -f to end")
        assert process.returncode == 0
    finally:
        _stop(process, reader)
