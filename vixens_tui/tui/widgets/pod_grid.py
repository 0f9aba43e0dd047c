"""The pod grid: a virtual table that renders only the rows on screen.

Textual's DataTable measures every cell of every new row (30,000 measurements for 5,000 pods,
seconds of work); the benchmark wants 5,000 pods on screen in 0.3 s and 1,000 changes a second.
So this grid keeps its rows as plain strings, keeps column widths up to date as cells change,
renders a line only when it is visible (with a small cache), and applies a snapshot as changes:
changed rows are re-rendered, new ones inserted, gone ones dropped; a re-sort happens only when
a pod's rank (not-Running first) changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vixens_tui.core.cluster import PodInfo
from vixens_tui.tui.format import age
from vixens_tui.tui.widgets.quiet_scroll import set_virtual_size

HEADERS = ("Namespace", "Name", "Status", "Ready", "Restarts", "Age")
NAMESPACE = 0
NAME = 1
STATUS = 2
AGE = 5
GAP = 1
SHRINK = ((NAME, 22), (NAMESPACE, 11))
REMEASURE_MAX = 2000
"""When the pane is too narrow, these columns give way (down to these widths), in order."""


def middle_ellipsis(text: str, width: int) -> str:
    """`cert-manager-webh…d6f9-p3q5r`: a pod name keeps its start and its unique suffix."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    tail = (width - 1) // 2
    head = width - 1 - tail
    return text[:head] + "…" + (text[-tail:] if tail else "")


BAD = {"CrashLoopBackOff", "Error", "Failed", "ImagePullBackOff", "ErrImagePull", "OOMKilled"}


def status_style(pod: PodInfo) -> Style:
    status = pod.display_status
    if status in BAD or pod.phase == "Failed":
        return Style(color="red", bold=True)
    if pod.phase == "Running" and pod.is_ready:
        return Style(color="green")
    if pod.phase == "Succeeded":
        return Style(dim=True)
    return Style(color="yellow")


def rank(pod: PodInfo) -> int:
    """0 for pods that need a look (not Running, not ready, a bad reason), 1 for the rest."""
    return 1 if pod.phase == "Running" and pod.is_ready and not pod.reason else 0


class PodGrid(ScrollView, can_focus=True):
    """NAMESPACE, NAME, STATUS, READY, RESTARTS, AGE (`kubectl get pods -A`), not-Running first."""

    DEFAULT_CSS = """
    PodGrid {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    PodGrid > .pod-grid--header {
        text-style: bold;
        color: $text;
        background: $panel;
    }
    PodGrid > .pod-grid--cursor {
        background: $accent 30%;
    }
    PodGrid:focus > .pod-grid--cursor {
        background: $accent 60%;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"pod-grid--header", "pod-grid--cursor"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(False)", "First", show=False),
        Binding("end", "edge(True)", "Last", show=False),
        Binding("enter", "select", "Logs & events", show=False),
    ]

    class Selected(Message):
        """Enter on a pod."""

        def __init__(self, pod: PodInfo) -> None:
            super().__init__()
            self.pod = pod

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.clock = clock
        self.now = clock()
        self._items: dict[str, PodInfo] = {}
        self._cells: dict[str, tuple[str, ...]] = {}
        self._ranks: dict[str, int] = {}
        self._order: list[str] = []
        self._widths = [cell_len(h) for h in HEADERS]
        """The widest cell of each column."""
        self._fit: list[int] = list(self._widths)
        """The widths drawn: `_widths`, with the name (then namespace) narrowed to fit."""
        self._cursor = 0
        self._cache: LRUCache[tuple[str, bool], Strip] = LRUCache(256)

    # -- the model -------------------------------------------------------------------------

    @property
    def items(self) -> Mapping[str, PodInfo]:
        return self._items

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def selected_key(self) -> str | None:
        return self._order[self._cursor] if self._order else None

    def get_row_at(self, index: int) -> tuple[str, ...]:
        return self._cells[self._order[index]]

    def _row(self, pod: PodInfo) -> tuple[str, ...]:
        return (
            pod.namespace,
            pod.name,
            pod.display_status,
            f"{pod.ready}/{pod.containers}",
            str(pod.restarts),
            age(pod.created, self.now),
        )

    def _widen(self, cells: tuple[str, ...]) -> bool:
        widened = False
        for i, cell in enumerate(cells):
            width = cell_len(cell)
            if width > self._widths[i]:
                self._widths[i] = width
                widened = True
        return widened

    def sync(self, items: Mapping[str, PodInfo]) -> None:
        """Show exactly `items`, changing only the rows that changed."""
        self.now = self.clock()
        selected = self.selected_key
        shown = self._items
        resort = False
        widened = False
        for key in [k for k in shown if k not in items]:
            del self._cells[key]
            del self._ranks[key]
            self._cache.discard((key, False))
            self._cache.discard((key, True))
            resort = True
        for key, pod in items.items():
            old = shown.get(key)
            if old is pod or (old is not None and old == pod):
                continue
            cells = self._row(pod)
            self._cells[key] = cells
            widened |= self._widen(cells)
            new_rank = rank(pod)
            if old is None or self._ranks.get(key) != new_rank:
                resort = True
            self._ranks[key] = new_rank
            self._cache.discard((key, False))
            self._cache.discard((key, True))
        self._items = dict(items)
        if (resort or widened) and len(self._cells) <= REMEASURE_MAX:
            # Columns also narrow again when their widest cell goes (a CrashLoopBackOff
            # that recovered); past a few thousand rows they only grow (it costs a pass).
            widths = [cell_len(h) for h in HEADERS]
            for cells in self._cells.values():
                for i, cell in enumerate(cells):
                    widths[i] = max(widths[i], cell_len(cell))
            widened = widened or widths != self._widths
            self._widths = widths
        if resort:
            ranks = self._ranks
            self._order = sorted(self._cells, key=lambda k: (ranks[k], k))
            self._restore(selected)
        if widened:
            self._cache.clear()
        self._resize()
        self.refresh()

    def set_now(self, now: float) -> None:
        """Refresh the ages (only the rows whose age text changed are re-rendered)."""
        self.now = now
        changed = False
        for key, pod in self._items.items():
            text = age(pod.created, now)
            cells = self._cells[key]
            if cells[AGE] != text:
                self._cells[key] = (*cells[:AGE], text)
                self._cache.discard((key, False))
                self._cache.discard((key, True))
                changed = True
        if changed:
            self.refresh()

    def _restore(self, selected: str | None) -> None:
        if selected is not None and selected in self._cells:
            self._cursor = self._order.index(selected)
        self._cursor = max(0, min(self._cursor, len(self._order) - 1))

    def _resize(self) -> None:
        fit = list(self._widths)
        # The vertical scrollbar comes and goes with the rows: always leave room for it.
        available = self.size.width - 1
        excess = sum(fit) + GAP * len(fit) - available
        for column, floor in SHRINK:
            if excess <= 0 or available <= 0:
                break
            give = min(excess, max(0, fit[column] - floor))
            fit[column] -= give
            excess -= give
        if fit != self._fit:
            self._fit = fit
            self._cache.clear()
        set_virtual_size(self, Size(sum(fit) + GAP * len(fit), len(self._order) + 1))

    def on_resize(self) -> None:
        self._resize()
        self.refresh()

    # -- the cursor ------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        if not self._order:
            return
        previous = self.selected_key
        self._cursor = max(0, min(row, len(self._order) - 1))
        for key in (previous, self.selected_key):
            if key is not None:
                self._cache.discard((key, True))
                self._cache.discard((key, False))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        page = max(1, self.scrollable_content_region.height - 2)
        self.move_cursor(self._cursor + direction * page)

    def action_edge(self, last: bool) -> None:
        self.move_cursor(len(self._order) - 1 if last else 0)

    def action_select(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.Selected(self._items[key]))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._order):
            self.move_cursor(row)
            if event.chain == 2:
                self.action_select()

    # -- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def _line(self, cells: tuple[str, ...], styles: list[Style]) -> Strip:
        segments: list[Segment] = []
        for i, (cell, width) in enumerate(zip(cells, self._fit, strict=True)):
            text = middle_ellipsis(cell, width)
            pad = width - cell_len(text)
            segments.append(Segment(" " + text + " " * (pad + GAP - 1), styles[i]))
        return Strip(segments)

    def _header(self) -> Strip:
        style = self.get_component_rich_style("pod-grid--header")
        return self._line(HEADERS, [style] * len(HEADERS))

    def _strip(self, key: str, selected: bool) -> Strip:
        cached = self._cache.get((key, selected))
        if cached is not None:
            return cached
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("pod-grid--cursor")
        styles = [base] * len(HEADERS)
        styles[STATUS] = base + status_style(self._items[key])
        strip = self._line(self._cells[key], styles)
        self._cache[(key, selected)] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        style = self.rich_style
        if y == 0:
            strip = self._header()
        else:
            index = scroll_y + y - 1
            if index >= len(self._order):
                return Strip.blank(width, style)
            key = self._order[index]
            strip = self._strip(key, index == self._cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, style)
