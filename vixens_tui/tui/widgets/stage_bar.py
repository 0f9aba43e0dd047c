"""The seven stages at a glance: status, and elapsed time against the procedure's estimate."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from vixens_tui.core.names import STAGE_ORDER, StageName
from vixens_tui.text.durations import duration
from vixens_tui.tui.format import expected

MARKS: dict[str, tuple[str, str]] = {
    "pending": ("·", "dim"),
    "running": ("▶", "bold yellow"),
    "done": ("✓", "bold green"),
    "failed": ("✗", "bold red"),
    "skipped": ("↷", "magenta"),
    "interrupted": ("■", "bold dark_orange"),
    "not-planned": ("-", "dim"),
    "waiting": ("✗", "bold red reverse"),
}
"""Status -> (mark, style). "waiting": failed and waiting for the person's choice."""

WIDE = 7 * 15
"""Below this width the bar shows one line of names and a line about the current stage."""


@dataclass(frozen=True, slots=True)
class StageView:
    """What the bar shows of one stage."""

    name: StageName
    status: str = "pending"
    attempt: int = 0
    started_at: float | None = None
    """Wall-clock start of the current attempt (while running)."""
    duration_s: float | None = None
    """Wall time of the last finished attempt."""
    expected_s: tuple[float, float] = (0.0, 0.0)
    detail: str = ""
    """Phase or progress within the stage."""


class StageBar(Widget):
    """Feed it with `update_stage`; it redraws its running stage's time every second."""

    DEFAULT_CSS = """
    StageBar {
        height: 2;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.clock = clock
        """Wall clock for the elapsed times (tests pass a fixed one)."""
        self._stages: dict[StageName, StageView] = {s: StageView(s) for s in STAGE_ORDER}

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if any(v.status == "running" for v in self._stages.values()):
            self.refresh()

    # -- attributes down -------------------------------------------------------------------

    def stage(self, name: StageName) -> StageView:
        return self._stages[name]

    @property
    def stages(self) -> tuple[StageView, ...]:
        return tuple(self._stages[s] for s in STAGE_ORDER)

    def update_stage(self, name: StageName, **changes: object) -> None:
        self._stages[name] = replace(self._stages[name], **changes)  # type: ignore[arg-type]
        self.refresh()

    def reset(self, views: Iterable[StageView]) -> None:
        for view in views:
            self._stages[view.name] = view
        self.refresh()

    # -- rendering -------------------------------------------------------------------------

    def _time(self, view: StageView) -> str:
        estimate = expected(view.expected_s)
        if view.status == "waiting":
            return "waits for you"
        if view.status == "running" and view.started_at is not None:
            spent = duration(self.clock() - view.started_at)
            return f"{spent} / {estimate}" if estimate else spent
        if view.duration_s is not None and view.status in ("done", "failed", "interrupted"):
            return duration(view.duration_s)
        return estimate

    def _over(self, view: StageView) -> bool:
        high = view.expected_s[1]
        return (
            view.status == "running"
            and view.started_at is not None
            and high > 0
            and self.clock() - view.started_at > high
        )

    def render(self) -> RenderableType:
        if self.size.width >= WIDE:
            return self._render_wide()
        return self._render_narrow()

    def _render_wide(self) -> RenderableType:
        grid = Table.grid(expand=True)
        for _ in STAGE_ORDER:
            grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        names: list[Text] = []
        times: list[Text] = []
        for view in self.stages:
            mark, style = MARKS.get(view.status, ("?", ""))
            name = Text.assemble((mark, style), " ", (view.name.value, style))
            if view.attempt > 1:
                name.append(f" #{view.attempt}", "dim")
            names.append(name)
            times.append(Text("  " + self._time(view), "bold red" if self._over(view) else "dim"))
        grid.add_row(*names)
        grid.add_row(*times)
        return grid

    def _render_narrow(self) -> RenderableType:
        line = Text(no_wrap=True, overflow="ellipsis")
        for i, view in enumerate(self.stages):
            mark, style = MARKS.get(view.status, ("?", ""))
            if i:
                line.append(" ")
            line.append(mark + view.name.value, style)
        current = next(
            (v for v in self.stages if v.status in ("running", "waiting")),
            None,
        )
        second = Text(no_wrap=True, overflow="ellipsis")
        if current is not None:
            second.append(current.name.value, "bold")
            second.append(f" attempt {current.attempt} · {self._time(current)}")
            if current.detail:
                second.append(f" · {current.detail}")
        return Text("\n").join([line, second])
