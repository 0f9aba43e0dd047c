"""The kube backend's converters, on objects shaped like a real cluster's JSON."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vixens_tui.backends.kube import convert

NODE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {
        "name": "obsy",
        "creationTimestamp": "2025-11-15T10:02:11Z",
        "labels": {
            "beta.kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": "obsy",
            "kubernetes.io/os": "linux",
            "node-role.kubernetes.io/control-plane": "",
            "node.kubernetes.io/exclude-from-external-load-balancers": "",
        },
        "resourceVersion": "4711",
    },
    "spec": {"podCIDR": "10.244.0.0/24", "taints": []},
    "status": {
        "addresses": [
            {"address": "192.168.111.162", "type": "InternalIP"},
            {"address": "obsy", "type": "Hostname"},
        ],
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
            {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady"},
        ],
        "nodeInfo": {
            "containerRuntimeVersion": "containerd://2.1.4",
            "kubeletVersion": "v1.34.0",
            "osImage": "Talos (v1.11.5)",
        },
    },
}


def pod(
    *,
    phase: str = "Running",
    statuses: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    init_specs: int = 0,
    containers: int = 1,
    **meta: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "nodeName": "onyx",
        "containers": [{"name": f"c{i}", "image": "nginx:1.27"} for i in range(containers)],
    }
    if init_specs:
        spec["initContainers"] = [
            {"name": f"init{i}", "image": "busybox"} for i in range(init_specs)
        ]
    status: dict[str, Any] = {"phase": phase}
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init is not None:
        status["initContainerStatuses"] = init
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "argocd-repo-server-6f9c7b8d4-x2k9p",
            "namespace": "argocd",
            "creationTimestamp": "2025-11-15T10:20:00Z",
            "labels": {
                "app.kubernetes.io/name": "argocd-repo-server",
                "pod-template-hash": "6f9c7b8d4",
            },
            **meta,
        },
        "spec": spec,
        "status": status,
    }


def running(name: str = "c0", restarts: int = 0, ready: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "started": True,
        "state": {"running": {"startedAt": "2025-11-15T10:21:00Z"}},
    }


def waiting(reason: str, restarts: int = 0, name: str = "c0") -> dict[str, Any]:
    return {
        "name": name,
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason, "message": "..."}},
    }


def terminated(reason: str = "", exit_code: int = 1, name: str = "c0") -> dict[str, Any]:
    state: dict[str, Any] = {"exitCode": exit_code}
    if reason:
        state["reason"] = reason
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": state}}


def test_node_ready_roles_version_ip() -> None:
    info = convert.node_info(NODE)
    assert info.name == "obsy"
    assert info.ready is True
    assert info.roles == ("control-plane",)
    assert info.version == "v1.34.0"
    assert info.internal_ip == "192.168.111.162"
    assert info.created == pytest.approx(1763200931.0)


@pytest.mark.parametrize("status", ["False", "Unknown"])
def test_node_not_ready(status: str) -> None:
    node = copy.deepcopy(NODE)
    node["status"]["conditions"][-1]["status"] = status
    assert convert.node_info(node).ready is False


def test_node_joining_has_no_status_yet() -> None:
    info = convert.node_info({"metadata": {"name": "opale"}})
    assert (info.name, info.ready, info.roles, info.version) == ("opale", False, (), "")


def test_node_legacy_role_label_and_several_roles() -> None:
    node = copy.deepcopy(NODE)
    node["metadata"]["labels"]["kubernetes.io/role"] = "master"
    node["metadata"]["labels"]["node-role.kubernetes.io/worker"] = ""
    assert convert.node_info(node).roles == ("control-plane", "master", "worker")


def test_pod_running_ready() -> None:
    info = convert.pod_info(pod(statuses=[running()]))
    assert (info.phase, info.ready, info.containers, info.restarts) == ("Running", 1, 1, 0)
    assert info.reason == ""
    assert info.is_ready
    assert info.display_status == "Running"
    assert info.node == "onyx"
    assert info.labels["app.kubernetes.io/name"] == "argocd-repo-server"
    assert info.namespace == "argocd"


def test_pod_crashloop_counts_restarts_of_all_containers() -> None:
    info = convert.pod_info(
        pod(
            containers=2, statuses=[running("c0", restarts=1), waiting("CrashLoopBackOff", 7, "c1")]
        )
    )
    assert info.reason == "CrashLoopBackOff"
    assert info.restarts == 8
    assert (info.ready, info.containers) == (1, 2)
    assert not info.is_ready


def test_pod_container_creating() -> None:
    info = convert.pod_info(pod(phase="Pending", statuses=[waiting("ContainerCreating")]))
    assert info.display_status == "ContainerCreating"
    assert info.ready == 0


def test_pod_pending_without_statuses_shows_the_phase() -> None:
    info = convert.pod_info(pod(phase="Pending"))
    assert info.reason == ""
    assert info.display_status == "Pending"
    assert info.containers == 1


def test_pod_terminated_error_and_exit_code() -> None:
    assert convert.pod_info(pod(phase="Failed", statuses=[terminated("Error")])).reason == "Error"
    info = convert.pod_info(pod(phase="Running", statuses=[terminated("", exit_code=137)]))
    assert info.reason == "ExitCode:137"


def test_pod_completed_job() -> None:
    info = convert.pod_info(pod(phase="Succeeded", statuses=[terminated("Completed", 0)]))
    assert info.display_status == "Completed"


def test_pod_init_containers() -> None:
    info = convert.pod_info(
        pod(
            phase="Pending",
            init_specs=2,
            init=[terminated("Completed", 0, "init0"), waiting("PodInitializing", name="init1")],
            statuses=[waiting("PodInitializing")],
        )
    )
    assert info.display_status == "Init:1/2"
    info = convert.pod_info(
        pod(phase="Pending", init_specs=1, init=[waiting("CrashLoopBackOff", 3, "init0")])
    )
    assert info.display_status == "Init:CrashLoopBackOff"
    assert info.restarts == 3


def test_pod_terminating_wins() -> None:
    info = convert.pod_info(pod(statuses=[running()], deletionTimestamp="2025-11-15T11:00:00Z"))
    assert info.display_status == "Terminating"


def test_pod_without_labels_shares_an_empty_mapping() -> None:
    raw = pod(statuses=[running()])
    del raw["metadata"]["labels"]
    info = convert.pod_info(raw)
    assert dict(info.labels) == {}
    with pytest.raises(TypeError):
        info.labels["x"] = "y"  # type: ignore[index]


APP: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "cert-manager", "namespace": "argocd", "resourceVersion": "9000"},
    "spec": {
        "destination": {"namespace": "cert-manager", "server": "https://kubernetes.default.svc"},
        "project": "default",
        "source": {
            "path": "apps/cert-manager/overlays/dev",
            "repoURL": "https://github.com/x/vixens",
            "targetRevision": "dev",
        },
    },
    "status": {
        "sync": {"status": "OutOfSync", "revision": "0c7e1f2a"},
        "health": {"status": "Missing"},
        "conditions": [
            {
                "type": "ComparisonError",
                "message": "rpc error: code = Unknown desc = error reading from server: EOF",
                "lastTransitionTime": "2025-11-15T10:30:00Z",
            }
        ],
        "operationState": {
            "phase": "Failed",
            "message": 'namespaces "cert-manager" not found',
            "startedAt": "2025-11-15T10:29:00Z",
            "finishedAt": "2025-11-15T10:29:05Z",
            "operation": {"sync": {"revision": "dev"}},
        },
    },
}


def test_application() -> None:
    info = convert.app_info(APP)
    assert (info.name, info.namespace) == ("cert-manager", "argocd")
    assert (info.sync, info.health, info.revision) == ("OutOfSync", "Missing", "0c7e1f2a")
    assert info.destination_namespace == "cert-manager"
    assert info.conditions == (
        "ComparisonError: rpc error: code = Unknown desc = error reading from server: EOF",
    )
    assert info.operation_phase == "Failed"
    assert info.operation_message == 'namespaces "cert-manager" not found'
    assert info.operation_started_at == "2025-11-15T10:29:00Z"
    assert info.operation_pending is False


def test_application_with_a_requested_sync_and_no_status() -> None:
    app = copy.deepcopy(APP)
    del app["status"]
    app["operation"] = {"initiatedBy": {"username": "admin"}, "sync": {"revision": "dev"}}
    info = convert.app_info(app)
    assert info.operation_pending is True
    assert (info.sync, info.health, info.operation_phase) == ("Unknown", "Unknown", "")


def test_application_multi_source_revisions() -> None:
    app = copy.deepcopy(APP)
    app["status"]["sync"] = {"status": "Synced", "revisions": ["abc", "def"]}
    assert convert.app_info(app).revision == "abc,def"


def test_certificate_ready_and_not() -> None:
    cert: dict[str, Any] = {
        "metadata": {"name": "whoami-tls", "namespace": "whoami"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "DoesNotExist",
                    "message": "Issuing certificate as Secret does not exist",
                },
                {"type": "Issuing", "status": "True", "reason": "DoesNotExist"},
            ]
        },
    }
    info = convert.certificate_info(cert)
    assert (info.namespace, info.name, info.ready) == ("whoami", "whoami-tls", False)
    assert info.reason == "DoesNotExist"
    assert info.message.startswith("Issuing certificate")
    cert["status"]["conditions"][0].update(
        status="True", reason="Ready", message="Certificate is up to date and has not expired"
    )
    assert convert.certificate_info(cert).ready is True
    assert convert.certificate_info({"metadata": {"name": "x", "namespace": "y"}}).ready is False


def test_cluster_issuer() -> None:
    issuer = {
        "metadata": {"name": "letsencrypt-staging"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "ACMEAccountRegistered"}]
        },
    }
    info = convert.issuer_info(issuer)
    assert (info.name, info.ready, info.reason) == (
        "letsencrypt-staging",
        True,
        "ACMEAccountRegistered",
    )
    assert convert.issuer_info({"metadata": {"name": "x"}, "status": None}).ready is False


def test_certificate_issuer_and_names_and_an_issuers_message() -> None:
    cert: dict[str, Any] = {
        "metadata": {"name": "mail-gateway-tls-dev", "namespace": "mail-gateway"},
        "spec": {
            "secretName": "mail-gateway-tls-dev",
            "dnsNames": ["mail.dev.truxonline.com", None],
            "issuerRef": {"name": "gandi", "kind": "ClusterIssuer", "group": "cert-manager.io"},
        },
    }
    info = convert.certificate_info(cert)
    assert (info.issuer, info.issuer_kind, info.dns_names) == (
        "gandi",
        "ClusterIssuer",
        ("mail.dev.truxonline.com",),
    )
    del cert["spec"]["issuerRef"]["kind"]  # cert-manager's default kind
    assert convert.certificate_info(cert).issuer_kind == "Issuer"
    issuer = convert.issuer_info(
        {
            "metadata": {"name": "letsencrypt-prod"},
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "ErrRegisterACMEAccount",
                        "message": "Failed to register ACME account: 429 too many registrations",
                    }
                ]
            },
        }
    )
    assert (issuer.ready, issuer.reason) == (False, "ErrRegisterACMEAccount")
    assert issuer.message == "Failed to register ACME account: 429 too many registrations"


def test_acme_order_and_challenge() -> None:
    order = convert.order_info(
        {
            "metadata": {
                "name": "whoami-tls-x2x4q-1194030489",
                "namespace": "whoami",
                "annotations": {"cert-manager.io/certificate-name": "whoami-tls"},
            },
            "spec": {"dnsNames": ["whoami.dev.truxonline.com"]},
            "status": {"state": "pending"},
        }
    )
    assert (order.certificate, order.state, order.dns_names) == (
        "whoami-tls",
        "pending",
        ("whoami.dev.truxonline.com",),
    )
    reason = "the server is currently unable to handle the request (post gandi.acme.truxonline.com)"
    challenge = convert.challenge_info(
        {
            "metadata": {
                "name": "whoami-tls-x2x4q-1194030489-2759242927",
                "namespace": "whoami",
                "ownerReferences": [
                    {"kind": "Order", "name": "whoami-tls-x2x4q-1194030489", "controller": True}
                ],
            },
            "spec": {"dnsName": "whoami.dev.truxonline.com", "type": "DNS-01"},
            "status": {
                "processing": True,
                "presented": False,
                "state": "pending",
                "reason": reason,
            },
        }
    )
    assert challenge.order == "whoami-tls-x2x4q-1194030489"
    assert (challenge.dns_name, challenge.type, challenge.state) == (
        "whoami.dev.truxonline.com",
        "DNS-01",
        "pending",
    )
    assert (challenge.presented, challenge.processing, challenge.reason) == (False, True, reason)
    bare = convert.challenge_info({"metadata": {"name": "c", "namespace": "n"}, "status": None})
    assert (bare.order, bare.state, bare.presented) == ("", "", False)


def test_namespace_and_volume_claim() -> None:
    assert convert.namespace_name({"metadata": {"name": "cert-manager"}}) == "cert-manager"
    claim = convert.volume_claim_info(
        {
            "metadata": {"name": "config-homeassistant", "namespace": "homeassistant"},
            "spec": {
                "storageClassName": "synology-iscsi",
                "volumeName": "pvc-1",
                "resources": {"requests": {"storage": "5Gi"}},
            },
            "status": {"phase": "Bound", "capacity": {"storage": "5Gi"}},
        }
    )
    assert claim.describe() == "homeassistant/config-homeassistant (5Gi, synology-iscsi)"
    assert claim.phase == "Bound"


def test_key_and_timestamp_tolerate_garbage() -> None:
    assert convert.key_of({"metadata": {"name": "n"}}) == ("", "n")
    assert convert.timestamp("not a date") == 0.0
    assert convert.timestamp(None) == 0.0
