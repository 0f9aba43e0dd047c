"""Every action a person can take, once: the screen's key bindings, the `?` help screen and the
command palette are all built from this list, so they can never disagree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class ActionSpec:
    action: str
    """The main screen's action (`action_<name>`)."""
    key: str
    """Textual key name."""
    label: str
    """Short label (footer)."""
    help: str
    """One line for the help screen and the command palette."""
    key_display: str | None = None
    show: bool = True
    """Shown in the footer (when enabled). The pane keys are not: the pane that has the focus
    shows its own (the footer stays short enough for 80 columns), yet they work everywhere."""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "start", "s", "Start", "Start a new run: destroy, re-create, repair, then prove the cluster"
    ),
    ActionSpec(
        "continue_run", "s", "Continue", "Continue the unfinished run where it stopped (--resume)"
    ),
    ActionSpec("fix", "f", "Fix", "Apply the fix proposed for the detected known issue"),
    ActionSpec("retry", "r", "Retry", "Attempt the failed stage again"),
    ActionSpec(
        "skip", "k", "Skip", "Skip the failed stage (asks first; recorded in the checkpoint)"
    ),
    ActionSpec("stop", "x", "Stop", "Stop the run at the failed stage (continue later: s)"),
    ActionSpec(
        "pod_diagnostics",
        "l",
        "Pod logs",
        "Logs and events of the selected pod (kubectl logs / describe pod)",
        show=False,
    ),
    ActionSpec(
        "toggle_item",
        "t",
        "Tick item",
        "Tick or untick the selected checklist item by hand (recorded as 'manual')",
        show=False,
    ),
    ActionSpec("search_log", "slash", "Search", "Search the log", key_display="/", show=False),
    ActionSpec(
        "filter_pods",
        "p",
        "Filter pods",
        "Filter the pods by namespace, name or status",
        show=False,
    ),
    ActionSpec("show_tab('log')", "1", "Log tab", "Show the log (narrow terminals)", show=False),
    ActionSpec(
        "show_tab('cluster')",
        "2",
        "Cluster tab",
        "Show nodes and pods (narrow terminals)",
        show=False,
    ),
    ActionSpec(
        "show_tab('apps')", "3", "Apps tab", "Show the Argo CD apps (narrow terminals)", show=False
    ),
    ActionSpec(
        "show_tab('checklist')",
        "4",
        "Checklist tab",
        "Show the checklist (narrow terminals)",
        show=False,
    ),
    ActionSpec("help", "question_mark", "Help", "Show the keys and what they do", key_display="?"),
    ActionSpec(
        "quit",
        "q",
        "Quit",
        "Quit; a running stage is stopped cleanly first (asks; checkpoint saved)",
    ),
)


def bindings() -> list[BindingType]:
    return [
        Binding(
            a.key,
            a.action,
            a.label,
            show=a.show,
            key_display=a.key_display,
            tooltip=a.help,
        )
        for a in ACTIONS
    ]


def action_name(spec: ActionSpec) -> str:
    """`show_tab('log')` -> `show_tab`: the name check_action receives."""
    return spec.action.split("(", 1)[0]


def action_parameters(spec: ActionSpec) -> tuple[object, ...]:
    if "(" not in spec.action:
        return ()
    inner = spec.action.split("(", 1)[1].rstrip(")")
    return tuple(p.strip().strip("'\"") for p in inner.split(",") if p.strip())


def enabled(screen: Screen[Any], spec: ActionSpec) -> bool:
    return bool(screen.check_action(action_name(spec), action_parameters(spec)))


def key_label(spec: ActionSpec) -> str:
    return spec.key_display or spec.key


class ProcedureCommands(Provider):
    """The command palette's view of ACTIONS (only those available right now)."""

    def _available(self) -> Iterator[ActionSpec]:
        for spec in ACTIONS:
            if enabled(self.screen, spec):
                yield spec

    def _command(self, spec: ActionSpec) -> Callable[[], Awaitable[object]]:
        return partial(self.screen.run_action, spec.action)

    async def discover(self) -> Hits:
        for spec in self._available():
            text = f"{spec.label} ({key_label(spec)})"
            yield DiscoveryHit(text, self._command(spec), text=text, help=spec.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in self._available():
            text = f"{spec.label} ({key_label(spec)})"
            score = max(matcher.match(text), matcher.match(spec.help) * 0.8)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(text), self._command(spec), text=text, help=spec.help
                )
