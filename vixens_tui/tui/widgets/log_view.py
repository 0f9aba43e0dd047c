"""The Terraform and procedure log: live, coloured by level, capped, searchable.

A `ScrollView` that renders only the visible lines (like toolong's log view), so 5,000 lines and
a fast stream cost little. It follows the tail while the view is at the bottom and stops following
as soon as the person scrolls up; scrolling back to the bottom (or `end`) follows again.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input

from vixens_tui.tui.widgets.quiet_scroll import set_virtual_size

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")

LEVEL_STYLES: dict[str, Style] = {
    "error": Style(color="red", bold=True),
    "warning": Style(color="yellow"),
    "step": Style(color="cyan", bold=True),
    "fix": Style(color="green", bold=True),
    "debug": Style(dim=True),
    "note": Style(color="magenta"),
}
"""Styles by level; `info` keeps the widget's own colour."""

MATCH_STYLE = Style(bgcolor="yellow", color="black")
CURRENT_MATCH_STYLE = Style(bgcolor="dark_orange", color="black", bold=True)


@dataclass(frozen=True, slots=True)
class LogEntry:
    text: str
    level: str = "info"


class LogView(ScrollView, can_focus=True):
    """The lines themselves. Feed it with `write_entries`; search with `search`."""

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $text;
        overflow-y: scroll;
        overflow-x: auto;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "follow", "Follow", show=False),
    ]

    class FollowChanged(Message):
        """The view started or stopped following the tail."""

        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    def __init__(
        self,
        *,
        max_lines: int = 5000,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_lines = max_lines
        self._lines: deque[LogEntry] = deque(maxlen=max_lines)
        self._first = 0
        """Absolute number of the first kept line (lines dropped so far): the cache's key base."""
        self._width = 0
        self._cache: LRUCache[int, Strip] = LRUCache(1024)
        self._query: re.Pattern[str] | None = None
        self._matches: list[int] = []
        self._current: int | None = None
        """Absolute number of the line holding the current match."""
        self._following = True

    # -- content ---------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> list[str]:
        """The kept lines, oldest first (plain text)."""
        return [entry.text for entry in self._lines]

    @property
    def levels(self) -> list[str]:
        return [entry.level for entry in self._lines]

    @property
    def following(self) -> bool:
        return self._following

    def write_entries(self, entries: Iterable[LogEntry]) -> None:
        """Append lines (a batch); keeps at most `max_lines`, following the tail if it was."""
        # Only the person's scrolling changes `_following` (see watch_scroll_y): a pane that
        # shrinks (an issue bar appeared) must not stop the log from following.
        at_end = self._following
        first_before = self._first
        before = len(self._lines) + first_before
        widest = self._width
        lines = self._lines
        cap = self.max_lines
        # Only the last `max_lines` of a batch can stay: skip the work on the others.
        batch = entries if isinstance(entries, list) else list(entries)
        skipped = max(0, len(batch) - cap)
        if skipped:
            self._first += len(lines) + skipped
            lines.clear()
            batch = batch[skipped:]
        for entry in batch:
            text = entry.text
            if text.isprintable():
                # The common case (no tab, no control character, one line): kept as it is.
                if len(lines) == cap:
                    self._first += 1
                lines.append(entry)
                width = len(text) if text.isascii() else cell_len(text)
                widest = max(widest, width)
                continue
            for line in text.splitlines() or [""]:
                clean = _CONTROL.sub("", line.expandtabs())
                if len(lines) == cap:
                    self._first += 1
                lines.append(LogEntry(clean, entry.level))
                widest = max(widest, cell_len(clean))
        added = len(self._lines) + self._first - before
        if not added:
            return
        dropped = self._first - first_before
        self._width = widest
        set_virtual_size(self, Size(self._width, len(self._lines)))
        if self._query is not None:
            self._find_matches()
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            if dropped > 0 and self.scroll_y > 0:
                # Keep the lines the person is reading in place while old ones fall off.
                self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
            self.refresh()

    def clear(self) -> None:
        self._lines.clear()
        self._first = 0
        self._width = 0
        self._cache.clear()
        self._matches = []
        self._current = None
        self.virtual_size = Size(0, 0)
        self.refresh()

    # -- following -------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value == old_value:
            return
        following = new_value >= self.max_scroll_y
        if following != self._following:
            self._following = following
            self.post_message(self.FollowChanged(following))

    def on_resize(self) -> None:
        if self._following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def action_follow(self) -> None:
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    # -- search ----------------------------------------------------------------------------

    @property
    def matches(self) -> int:
        return len(self._matches)

    @property
    def current_match(self) -> int | None:
        """Index (among the kept lines) of the line holding the current match."""
        return None if self._current is None else self._current - self._first

    def search(self, query: str) -> int:
        """Highlight `query` (case-insensitive) and go to its latest match; the match count."""
        self._query = re.compile(re.escape(query), re.IGNORECASE) if query else None
        self._cache.clear()
        self._find_matches()
        self._current = None
        if self._matches:
            self._go(self._matches[-1])
        self.refresh()
        return len(self._matches)

    def search_next(self, backwards: bool = True) -> int | None:
        """Go to the next older (or newer) match; its line index, None when there is none."""
        if not self._matches:
            return None
        if self._current is None:
            target = self._matches[-1]
        elif backwards:
            older = [m for m in self._matches if m < self._current]
            target = older[-1] if older else self._matches[-1]
        else:
            newer = [m for m in self._matches if m > self._current]
            target = newer[0] if newer else self._matches[0]
        self._go(target)
        return target - self._first

    def _find_matches(self) -> None:
        query = self._query
        if query is None:
            self._matches = []
            return
        first = self._first
        self._matches = [first + i for i, e in enumerate(self._lines) if query.search(e.text)]
        if self._current is not None and self._current < first:
            self._current = None

    def _go(self, absolute: int) -> None:
        previous = self._current
        self._current = absolute
        for line in (previous, absolute):
            if line is not None:
                self._cache.discard(line)
        y = absolute - self._first
        self.scroll_to(y=max(0, y - self.scrollable_content_region.height // 2), animate=False)
        self.refresh()

    # -- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._lines) or index < 0:
            return Strip.blank(width, style)
        strip = self._strip(index)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _strip(self, index: int) -> Strip:
        absolute = self._first + index
        cached = self._cache.get(absolute)
        if cached is not None:
            return cached
        entry = self._lines[index]
        text = Text(entry.text, style=self.rich_style + LEVEL_STYLES.get(entry.level, Style()))
        text.no_wrap = True
        if self._query is not None:
            current = absolute == self._current
            text.highlight_regex(self._query, CURRENT_MATCH_STYLE if current else MATCH_STYLE)
        strip = Strip(text.render(self.app.console), cell_len(entry.text))
        self._cache[absolute] = strip
        return strip


class LogPanel(Vertical):
    """The log with its search box (`/` opens it, Enter goes to the next older match)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
    ]

    DEFAULT_CSS = """
    LogPanel {
        height: 1fr;
    }
    LogPanel > LogView {
        height: 1fr;
    }
    LogPanel > Input {
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    LogPanel.-searching > Input {
        display: block;
    }
    """

    def __init__(
        self,
        *,
        max_lines: int = 5000,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield LogView(max_lines=self._max_lines)
        yield Input(placeholder="search the log (Enter: older match, Esc: close)")

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    @property
    def searching(self) -> bool:
        return self.has_class("-searching")

    def write_entries(self, entries: Iterable[LogEntry]) -> None:
        self.view.write_entries(entries)
        self._describe()

    def action_search(self) -> None:
        self.open_search()

    def open_search(self) -> None:
        self.add_class("-searching")
        self.query_one(Input).focus()

    def close_search(self) -> None:
        search = self.query_one(Input)
        search.value = ""
        self.remove_class("-searching")
        self.view.search("")
        self.view.focus()
        self._describe()

    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.view.search(event.value)
        self._describe()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.view.search_next()
        self._describe()

    def key_escape(self) -> None:
        if self.searching:
            self.close_search()

    @on(LogView.FollowChanged)
    def _follow_changed(self, event: LogView.FollowChanged) -> None:
        event.stop()
        self._describe()

    def _describe(self) -> None:
        view = self.view
        parts = []
        if self.searching and self.query_one(Input).value:
            current = view.current_match
            position = "" if current is None else f", at line {current + 1}"
            parts.append(f"{view.matches} matches{position}")
        parts.append("following" if view.following else "paused: End to follow")
        subtitle = " · ".join(parts)
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
