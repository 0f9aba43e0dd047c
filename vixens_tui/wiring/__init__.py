"""Builds what a front end needs: the profile, the state directory, the backends.

Shared by the headless runner and the TUI so both drive the very same engine on the very same
parts. Heavy imports (pydantic, the kubernetes client, the simulator) happen here, lazily, never
at `vixens-tui --help` time.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from vixens_tui.core.checkpoint.lock import EnvLock
from vixens_tui.core.checkpoint.store import EnvState, StateError
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile import Profile, ProfileError, load_profile
from vixens_tui.core.redact import Redactor
from vixens_tui.core.resumable import NothingToResume, check_resumable
from vixens_tui.options import Options, UsageError
from vixens_tui.run_lock import run_locked, state_key, state_root

BACKENDS_HOOK = "VIXENS_TUI_BACKENDS"
"""`module:function` building the backends instead of the real ones (tests use it to run the
CLI in a subprocess on in-memory fakes). The function takes (profile, options) and returns
(profile, backends)."""

BackendFactory = Callable[[Profile, Options], tuple[Profile, Backends]]


def env_state(options: Options) -> EnvState:
    return EnvState(state_root(options), state_key(options))


def profile_for(options: Options) -> Profile:
    profile = load_profile(options.env, options.config)
    if options.context:
        profile = profile.model_copy(update={"context": options.context})
    if options.allow_no_etcd_snapshot:
        settings = profile.known_issues.model_copy(update={"etcd_snapshot_required": False})
        profile = profile.model_copy(update={"known_issues": settings})
    if options.kubeconfig is not None and not options.demo:
        # $KUBECONFIG names the cluster's file as it does for kubectl. The wrong-cluster guard
        # checks that file against the profile's endpoint before anything is destroyed.
        chosen = options.kubeconfig.absolute()
        update: dict[str, object] = {"kubeconfig": chosen}
        if chosen != profile.kubeconfig:
            # Terraform still writes the profile's: preflight says the two differ.
            update["terraform_kubeconfig"] = profile.kubeconfig
        profile = profile.model_copy(update=update)
    return profile


@dataclass(frozen=True, slots=True)
class Refusal:
    exit_code: int
    message: str


@dataclass(frozen=True, slots=True)
class Session:
    """A run about to start, as both front ends open it: the profile, the environment's state
    directory, the lock held, the plan, and what to say about a lock taken over."""

    options: Options
    profile: Profile
    state: EnvState
    lock: EnvLock
    plan: tuple[StageName, ...]
    takeover: str = ""
    """"the previous holder of the lock (...) is gone; taking over", or ""."""


def open_session(options: Options, lock: EnvLock) -> Session | Refusal:
    """The session of a run whose lock is held, or why it cannot start: the profile, the
    state directory, the plan, and for `--resume` a run to resume (a finished demo has no
    cluster left: refused before anything is drawn or connected)."""
    try:
        profile = profile_for(options)
    except ProfileError as exc:
        return Refusal(ExitCode.BAD_INPUT, str(exc))
    state = env_state(options)
    try:
        state.ensure()
    except StateError as exc:
        return Refusal(ExitCode.BAD_INPUT, str(exc))
    try:
        plan = make_plan(from_stage=options.from_stage, only=options.only)
    except ValueError as exc:
        return Refusal(ExitCode.BAD_INPUT, str(exc))
    if options.resume and (refusal := resume_refusal(state)) is not None:
        return refusal
    takeover = ""
    if lock.took_over_dead_holder() and lock.previous is not None:
        takeover = (
            f"the previous holder of the lock ({lock.previous.describe()}) is gone; taking over"
        )
    return Session(options, profile, state, lock, plan, takeover)


def run_session(
    options: Options,
    lock: EnvLock | None,
    go: Callable[[Session], int],
    say: Callable[[str], None],
) -> int:
    """What both front ends do before their own work: the lock first (taken here when the
    CLI did not), then the session, or the refusal said and its exit code."""
    if lock is None:
        return run_locked(options, lambda held: run_session(options, held, go, say), say)
    session = open_session(options, lock)
    if isinstance(session, Refusal):
        say(session.message)
        return session.exit_code
    if session.takeover:
        say(session.takeover)
    return go(session)


def resume_refusal(state: EnvState) -> Refusal | None:
    """Why `--resume` cannot go on in this environment (None: it can). Asked by both front
    ends before they build the backends: a finished demo has no cluster left to reach."""
    try:
        check_resumable(state)
    except NothingToResume as exc:
        return Refusal(ExitCode.DONE if exc.finished else ExitCode.BAD_INPUT, str(exc))
    except StateError as exc:
        return Refusal(ExitCode.BAD_INPUT, str(exc))
    return None


def _hook() -> BackendFactory | None:
    spec = os.environ.get(BACKENDS_HOOK)
    if not spec:
        return None
    module_name, _, func_name = spec.partition(":")
    if not func_name:
        raise UsageError(f"{BACKENDS_HOOK} must look like module:function, got {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"{BACKENDS_HOOK}={spec}: {exc}") from None
    return cast(BackendFactory, factory)


def make_backends(
    profile: Profile, options: Options, state: EnvState, redactor: Redactor | None = None
) -> tuple[Profile, Backends]:
    """The backends for this run; a demo also rewrites the profile to point at the simulator.

    `redactor` (the engine's) learns the kubeconfig's token, so it can never be printed.
    """
    hook = _hook()
    if hook is not None:
        return hook(profile, options)
    if options.demo:
        from vixens_tui.wiring.demo import demo_backends

        return demo_backends(profile, options, state, redactor)
    from vixens_tui.backends.factory import real_backends

    return profile, real_backends(profile, redactor)


def redacted_session(profile: Profile, backends: Backends, redactor: Redactor) -> Backends:
    """The backends a front end works with, behind the session's one Redactor.

    The redactor learns the secret files' values now (best effort: preflight reports a bad
    file), since the cluster is shown before a run's preflight reads them; everything read
    from the cluster then comes back masked (`RedactedCluster`), to the stages and the screen.
    """
    from vixens_tui.core.redacted_cluster import redacted_backends
    from vixens_tui.core.secret_values import learn_secret_values

    learn_secret_values(profile, redactor)
    return redacted_backends(backends, redactor)
