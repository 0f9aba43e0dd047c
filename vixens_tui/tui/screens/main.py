"""The main screen: stage bar, attention bars, log, cluster grids, apps, checklist.

It owns no engine: it drains the relay (engine events, decider requests) and sets attributes on
its children, and it sends requests (start, answer, tick, quit) up to the app as messages.
Above about 110x34 every pane is visible at once; below, the panes collapse into tabs (a CSS
class on the screen: one widget tree, so nothing is lost when the terminal is resized).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Static, Tab, Tabs

from vixens_tui.core.checkpoint.model import Checkpoint, Outcome, StageStatus
from vixens_tui.core.cluster import ClusterSnapshot
from vixens_tui.core.decider import Action, Decision
from vixens_tui.core.events import (
    ChecklistChanged,
    Event,
    FixApplied,
    Info,
    IssueDetected,
    LogLine,
    LogLines,
    NodePhaseChanged,
    PhaseChanged,
    ResourceProgress,
    RunFinished,
    RunStarted,
    StageChecked,
    StageFailed,
    StageInterrupted,
    StageSkipped,
    StageStarted,
    StageSucceeded,
    WaitEnded,
    Waiting,
)
from vixens_tui.core.names import STAGE_ORDER, StageName
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.run_result import RunResult
from vixens_tui.text.durations import duration
from vixens_tui.text.events import render
from vixens_tui.tui import actions, messages
from vixens_tui.tui.decider import DecisionRequest, DestroyRequest
from vixens_tui.tui.relay import FLUSH_S, Batch, EventRelay, Note
from vixens_tui.tui.screens.modals import (
    DestroyConfirmScreen,
    SkipConfirmScreen,
)
from vixens_tui.tui.widgets.bars import DecisionBar, IssueBar
from vixens_tui.tui.widgets.checklist import ChecklistPanel
from vixens_tui.tui.widgets.cluster import AppPanel, NodeGrid, PodPanel
from vixens_tui.tui.widgets.footer import Footer
from vixens_tui.tui.widgets.log_view import LogEntry, LogPanel
from vixens_tui.tui.widgets.stage_bar import StageBar, StageView

NARROW_WIDTH = 110
NARROW_HEIGHT = 34
"""Below either, the panes become tabs."""

TABS = ("log", "cluster", "apps", "checklist")
TAB_LABELS = {
    "log": "1 Log",
    "cluster": "2 Nodes & pods",
    "apps": "3 Apps",
    "checklist": "4 Checklist",
}

AGE_REFRESH_S = 5.0

_STATUS_OF = {
    StageStatus.DONE: "done",
    StageStatus.FAILED: "failed",
    StageStatus.SKIPPED: "skipped",
    StageStatus.INTERRUPTED: "interrupted",
    StageStatus.NOT_PLANNED: "not-planned",
    StageStatus.RUNNING: "interrupted",
    StageStatus.PENDING: "pending",
}
"""How a saved stage looks before the run continues (a "running" one was cut off)."""


_TALOS_SHORT = {
    "maintenance": "maintenance",
    "configuration applied": "installing",
    "installed": "up",
    "rebooting": "rebooting",
    "bootstrapped": "etcd",
    "Ready": "Ready",
}
"""core/talos_progress.Phase's values, as the node grid's subtitle says them."""
_TALOS_RANK = {label: rank for rank, label in enumerate(reversed(_TALOS_SHORT.values()))}


def _talos_order(item: tuple[str, int]) -> int:
    """The furthest phase first: "Talos: 1 etcd · 1 up · 1 installing"."""
    return _TALOS_RANK.get(item[0], len(_TALOS_RANK))


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    BINDINGS: ClassVar[list[BindingType]] = actions.bindings()
    COMMANDS: ClassVar = {actions.ProcedureCommands}
    AUTO_FOCUS = "LogView"

    phase: reactive[str] = reactive("starting", bindings=True)
    """starting (backends being built), idle, running, stopping or ended."""
    resumable: reactive[bool] = reactive(False, bindings=True)
    """An unfinished run exists: `s` continues it instead of starting a new one."""
    narrow: reactive[bool] = reactive(False, bindings=True)
    tab: reactive[str] = reactive("log")

    def __init__(
        self,
        *,
        profile: Profile,
        relay: EventRelay,
        demo: bool = False,
        plan: tuple[StageName, ...] = STAGE_ORDER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.relay = relay
        self.demo = demo
        self.plan = plan
        self.clock = clock
        self.pending: DecisionRequest | None = None
        """The engine waits for this decision."""
        self.last_failure: StageFailed | None = None
        self.run_seen = False
        """A run started in this session (checklist ticks need its checkpoint)."""
        self.outcome: RunFinished | None = None
        self._last_drain = 0.0
        self._drain_scheduled = False
        self._resources = 0
        self._phase_text = ""
        self._talos_phases: dict[str, str] = {}
        """Each node's place in the apply's Talos phase, as its API shows it."""

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield StageBar(clock=self.clock, id="stages")
        yield Static(id="status")
        yield IssueBar(id="issue")
        yield DecisionBar(id="decision")
        yield Tabs(*(Tab(TAB_LABELS[t], id=f"tab-{t}") for t in TABS), id="tabs")
        with Container(id="panes"):
            yield LogPanel(id="log", classes="pane tab-log")
            yield ChecklistPanel(self.profile, id="checklist", classes="pane tab-checklist")
            yield PodPanel(clock=self.clock, id="pods", classes="pane tab-cluster")
            yield NodeGrid(clock=self.clock, id="nodes", classes="pane tab-cluster")
            yield AppPanel(id="apps", classes="pane tab-apps")
        # Compact: it fits 80 columns, and (Textual 8.2.8) a non-compact footer restyles each
        # of its keys every time the keys change.
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#log", LogPanel).border_title = "Log · Terraform and steps"
        self.query_one("#nodes", NodeGrid).border_title = "Nodes"
        self.query_one("#pods", PodPanel).border_title = "Pods"
        self.query_one("#apps", AppPanel).border_title = "Argo CD apps"
        self._reset_views(self.plan)
        self.set_interval(AGE_REFRESH_S, self._refresh_ages)
        # The terminal's size: the screen's own is not known yet on mount.
        self._apply_size(self.app.size.width, self.app.size.height)
        self.watch_tab(self.tab)
        if self.phase == "starting":
            self._set_status(Text("Preparing the backends…", "dim"))

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        if width and height:
            self.narrow = width < NARROW_WIDTH or height < NARROW_HEIGHT

    def watch_narrow(self, narrow: bool) -> None:
        self.set_class(narrow, "-narrow")
        footers = self.query(Footer)
        if footers:
            # 80 columns hold the run's keys only without the palette hint (ctrl+p still
            # works, and ? lists everything).
            footers.first(Footer).show_command_palette = not narrow

    def watch_tab(self, tab: str) -> None:
        # Each class change restyles the screen: change only what differs.
        for name in TABS:
            wanted = name == tab
            if self.has_class(f"-tab-{name}") != wanted:
                self.set_class(wanted, f"-tab-{name}")
        tabs = self.query("#tabs")
        if tabs and tabs.first(Tabs).active != f"tab-{tab}":
            tabs.first(Tabs).active = f"tab-{tab}"

    @on(Tabs.TabActivated, "#tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab.id:
            self.tab = event.tab.id.removeprefix("tab-")

    def _show_tab_of(self, pane: str) -> None:
        if self.narrow:
            self.tab = pane

    # -- the relay ---------------------------------------------------------------------------

    def on_events_pending(self, _message: messages.EventsPending) -> None:
        if self._drain_scheduled:
            return
        wait = self._last_drain + FLUSH_S - time.monotonic()
        if wait > 0:
            self._drain_scheduled = True
            self.set_timer(wait, self._drain)
        else:
            self._drain()

    def _drain(self) -> None:
        self._drain_scheduled = False
        self._last_drain = time.monotonic()
        batch = self.relay.take()
        if batch:
            self.apply_batch(batch)

    def apply_batch(self, batch: Batch) -> None:
        """Show a batch: log lines in one write, the latest snapshot once."""
        entries: list[LogEntry] = []
        for item in batch.items:
            if isinstance(item, LogLines):
                entries.extend([LogEntry(t, lv) for t, lv in item.lines])
            elif isinstance(item, LogLine):
                entries.append(LogEntry(item.text, item.level))
            elif isinstance(item, ResourceProgress):
                self._resource(item, entries)
            elif isinstance(item, Event):
                self._event(item, entries)
            elif isinstance(item, DecisionRequest):
                self._ask_decision(item)
            elif isinstance(item, DestroyRequest):
                self._ask_destroy(item)
            elif isinstance(item, Note):
                entries.append(LogEntry(item.text, "note"))
        if batch.dropped:
            entries.append(
                LogEntry(
                    f"… {batch.dropped} lines not shown (the screen fell behind); "
                    "the attempt's log file has them all",
                    "note",
                )
            )
        if entries:
            self.query_one(LogPanel).write_entries(entries)
        if batch.snapshot is not None:
            self._show_snapshot(batch.snapshot)

    # -- events ------------------------------------------------------------------------------

    def _resource(self, event: ResourceProgress, entries: list[LogEntry]) -> None:
        if event.status == "complete":
            self._resources += 1
            self._update_running_detail()
        # Terraform's own lines already say "Creation complete after 20s": only an error is
        # worth a second line.
        if event.status == "errored":
            entries.append(LogEntry(render(event) or event.address, "error"))

    def _line(self, event: Event, entries: list[LogEntry], level: str = "info") -> None:
        text = render(event)
        if text:
            for line in text.split("\n"):
                entries.append(LogEntry(line, level))

    def _event(self, event: Event, entries: list[LogEntry]) -> None:
        bar = self.query_one(StageBar)
        stage = event.stage
        if isinstance(event, RunStarted):
            self.run_seen = True
            self.outcome = None
            self.sub_title = f"run {event.run_id}" + (" · resumed" if event.resumed else "")
            if not event.resumed:
                # A new run: nothing of an earlier one still counts.
                self._reset_views(event.plan)
            for s in STAGE_ORDER:
                if s not in event.plan:
                    bar.update_stage(s, status="not-planned")
            self._line(event, entries, "step")
        elif isinstance(event, StageChecked) and stage is not None:
            bar.update_stage(stage, status="done" if event.satisfied else "pending")
            self._line(event, entries, "info" if event.satisfied else "warning")
        elif isinstance(event, StageStarted) and stage is not None:
            self._resources = 0
            self._phase_text = ""
            self._talos_phases.clear()
            self.last_failure = None
            self._clear_attention(keep_issue_note=False)
            bar.update_stage(
                stage,
                status="running",
                attempt=event.attempt,
                started_at=event.at,
                expected_s=event.expected_s,
                detail="",
            )
            self._set_status(Text.assemble(("▶ ", "bold yellow"), (event.title, "bold")))
            self._line(event, entries, "step")
        elif isinstance(event, StageSucceeded) and stage is not None:
            bar.update_stage(stage, status="done", duration_s=event.duration_s, detail="")
            self._clear_attention(keep_issue_note=False)
            self._line(event, entries, "step")
        elif isinstance(event, StageFailed) and stage is not None:
            self.last_failure = event
            bar.update_stage(stage, status="failed", duration_s=event.duration_s)
            self._set_status(Text.assemble(("✗ ", "bold red"), f"{stage.value} failed"))
            self._line(event, entries, "error")
        elif isinstance(event, StageSkipped) and stage is not None:
            bar.update_stage(stage, status="skipped")
            self._clear_attention(keep_issue_note=False)
            self._line(event, entries, "warning")
        elif isinstance(event, StageInterrupted) and stage is not None:
            bar.update_stage(stage, status="interrupted", duration_s=event.duration_s)
            self._line(event, entries, "warning")
        elif isinstance(event, Info):
            self._line(event, entries, event.level if event.level != "info" else "info")
        elif isinstance(event, PhaseChanged):
            self._phase_text = f"phase {event.index + 1}/{event.total}: {event.phase}"
            self._update_running_detail()
            self._line(event, entries, "step")
        elif isinstance(event, NodePhaseChanged):
            self._talos_phases[event.node] = event.phase
            # Under the node grid (a narrow pane: counts; each node's line is in the log).
            counts = Counter(_TALOS_SHORT.get(p, p) for p in self._talos_phases.values())
            self.query_one("#nodes", NodeGrid).border_subtitle = "Talos: " + " · ".join(
                f"{n} {label}" for label, n in sorted(counts.items(), key=_talos_order)
            )
            self._line(event, entries, "step")
        elif isinstance(event, Waiting):
            waited = duration(self.clock() - event.since)
            self._set_status(
                Text.assemble(
                    ("⧗ waiting for ", "yellow"),
                    (event.what, "bold"),
                    f" for {waited} (timeout {duration(event.timeout_s)}): ",
                    (event.detail, "dim"),
                )
            )
            self._line(event, entries, "debug")
        elif isinstance(event, WaitEnded):
            self._line(event, entries, "info" if event.satisfied else "warning")
        elif isinstance(event, IssueDetected):
            self.query_one(IssueBar).show_issue(event)
            self._line(event, entries, "warning")
        elif isinstance(event, FixApplied):
            issue_bar = self.query_one(IssueBar)
            if event.ok:
                # The bar goes, the stage is attempted again, the log says what was done.
                issue_bar.clear()
            else:
                issue_bar.set_note(f"the fix failed: {event.detail}")
            self._line(event, entries, "fix" if event.ok else "error")
        elif isinstance(event, ChecklistChanged):
            self.query_one(ChecklistPanel).set_item(
                event.item_id, state=event.state, evidence=event.evidence, by=event.by
            )
            self._line(event, entries, "info" if event.state in ("proved", "manual") else "debug")
        elif isinstance(event, RunFinished):
            self.outcome = event
            self._clear_attention(keep_issue_note=False)
            style = "bold green" if event.outcome == "done" else "bold red"
            mark = "✓" if event.outcome == "done" else "■"
            self._set_status(
                Text.assemble(
                    (f"{mark} run {event.outcome}", style),
                    f" (exit {event.exit_code}): {event.message}",
                )
            )
            self._line(event, entries, "step" if event.outcome == "done" else "error")
        else:
            self._line(event, entries)

    def _reset_views(self, plan: tuple[StageName, ...]) -> None:
        self.query_one(StageBar).reset(
            StageView(
                s,
                status="pending" if s in plan else "not-planned",
                expected_s=self.profile.expected_s.get(s, (0.0, 0.0)),
            )
            for s in STAGE_ORDER
        )
        panel = self.query_one(ChecklistPanel)
        for item in panel.items:
            panel.set_item(item.id, state="pending", evidence="", by="")

    def _update_running_detail(self) -> None:
        bar = self.query_one(StageBar)
        running = next((v for v in bar.stages if v.status == "running"), None)
        if running is None:
            return
        parts = [p for p in (self._phase_text, f"{self._resources} resources done") if p]
        if not self._resources:
            parts = parts[:1]
        bar.update_stage(running.name, detail=" · ".join(parts))

    def _show_snapshot(self, snap: ClusterSnapshot) -> None:
        nodes = self.query_one(NodeGrid)
        nodes.show(snap.nodes)
        ready = sum(1 for n in snap.nodes if n.ready)
        title = (
            f"Nodes · {ready}/{len(self.profile.nodes)} Ready"
            if snap.reachable
            else "Nodes · API unreachable"
        )
        if nodes.border_title != title:
            nodes.border_title = title
        # Unreachable: what the grids show is the last thing seen, dimmed, not the cluster now.
        for pane in ("#nodes", "#pods", "#apps"):
            widget = self.query_one(pane)
            if widget.has_class("-stale") == snap.reachable:
                widget.set_class(not snap.reachable, "-stale")
        self.query_one(PodPanel).show(snap.pods, reachable=snap.reachable, error=snap.error)
        self.query_one(AppPanel).show(snap.apps)

    def _refresh_ages(self) -> None:
        now = self.clock()
        self.query_one(NodeGrid).set_now(now)
        self.query_one(PodPanel).set_now(now)

    def _set_status(self, text: Text) -> None:
        if "\n" in text.plain:
            text = Text(" ".join(text.plain.split()), style=text.style)
        text.no_wrap = True
        text.overflow = "ellipsis"
        status = self.query_one("#status", Static)
        if str(status.content) != text.plain or not text.plain:
            # One fixed line: no layout pass (a layout reflows the whole screen).
            status.update(text, layout=False)

    def _clear_attention(self, *, keep_issue_note: bool) -> None:
        asked, self.pending = self.pending, None
        self.query_one(DecisionBar).clear()
        if not keep_issue_note:
            self.query_one(IssueBar).clear()
        if asked is not None:
            # The footer rebuilds its keys on every refresh: only when they change.
            self.refresh_bindings()

    # -- questions from the engine -----------------------------------------------------------

    def _ask_decision(self, request: DecisionRequest) -> None:
        self.pending = request
        report = request.report
        failure = self.last_failure
        if failure is None or failure.stage != report.stage:
            failure = StageFailed(
                stage=report.stage,
                attempt=report.attempt,
                duration_s=0.0,
                error=report.error.message,
                failure=report.error.kind.value,
            )
        self.query_one(StageBar).update_stage(report.stage, status="waiting")
        self.query_one(DecisionBar).ask(
            failure, can_fix=bool(report.detections), can_skip=report.skippable
        )
        self._set_status(
            Text.assemble(("✗ ", "bold red"), f"{report.stage.value} failed: the run waits for you")
        )
        self.refresh_bindings()

    def _ask_destroy(self, request: DestroyRequest) -> None:
        def answered(confirmed: object) -> None:
            self.post_message(messages.AnswerDestroy(request.id, confirmed is True))

        self.app.push_screen(
            DestroyConfirmScreen(request.preview, require_typing=not self.demo),
            answered,
        )

    def _answer(self, action: Action, issue_id: str = "") -> None:
        request = self.pending
        if request is None:
            return
        stage = request.report.stage
        self._clear_attention(keep_issue_note=True)
        self.query_one(StageBar).update_stage(stage, status="failed")
        if action is Action.FIX:
            self.query_one(IssueBar).set_note("applying the fix…")
        self._set_status(Text.assemble(("▶ ", "bold yellow"), f"{stage.value}: {action.value}"))
        self.post_message(
            messages.AnswerDecision(request.id, Decision(action, issue_id, by="user"))
        )

    # -- facts from the app ------------------------------------------------------------------

    @property
    def current_stage(self) -> str:
        """The stage in progress (running, or failed and waiting), '' when none."""
        active = [
            v
            for v in self.query_one(StageBar).stages
            if v.status in ("running", "waiting", "failed")
        ]
        return active[-1].name.value if active else ""

    def session_ready(self, previous: Checkpoint | None, note: str = "") -> None:
        """The backends are ready; `previous` is the environment's last run, if any."""
        if previous is not None:
            self._show_checkpoint(previous)
        self.resumable = previous is not None and previous.outcome is not Outcome.DONE
        self.phase = "idle"
        if note:
            self.relay.put(Note(note, "warning"))
        self._idle_status()

    def _show_checkpoint(self, checkpoint: Checkpoint) -> None:
        bar = self.query_one(StageBar)
        for rec in checkpoint.stages:
            bar.update_stage(
                rec.name,
                status=_STATUS_OF.get(rec.status, "pending"),
                attempt=rec.attempts,
                duration_s=rec.duration_s,
            )
        panel = self.query_one(ChecklistPanel)
        for item in checkpoint.checklist:
            panel.set_item(item.id, state=item.state.value, evidence=item.evidence, by=item.by)

    def _idle_status(self) -> None:
        env = self.profile.name
        if self.resumable:
            text = Text.assemble(
                ("Press ", ""),
                (" s ", "bold reverse"),
                f" to continue the unfinished run of {env} where it stopped.",
            )
        else:
            text = Text.assemble(
                ("Press ", ""),
                (" s ", "bold reverse"),
                f" to rebuild {env}: preflight, destroy (asks first), apply, namespaces, "
                "argocd-sync, secrets, validate.",
            )
        self._set_status(text)

    def startup_failed(self, message: str) -> None:
        self.phase = "ended"
        self.resumable = False
        self._set_status(Text.assemble(("✗ cannot start: ", "bold red"), message))
        self.relay.put(Note(f"cannot start: {message}", "error"))

    def run_started(self) -> None:
        self.phase = "running"

    def run_ended(self, result: RunResult | None, error: str = "") -> None:
        """The procedure worker finished (`error`: it could not run at all)."""
        self._clear_attention(keep_issue_note=False)
        if result is None:
            self.phase = "idle"
            self.relay.put(Note(error, "error"))
            self._set_status(Text.assemble(("✗ ", "bold red"), error))
            self.notify(error, title="The run did not start", severity="error")
            return
        self.phase = "ended"
        self.resumable = result.outcome is not Outcome.DONE and result.exit_code != 2
        self.notify(
            result.message,
            title=f"Run {result.outcome.value} (exit {int(result.exit_code)})",
            severity="information" if result.outcome is Outcome.DONE else "warning",
            timeout=4,
        )

    def stopping(self) -> None:
        self.phase = "stopping"
        self._clear_attention(keep_issue_note=False)
        self._set_status(
            Text.assemble(
                ("■ stopping the running stage cleanly…", "bold dark_orange"),
                " the checkpoint is saved; continue later with s or --resume",
            )
        )

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        idle = self.phase in ("idle", "ended")
        if action == "start":
            return idle and not self.resumable and self.phase != "starting"
        if action == "continue_run":
            return idle and self.resumable
        if action == "fix":
            return self.pending is not None and bool(self.pending.report.detections)
        if action == "skip":
            return self.pending is not None and self.pending.report.skippable
        if action in ("retry", "stop"):
            return self.pending is not None
        if action == "show_tab":
            return self.narrow
        return True

    def action_start(self) -> None:
        self.post_message(messages.StartRun(resume=False))

    def action_continue_run(self) -> None:
        self.post_message(messages.StartRun(resume=True))

    def action_fix(self) -> None:
        request = self.pending
        if request is None or not request.report.detections:
            return
        self._answer(Action.FIX, request.report.detections[0].issue_id)

    def action_retry(self) -> None:
        self._answer(Action.RETRY)

    def action_stop(self) -> None:
        self._answer(Action.STOP)

    def action_skip(self) -> None:
        request = self.pending
        if request is None:
            return

        def confirmed(yes: object) -> None:
            if yes is True and self.pending is request:
                self._answer(Action.SKIP)

        self.app.push_screen(
            SkipConfirmScreen(request.report.stage.value, request.report.error.message),
            confirmed,
        )

    def action_pod_diagnostics(self) -> None:
        selected = self.query_one(PodPanel).selected
        if selected is None:
            self.notify("No pod to look at (the pod grid is empty).", severity="warning")
            return
        self.post_message(messages.ShowPodDiagnostics(*selected))

    @on(PodPanel.DiagnosticsWanted)
    def _pod_chosen(self, event: PodPanel.DiagnosticsWanted) -> None:
        self.post_message(messages.ShowPodDiagnostics(event.pod_namespace, event.pod_name))

    def action_toggle_item(self) -> None:
        self._show_tab_of("checklist")
        self.query_one(ChecklistPanel).request_toggle()

    @on(ChecklistPanel.ToggleRequested)
    def _toggle(self, event: ChecklistPanel.ToggleRequested) -> None:
        if not self.run_seen:
            self.notify(
                "Start the run first: a tick is recorded in the run's checkpoint.",
                severity="warning",
            )
            return
        self.post_message(messages.TickChecklistItem(event.item_id, event.ticked))

    def action_search_log(self) -> None:
        self._show_tab_of("log")
        self.query_one(LogPanel).open_search()

    def action_filter_pods(self) -> None:
        self._show_tab_of("cluster")
        self.query_one(PodPanel).open_filter()

    def action_show_tab(self, tab: str) -> None:
        if tab in TABS:
            self.tab = tab

    def action_help(self) -> None:
        from vixens_tui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_quit(self) -> None:
        self.post_message(messages.Quit())
