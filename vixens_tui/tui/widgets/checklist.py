"""The procedure's ten-item checklist: proved by probes, or ticked by hand (and said so)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from vixens_tui.core.checklist import CHECKLIST
from vixens_tui.core.profile.model import Profile
from vixens_tui.tui.format import ellipsize
from vixens_tui.tui.widgets.keyed_table import FreshDataTable

MARKS = {
    "proved": ("✓", "bold green", "proved"),
    "manual": ("✓", "bold cyan", "by hand"),
    "failed": ("✗", "bold red", "failed"),
    "pending": ("·", "dim", "pending"),
}


@dataclass(frozen=True, slots=True)
class ItemView:
    id: str
    title: str
    procedure: str
    state: str = "pending"
    evidence: str = ""
    by: str = ""


class ChecklistPanel(Vertical):
    """Shows each item's state; the evidence of the item under the cursor below the list."""

    DEFAULT_CSS = """
    ChecklistPanel {
        height: 1fr;
    }
    ChecklistPanel > DataTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    ChecklistPanel > Static {
        height: 4;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tick", "Tick item"),
        Binding("space", "tick", "Tick item", show=False),
    ]

    class ToggleRequested(Message):
        """The person asked to tick (or untick) an item by hand."""

        def __init__(self, item_id: str, ticked: bool) -> None:
            super().__init__()
            self.item_id = item_id
            self.ticked = ticked

    def __init__(
        self, profile: Profile, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        # The items name the profile's figures (its node count, its Argo CD address).
        self._items: dict[str, ItemView] = {
            e.id: ItemView(e.id, e.title(profile), e.procedure(profile)) for e in CHECKLIST
        }
        self._said = ""
        self._title_width = 40
        """Titles are cut to the pane (with …); the full one is under the list."""

    def compose(self) -> ComposeResult:
        table = FreshDataTable(cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="evidence")

    def on_mount(self) -> None:
        table = self.table
        table.add_column("", key="mark")
        table.add_column("Item", key="title")
        for item in self._items.values():
            table.add_row(*self._cells(item), key=item.id)
        self._describe()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one(DataTable)

    @property
    def items(self) -> tuple[ItemView, ...]:
        return tuple(self._items.values())

    @property
    def selected(self) -> ItemView | None:
        table = self.table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self._items.get(row_key.value or "")

    def _cells(self, item: ItemView) -> tuple[Text, Text]:
        mark, style, _label = MARKS.get(item.state, MARKS["pending"])
        title = item.title + (" (by hand)" if item.state == "manual" else "")
        return (
            Text(mark, style),
            Text(
                ellipsize(title, self._title_width),
                style if item.state in ("proved", "manual", "failed") else "",
            ),
        )

    def on_resize(self) -> None:
        # mark column (1) + two cells' padding (2 each) + the scrollbar (1)
        width = max(10, self.table.size.width - 1 - 6)
        if width != self._title_width and self.table.row_count:
            self._title_width = width
            for item in self._items.values():
                _, title = self._cells(item)
                self.table.update_cell(item.id, "title", title, update_width=True)

    def set_item(self, item_id: str, *, state: str, evidence: str, by: str) -> None:
        old = self._items.get(item_id)
        if old is None:
            return
        new = replace(old, state=state, evidence=evidence, by=by)
        if new == old:
            return
        self._items[item_id] = new
        if self.is_mounted:
            for column, cell in zip(("mark", "title"), self._cells(new), strict=True):
                self.table.update_cell(item_id, column, cell)
            self._describe()

    def _describe(self) -> None:
        counts = {s: 0 for s in MARKS}
        for item in self._items.values():
            counts[item.state] = counts.get(item.state, 0) + 1
        title = f"Checklist · {counts['proved']}/{len(self._items)} proved"
        if counts["manual"]:
            title += f", {counts['manual']} by hand"
        if counts["failed"]:
            title += f", {counts['failed']} failed"
        if self.border_title != title:
            self.border_title = title
        selected = self.selected
        if selected is None:
            return
        item = selected
        evidence = item.evidence or "not checked yet"
        who = " (ticked by hand)" if item.state == "manual" else ""
        text = Text.assemble(
            (item.title, "bold"), who, "\n", (item.procedure, "italic"), "\n", evidence
        )
        if text.plain != self._said:
            self._said = text.plain
            # A fixed height: no layout pass (it would reflow the whole screen).
            self.query_one("#evidence", Static).update(text, layout=False)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._describe()

    def action_tick(self) -> None:
        self.request_toggle()

    def request_toggle(self) -> bool:
        """Ask to flip the selected item; False (and nothing asked) for a proved item."""
        item = self.selected
        if item is None:
            return False
        if item.state == "proved":
            self.notify(f"“{item.title}” is proved by a probe: nothing to tick.")
            return False
        self.post_message(self.ToggleRequested(item.id, ticked=item.state != "manual"))
        return True
