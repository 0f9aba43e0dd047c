"""The profile of one environment: what the cluster should look like and how to rebuild it.

Every figure of the procedure lives here, not in the stages: node names and versions, the API
endpoint, the expected apps, the minimum of Running pods, the secret files, the HTTP checks, the
per-stage timeouts and the procedure's expected durations. `builtin/dev.toml` is the procedure's
dev environment, field for field.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal, Self

from pydantic import (
    Field,
    HttpUrl,
    PositiveFloat,
    field_validator,
    model_validator,
)

from vixens_tui.core.k8s_validation import dns1123_subdomain
from vixens_tui.core.names import StageName
from vixens_tui.core.profile.fields import DNS1123, DnsName
from vixens_tui.core.profile.fields import Strict as _Strict
from vixens_tui.core.profile.secrets import Secrets

_K8S_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


class NodeSpec(_Strict):
    name: DnsName
    ip: str = ""
    """The node's address on the cluster VLAN (informational)."""
    maintenance_ip: str = ""
    """Where the node answers in maintenance mode, after a reset (the vixens tfvars'
    `ip_address`, 192.168.0.x): the destroy proves each node is there. Empty: `ip`."""
    role: Literal["control-plane", "worker"] = "control-plane"

    @property
    def maintenance_address(self) -> str:
        return self.maintenance_ip or self.ip


class AppSpec(_Strict):
    """An Argo CD Application the cluster must end up running."""

    name: DnsName
    namespace: DnsName
    """The destination namespace of the app's resources."""
    sync_wave: int = 0
    create_namespace: bool = False
    """Whether the Application has the CreateNamespace=true sync option."""
    accept_progressing: bool = False
    """The procedure accepts this app as Progressing at the end (argocd, traefik)."""


class GitOpsSource(_Strict):
    """Read the expected apps from a GitOps checkout instead of listing them."""

    checkout: Path
    overlay: str | None = None
    """The overlay directory holding kustomization.yaml, relative to the checkout (default:
    `argocd/overlays/<the profile's name>`: each environment has its own overlay)."""

    def overlay_for(self, env: str) -> str:
        return self.overlay or f"argocd/overlays/{env}"

    accept_progressing: tuple[DnsName, ...] = ("argocd", "traefik")


class ArgoCD(_Strict):
    server: str
    """Address of the Argo CD server (LoadBalancer IP), as in `argocd app sync --server`."""
    namespace: DnsName = "argocd"
    revision: str = "dev"
    """The git branch the Applications track; a forced sync uses it."""
    repo_server_selector: str = "app.kubernetes.io/name=argocd-repo-server"
    root_app: str = "vixens-app-of-apps"
    sync_grace_s: PositiveFloat = 60.0
    """How long an OutOfSync app with no operation may sit before we force its sync."""


_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")


class HttpCheck(_Strict):
    name: DnsName
    url: HttpUrl
    method: Literal["GET", "HEAD"] = "GET"
    expect_status: tuple[int, ...] = (200,)
    """The statuses that pass, of the URL's answer or of the HTTPS answer a redirect led to."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra headers, e.g. a Host header when the URL is an IP."""
    timeout_s: PositiveFloat = 10.0
    https_redirect: Literal["follow", "accept"] = "follow"
    """What a redirect to the same host over https means (Traefik's redirectScheme, the
    vixens ingresses' `redirect-https` middleware): "follow" probes the HTTPS URL once and
    judges its answer; "accept" passes on the redirect itself, HTTPS not probed. A redirect
    anywhere else is judged as its status."""
    require_trusted_certificate: bool = False
    """Fail when this host does not trust the HTTPS certificate. Off by default: the dev
    environment's letsencrypt-staging certificates are never trusted (the evidence says so)."""
    connect_to: dict[str, str] = Field(default_factory=dict)
    """`host:port` -> `address:port` to connect to instead (curl's --connect-to), keeping the
    Host header and the TLS server name: for hosts this machine cannot resolve."""

    @field_validator("connect_to")
    @classmethod
    def _connect_to(cls, value: dict[str, str]) -> dict[str, str]:
        for key, target in value.items():
            for text in (key, target):
                match = _HOST_PORT.match(text)
                if match is None or not 0 < int(match[2]) < 65536:
                    raise ValueError(f"{text!r} is not host:port")
        return value


class Versions(_Strict):
    """The versions the procedure names (shown, and checked where a probe can)."""

    talos: str = ""
    cilium: str = ""
    argocd_chart: str = ""


class ApplyPhase(_Strict):
    """A phase of `terraform apply`, recognised by the resource addresses it touches.

    Patterns are shell globs over the address; when several phases match, the later one in
    the profile's order wins, so `*talos_machine_bootstrap*` (Bootstrap) beats the earlier
    `module.environment.module.talos*` (Talos configuration).
    """

    name: str
    address_patterns: tuple[str, ...] = Field(min_length=1)
    expected_s: tuple[float, float] = (0.0, 0.0)


class Validation(_Strict):
    min_running_pods: int = Field(default=32, ge=0)
    kube_system_namespace: DnsName = "kube-system"
    cilium_selector: str = "k8s-app=cilium"
    hubble_selectors: tuple[str, ...] = ("k8s-app=hubble-relay", "k8s-app=hubble-ui")
    """The Hubble pods the procedure's "Cilium v1.18.3 (CNI + L2 Announcements + Hubble)"
    promises (the Cilium chart deploys them with hubble.relay and hubble.ui enabled, as the
    cilium module does); empty when Hubble is not part of the build."""
    cert_manager_namespace: DnsName = "cert-manager"
    gandi_webhook_prefix: str = "cert-manager-webhook-gandi"
    argocd_http_check: str = "argocd"
    """The HTTP check that proves "ArgoCD est accessible"."""
    certificates_timeout_s: PositiveFloat = 600.0
    """The procedure: wait 2-5 minutes after the secrets for the certificates. The validation
    fails (as a timeout of its own) when they are not all Ready this long after it began."""
    certificates: tuple[str, ...] = ()
    """`namespace/name` of the Certificates the GitOps repository declares (a Certificate
    manifest, or an Ingress with a cert-manager.io/cluster-issuer annotation: cert-manager
    names that one after its TLS secret). Each must exist and be Ready."""

    @field_validator("certificates")
    @classmethod
    def _certificates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for ref in value:
            namespace, slash, name = ref.partition("/")
            if not slash or not DNS1123.match(namespace) or len(namespace) > 63:
                raise ValueError(f"{ref!r}: expected namespace/name")
            problems = dns1123_subdomain(name)
            if problems:
                raise ValueError(f"{ref!r}: the name {'; '.join(problems)}")
        if len(set(value)) != len(value):
            raise ValueError("a certificate is listed twice")
        return value


class Guard(_Strict):
    """Where the wrong-cluster guard reads the endpoint the Terraform configuration targets.

    Before anything is destroyed it must equal `api_endpoint`: the state's output (what a
    destroy removes), and the first of the expressions the configuration declares (what an
    apply builds). The vixens repository has both: `output "cluster_endpoint"` and
    `cluster = { endpoint = ... }` in terraform.tfvars.
    """

    endpoint_output: str = "cluster_endpoint"
    endpoint_expressions: tuple[str, ...] = ("var.cluster.endpoint", "var.cluster_endpoint")


class KnownIssueSettings(_Strict):
    state_rm_allowed: tuple[str, ...] = ("module.environment.module.cilium.helm_release.cilium",)
    """Addresses (or prefixes ending in '*') that the Cilium fix may drop from the state."""
    repo_server_ready_timeout_s: PositiveFloat = 120.0
    required_namespaces: tuple[DnsName, ...] = ("cert-manager",)
    """Namespaces the charts do not create (known issue 2)."""
    namespace_grace_s: PositiveFloat = 60.0
    """How long to let Argo CD create a required namespace before calling it missing."""
    swallowed_failures: tuple[str, ...] = ("Node reset failed",)
    """Texts a destroy-time provisioner prints when it swallowed a failure (the Talos module's
    `talosctl reset ... || echo "Warning: Node reset failed, continuing destroy"`): Terraform
    then reports success, and the destroy stage fails with the lines that say so."""
    etcd_snapshot: bool = True
    """Take etcd's snapshot through the Talos API before the destroy, and stop if it cannot
    be taken. False: destroy without one (the explicit choice the runbook never had)."""
    etcd_snapshot_required: bool = True
    """False (`--allow-no-etcd-snapshot`): the snapshot is still tried, and the destroy goes
    on, said as a warning, when no control plane gives one."""
    maintenance_wait_s: PositiveFloat = 300.0
    """How long the destroy waits for every node to answer in maintenance mode after Terraform
    finished (a reset node reboots first: a minute or two on the real machines)."""


def _default_timeouts() -> dict[StageName, float]:
    return {
        StageName.PREFLIGHT: 300,
        StageName.DESTROY: 1200,
        StageName.APPLY: 2700,
        StageName.NAMESPACES: 300,
        StageName.ARGOCD_SYNC: 900,
        StageName.SECRETS: 300,
        StageName.VALIDATE: 1200,
    }


def _default_expected() -> dict[StageName, tuple[float, float]]:
    # The procedure's figures, in seconds (étapes 1-6).
    return {
        StageName.PREFLIGHT: (0, 60),
        StageName.DESTROY: (300, 600),
        StageName.APPLY: (900, 1500),
        StageName.NAMESPACES: (0, 60),
        StageName.ARGOCD_SYNC: (120, 300),
        StageName.SECRETS: (0, 60),
        StageName.VALIDATE: (300, 600),
    }


class Profile(_Strict):
    """One environment. Loaded from TOML; see builtin/dev.toml for every field in use."""

    name: DnsName
    description: str = ""
    terraform_dir: Path
    kubeconfig: Path
    talosconfig: Path
    terraform_stop_grace_s: PositiveFloat = 300.0
    """How long an interrupted `terraform destroy` or `apply` may take to stop on its own (it
    finishes the Helm install or uninstall in flight and writes its state) before it is
    terminated. Minutes: a Helm release waits for its pods."""
    terraform_kubeconfig: Path | None = None
    """Where the Terraform configuration writes its kubeconfig, when the run reads another file
    (`kubeconfig` replaced by $KUBECONFIG); None: the same file."""
    context: str | None = None
    """The kubeconfig context to use (default: the file's current context)."""
    api_endpoint: HttpUrl
    """The Kubernetes API the kubeconfig must point at (the wrong-cluster guard)."""
    kubernetes_version: str
    kubernetes_version_match: Literal["minor", "patch"] = "minor"
    """How much of `kubernetes_version` the nodes must match. The minor by default: the user's
    Talos module never passes its version to Talos, so the patch is the Talos release's
    choice; "patch" to hold it to the patch too."""
    nodes: tuple[NodeSpec, ...] = Field(min_length=1)
    versions: Versions = Versions()
    argocd: ArgoCD
    apps: tuple[AppSpec, ...] = ()
    apps_from: GitOpsSource | None = None
    apps_skipped: tuple[str, ...] = ()
    """What the GitOps overlay of `apps_from` holds that its reader did not follow (a
    subdirectory, a remote base, a component, a name prefix...): said at preflight, since the
    apps listed may then be the wrong ones."""
    secrets: Secrets
    http_checks: tuple[HttpCheck, ...] = ()
    validation: Validation = Validation()
    guard: Guard = Guard()
    known_issues: KnownIssueSettings = KnownIssueSettings()
    apply_phases: tuple[ApplyPhase, ...] = ()
    timeouts_s: dict[StageName, PositiveFloat] = Field(default_factory=_default_timeouts)
    expected_s: dict[StageName, tuple[float, float]] = Field(default_factory=_default_expected)
    talos_api: bool = True
    """Speak to the nodes' Talos API (port 50000): preflight's talosconfig and node checks, the
    etcd snapshot before the destroy, the proof that every node is in maintenance mode after it,
    Talos's health after the apply. False on an admin host that cannot reach the nodes: none of
    that is done, and preflight says so."""
    terraform_min_version: str = "1.5.0"
    talosctl_min_version: str = "1.11.0"
    """The runbook's talosctl: preflight checks the one on Terraform's PATH when the
    configuration's provisioners run it (`talosctl reset` on destroy, `upgrade` on apply)."""
    terraform_binary: str = "terraform"
    """The terraform to run: a name looked up on PATH, or a path."""
    wait_progress_s: PositiveFloat = 10.0
    """How often a wait reports progress."""
    talos_progress_s: PositiveFloat = 5.0
    """How often the apply asks each node's Talos API where it is (maintenance, configuration
    applied, installed, rebooting, bootstrapped, Ready). With `talos_api` only."""

    @field_validator("kubernetes_version")
    @classmethod
    def _version_shape(cls, value: str) -> str:
        if not _K8S_VERSION.match(value):
            raise ValueError("must look like v1.34.0")
        return value

    @field_validator("nodes")
    @classmethod
    def _unique_nodes(cls, nodes: tuple[NodeSpec, ...]) -> tuple[NodeSpec, ...]:
        names = [n.name for n in nodes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate node names: {', '.join(dupes)}")
        return nodes

    @field_validator("apps")
    @classmethod
    def _unique_apps(cls, apps: tuple[AppSpec, ...]) -> tuple[AppSpec, ...]:
        names = [a.name for a in apps]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate app names: {', '.join(dupes)}")
        return apps

    @field_validator("timeouts_s", "expected_s", mode="before")
    @classmethod
    def _complete_stage_map(cls, value: object, info: object) -> object:
        # A profile may set only some stages: the others keep the procedure's defaults.
        if isinstance(value, dict):
            field_name = getattr(info, "field_name", "")
            base: dict[StageName, object] = dict(
                _default_timeouts() if field_name == "timeouts_s" else _default_expected()
            )
            for key, item in value.items():
                try:
                    stage = StageName(key)
                except ValueError:
                    valid = ", ".join(s.value for s in StageName)
                    raise ValueError(f"unknown stage {key!r} (valid: {valid})") from None
                base[stage] = item
            return base
        return value

    @model_validator(mode="after")
    def _apps_one_source(self) -> Self:
        if self.apps and self.apps_from is not None:
            raise ValueError("set either `apps` or `apps_from`, not both")
        if not self.apps and self.apps_from is None:
            raise ValueError("no expected apps: set `apps` (a list) or `apps_from` (a checkout)")
        checks = {c.name for c in self.http_checks}
        if self.http_checks and self.validation.argocd_http_check not in checks:
            raise ValueError(
                f"validation.argocd_http_check = {self.validation.argocd_http_check!r} "
                f"names no http check (have: {', '.join(sorted(checks))})"
            )
        return self

    # -- derived -------------------------------------------------------------------------

    def timeout(self, stage: StageName) -> float:
        return float(self.timeouts_s[stage])

    def expected(self, stage: StageName) -> tuple[float, float]:
        low, high = self.expected_s[stage]
        return float(low), float(high)

    def digest(self) -> str:
        """A short fingerprint, stored in the checkpoint to notice a profile edited mid-run."""
        payload = self.model_dump_json(exclude={"description"}).encode()
        return hashlib.sha256(payload).hexdigest()[:16]

    def resolve_paths(self, base: Path) -> Profile:
        """Make relative paths relative to the profile file's directory."""

        def fix(p: Path) -> Path:
            p = p.expanduser()
            return p if p.is_absolute() else (base / p).resolve()

        update: dict[str, object] = {
            "terraform_dir": fix(self.terraform_dir),
            "kubeconfig": fix(self.kubeconfig),
            "talosconfig": fix(self.talosconfig),
            "secrets": self.secrets.model_copy(
                update={
                    "gandi_credentials": fix(self.secrets.gandi_credentials),
                    "synology_client_info": fix(self.secrets.synology_client_info),
                }
            ),
        }
        if self.apps_from is not None:
            update["apps_from"] = self.apps_from.model_copy(
                update={"checkout": fix(self.apps_from.checkout)}
            )
        return self.model_copy(update=update)
