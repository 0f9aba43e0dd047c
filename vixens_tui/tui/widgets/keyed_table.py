"""A DataTable kept in step with a keyed collection by small changes, never by a rebuild.

The cluster grids receive a whole snapshot several times a second (5,000 pods and 1,000 changes
a second in the benchmark). Clearing and re-adding rows would cost a full re-layout each time,
lose the cursor and flicker; instead `sync` diffs the new items against the shown ones (frozen
dataclasses: unchanged objects compare equal, often identical) and calls `update_cell` on the
cells that changed, `add_row` / `remove_row` for the rest, and re-sorts only when an item's rank
changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

T = TypeVar("T")

REBUILD_FRACTION = 5
"""Removing more than 1/REBUILD_FRACTION of the rows at once: rebuild (remove_row is O(rows))."""


class FreshDataTable(DataTable[Any]):
    """A DataTable that redraws its rows once it has measured new ones.

    Textual 8.2.8's DataTable measures new rows when idle and widens the columns, but keeps
    the lines it rendered in between (its line cache is keyed by an update counter that the
    measuring does not bump): rows drawn before the measure stay cut to the old widths until
    some later change. Bumping the counter after the measure fixes that.
    """

    async def _on_idle(self, event: events.Idle) -> None:
        measured = bool(self._new_rows) or bool(self._updated_cells)
        await super()._on_idle(event)
        if measured:
            self._update_count += 1
            self.refresh()


class KeyedTable(FreshDataTable, Generic[T]):
    """Subclasses say how an item looks (`cells`) and where it goes (`rank`)."""

    COLUMNS: Sequence[tuple[str, str]] = ()
    """(column key, label)."""

    AGE_COLUMN: str | None = None
    """A column refreshed by `set_now` (ages)."""

    DEFAULT_CSS = """
    KeyedTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self.clock = clock
        self.now = clock()
        self._items: dict[str, T] = {}
        self._cells: dict[str, tuple[Any, ...]] = {}
        self._ranks: dict[str, Any] = {}
        self._keys = [key for key, _ in self.COLUMNS]

    def on_mount(self) -> None:
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)

    # -- what subclasses define ------------------------------------------------------------

    def cells(self, item: T) -> tuple[Any, ...]:
        raise NotImplementedError

    def rank(self, item: T) -> Any:
        """Sort key; None: keep the arrival order."""
        return None

    def age_cell(self, item: T) -> Any:
        raise NotImplementedError

    # -- attributes down -------------------------------------------------------------------

    @property
    def items(self) -> Mapping[str, T]:
        return self._items

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # the cursor is outside the table
            return None
        return row_key.value

    def sync(self, items: Mapping[str, T]) -> None:
        """Show exactly `items` (in rank order), changing as few cells as possible."""
        self.now = self.clock()
        shown = self._items
        removed = [k for k in shown if k not in items]
        if removed and len(removed) * REBUILD_FRACTION > max(len(shown), 50):
            self._rebuild(items)
            return
        selected = self.selected_key
        for key in removed:
            self.remove_row(key)
            del self._cells[key]
            self._ranks.pop(key, None)
        resort = False
        for key, item in items.items():
            old = shown.get(key)
            if old is None:
                cells = self.cells(item)
                self.add_row(*cells, key=key)
                self._cells[key] = cells
                self._ranks[key] = self.rank(item)
                resort = True
            elif old is not item and old != item:
                cells = self.cells(item)
                for column, before, after in zip(self._keys, self._cells[key], cells, strict=True):
                    if before != after:
                        self.update_cell(key, column, after, update_width=True)
                self._cells[key] = cells
                rank = self.rank(item)
                if rank != self._ranks.get(key):
                    self._ranks[key] = rank
                    resort = True
        self._items = dict(items)
        if resort:
            self._resort(selected)

    def set_now(self, now: float) -> None:
        """Refresh the age column (only the cells whose text changed)."""
        self.now = now
        column = self.AGE_COLUMN
        if column is None:
            return
        index = self._keys.index(column)
        for key, item in self._items.items():
            cell = self.age_cell(item)
            cells = self._cells[key]
            if cells[index] != cell:
                self.update_cell(key, column, cell)
                self._cells[key] = (*cells[:index], cell, *cells[index + 1 :])

    def recompute(self) -> None:
        """Rebuild the cells of every row (after a change of how cells look), in place."""
        for key, item in self._items.items():
            cells = self.cells(item)
            for column, before, after in zip(self._keys, self._cells[key], cells, strict=True):
                if before != after:
                    self.update_cell(key, column, after, update_width=True)
            self._cells[key] = cells

    # -- internals -------------------------------------------------------------------------

    def _rebuild(self, items: Mapping[str, T]) -> None:
        selected = self.selected_key
        self.clear()
        self._items = {}
        self._cells = {}
        self._ranks = {}
        ordered = sorted(items.items(), key=lambda kv: self._sort_key(kv[0], kv[1]))
        for key, item in ordered:
            cells = self.cells(item)
            self.add_row(*cells, key=key)
            self._cells[key] = cells
            self._ranks[key] = self.rank(item)
        self._items = dict(items)
        self._restore_cursor(selected)

    def _sort_key(self, key: str, item: T) -> Any:
        rank = self.rank(item)
        return (0, key) if rank is None else (rank, key)

    def _resort(self, selected: str | None) -> None:
        if all(rank is None for rank in self._ranks.values()):
            return
        ranks = self._ranks
        # DataTable.sort hands the key function the row's values; the first two columns hold
        # the item's key parts, so look the rank up by the row key we built from them.
        keyed = {self._row_key_of(cells): key for key, cells in self._cells.items()}

        def sort_key(values: tuple[Any, ...]) -> Any:
            key = keyed[self._row_key_of(values)]
            rank = ranks.get(key)
            return (0, key) if rank is None else (rank, key)

        self.sort(key=sort_key)
        self._restore_cursor(selected)

    def _row_key_of(self, cells: Sequence[Any]) -> tuple[str, ...]:
        return tuple(str(c) for c in cells[: self.KEY_CELLS])

    KEY_CELLS = 1
    """How many leading cells identify a row (their text is unique per row)."""

    def _restore_cursor(self, selected: str | None) -> None:
        if selected is None or selected not in self._items:
            return
        try:
            index = self.get_row_index(RowKey(selected))
        except Exception:  # the row is gone
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)
