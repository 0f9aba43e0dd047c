"""The Textual app: owns the engine, the decider, the relay and the workers.

`make_app` is the one way to build it, used by `vixens_tui.tui.launch.run` and by the tests (with
in-memory backends), so the tests drive exactly the app people run (posting's `make_posting`).

The engine runs in a thread worker (group "procedure"); it reports through the relay and asks
through the decider, and never touches a widget. The app answers the screen's requests
(`messages.py`) and tells the screen what happened by setting its attributes.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import App
from textual.worker import Worker, WorkerState

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState, StateError
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.inputs import ProfileChange, profile_change
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.ports import Backends
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.profile_change import ProfileChanged
from vixens_tui.core.redact import Redactor
from vixens_tui.core.resumable import NothingToResume
from vixens_tui.core.run_result import RunResult
from vixens_tui.options import Options
from vixens_tui.tui import messages
from vixens_tui.tui.decider import TuiDecider
from vixens_tui.tui.relay import EventRelay
from vixens_tui.tui.screens.main import MainScreen
from vixens_tui.tui.screens.modals import QuitConfirmScreen, ResumeOfferScreen
from vixens_tui.tui.screens.pod_diagnostics import PodDiagnostics, PodDiagnosticsScreen
from vixens_tui.wiring import (
    BackendFactory,
    env_state,
    make_backends,
    profile_for,
    redacted_session,
)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class _Session:
    profile: Profile
    backends: Backends
    previous: Checkpoint | None
    note: str = ""
    change: ProfileChange | None = None
    """What changed in the profile since the unfinished run started (asked before going on)."""


class VixensApp(App[int]):
    """The interactive front end. Build it with `make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "vixens-tui"

    def __init__(
        self,
        options: Options,
        profile: Profile,
        state: EnvState,
        backend_factory: BackendFactory,
        *,
        clock: Clock = time.time,
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.redactor = redactor or Redactor()
        """The session's one Redactor: the backends', every run's engine's, the screen's."""
        self.profile = profile
        self.state = state
        self.backend_factory = backend_factory
        self.clock = clock
        self.relay = EventRelay(self._wake)
        self.decider = TuiDecider(self.relay.put)
        self.cancel = CancelToken()
        self.plan: tuple[StageName, ...] = make_plan(
            from_stage=options.from_stage, only=options.only
        )
        self.backends: Backends | None = None
        self.engine: Engine | None = None
        """The engine of the latest run (checklist ticks go through it)."""
        self.result: RunResult | None = None
        self.previous: Checkpoint | None = None
        self.startup_error = ""
        self.run_done = threading.Event()
        """Set while no run is in progress (main.run waits on it before closing backends)."""
        self.run_done.set()
        self.quitting = False
        self._profile_change: ProfileChange | None = None
        """The profile change shown in the resume offer (continuing accepts it)."""
        self._backends_closed = False
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._early_interrupt = ""
        """A signal that came before the app was running: acted on once it is."""
        self.main = MainScreen(
            profile=profile,
            relay=self.relay,
            demo=options.demo,
            plan=self.plan,
            clock=clock,
        )
        self.title = f"vixens-tui · {profile.name}"
        self.sub_title = "demo: simulated cluster" if options.demo else ""

    # -- lifecycle -------------------------------------------------------------------------

    def _wake(self) -> None:
        # Called from the engine's threads; post_message is thread-safe.
        self.main.post_message(messages.EventsPending())

    async def on_mount(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        if self._early_interrupt:
            self.exit(int(ExitCode.INTERRUPTED))
            return
        # Pushed rather than returned by get_default_screen(): Textual loads a screen's
        # CSS_PATH when the screen is pushed, not for the default screen.
        await self.push_screen(self.main)
        # Everything built so far (modules, the widget tree, styles) lives as long as the app:
        # out of the collector's sight, a full collection walks what the run allocates only.
        gc.collect()
        gc.freeze()
        self._startup()

    def on_unmount(self) -> None:
        # Whatever ended the app (a quit, a crash, a test), never leave the engine thread
        # blocked on a question nobody can answer any more: it saves its checkpoint and ends.
        if self.running:
            self.cancel.cancel("the TUI exited")
            self.decider.abort()

    @work(thread=True, exclusive=True, exit_on_error=False, group="startup")
    def _startup(self) -> _Session:
        """Build the backends (a demo starts its simulator here) and read the last run."""
        profile, backends = self.backend_factory(self.profile, self.options)
        backends = redacted_session(profile, backends, self.redactor)
        note = ""
        try:
            previous = self.state.ensure().load()
        except StateError as exc:
            previous, note = None, str(exc)
        change = None
        if previous is not None and previous.unfinished:
            change = profile_change(
                previous.inputs, profile, digest_changed=previous.profile_digest != profile.digest()
            )
        return _Session(profile, backends, previous, note, change)

    @property
    def running(self) -> bool:
        return not self.run_done.is_set()

    @property
    def exit_code(self) -> int:
        """The CLI contract's exit code for what happened in this session."""
        if self.startup_error:
            return int(ExitCode.BAD_INPUT)
        if self.result is not None:
            return int(self.result.exit_code)
        return int(ExitCode.DONE)

    def close_backends(self) -> None:
        """Stop watches and simulators; call once no run is in progress."""
        if self._backends_closed or self.backends is None:
            return
        self._backends_closed = True
        self.backends.close()

    def shutdown(self, timeout: float = 120.0) -> bool:
        """Stop a run still in progress, wait for it (its checkpoint is saved), close the
        backends. Called by `main.run` once Textual has given the terminal back. False when the
        run did not stop in time."""
        if self.running:
            self.cancel.cancel("the TUI exited")
            self.decider.abort()
        stopped = self.run_done.wait(timeout)
        if stopped:
            self.close_backends()
        return stopped

    # -- workers ---------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "startup":
            self._startup_changed(worker, event.state)
        elif worker.group == "procedure":
            self._procedure_changed(worker, event.state)
        elif worker.group == "checklist" and event.state is WorkerState.ERROR:
            self.notify(f"the tick was not recorded: {worker.error}", severity="error")

    def _startup_changed(self, worker: Worker[object], state: WorkerState) -> None:
        if state is WorkerState.ERROR:
            error = str(worker.error) or type(worker.error).__name__
            self.startup_error = self.redactor.scrub(error)
            self.main.startup_failed(self.startup_error)
            return
        if state is not WorkerState.SUCCESS:
            return
        session = worker.result
        assert isinstance(session, _Session)
        self.profile = session.profile
        self.backends = session.backends
        self.previous = session.previous
        self.main.profile = session.profile
        self.main.session_ready(session.previous, session.note)
        unfinished = session.previous is not None and session.previous.unfinished
        self._profile_change = session.change
        if self.options.resume and session.change is None:
            self.post_message(messages.StartRun(resume=True))
        elif unfinished and session.previous is not None:
            # A changed profile is always asked about, --resume or not: going on with it
            # re-opens stages, and a change of cluster cannot go on at all.
            self._offer_resume(session.previous)

    def _offer_resume(self, previous: Checkpoint) -> None:
        self.push_screen(ResumeOfferScreen(previous, self._profile_change), self._resume_answered)

    def _resume_answered(self, choice: object) -> None:
        if choice == "continue":
            accepted = self._profile_change is not None
            self.post_message(messages.StartRun(resume=True, accept_profile_change=accepted))
        elif choice == "new":
            self.post_message(messages.StartRun(resume=False))

    def _procedure_changed(self, worker: Worker[object], state: WorkerState) -> None:
        if state is WorkerState.SUCCESS:
            result = worker.result
            assert isinstance(result, RunResult)
            self.result = result
            self.main.run_ended(result)
        elif state is WorkerState.ERROR:
            error = worker.error
            message = self.redactor.scrub(str(error)) if error is not None else "the run failed"
            if isinstance(error, StateError | NothingToResume | ProfileChanged):
                self.main.run_ended(None, message)
            else:
                self.main.run_ended(None, f"internal error: {type(error).__name__}: {message}")
        else:
            return
        if self.quitting:
            self.exit(self.exit_code)

    @work(thread=True, exclusive=True, exit_on_error=False, group="procedure")
    def _procedure(self, engine: Engine, request: RunRequest) -> RunResult:
        try:
            checkpoint = engine.prepare(request)
            return engine.run(request, checkpoint)
        finally:
            self.run_done.set()

    @work(thread=True, exit_on_error=False, group="checklist")
    def _tick(self, engine: Engine, item_id: str, ticked: bool) -> None:
        # The tick writes the checkpoint: file I/O, so not on the UI thread.
        engine.tick(item_id, ticked)

    # -- requests from the screen ------------------------------------------------------------

    @on(messages.StartRun)
    def _start_run(self, message: messages.StartRun) -> None:
        if self.running or self.backends is None or self.quitting:
            return
        pending = self._profile_change is not None and not message.accept_profile_change
        if message.resume and pending and self.previous is not None:
            # `s` after "decide later": the change is still to be seen and agreed to.
            self._offer_resume(self.previous)
            return
        if message.resume and message.accept_profile_change:
            self._profile_change = None  # the run takes the new inputs into its checkpoint
        self.decider.reset()
        engine = Engine(
            self.profile,
            self.backends,
            self.state,
            self.decider,
            self.relay,
            cancel=self.cancel,
            redactor=self.redactor,
        )
        self.engine = engine
        request = RunRequest(
            plan=self.plan,
            resume=message.resume,
            mode="tui",
            demo=self.options.demo,
            accept_profile_change=message.accept_profile_change,
        )
        self.run_done.clear()
        self.main.run_started()
        self._procedure(engine, request)

    @on(messages.AnswerDecision)
    def _answer_decision(self, message: messages.AnswerDecision) -> None:
        self.decider.answer(message.request_id, message.decision)

    @on(messages.AnswerDestroy)
    def _answer_destroy(self, message: messages.AnswerDestroy) -> None:
        self.decider.answer(message.request_id, message.confirmed)

    @on(messages.TickChecklistItem)
    def _tick_item(self, message: messages.TickChecklistItem) -> None:
        if self.engine is None:
            return
        self._tick(self.engine, message.item_id, message.ticked)

    @on(messages.ShowPodDiagnostics)
    def _pod_diagnostics(self, message: messages.ShowPodDiagnostics) -> None:
        backends = self.backends
        if backends is None:
            return
        # The session's redacted cluster (`redacted_session`): logs, events and errors come
        # back masked.
        cluster = backends.cluster

        redactor = self.redactor

        def fetch(namespace: str, name: str) -> PodDiagnostics:
            try:
                return PodDiagnostics(
                    logs=cluster.pod_logs(namespace, name),
                    events=cluster.pod_events(namespace, name),
                )
            except Exception as exc:  # shown on screen: masked whatever raised it
                raise RuntimeError(redactor.scrub(str(exc))) from None

        self.push_screen(PodDiagnosticsScreen(message.pod_namespace, message.pod_name, fetch))

    @on(messages.Quit)
    async def _quit_requested(self, _message: messages.Quit) -> None:
        await self.action_quit()

    async def action_quit(self) -> None:
        """Quit; while a run is in progress, ask, then stop it cleanly first."""
        if not self.running:
            self.exit(self.exit_code)
            return
        if self.quitting:
            # Asked again while the stage stops: leave now; main.run still waits for the
            # engine to finish (and save its checkpoint) before the program ends.
            self.exit(int(ExitCode.INTERRUPTED))
            return
        stage = self.main.current_stage

        def answered(yes: object) -> None:
            if yes is True:
                self.stop_and_quit("stopped from the TUI (quit)")

        self.push_screen(QuitConfirmScreen(stage), answered)

    def stop_and_quit(self, reason: str) -> None:
        """Cancel the run (Terraform is interrupted and reaped), then exit when it ends."""
        self.quitting = True
        self.cancel.cancel(reason)
        self.decider.abort()
        if not self.running:
            self.exit(self.exit_code)
            return
        self.main.stopping()

    def interrupt(self, reason: str) -> None:
        """A signal arrived (SIGTERM, SIGHUP): stop and quit without asking. Any thread."""
        loop = self._event_loop
        if loop is None or loop.is_closed():
            self._early_interrupt = reason
            self.cancel.cancel(reason)
            self.decider.abort()
            return
        loop.call_soon_threadsafe(self.stop_and_quit, reason)


def make_app(
    options: Options,
    *,
    backend_factory: BackendFactory | None = None,
    state: EnvState | None = None,
    profile: Profile | None = None,
    clock: Clock = time.time,
) -> VixensApp:
    """The app for these options: what `vixens-tui` runs, and what the tests drive.

    Args:
        options: The parsed command line.
        backend_factory: Builds the backends from (profile, options); default: the CLI's
            (`VIXENS_TUI_BACKENDS` hook, the demo's simulator, or the real backends).
        state: The environment's state directory; default: from the options.
        profile: The loaded profile; default: loaded from the options (raises ProfileError).
        clock: Wall clock for elapsed times and ages (tests pass a fixed one).
    """
    env = state if state is not None else env_state(options)
    loaded = profile if profile is not None else profile_for(options)
    redactor = Redactor()
    if backend_factory is None:

        def default_factory(p: Profile, o: Options) -> tuple[Profile, Backends]:
            # The kubeconfig's token goes to the session's redactor.
            return make_backends(p, o, env, redactor)

        backend_factory = default_factory
    return VixensApp(options, loaded, env, backend_factory, clock=clock, redactor=redactor)


__all__ = ["VixensApp", "make_app"]
