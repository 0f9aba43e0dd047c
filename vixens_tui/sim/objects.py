"""Builders of the objects the simulated cluster stores, shaped like a real cluster's.

Realism has a purpose: the `kubernetes` client 37 deserializes lists into strict models (a
NodeSystemInfo without `bootID` or a container status without `imageID` fails a whole list),
and kubectl describe prints these fields.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vixens_tui.core.profile import Profile
from vixens_tui.sim.plans import Container, PvcPlan, Workload

Obj = dict[str, Any]

NOT_READY_MESSAGE = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)


def digest(text: str, length: int = 64) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def stable_uid(text: str) -> str:
    """A uid derived from a name (for owners this simulation does not store: ReplicaSets...)."""
    h = digest(text, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def namespace(name: str, labels: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {**(labels or {}), "kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


# -- nodes ---------------------------------------------------------------------------------------


def node_conditions(ready: bool, since: str, heartbeat: str) -> list[Obj]:
    def condition(type_: str, status: str, reason: str, message: str) -> Obj:
        return {
            "type": type_,
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": heartbeat,
            "lastTransitionTime": since,
        }

    return [
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        condition(
            "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
        ),
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
        ),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
        if ready
        else condition("Ready", "False", "KubeletNotReady", NOT_READY_MESSAGE),
    ]


def node(
    profile: Profile, name: str, *, ip: str, index: int, role: str, created: str, talos: str
) -> Obj:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    resources = {
        "cpu": "4",
        "ephemeral-storage": "119703456Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "16181764Ki",
        "pods": "110",
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "talos.dev/owned-labels": '["node-role.kubernetes.io/control-plane"]',
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": created,
        },
        "spec": {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"]},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
            ],
            "allocatable": resources,
            "capacity": resources,
            "conditions": node_conditions(False, created, created),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": stable_uid(f"boot/{name}/{created}"),
                "containerRuntimeVersion": "containerd://2.1.4",
                "kernelVersion": "6.12.57-talos",
                "kubeProxyVersion": "",
                "kubeletVersion": profile.kubernetes_version,
                "machineID": digest(f"machine/{name}", 32),
                "operatingSystem": "linux",
                "osImage": f"Talos ({talos})",
                "systemUUID": stable_uid(f"system/{name}"),
            },
        },
    }


# -- pods --------------------------------------------------------------------------------------


def _owner(
    workload: Workload, node_name: str, node_uid: str
) -> tuple[Obj, dict[str, str], dict[str, str]]:
    """(ownerReference, extra labels, extra annotations) of a pod of this workload."""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    if workload.controller == "Static":
        owner = {
            "apiVersion": "v1",
            "kind": "Node",
            "name": node_name,
            "uid": node_uid,
            "controller": True,
        }
        config_hash = digest(f"{workload.name}/{node_name}", 32)
        annotations = {
            "kubernetes.io/config.hash": config_hash,
            "kubernetes.io/config.mirror": config_hash,
            "kubernetes.io/config.source": "file",
        }
        return owner, labels, annotations
    if workload.controller == "Deployment":
        owner_kind, owner_name = "ReplicaSet", f"{workload.name}-{workload.template_hash}"
        labels["pod-template-hash"] = workload.template_hash
    elif workload.controller == "DaemonSet":
        owner_kind, owner_name = "DaemonSet", workload.name
        labels["controller-revision-hash"] = workload.template_hash
        labels["pod-template-generation"] = "1"
    else:
        owner_kind, owner_name = "StatefulSet", workload.name
        labels["controller-revision-hash"] = f"{workload.name}-{workload.template_hash}"
    owner = {
        "apiVersion": "apps/v1",
        "kind": owner_kind,
        "name": owner_name,
        "uid": stable_uid(f"{workload.namespace}/{owner_kind}/{owner_name}"),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return owner, labels, annotations


def _container(container: Container, workload: Workload, token_volume: str) -> Obj:
    spec: Obj = {
        "name": container.name,
        "image": container.image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {
                "name": token_volume,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True,
            }
        ],
    }
    if container.port:
        spec["ports"] = [{"containerPort": container.port, "protocol": "TCP"}]
    mounted = workload.config_volume
    if mounted is not None and container.name == mounted.container:
        spec["volumeMounts"].append(
            {"name": mounted.volume, "mountPath": mounted.mount_path, "readOnly": True}
        )
    return spec


def pod(
    workload: Workload,
    name: str,
    *,
    node_name: str = "",
    node_uid: str = "",
    token_suffix: str,
    statefulset_ordinal: int | None = None,
) -> Obj:
    owner, labels, annotations = _owner(workload, node_name, node_uid)
    labels = {**workload.label_map, **labels}
    if statefulset_ordinal is not None:
        labels["statefulset.kubernetes.io/pod-name"] = name
        labels["apps.kubernetes.io/pod-index"] = str(statefulset_ordinal)
    if len(workload.containers) > 1:
        annotations["kubectl.kubernetes.io/default-container"] = workload.containers[-1].name
    token_volume = f"kube-api-access-{token_suffix}"
    volumes: list[Obj] = [
        {
            "name": token_volume,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                ],
            },
        }
    ]
    mounted = workload.config_volume
    if mounted is not None:
        # As the API server defaults them: `secret: {secretName, defaultMode: 420}`,
        # `configMap: {name, defaultMode: 420}`.
        source = (
            {"secret": {"secretName": mounted.name, "defaultMode": 420}}
            if mounted.kind == "Secret"
            else {"configMap": {"name": mounted.name, "defaultMode": 420}}
        )
        volumes.append({"name": mounted.volume, **source})
    critical = workload.layer in ("control-plane", "cni") or workload.name == "coredns"
    spec: Obj = {
        "containers": [_container(c, workload, token_volume) for c in workload.containers],
        "volumes": volumes,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirstWithHostNet" if workload.host_network else "ClusterFirst",
        "serviceAccountName": "default" if workload.controller == "Static" else workload.name,
        "serviceAccount": "default" if workload.controller == "Static" else workload.name,
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
        "priorityClassName": "system-node-critical" if critical else "",
        "priority": 2000001000 if critical else 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
    }
    if not spec["priorityClassName"]:
        del spec["priorityClassName"]
    if workload.host_network:
        spec["hostNetwork"] = True
    if node_name:
        spec["nodeName"] = node_name
    if statefulset_ordinal is not None:
        spec["hostname"] = name
    meta: Obj = {
        "name": name,
        "namespace": workload.namespace,
        "labels": labels,
        "ownerReferences": [owner],
    }
    if workload.controller not in ("Static",) and workload.controller != "StatefulSet":
        meta["generateName"] = name[: name.rfind("-") + 1]
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }


def service(workload: Workload) -> Obj:
    plan = workload.service
    assert plan is not None
    selector = {
        k: v for k, v in workload.labels if k in ("app.kubernetes.io/name", "k8s-app", "app")
    }
    spec: Obj = {
        "type": plan.type,
        "selector": selector,
        "ports": [
            {
                "name": name,
                "port": port,
                "protocol": "UDP" if name == "dns" else "TCP",
                "targetPort": port,
            }
            for name, port in plan.ports
        ],
    }
    if plan.cluster_ip:
        spec["clusterIP"] = plan.cluster_ip
    status: Obj = {"loadBalancer": {}}
    if plan.type == "LoadBalancer":
        spec["allocateLoadBalancerNodePorts"] = True
        spec["externalTrafficPolicy"] = "Cluster"
        for index, port in enumerate(spec["ports"]):
            port["nodePort"] = 30000 + int(digest(f"{workload.name}/{index}", 4), 16) % 2767
        if plan.load_balancer_ip:
            status = {"loadBalancer": {"ingress": [{"ip": plan.load_balancer_ip, "ipMode": "VIP"}]}}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": plan.name, "namespace": workload.namespace, "labels": dict(selector)},
        "spec": spec,
        "status": status,
    }


def pvc(plan: PvcPlan, app: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": plan.name,
            "namespace": plan.namespace,
            "labels": {"app.kubernetes.io/instance": app},
            "finalizers": ["kubernetes.io/pvc-protection"],
        },
        "spec": {
            "accessModes": [plan.access_mode],
            "resources": {"requests": {"storage": plan.size}},
            "storageClassName": plan.storage_class,
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }


def event(
    involved: Obj,
    reason: str,
    message: str,
    *,
    suffix: str,
    when: str,
    type_: str = "Normal",
    component: str = "kubelet",
    host: str = "",
    field_path: str = "",
) -> Obj:
    meta = involved["metadata"]
    ref: Obj = {
        "kind": involved.get("kind", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": involved.get("apiVersion", "v1"),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    if field_path:
        ref["fieldPath"] = field_path
    source: Obj = {"component": component}
    if host:
        source["host"] = host
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{suffix}",
            "namespace": meta.get("namespace") or "default",
        },
        "involvedObject": ref,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": when,
        "lastTimestamp": when,
        "count": 1,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host,
    }
