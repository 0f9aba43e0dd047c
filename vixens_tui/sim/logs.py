"""Plausible container logs for `kubectl logs` (the procedure's diagnostic commands).

A container that has not started has no log: the API answers 400 `container "x" in pod "y" is
waiting to start: ContainerCreating`, as a real kubelet does.
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


def _template(pod: Obj) -> tuple[str, ...]:
    labels = pod.get("metadata", {}).get("labels", {})
    name = (
        labels.get("app.kubernetes.io/name")
        or labels.get("k8s-app")
        or labels.get("component")
        or ""
    )
    if name in _TEMPLATES:
        return _TEMPLATES[name]
    if name == "cilium-agent":
        return _TEMPLATES["cilium"]
    if name == "kube-dns":
        return _TEMPLATES["coredns"]
    return ('time="{t}" level=info msg="' + (name or pod["metadata"]["name"]) + ' started"',)


def container_log(
    pod: Obj, container: str, *, extra: Callable[[Obj], list[str]] | None = None
) -> str:
    """The log of one container of a pod; raises ApiError(400) when it has not started."""
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
            lines.extend(extra(pod))
        return "\n".join(lines) + "\n"
    raise errors.bad_request(
        f'container "{container}" in pod "{meta["name"]}" is waiting to start: PodInitializing'
    )
