"""Plausible container logs for `kubectl logs` (the procedure's diagnostic commands).

A container that has not started has no log: the API answers 400 `container "x" in pod "y" is
waiting to start: ContainerCreating`, as a real kubelet does. A running container writes its
start-up lines, then one line every `PERIOD_S` simulated seconds (Argo CD's memory statistics,
Cilium's and cert-manager's periodic work...): the log is a function of the pod and the time,
it only grows, and `kubectl logs -f` streams what it gains (`apiserver/logstream.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from vixens_tui.sim.apiserver import errors
from vixens_tui.sim.clock import parse_rfc3339, rfc3339

Obj = dict[str, Any]

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "argocd-repo-server": (
        'time="{t}" level=info msg="ArgoCD Repository Server is starting" built="2024-11-21T17:00:00Z" commit=af54ef8d version=v2.13.1+af54ef8',
        'time="{t}" level=info msg="Generating self-signed TLS certificate for this session"',
        'time="{t}" level=info msg="argocd-repo-server is listening on [::]:8081"',
    ),
    "argocd-server": (
        'time="{t}" level=info msg="ArgoCD API Server is starting" built="2024-11-21T17:00:00Z" commit=af54ef8d namespace=argocd port=8080 version=v2.13.1+af54ef8',
        'time="{t}" level=info msg="Starting configmap/secret informers"',
        'time="{t}" level=info msg="argocd v2.13.1+af54ef8 serving on port 8080 (url: , tls: false, namespace: argocd, sso: false)"',
    ),
    "argocd-application-controller": (
        'time="{t}" level=info msg="ArgoCD Application Controller is starting" built="2024-11-21T17:00:00Z" commit=af54ef8d namespace=argocd version=v2.13.1+af54ef8',
        'time="{t}" level=info msg="Starting Informers"',
        'time="{t}" level=info msg="Cache updated" server="https://kubernetes.default.svc"',
    ),
    "cilium": (
        'time="{t}" level=info msg="Cilium 1.18.3 ... go version go1.24.8 linux/amd64" subsys=daemon',
        'time="{t}" level=info msg="Kube-proxy replacement enabled" subsys=daemon',
        'time="{t}" level=info msg="L2 announcements enabled" subsys=daemon',
        'time="{t}" level=info msg="Daemon initialization completed" bootstrapTime=9.81s subsys=daemon',
    ),
    "coredns": (
        ".:53",
        "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5",
        "CoreDNS-1.12.1",
        "linux/amd64, go1.24.1, 707c7c1",
    ),
    "traefik": (
        'time="{t}" level=info msg="Configuration loaded from flags."',
        'time="{t}" level=info msg="Traefik version 2.10.7 built on 2023-12-06T15:54:59Z"',
        'time="{t}" level=info msg="Starting provider *crd.Provider"',
    ),
    "whoami": ("{t} Starting up on port 80",),
    "cert-manager": (
        'I{k} 1 controller.go:295] "configured acme dns01 nameservers" logger="cert-manager.controller.build-context"',
        'I{k} 1 controller.go:89] "starting leader election" logger="cert-manager.controller"',
        'I{k} 1 leaderelection.go:260] "successfully acquired lease kube-system/cert-manager-controller"',
    ),
}


PERIOD_S = 30.0
"""Simulated seconds between two periodic lines of a running container."""
_KEPT = 50
"""Periodic lines kept, the latest (the kubelet rotates container logs; the start-up lines stay
here so that a diagnostic's `--tail 200` still finds them)."""
_ARGOCD_STATS = (
    'time="{t}" level=info msg="Alloc={a} TotalAlloc={b} Sys=40261 NumGC={n} Goroutines=42"'
)
_PERIODIC: dict[str, str] = {
    "argocd-repo-server": _ARGOCD_STATS,
    "argocd-server": _ARGOCD_STATS,
    "argocd-application-controller": _ARGOCD_STATS,
    "cilium": 'time="{t}" level=info msg="Garbage collected status/log entries" entries={n} '
    "subsys=endpoint-manager",
    "coredns": '[INFO] 10.244.0.{n}:53{n} - {a} "A IN kubernetes.default.svc.cluster.local. udp '
    '54 false 512" NOERROR qr,aa,rd 106 0.000{n}s',
    "traefik": 'time="{t}" level=debug msg="Skipping same configuration" providerName=kubernetescrd',
    "whoami": "{t} GET / 200",
    "cert-manager": 'I{k} 1 controller.go:152] "re-queuing item due to optimistic locking" '
    'logger="cert-manager.controller"',
}


def _name_of(pod: Obj) -> str:
    labels = pod.get("metadata", {}).get("labels", {})
    name = str(
        labels.get("app.kubernetes.io/name")
        or labels.get("k8s-app")
        or labels.get("component")
        or ""
    )
    if name == "cilium-agent":
        return "cilium"
    if name == "kube-dns":
        return "coredns"
    return name


def _template(pod: Obj) -> tuple[str, ...]:
    name = _name_of(pod)
    if name in _TEMPLATES:
        return _TEMPLATES[name]
    return ('time="{t}" level=info msg="' + (name or pod["metadata"]["name"]) + ' started"',)


def _periodic(pod: Obj, started: datetime, now: datetime, every_s: float) -> list[str]:
    name = _name_of(pod)
    line = _PERIODIC.get(name, 'time="{t}" level=info msg="' + (name or "container") + ' ok"')
    count = int((now - started).total_seconds() // every_s)
    lines = []
    for n in range(max(1, count - _KEPT + 1), count + 1):
        when = started + timedelta(seconds=n * every_s)
        klog = when.strftime("%m%d %H:%M:%S.000000")
        lines.append(line.format(t=rfc3339(when), k=klog, n=n, a=9000 + 37 * n, b=30000 + 411 * n))
    return lines


def container_log(
    pod: Obj,
    container: str,
    *,
    extra: Callable[[Obj, datetime], list[str]] | None = None,
    now: datetime | None = None,
    every_s: float = PERIOD_S,
) -> str:
    """The log of one container of a pod at `now` (wall clock); raises ApiError(400) when it
    has not started.

    `extra(pod, at)` adds lines written at start-up (at `at`, after the template's); a periodic
    line follows every `every_s` real seconds (`PERIOD_S` simulated ones at the cluster's speed).
    """
    meta = pod["metadata"]
    for status in pod.get("status", {}).get("containerStatuses") or []:
        if status.get("name") != container:
            continue
        waiting = (status.get("state") or {}).get("waiting")
        if waiting:
            raise errors.bad_request(
                f'container "{container}" in pod "{meta["name"]}" is waiting to start: '
                f"{waiting.get('reason', 'ContainerCreating')}"
            )
        started = (status.get("state") or {}).get("running", {}).get("startedAt", "")
        moment = parse_rfc3339(started) or datetime.now().astimezone()
        lines = []
        for index, line in enumerate(_template(pod)):
            when = moment + timedelta(seconds=index)
            klog = when.strftime("%m%d %H:%M:%S.000000")
            lines.append(line.format(t=rfc3339(when), k=klog))
        if extra is not None:
            lines.extend(extra(pod, moment + timedelta(seconds=len(lines))))
        lines.extend(_periodic(pod, moment, now or datetime.now().astimezone(), every_s))
        return "\n".join(lines) + "\n"
    raise errors.bad_request(
        f'container "{container}" in pod "{meta["name"]}" is waiting to start: PodInitializing'
    )
