"""A pod's logs and events: the procedure's "Déboguer un pod qui ne démarre pas" commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, RichLog, Static
from textual.worker import Worker, WorkerState


@dataclass(frozen=True, slots=True)
class PodDiagnostics:
    logs: str
    events: tuple[str, ...]


Fetch = Callable[[str, str], PodDiagnostics]
"""(namespace, name) -> logs and events; may block on the network (runs in a thread)."""


class PodDiagnosticsScreen(ModalScreen[None]):
    CSS_PATH = "pod_diagnostics.tcss"
    BINDINGS: ClassVar = [Binding("escape,q,l", "close", "Close")]

    def __init__(self, namespace: str, name: str, fetch: Fetch) -> None:
        super().__init__()
        self.namespace = namespace
        self.pod = name
        self.fetch = fetch
        self.loaded: PodDiagnostics | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="diagnostics") as box:
            box.border_title = f"{self.namespace}/{self.pod}"
            yield Static(
                Text(f"kubectl describe pod -n {self.namespace} {self.pod}  (events)", "bold"),
                classes="command",
            )
            yield RichLog(id="events", wrap=True, markup=False, highlight=False)
            yield Static(
                Text(f"kubectl logs -n {self.namespace} {self.pod}  (last 200 lines)", "bold"),
                classes="command",
            )
            yield RichLog(id="logs", wrap=False, markup=False, highlight=False, max_lines=2000)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#events", RichLog).write(Text("loading…", "dim"))
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="diagnostics")
    def _load(self) -> PodDiagnostics:
        return self.fetch(self.namespace, self.pod)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "diagnostics":
            return
        events_log = self.query_one("#events", RichLog)
        logs = self.query_one("#logs", RichLog)
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, PodDiagnostics)
            self.loaded = result
            events_log.clear()
            for line in result.events or ("(no events)",):
                events_log.write(Text(line))
            for line in result.logs.splitlines() or ["(no log lines)"]:
                logs.write(Text(line))
        elif event.state is WorkerState.ERROR:
            self.error = str(event.worker.error)
            events_log.clear()
            events_log.write(Text(f"cannot read the pod: {self.error}", "bold red"))

    def action_close(self) -> None:
        self.dismiss(None)
