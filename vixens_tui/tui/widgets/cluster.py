"""The cluster panes: nodes, pods (not-Running first, with a filter) and Argo CD apps."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from vixens_tui.core.cluster import AppInfo, NodeInfo, PodInfo
from vixens_tui.tui.format import age, ellipsize
from vixens_tui.tui.widgets.keyed_table import KeyedTable
from vixens_tui.tui.widgets.pod_grid import PodGrid, middle_ellipsis


class NodeGrid(KeyedTable[NodeInfo]):
    """NAME, READY, ROLES, VERSION, AGE: `kubectl get nodes`."""

    COLUMNS = (
        ("name", "Name"),
        ("ready", "Ready"),
        ("roles", "Roles"),
        ("version", "Version"),
        ("age", "Age"),
    )
    AGE_COLUMN = "age"
    KEY_CELLS = 1

    DEFAULT_CSS = """
    NodeGrid {
        overflow-x: hidden;
    }
    """

    def cells(self, item: NodeInfo) -> tuple[Any, ...]:
        ready = Text("Ready", "green") if item.ready else Text("NotReady", "bold red")
        return (
            item.name,
            ready,
            ",".join(item.roles) or "<none>",
            item.version or "-",
            self.age_cell(item),
        )

    def age_cell(self, item: NodeInfo) -> Any:
        return age(item.created, self.now)

    def rank(self, item: NodeInfo) -> Any:
        return item.name

    def show(self, nodes: Iterable[NodeInfo]) -> None:
        self.sync({n.name: n for n in nodes})


def pod_key(pod: PodInfo) -> str:
    return f"{pod.namespace}/{pod.name}"


class PodPanel(Vertical):
    """The pod grid and its filter box (`p` opens it; Esc clears it)."""

    DEFAULT_CSS = """
    PodPanel {
        height: 1fr;
    }
    PodPanel > Input {
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    PodPanel.-filtering > Input {
        display: block;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "diagnostics", "Pod logs"),
        Binding("p", "filter", "Filter pods"),
    ]

    class DiagnosticsWanted(Message):
        """The person chose a pod (Enter) to see its logs and events."""

        def __init__(self, pod_namespace: str, pod_name: str) -> None:
            super().__init__()
            self.pod_namespace = pod_namespace
            self.pod_name = pod_name

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._clock = clock
        self._pods: dict[str, PodInfo] = {}
        self._filter = ""
        self._reachable = False
        self._error = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter pods: namespace, name or status (Esc: clear)")
        yield PodGrid(clock=self._clock)

    @property
    def table(self) -> PodGrid:
        return self.query_one(PodGrid)

    @property
    def filter(self) -> str:
        return self._filter

    @property
    def selected(self) -> tuple[str, str] | None:
        key = self.table.selected_key
        if key is None:
            return None
        pod = self.table.items.get(key)
        return (pod.namespace, pod.name) if pod else None

    def show(self, pods: Iterable[PodInfo], *, reachable: bool, error: str = "") -> None:
        self._pods = {pod_key(p): p for p in pods}
        self._reachable = reachable
        self._error = error
        self._sync()

    def set_now(self, now: float) -> None:
        self.table.set_now(now)

    def _matches(self, pod: PodInfo) -> bool:
        needle = self._filter.lower()
        return not needle or needle in f"{pod.namespace}/{pod.name} {pod.display_status}".lower()

    def _sync(self) -> None:
        if self._filter:
            wanted = {k: p for k, p in self._pods.items() if self._matches(p)}
        else:
            wanted = self._pods
        self.table.sync(wanted)
        running = sum(1 for p in self._pods.values() if p.phase == "Running")
        title = f"Pods · {running} Running / {len(self._pods)}"
        if not self._reachable:
            title = "Pods · last seen · API unreachable" + (
                f": {self._error}" if self._error else ""
            )
        subtitle = f"filter: {self._filter} ({len(wanted)})" if self._filter else ""
        if self.border_title != title:
            self.border_title = title
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle

    def action_filter(self) -> None:
        self.open_filter()

    def action_diagnostics(self) -> None:
        selected = self.selected
        if selected is not None:
            self.post_message(self.DiagnosticsWanted(*selected))

    def open_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one(Input).focus()

    def close_filter(self) -> None:
        self.query_one(Input).value = ""
        self.remove_class("-filtering")
        self.table.focus()

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._filter = event.value.strip()
        self._sync()

    @on(Input.Submitted)
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def key_escape(self) -> None:
        if self.has_class("-filtering"):
            self.close_filter()

    @on(PodGrid.Selected)
    def _chosen(self, event: PodGrid.Selected) -> None:
        event.stop()
        self.post_message(self.DiagnosticsWanted(event.pod.namespace, event.pod.name))


class AppTable(KeyedTable[AppInfo]):
    """Argo CD Applications: SYNC, HEALTH, REVISION, and why when not Synced/Healthy."""

    COLUMNS = (
        ("name", "Application"),
        ("sync", "Sync"),
        ("health", "Health"),
        ("revision", "Revision"),
        ("reason", "Reason"),
    )
    KEY_CELLS = 1

    name_width = 30
    """App names are cut to this (middle …) so that sync and health stay in view."""

    def cells(self, item: AppInfo) -> tuple[Any, ...]:
        sync_style = "green" if item.sync == "Synced" else "yellow"
        health_style = {
            "Healthy": "green",
            "Progressing": "cyan",
            "Degraded": "bold red",
            "Missing": "yellow",
        }.get(item.health, "yellow")
        return (
            middle_ellipsis(item.name, self.name_width),
            Text(item.sync, sync_style),
            Text(item.health, health_style),
            (item.revision or "-")[:10],
            Text(ellipsize(item.reason(), 60), "red" if item.reason() else ""),
        )

    def rank(self, item: AppInfo) -> Any:
        return (0 if item.reason() else 1, item.name)


class AppPanel(Vertical):
    """The app table and, below it, the full reason of the app under the cursor."""

    DEFAULT_CSS = """
    AppPanel {
        height: 1fr;
    }
    AppPanel > Static {
        height: 3;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._apps: dict[str, AppInfo] = {}
        self._said = ""

    def compose(self) -> ComposeResult:
        yield AppTable()
        yield Static("", id="app-reason")

    @property
    def table(self) -> AppTable:
        return self.query_one(AppTable)

    def on_resize(self) -> None:
        # name + Sync (9 with padding) + Health (13) + the scrollbar: revision and reason
        # follow (scroll right) and are also spelled out under the table.
        # (the table's own width, less its scrollbar whether or not it shows right now)
        width = max(12, self.table.size.width - 1 - 26)
        if width != self.table.name_width:
            self.table.name_width = width
            self.table.recompute()

    def show(self, apps: Iterable[AppInfo]) -> None:
        self._apps = {a.name: a for a in apps}
        self.table.sync(self._apps)
        ok = sum(1 for a in self._apps.values() if not a.reason())
        title = f"Argo CD apps · {ok}/{len(self._apps)} Synced/Healthy"
        if self.border_title != title:
            self.border_title = title
        self._describe()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._describe()

    def _describe(self) -> None:
        key = self.table.selected_key
        app = self._apps.get(key) if key else None
        if app is None or not app.reason():
            app = next((a for a in self.table.items.values() if a.reason()), app)
        if app is None:
            self._say(Text(""))
            return
        text = Text.assemble(
            (app.name, "bold"),
            f" · {app.sync}/{app.health}",
            f" · revision {app.revision}" if app.revision else "",
        )
        if app.reason():
            text.append(f"\n{app.reason()}", "red")
        self._say(text)

    def _say(self, text: Text) -> None:
        if text.plain != self._said:
            self._said = text.plain
            self.query_one(Static).update(text, layout=False)  # fixed height: no reflow
