"""In-memory fakes of the backend ports (never of the engine).

One `FakeWorld` holds the Terraform state and the cluster; `FakeTerraform`, `FakeCluster` and
`FakeHttp` are thin views of it implementing the ports of `vixens_tui.core.ports`. Faults are
switched on per world to reproduce the procedure's known issues at the interface level; the
engine detects them from the evidence like it would from the real backends.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.cluster import (
    AppInfo,
    CertificateInfo,
    ChallengeInfo,
    ClusterSnapshot,
    IssuerInfo,
    NodeInfo,
    OrderInfo,
    PodInfo,
)
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import (
    Backends,
    ClusterError,
    HttpResult,
    NodeModeReport,
    SnapshotInfo,
    TalosConfigInfo,
    TalosError,
    TalosHealth,
    TerraformError,
    TfDiagnostic,
    TfListener,
    TfLog,
    TfResource,
    TfResult,
    ToolRun,
)
from vixens_tui.core.profile.model import Profile

CILIUM = "module.environment.module.cilium.helm_release.cilium"
CILIUM_DIAGNOSTIC = TfDiagnostic(
    "error",
    "Error uninstalling release",
    "Unable to uninstall Helm release cilium: Kubernetes cluster unreachable: Get "
    '"https://192.168.111.160:6443/version": dial tcp 192.168.111.160:6443: i/o timeout',
)
"""What real Terraform reports for the Helm provider's failed Delete (hashicorp/helm 3.x): a
diagnostic with no address; the resource is only in the `apply_errored` event before it."""
EOF_ERROR = "rpc error: code = Unknown desc = error reading from server: EOF"


def addresses_for(profile: Profile) -> list[str]:
    """The user's configuration's managed resources, in an order Terraform may create them:
    with 3 nodes the 21 of the runbook's dev environment (12 in the Talos module, 3 in the
    environment module, 4 in the Cilium module, 2 in the Argo CD module)."""
    env = "module.environment"
    talos = f"{env}.module.talos_cluster"
    names = [n.name for n in profile.nodes]
    out = [f"{talos}.talos_machine_secrets.cluster"]
    out += [f'{talos}.talos_machine_configuration_apply.control_plane["{n}"]' for n in names]
    out += [f"{talos}.talos_machine_bootstrap.this", f"{talos}.talos_cluster_kubeconfig.this"]
    out += [f'{talos}.null_resource.node_reset_on_destroy["{n}"]' for n in names]
    out += [f'{talos}.null_resource.control_plane_upgrade["{n}"]' for n in names]
    out += [
        f"{env}.local_file.kubeconfig",
        f"{env}.local_file.talosconfig",
        f"{env}.null_resource.wait_for_k8s_api",
        CILIUM,
        f"{env}.module.cilium.null_resource.wait_for_cilium_crds",
        f"{env}.module.cilium.kubectl_manifest.cilium_ip_pool",
        f"{env}.module.cilium.kubectl_manifest.cilium_l2_policy",
        f"{env}.module.argocd.helm_release.argocd",
        f"{env}.module.argocd.kubectl_manifest.argocd_root_app",
    ]
    return out


@dataclass
class Faults:
    cilium_destroy: int = 0
    """Destroys that fail on the Cilium release (known issue 1)."""
    cert_manager_namespace: bool = False
    repo_server_eof: bool = False
    eof_cured_by_restart: bool = True
    """False: the EOF comes back after every repo-server restart (a fix that does not help)."""
    fail_stage: dict[StageName, int] = field(default_factory=dict)
    """An unknown error in this stage's backend call, this many times."""
    slow: float = 0.0
    """Seconds per Terraform resource (gives a kill something to land in)."""
    terraform_version: str = "1.15.5"
    terraform_endpoint: str = ""
    """The endpoint the Terraform configuration targets ('': the profile's, as it should)."""
    terraform_backend_error: str = ""
    """The Terraform backend cannot be read: its error ('': it answers)."""
    reset_unreachable: tuple[str, ...] = ()
    """Nodes whose `talosctl reset` fails in the destroy: the Talos module's provisioner prints
    its warning and Terraform goes on, as the real `|| echo "Warning: ..."` does."""


class FakeWorld:
    def __init__(self, profile: Profile, faults: Faults | None = None) -> None:
        self.profile = profile
        self.faults = faults or Faults()
        self.cond = threading.Condition()
        self.version = 1
        self.state: list[str] = []
        self.exists = False
        self.namespaces: set[str] = set()
        self.nodes: list[NodeInfo] = []
        self.pods: dict[tuple[str, str], PodInfo] = {}
        self.apps: dict[str, AppInfo] = {}
        self.secrets: set[tuple[str, str, str]] = set()
        self.mounts: dict[str, tuple[str, str, str]] = {}
        """Workloads whose pods mount a Secret or ConfigMap: pod name prefix -> (namespace,
        kind, name). Built with the cluster; a pod stays Pending, ContainerCreating, with the
        kubelet's FailedMount event, until that object exists (the Synology CSI pods)."""
        self.secret_payloads: list[Mapping[str, Any]] = []
        self.calls: list[str] = []
        self.reachable_override: bool | None = None
        self.unlisted: set[str] = set()
        """Kinds whose first list has not arrived (their tuples come empty, as a backend's)."""
        self.certificates: tuple[CertificateInfo, ...] | None = None
        """The Certificates a snapshot shows (None: the profile's, all Ready)."""
        self.issuers: tuple[IssuerInfo, ...] | None = None
        """The ClusterIssuers a snapshot shows (None: letsencrypt-staging Ready once synced)."""
        self.orders: tuple[OrderInfo, ...] = ()
        self.challenges: tuple[ChallengeInfo, ...] = ()
        self.http_answers: dict[str, HttpResult] = {}
        """URL -> the answer a probe gets (others: 200 while the cluster exists)."""
        self.http_probes: list[str] = []
        """`METHOD URL` of every HTTP probe, in order."""
        self.current_stage: StageName | None = None
        self.tools: dict[str, str] = {"talosctl": "Client:\nTalos v1.11.5\n"}
        """What each tool on Terraform's PATH prints for `version --client --short`."""
        self.talos_modes: dict[str, str] = {n.name: "installed" for n in profile.nodes}
        """Each node's Talos mode: installed until a destroy resets it (those of
        `faults.reset_unreachable` stay installed), installed again by an apply."""
        self.talos_script: dict[str, list[str]] = {}
        """Node -> the modes its next probes answer, one per probe (the last one stays): a
        node rebooting after its reset (installed, then unreachable, then maintenance)."""
        self.talos_calls: list[str] = []
        self.talosconfig_endpoint = ""
        """The talosconfig's endpoint ("": the profile's endpoint host, the VIP)."""
        self.etcd_missing: set[str] = set()
        """Control planes whose etcd never joins (not a member, its service not running)."""
        self.snapshot_refused: set[str] = set()
        """Control planes whose etcd snapshot fails."""
        self.talos_credentials = True
        """Whether the talosconfig can be read (keep_credentials) for a reset afterwards."""
        self._names = itertools.count(1)
        self.tf_endpoint = self.faults.terraform_endpoint or str(profile.api_endpoint).rstrip("/")
        """The endpoint the Terraform configuration targets (its output and its tfvars)."""
        self.backend_error = self.faults.terraform_backend_error
        """The Terraform backend's error, when it cannot be read (an unreachable S3)."""

    # -- mutation helpers -------------------------------------------------------------------

    def bump(self) -> None:
        with self.cond:
            self.version += 1
            self.cond.notify_all()

    def injected(self) -> bool:
        """True (once per count) when the current stage should fail in its first backend call.

        `current_stage` is set by the tests' event sink on StageStarted, so a failure lands in
        whichever backend call the stage makes first, as a real outage would.
        """
        stage = self.current_stage
        left = self.faults.fail_stage.get(stage, 0) if stage else 0
        if left > 0 and stage is not None:
            self.faults.fail_stage[stage] = left - 1
            return True
        return False

    def maybe_fail(self, what: str) -> None:
        if self.injected():
            raise ClusterError(f"injected failure in {what}", status=400, reason="BadRequest")

    def prebuilt(self) -> FakeWorld:
        """The cluster as it stands after a successful rebuild."""
        self.state = addresses_for(self.profile)
        self._write_files()
        self._build()
        self._settle_apps()
        self.secrets |= {(o.kind, o.namespace, o.name) for o in self.profile.secrets.objects()}
        self.bump()
        return self

    def _write_files(self) -> None:
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "vixens", "cluster": {"server": str(self.profile.api_endpoint)}}],
            "contexts": [
                {"name": "admin@vixens", "context": {"cluster": "vixens", "user": "admin"}}
            ],
            "current-context": "admin@vixens",
            "users": [{"name": "admin", "user": {"token": "fake-token"}}],
        }
        self.profile.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        self.profile.kubeconfig.write_text(yaml.safe_dump(kubeconfig))
        self.profile.talosconfig.write_text("context: vixens\n")

    def _pod(
        self,
        ns: str,
        prefix: str,
        labels: Mapping[str, str] | None = None,
        images: tuple[str, ...] = (),
    ) -> None:
        name = f"{prefix}-{next(self._names):05x}"
        self.pods[(ns, name)] = PodInfo(
            namespace=ns,
            name=name,
            phase="Running",
            ready=1,
            containers=1,
            created=time.time(),
            labels=dict(labels or {}),
            images=images,
        )

    def _build(self) -> None:
        p = self.profile
        self.exists = True
        self.nodes = [
            NodeInfo(
                name=n.name,
                ready=True,
                roles=("control-plane",),
                version=p.kubernetes_version,
                os_image=f"Talos ({p.versions.talos or 'v1.11.5'})",
            )
            for n in p.nodes
        ]
        self.namespaces = {"default", "kube-system", "argocd"}
        for spec in p.apps:
            if spec.namespace == "cert-manager" and self.faults.cert_manager_namespace:
                continue
            self.namespaces.add(spec.namespace)
        for n in p.nodes:
            self._pod("kube-system", f"kube-apiserver-{n.name}")
            cilium = f"quay.io/cilium/cilium:{p.versions.cilium or 'v1.18.3'}@sha256:0123"
            self._pod("kube-system", f"cilium-{n.name}", {"k8s-app": "cilium"}, (cilium,))
        for _ in range(2):
            self._pod("kube-system", "coredns")
        for hubble in ("hubble-relay", "hubble-ui"):
            self._pod("kube-system", hubble, {"k8s-app": hubble})
        chart = {"helm.sh/chart": f"argo-cd-{(p.versions.argocd_chart or '7.7.7').lstrip('v')}"}
        repo_server = {"app.kubernetes.io/name": "argocd-repo-server", **chart}
        self._pod("argocd", "argocd-repo-server", repo_server)
        self._pod("argocd", "argocd-server", chart)
        if "cert-manager" in self.namespaces:
            self._cert_manager_pods()
        while sum(1 for _ in self.pods) < p.validation.min_running_pods:
            self._pod("whoami", "whoami")
        for prefix, (namespace, _kind, _name) in self.mounts.items():
            self._pod(namespace, prefix)
        self.apps[p.argocd.root_app] = AppInfo(
            name=p.argocd.root_app,
            namespace=p.argocd.namespace,
            sync="OutOfSync",
            health="Missing",
            destination_namespace=p.argocd.namespace,
        )
        for spec in p.apps:
            conditions: tuple[str, ...] = ()
            sync = "OutOfSync"
            if self.faults.repo_server_eof:
                conditions = (f"ComparisonError: {EOF_ERROR}",)
                sync = "Unknown"
            elif spec.namespace not in self.namespaces:
                conditions = (f'SyncError: namespaces "{spec.namespace}" not found',)
            self.apps[spec.name] = AppInfo(
                name=spec.name,
                namespace=p.argocd.namespace,
                sync=sync,
                health="Missing",
                revision="",
                destination_namespace=spec.namespace,
                conditions=conditions,
                operation_phase="Failed" if conditions else "",
                operation_message=conditions[0].split(": ", 1)[1] if conditions else "",
            )

    def _cert_manager_pods(self) -> None:
        self._pod("cert-manager", "cert-manager")
        self._pod("cert-manager", "cert-manager-webhook")
        self._pod("cert-manager", "cert-manager-webhook-gandi")

    def _settle_apps(self) -> None:
        """Auto-sync: apps whose namespace exists and whose repo-server works get Synced."""
        for name, app in list(self.apps.items()):
            if app.sync == "Synced":
                continue
            if self.faults.repo_server_eof:
                continue
            if app.destination_namespace not in self.namespaces:
                continue
            if app.conditions and not app.operation_pending:
                continue  # a failed sync waits for a forced one
            self.apps[name] = replace(
                app,
                sync="Synced",
                health="Healthy",
                revision="abc123",
                conditions=(),
                operation_phase="Succeeded",
                operation_message="successfully synced",
                operation_pending=False,
            )

    def waits_for(self, namespace: str, pod: str) -> tuple[str, str] | None:
        """(kind, name) of the missing object the pod mounts, while it waits for one."""
        for prefix, (ns, kind, name) in self.mounts.items():
            if ns == namespace and pod.startswith(f"{prefix}-"):
                return None if (kind, ns, name) in self.secrets else (kind, name)
        return None

    def _seen(self, pod: PodInfo) -> PodInfo:
        if self.waits_for(pod.namespace, pod.name) is None:
            return pod
        return replace(pod, phase="Pending", ready=0, reason="ContainerCreating")

    def current_certificates(self) -> tuple[CertificateInfo, ...]:
        """What a snapshot shows: `certificates` when set, else the profile's, all Ready."""
        if self.certificates is not None:
            return self.certificates
        refs = self.profile.validation.certificates or ("whoami/whoami-tls",)
        return tuple(
            CertificateInfo(
                ns,
                name,
                ready=True,
                issuer="letsencrypt-staging",
                issuer_kind="ClusterIssuer",
                dns_names=(f"{name.removesuffix('-tls')}.{self.profile.name}.example",),
            )
            for ns, _, name in (ref.partition("/") for ref in refs)
        )

    def _issuers(self) -> tuple[IssuerInfo, ...]:
        if self.issuers is not None:
            return self.issuers
        synced = self.apps.get("cert-manager-config", AppInfo("", "")).sync == "Synced"
        return (IssuerInfo("letsencrypt-staging", ready=True),) if synced else ()

    def snapshot(self) -> ClusterSnapshot:
        reachable = self.exists if self.reachable_override is None else self.reachable_override
        if not reachable:
            return ClusterSnapshot(
                version=self.version, reachable=False, error="connection refused"
            )
        return ClusterSnapshot(
            version=self.version,
            reachable=True,
            server=str(self.profile.api_endpoint),
            nodes=tuple(self.nodes),
            pods=() if "pods" in self.unlisted else tuple(map(self._seen, self.pods.values())),
            apps=tuple(self.apps.values()),
            certificates=self.current_certificates(),
            issuers=self._issuers(),
            orders=self.orders,
            challenges=self.challenges,
            namespaces=tuple(sorted(self.namespaces)),
            synced_kinds=frozenset(
                {"nodes", "pods", "namespaces", "applications", "certificates", "clusterissuers"}
            )
            - self.unlisted,
        )


class FakeTerraform:
    def __init__(self, world: FakeWorld) -> None:
        self.world = world

    def tool(self, name: str, *args: str) -> ToolRun:
        if name not in self.world.tools:
            return ToolRun(name, "", None, "not found on Terraform's PATH (/usr/bin:/bin)")
        return ToolRun(name, f"/usr/local/bin/{name}", 0, self.world.tools[name])

    def version(self) -> str:
        self.world.calls.append("terraform version")
        return self.world.faults.terraform_version

    def validate(self) -> TfResult:
        self.world.calls.append("terraform validate")
        if self.world.injected():
            diag = TfDiagnostic("error", "injected validate failure", "main.tf line 1")
            return TfResult("validate", 1, diagnostics=(diag,))
        return TfResult("validate", 0)

    def state_list(self) -> tuple[str, ...]:
        if self.world.backend_error:
            raise TerraformError(self.world.backend_error)
        return tuple(self.world.state)

    def outputs(self) -> Mapping[str, Any]:
        if self.world.backend_error:
            raise TerraformError(self.world.backend_error)
        # As the real configuration: `output "cluster_endpoint"` while the state has resources.
        return {"cluster_endpoint": self.world.tf_endpoint} if self.world.state else {}

    def evaluate(self, expression: str) -> Any:
        # The vixens configuration declares `var.cluster` (an object with `endpoint`).
        if expression == "var.cluster.endpoint":
            return self.world.tf_endpoint
        return None

    def _step(self, cancel: CancelToken) -> bool:
        slow = self.world.faults.slow
        return bool(slow) and cancel.wait(slow)

    def destroy(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        w = self.world
        w.calls.append("terraform destroy")
        w.current_stage = StageName.DESTROY  # the command says which stage runs
        if w.injected():
            diag = TfDiagnostic("error", "injected destroy failure", "")
            listener(diag)
            return TfResult("destroy", 1, diagnostics=(diag,))
        destroyed = 0
        for address in list(reversed(w.state)):
            if self._step(cancel):
                return TfResult("destroy", 1, interrupted=True)
            listener(TfResource(address, "delete", "started"))
            if address == CILIUM and w.faults.cilium_destroy > 0:
                w.faults.cilium_destroy -= 1
                diag = CILIUM_DIAGNOSTIC
                listener(TfResource(address, "delete", "errored"))
                listener(TfLog(f"Error: {diag.summary}", level="error"))
                listener(diag)
                w.exists = False
                w.bump()
                return TfResult("destroy", 1, diagnostics=(diag,))
            node = address.partition('node_reset_on_destroy["')[2].rstrip('"]')
            if node and node in w.faults.reset_unreachable:
                ip = next(n.ip for n in w.profile.nodes if n.name == node)
                for line in (
                    f"Resetting node {ip} before destroy...",
                    f"error executing reset: 1 error occurred: * {ip}: rpc error: code = "
                    "Unavailable desc = connection error",
                    "Warning: Node reset failed, continuing destroy",
                    f"Node {ip} reset initiated",
                ):
                    listener(TfLog(f"{address} (local-exec): {line}"))
            w.state.remove(address)
            destroyed += 1
            listener(TfResource(address, "delete", "complete", 0.01))
            listener(TfLog(f"{address}: Destruction complete after 0s"))
        w.exists = False
        w.nodes, w.pods, w.apps, w.namespaces, w.secrets = [], {}, {}, set(), set()
        for name in w.talos_modes:
            if name not in w.faults.reset_unreachable:
                w.talos_modes[name] = "maintenance"
        for path in (w.profile.kubeconfig, w.profile.talosconfig):
            path.unlink(missing_ok=True)
        w.bump()
        return TfResult("destroy", 0, summary={"add": 0, "change": 0, "remove": destroyed})

    def apply(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        w = self.world
        w.calls.append("terraform apply")
        w.current_stage = StageName.APPLY
        if w.injected():
            diag = TfDiagnostic("error", "injected apply failure", "talos timed out")
            listener(diag)
            return TfResult("apply", 1, diagnostics=(diag,))
        for address in addresses_for(w.profile):
            if self._step(cancel):
                return TfResult("apply", 1, interrupted=True)
            listener(TfResource(address, "create", "started"))
            if address not in w.state:
                w.state.append(address)
            listener(TfResource(address, "create", "complete", 0.01))
            listener(TfLog(f"{address}: Creation complete after 0s"))
        w._write_files()
        w.talos_modes = dict.fromkeys(w.talos_modes, "installed")
        # Reinstalled: what a script said of the nodes' reboot after their reset is over (the
        # apply's progress probes would replay its last word).
        w.talos_script.clear()
        if not w.exists:
            w._build()
            w._settle_apps()
        w.bump()
        return TfResult("apply", 0, summary={"add": len(w.state), "change": 0, "remove": 0})

    def state_rm(self, address: str) -> TfResult:
        self.world.calls.append(f"terraform state rm {address}")
        if address in self.world.state:
            self.world.state.remove(address)
            return TfResult("state rm", 0)
        return TfResult("state rm", 1, output=f"No matching objects found for {address}")

    def force_unlock(self, lock_id: str) -> TfResult:
        self.world.calls.append(f"terraform force-unlock {lock_id}")
        return TfResult("force-unlock", 0)


class FakeCluster:
    def __init__(self, world: FakeWorld) -> None:
        self.world = world
        self.started = 0

    def kubeconfig_server(self) -> str | None:
        path: Path = self.world.profile.kubeconfig
        if not path.exists():
            return None
        try:
            data = yaml.safe_load(path.read_text())
            return str(data["clusters"][0]["cluster"]["server"])
        except (yaml.YAMLError, KeyError, IndexError, TypeError) as exc:
            raise ClusterError(f"malformed kubeconfig: {exc}") from None

    def start(self) -> None:
        self.started += 1
        self.world.maybe_fail("watch start")

    def stop(self) -> None:
        pass

    def snapshot(self) -> ClusterSnapshot:
        with self.world.cond:
            return self.world.snapshot()

    def wait_for_change(
        self, after_version: int, timeout: float, cancel: CancelToken | None = None
    ) -> ClusterSnapshot:
        deadline = time.monotonic() + timeout
        with self.world.cond:
            while self.world.version <= after_version:
                left = deadline - time.monotonic()
                if left <= 0 or (cancel is not None and cancel.cancelled):
                    break
                self.world.cond.wait(min(left, 0.05))
            return self.world.snapshot()

    def _need(self) -> None:
        if not self.world.exists:
            raise ClusterError("connection refused")

    def create_namespace(self, name: str) -> bool:
        self._need()
        self.world.calls.append(f"create namespace {name}")
        created = name not in self.world.namespaces
        self.world.namespaces.add(name)
        if name == "cert-manager" and created:
            self.world._cert_manager_pods()
        self.world.bump()
        return created

    def delete_pods(self, namespace: str, selector: str) -> tuple[str, ...]:
        self._need()
        w = self.world
        w.calls.append(f"delete pods {namespace} {selector}")
        key, _, value = selector.partition("=")
        gone = [k for k, p in w.pods.items() if k[0] == namespace and p.labels.get(key) == value]
        for k in gone:
            del w.pods[k]
        w._pod(namespace, "argocd-repo-server", {key: value})
        if "repo-server" in selector and w.faults.repo_server_eof and w.faults.eof_cured_by_restart:
            w.faults.repo_server_eof = False
            for name, app in w.apps.items():
                w.apps[name] = replace(
                    app, conditions=(), sync="OutOfSync", operation_phase="Error"
                )
        w.bump()
        return tuple(k[1] for k in gone)

    def patch_application(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        self._need()
        w = self.world
        w.calls.append(f"sync {name}")
        app = w.apps[name]
        if w.faults.repo_server_eof:
            # The sync runs and fails on the broken repo-server, as Argo CD would report it.
            w.apps[name] = replace(
                app,
                conditions=(f"ComparisonError: {EOF_ERROR}",),
                operation_phase="Error",
                operation_message=EOF_ERROR,
                operation_pending=False,
            )
            w.bump()
            return
        w.apps[name] = replace(app, operation_pending=True, conditions=())
        w._settle_apps()
        w.bump()

    def apply_secret(self, manifest: Mapping[str, Any]) -> None:
        self._need()
        w = self.world
        meta = manifest["metadata"]
        w.secret_payloads.append(manifest)
        w.secrets.add(("Secret", meta["namespace"], meta["name"]))
        w.bump()

    def apply_configmap(self, namespace: str, name: str, data: Mapping[str, str]) -> None:
        self._need()
        self.world.secrets.add(("ConfigMap", namespace, name))
        self.world.bump()

    def object_exists(self, kind: str, namespace: str, name: str) -> bool:
        self._need()
        return (kind, namespace, name) in self.world.secrets

    def pod_logs(self, namespace: str, name: str, tail: int = 200) -> str:
        self._need()
        if (namespace, name) not in self.world.pods:
            raise ClusterError(f'pods "{name}" not found', status=404, reason="NotFound")
        return f"{name}: started\n{name}: serving\n"

    def pod_events(self, namespace: str, name: str) -> tuple[str, ...]:
        self._need()
        scheduled = f"Normal  Scheduled  pod/{name}  Successfully assigned {namespace}/{name}"
        waits = self.world.waits_for(namespace, name)
        if waits is None:
            return (scheduled,)
        # As the kube backend renders the kubelet's event (actions._event_line).
        kind, missing = waits
        return (
            scheduled,
            f'Warning FailedMount (kubelet): MountVolume.SetUp failed for volume "client-info" '
            f': {kind.lower()} "{missing}" not found (x4)',
        )


class FakeHttp:
    def __init__(self, world: FakeWorld) -> None:
        self.world = world

    def probe(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 10.0,
        connect_to: Mapping[str, str] | None = None,
    ) -> HttpResult:
        self.world.http_probes.append(f"{method} {url}")
        answer = self.world.http_answers.get(url)
        if answer is not None:
            return answer
        if self.world.exists:
            return HttpResult(url, 200, "", 0.003)
        return HttpResult(url, None, "connection refused", 0.001)


class FakeTalos:
    """The nodes' Talos API: each node's mode is the world's (`talos_modes`)."""

    def __init__(self, world: FakeWorld) -> None:
        self.world = world
        self.kept = False

    def _node(self, address: str) -> str | None:
        return next(
            (n.name for n in self.world.profile.nodes if address in (n.maintenance_address, n.ip)),
            None,
        )

    def probe(self, address: str) -> NodeModeReport:
        self.world.talos_calls.append(f"probe {address}")
        name = self._node(address)
        if name is None:
            return NodeModeReport(address, "unreachable", "insecure Version: no route to host")
        script = self.world.talos_script.get(name)
        if script:
            self.world.talos_modes[name] = script.pop(0) if len(script) > 1 else script[0]
        mode = self.world.talos_modes[name]
        evidence = {
            "maintenance": "insecure Version: Unimplemented: API is not implemented in "
            "maintenance mode",
            "installed": "insecure Version refused in the TLS handshake: certificate required",
        }.get(mode, "insecure Version: [Errno 113] No route to host")
        return NodeModeReport(address, mode, evidence)

    def talosconfig(self) -> TalosConfigInfo:
        path = self.world.profile.talosconfig
        if not path.is_file():
            raise TalosError(f"no talosconfig at {path}")
        endpoint = self.world.talosconfig_endpoint or (self.world.profile.api_endpoint.host or "")
        nodes = tuple(n.ip for n in self.world.profile.nodes)
        return TalosConfigInfo(str(path), "vixens-dev", (endpoint,), nodes)

    def keep_credentials(self) -> bool:
        self.world.talos_calls.append("keep credentials")
        self.kept = self.world.talos_credentials
        return self.kept

    def etcd_snapshot(self, address: str, target: Path) -> SnapshotInfo:
        self.world.talos_calls.append(f"etcd snapshot {address}")
        if not self.world.exists or self._node_by_ip(address) in self.world.snapshot_refused:
            raise TalosError(f"{address}: etcd snapshot: Unavailable: connection refused")
        data = b"etcd snapshot of " + self.world.profile.name.encode()
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return SnapshotInfo(str(target), len(data), hashlib.sha256(data).hexdigest(), address)

    def health(self, address: str) -> TalosHealth:
        self.world.talos_calls.append(f"health {address}")
        name = self._node_by_ip(address)
        if not name or self.world.talos_modes.get(name) != "installed" or not self.world.exists:
            raise TalosError(
                f"{address}: version: Unavailable: connection refused", unreachable=True
            )
        members = tuple(
            n.name
            for n in self.world.profile.nodes
            if n.role == "control-plane" and n.name not in self.world.etcd_missing
        )
        services = {s: ("Running", True) for s in ("apid", "etcd", "kubelet", "machined")}
        if name in self.world.etcd_missing:
            services["etcd"] = ("Preparing", False)
        return TalosHealth(address, "v1.11.5", services, members)

    def _node_by_ip(self, address: str) -> str:
        return next((n.name for n in self.world.profile.nodes if n.ip == address), "")

    def reset(self, address: str) -> None:
        self.world.talos_calls.append(f"reset {address}")
        name = self._node(address)
        if name is None:
            raise TalosError(f"{address}: reset: Unavailable: no route to host")
        if not self.kept and not self.world.profile.talosconfig.exists():
            raise TalosError(f"no client certificate for the old cluster: {address}")
        self.world.talos_modes[name] = "maintenance"


def backends_for(world: FakeWorld) -> Backends:
    return Backends(
        terraform=FakeTerraform(world),
        cluster=FakeCluster(world),
        http=FakeHttp(world),
        talos=FakeTalos(world),
    )
