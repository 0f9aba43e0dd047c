"""What a run is asked to build, recorded in its checkpoint, and what changed since.

A resume continues a run with the profile of the day. When the profile was edited in between
(an app added, a Kubernetes version bumped), going on silently would judge the cluster built
by the old inputs against the new ones: a wait that can never end ("0/5 Ready" of nodes that
are Ready at another version), or stages marked done for inputs that no longer hold. So the
checkpoint keeps the inputs, a resume lists what changed, the front end asks (the TUI) or
needs a flag (`--auto --accept-profile-change`), and the stages the change concerns are
re-opened on purpose.

A change of the cluster's identity (its endpoint, its Terraform directory, its kubeconfig) is
never accepted: that is another cluster, and a run on it starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vixens_tui.core.names import STAGE_ORDER, StageName
from vixens_tui.core.profile.model import Profile

InputValue = str | list[str]

_APPLY = (StageName.APPLY, StageName.VALIDATE)
_SYNC = (StageName.ARGOCD_SYNC, StageName.VALIDATE)


@dataclass(frozen=True, slots=True)
class InputSpec:
    key: str
    read: Callable[[Profile], InputValue]
    reopens: tuple[StageName, ...]
    """The stages whose work depends on this input: re-opened when it changes."""
    identity: bool = False
    """Names the cluster itself: a change means another cluster (refused)."""


def _nodes(p: Profile) -> list[str]:
    return [f"{n.name} ({n.role}{', ' + n.ip if n.ip else ''})" for n in p.nodes]


def _apps(p: Profile) -> list[str]:
    return [f"{a.name} -> {a.namespace}" for a in p.apps]


def _versions(p: Profile) -> list[str]:
    v = p.versions
    return [
        f"{name} {value}"
        for name, value in (
            ("talos", v.talos),
            ("cilium", v.cilium),
            ("argocd chart", v.argocd_chart),
        )
        if value
    ]


def _argocd(p: Profile) -> list[str]:
    a = p.argocd
    return [
        f"server {a.server}",
        f"namespace {a.namespace}",
        f"revision {a.revision}",
        f"root app {a.root_app}",
    ]


def _secrets(p: Profile) -> list[str]:
    s = p.secrets
    return [
        f"{s.gandi.ref()} (key {s.gandi.key}) from {s.gandi_credentials}",
        f"{s.synology.ref()} (key {s.synology.key}) from {s.synology_client_info}",
    ]


def _http(p: Profile) -> list[str]:
    return [
        f"{c.name} {c.method} {c.url} -> {','.join(map(str, c.expect_status))}"
        for c in p.http_checks
    ]


def _validation(p: Profile) -> list[str]:
    v = p.validation
    return [
        f"at least {v.min_running_pods} pods Running",
        f"cilium pods {v.cilium_selector}",
        f"cert-manager namespace {v.cert_manager_namespace}",
        *(f"hubble pods {s}" for s in v.hubble_selectors),
        *(f"certificate {ref}" for ref in v.certificates),
    ]


INPUTS: tuple[InputSpec, ...] = (
    InputSpec("api_endpoint", lambda p: str(p.api_endpoint), STAGE_ORDER, identity=True),
    InputSpec("terraform_dir", lambda p: str(p.terraform_dir), STAGE_ORDER, identity=True),
    InputSpec("kubeconfig", lambda p: str(p.kubeconfig), STAGE_ORDER, identity=True),
    InputSpec("nodes", _nodes, _APPLY),
    InputSpec("kubernetes_version", lambda p: p.kubernetes_version, _APPLY),
    InputSpec("versions", _versions, _APPLY),
    InputSpec(
        "required_namespaces",
        lambda p: list(p.known_issues.required_namespaces),
        (StageName.NAMESPACES, StageName.VALIDATE),
    ),
    InputSpec("apps", _apps, _SYNC),
    InputSpec("argocd", _argocd, _SYNC),
    InputSpec("secrets", _secrets, (StageName.SECRETS, StageName.VALIDATE)),
    InputSpec("http_checks", _http, (StageName.VALIDATE,)),
    InputSpec("validation", _validation, (StageName.VALIDATE,)),
)


def inputs_of(profile: Profile) -> dict[str, InputValue]:
    """The inputs of a run, as stored in its checkpoint."""
    return {spec.key: spec.read(profile) for spec in INPUTS}


@dataclass(frozen=True, slots=True)
class InputChange:
    key: str
    description: str
    identity: bool
    reopens: tuple[StageName, ...]


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """How the profile of a resume differs from the run's."""

    changes: tuple[InputChange, ...]
    unknown: bool = False
    """The run predates recorded inputs: the profile changed, nobody can say how."""

    @property
    def identity(self) -> tuple[InputChange, ...]:
        return tuple(c for c in self.changes if c.identity)

    def reopened(self, plan: tuple[StageName, ...] | list[StageName]) -> tuple[StageName, ...]:
        wanted = {stage for change in self.changes for stage in change.reopens}
        return tuple(s for s in plan if s in wanted and s is not StageName.PREFLIGHT)

    def lines(self) -> tuple[str, ...]:
        if self.unknown:
            return (
                "the profile changed since this run started (the run was recorded before "
                "vixens-tui kept its inputs, so what changed cannot be listed)",
            )
        return tuple(f"{c.key}: {c.description}" for c in self.changes)


def _describe(old: InputValue | None, new: InputValue) -> str:
    if isinstance(old, list) and isinstance(new, list):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = [f"+ {v}" for v in added] + [f"- {v}" for v in removed]
        return ", ".join(parts) if parts else "reordered"
    return f"{_text(old)} -> {_text(new)}"


def _text(value: InputValue | None) -> str:
    if value is None:
        return "(not recorded)"
    return ", ".join(value) if isinstance(value, list) else value


def profile_change(
    recorded: dict[str, InputValue] | None, profile: Profile, *, digest_changed: bool
) -> ProfileChange | None:
    """What changed between a run's recorded inputs and `profile` (None: nothing that a
    resume must ask about; settings such as timeouts may still have changed)."""
    if recorded is None:
        return ProfileChange((), unknown=True) if digest_changed else None
    now = inputs_of(profile)
    changes = tuple(
        InputChange(
            spec.key, _describe(recorded.get(spec.key), now[spec.key]), spec.identity, spec.reopens
        )
        for spec in INPUTS
        if recorded.get(spec.key) != now[spec.key]
    )
    return ProfileChange(changes) if changes else None
