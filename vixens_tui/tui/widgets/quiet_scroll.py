"""Growing a scrollable widget without a screen-wide layout pass.

`Widget.virtual_size` is a layout reactive: every change (a log line appended, a pod added)
makes Textual lay out and repaint the whole screen, which at 120x40 costs tens of
milliseconds a batch. Only the widget and its scrollbars change, so `set_virtual_size`
updates exactly those; it falls back to a real layout when a scrollbar has to appear or go.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(widget: ScrollView, size: Size) -> None:
    """Give `widget` a new virtual size, repainting only it and its scrollbars."""
    old = widget.virtual_size
    if size == old:
        return
    container = widget.container_size
    styles = widget.styles

    def shows(overflow: str, needed: bool) -> bool:
        return overflow == "scroll" or (overflow == "auto" and needed)

    flips = (
        shows(str(styles.overflow_x), old.width > container.width)
        != shows(str(styles.overflow_x), size.width > container.width)
    ) or (
        shows(str(styles.overflow_y), old.height > container.height)
        != shows(str(styles.overflow_y), size.height > container.height)
    )
    if flips or not widget.is_mounted or not container:
        widget.virtual_size = size  # a scrollbar appears or goes: that is a layout change
        return
    widget.set_reactive(Widget.virtual_size, size)
    width, height = container
    if widget.show_vertical_scrollbar and styles.scrollbar_size_vertical:
        bar = widget.vertical_scrollbar
        bar.window_virtual_size = size.height
        bar.window_size = height - widget.scrollbar_size_horizontal
        bar.refresh()
    if widget.show_horizontal_scrollbar and styles.scrollbar_size_horizontal:
        bar = widget.horizontal_scrollbar
        bar.window_virtual_size = size.width
        bar.window_size = width - widget.scrollbar_size_vertical
        bar.refresh()
    widget.scroll_x = widget.validate_scroll_x(widget.scroll_x)
    widget.scroll_y = widget.validate_scroll_y(widget.scroll_y)
    widget.refresh()
