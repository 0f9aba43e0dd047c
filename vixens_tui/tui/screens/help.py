"""`?`: every key and what it does, from the same list as the footer and the command palette."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from vixens_tui.tui.actions import ACTIONS, enabled, key_label

EXTRA_KEYS = (
    ("Enter", "on a pod: its logs and events; in the log search: the next older match"),
    ("End", "in the log: follow the tail again"),
    ("Esc", "close the search, the pod filter or a dialog"),
    ("Tab", "move between panes"),
    ("ctrl+p", "command palette: the same actions, by name"),
)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar = [Binding("escape,question_mark,q", "dismiss_help", "Close")]

    def __init__(self, main: Screen[Any]) -> None:
        super().__init__()
        self.main = main
        """The screen whose actions are listed (greyed out when not available now)."""
        self.rows: list[tuple[str, str, bool]] = [
            (key_label(spec), spec.help, enabled(main, spec)) for spec in ACTIONS
        ]
        """(key, what it does, available now), as shown."""

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        for key, what, now in self.rows:
            table.add_row(key, Text(what, "" if now else "dim"), "" if now else "(not now)")
        for key, what in EXTRA_KEYS:
            table.add_row(key, what, "")
        with VerticalScroll(id="help") as box:
            box.border_title = "Keys"
            yield Static(
                Text.assemble(
                    "vixens-tui rebuilds the cluster the way the procedure does, stage by stage, "
                    "saving a checkpoint after every step. A known issue shows in a yellow bar "
                    "with the one key that fixes it; a failed stage waits for your choice.\n",
                    ("", ""),
                )
            )
            yield Static(table)
        yield Footer(compact=True)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
