"""The small dialogs: confirm a destroy, a skip, a quit; offer to continue an unfinished run."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from vixens_tui.core.checkpoint.model import Checkpoint, StageStatus
from vixens_tui.core.context import DestroyPreview
from vixens_tui.core.inputs import ProfileChange

MAX_LISTED = 6


def _listing(items: tuple[str, ...], limit: int = MAX_LISTED) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … and {len(items) - limit} more" if len(items) > limit else "")


class Dialog(ModalScreen[object]):
    """A centred box: a title, what it is about (scrolls if long), then the question and its
    keys, which are never the part cut off on a small terminal."""

    CSS_PATH = "dialog.tcss"
    TITLE_TEXT = ""

    def body(self) -> Text:
        raise NotImplementedError

    def prompt(self) -> Text:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self.TITLE_TEXT
            with VerticalScroll(id="about"):
                yield Static(self.body(), id="body")
            yield Static(self.prompt(), id="prompt")
            yield from self.extra()
        yield Footer(compact=True)

    def extra(self) -> ComposeResult:
        yield from ()


class DestroyConfirmScreen(Dialog):
    """Destroying an environment: type its name (or, in the demo, press y)."""

    TITLE_TEXT = "Destroy the cluster?"
    BINDINGS: ClassVar = [
        Binding("y", "demo_answer(True)", "Destroy (demo)"),
        Binding("n", "demo_answer(False)", "Refuse", show=False),
        Binding("escape", "refuse", "Refuse"),
    ]

    def __init__(self, preview: DestroyPreview, *, require_typing: bool = True) -> None:
        super().__init__(classes="danger")
        self.preview = preview
        self.require_typing = require_typing
        """False in --demo: one key confirms (nothing real is destroyed)."""
        self.attempts = 0
        """Wrong names typed so far."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Outside the demo, typing the name is the only way to confirm.
        return not (action == "demo_answer" and self.require_typing)

    def body(self) -> Text:
        p = self.preview
        out = Text()
        out.append(f"This destroys environment {p.env}: ", "bold")
        out.append(f"{len(p.addresses)} Terraform resources", "bold red")
        out.append(f"\nAPI endpoint {p.endpoint}")
        if p.kubeconfig_server:
            out.append(f" · kubeconfig points at {p.kubeconfig_server}")
        if p.cluster_reachable:
            out.append(
                f"\nThe cluster holds {len(p.namespaces)} namespaces and "
                f"{len(p.applications)} Applications: {_listing(p.applications)}"
            )
        else:
            out.append("\nThe cluster is not reachable.")
        if p.volume_claims:
            out.append(
                f"\n{len(p.volume_claims)} PersistentVolumeClaims: {_listing(p.volume_claims)}",
                "bold",
            )
        if p.etcd_snapshot:
            out.append(f"\netcd snapshot saved: {p.etcd_snapshot}", "green")
        elif p.no_etcd_snapshot:
            out.append(
                f"\nNo etcd snapshot ({p.no_etcd_snapshot}): the cluster's data will have no copy",
                "bold red",
            )
        out.append(f"\nResources: {_listing(p.addresses, 4)}", "dim")
        return out

    def prompt(self) -> Text:
        out = Text()
        if self.require_typing:
            out.append("Type ", "bold")
            out.append(f" {self.preview.env} ", "bold reverse")
            out.append(" and press Enter to destroy it. Esc refuses.", "bold")
        else:
            out.append("Demo: a simulated cluster. Press ", "bold")
            out.append(" y ", "bold reverse")
            out.append(" to destroy it, ", "bold")
            out.append(" n ", "bold reverse")
            out.append(" or Esc to refuse.", "bold")
        return out

    def extra(self) -> ComposeResult:
        if self.require_typing:
            yield Input(placeholder=f"type {self.preview.env}", id="name")
            yield Static("", id="error")

    def on_mount(self) -> None:
        if self.require_typing:
            self.query_one(Input).focus()

    @on(Input.Submitted, "#name")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.preview.env:
            self.dismiss(True)
            return
        self.attempts += 1
        self.query_one("#error", Static).update(
            Text(
                f"“{event.value.strip()}” is not {self.preview.env}: nothing destroyed. "
                f"Type {self.preview.env} exactly, or Esc to refuse.",
                "bold red",
            )
        )
        event.input.value = ""

    def action_demo_answer(self, yes: bool) -> None:
        if not self.require_typing:
            self.dismiss(yes)

    def action_refuse(self) -> None:
        self.dismiss(False)


class SkipConfirmScreen(Dialog):
    TITLE_TEXT = "Skip this stage?"
    BINDINGS: ClassVar = [
        Binding("y", "answer(True)", "Skip it"),
        Binding("n,escape", "answer(False)", "Keep waiting"),
    ]

    def __init__(self, stage: str, error: str) -> None:
        super().__init__()
        self.stage = stage
        self.error = error

    def body(self) -> Text:
        return Text.assemble(
            ("Skip ", "bold"),
            (self.stage, "bold yellow"),
            ("?", "bold"),
            f"\nIt failed with: {self.error}",
            "\nThe checkpoint records it as skipped by you; later stages may fail because of it.",
        )

    def prompt(self) -> Text:
        return Text.assemble(
            (" y ", "bold reverse"),
            " skip it   ",
            (" n ", "bold reverse"),
            " keep the choice open",
        )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class QuitConfirmScreen(Dialog):
    TITLE_TEXT = "Quit while a stage runs?"
    BINDINGS: ClassVar = [
        Binding("y", "answer(True)", "Stop and quit"),
        Binding("n,escape", "answer(False)", "Keep running"),
    ]

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage

    def body(self) -> Text:
        return Text.assemble(
            ("The run is in ", "bold"),
            (self.stage or "progress", "bold yellow"),
            (".", "bold"),
            "\nQuitting stops it cleanly (Terraform is interrupted and waited for), saves the "
            "checkpoint as interrupted, and exits with 130. Continue later with s or "
            "`vixens-tui --resume`.",
        )

    def prompt(self) -> Text:
        return Text.assemble(
            (" y ", "bold reverse"),
            " stop and quit   ",
            (" n ", "bold reverse"),
            " keep running",
        )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ResumeOfferScreen(Dialog):
    """An unfinished run exists: continue it, start over, or decide later."""

    TITLE_TEXT = "An unfinished run"
    BINDINGS: ClassVar = [
        Binding("c", "answer('continue')", "Continue it"),
        Binding("n", "answer('new')", "New run"),
        Binding("escape", "answer('later')", "Later"),
    ]

    def __init__(self, checkpoint: Checkpoint, change: ProfileChange | None = None) -> None:
        super().__init__()
        self.checkpoint = checkpoint
        self.change = change
        """What changed in the profile since the run started (None: nothing to ask about)."""

    @property
    def refused(self) -> bool:
        """The profile now names another cluster: this run cannot be continued at all."""
        return self.change is not None and bool(self.change.identity)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "answer" and parameters == ("continue",) and self.refused)

    def body(self) -> Text:
        cp = self.checkpoint
        done = [r.name.value for r in cp.stages if r.status is StageStatus.DONE]
        where = cp.first_not_done()
        out = Text()
        out.append(f"The last run of {cp.env} ", "bold")
        out.append(f"({cp.run_id}, started {cp.created_at:%Y-%m-%d %H:%M} UTC)", "dim")
        out.append(f" did not finish: {cp.outcome.value}")
        if cp.message:
            out.append(f"\n{cp.message}", "italic")
        out.append(f"\nDone: {', '.join(done) if done else 'nothing yet'}")
        if self.change is not None:
            out.append("\n\nThe profile changed since this run started:", "bold yellow")
            for line in self.change.lines():
                out.append(f"\n  • {line}")
            if self.refused:
                out.append(
                    "\nIt now names another cluster: this run cannot continue on it. "
                    "Start a new run, or restore the profile.",
                    "bold red",
                )
                return out
            reopened = self.change.reopened(tuple(cp.plan))
            out.append(
                "\nContinuing accepts the change and re-opens: "
                + (", ".join(s.value for s in reopened) or "no stage (all are re-checked)"),
                "bold",
            )
        if where is not None:
            out.append(f"\nIt continues at {where.value}", "bold")
            out.append(" (stages marked done are re-checked first).")
        return out

    def prompt(self) -> Text:
        out = Text()
        if not self.refused:
            out.append(" c ", "bold reverse")
            out.append(
                " continue with the new profile   "
                if self.change is not None
                else " continue it   "
            )
        out.append(" n ", "bold reverse")
        out.append(" start a new run   ")
        out.append(" Esc ", "bold reverse")
        out.append(" decide later")
        return out

    def action_answer(self, choice: str) -> None:
        self.dismiss(choice)
