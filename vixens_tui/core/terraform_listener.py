"""Terraform's stream turned into engine events: the listener the destroy and the apply hand to
Terraform (log lines, resources, the apply's phases, the diagnostics)."""

from __future__ import annotations

import fnmatch

from vixens_tui.core.context import StageContext
from vixens_tui.core.events import PhaseChanged, ResourceProgress
from vixens_tui.core.ports import TfDiagnostic, TfListener, TfLog, TfResource, TfStreamItem
from vixens_tui.core.profile.model import ApplyPhase


def phase_of(address: str, phases: tuple[ApplyPhase, ...]) -> int | None:
    """Index of the last phase (in the profile's order) with a pattern matching `address`.

    Later phases win so that a general pattern of an early phase (`module...talos*`) does not
    swallow the specific resources of a later one (`*talos_machine_bootstrap*`).
    """
    found = None
    for index, phase in enumerate(phases):
        if any(fnmatch.fnmatchcase(address, pattern) for pattern in phase.address_patterns):
            found = index
    return found


MAX_BATCH = 2000
"""Log lines held before they are handed on, when a read brings more than that."""


class TerraformListener:
    """A listener that logs every line, reports resources, and follows the apply's phases.

    Phases only move forward: a late resource of an earlier phase does not send the display
    back (Terraform creates independent resources in parallel).
    """

    def __init__(self, ctx: StageContext, *, follow_phases: bool) -> None:
        self.ctx = ctx
        self.phases = ctx.profile.apply_phases if follow_phases else ()
        self.phase = -1
        self.diagnostics: list[TfDiagnostic] = []
        self.resources_done = 0
        self.errored: list[str] = []
        """Resources whose operation failed, in order: Terraform's `apply_errored` events. A
        provider's error diagnostic names no resource on destroy (Terraform passes it no
        configuration to point into), so this is how a failure is tied to its resource."""
        self._pending: list[tuple[str, str, str]] = []
        self.watch = ctx.profile.known_issues.swallowed_failures
        self.swallowed: list[str] = []
        """Output lines with a failure a provisioner swallowed (`watch`): Terraform calls the
        run a success, these lines say it was not."""

    def flush(self) -> None:
        """Hand the lines read so far on (the backend calls it after each read)."""
        if self._pending:
            pending, self._pending = self._pending, []
            self.ctx.log_many(pending)

    def __call__(self, item: TfStreamItem) -> None:
        ctx = self.ctx
        if isinstance(item, TfLog):
            if self.watch and any(text in item.text for text in self.watch):
                self.swallowed.append(item.text)
            # Batched: handed on as one LogLines per pipe read (flush), or every 2,000 lines.
            self._pending.append((item.text, item.level, item.raw))
            if len(self._pending) >= MAX_BATCH:
                self.flush()
            return
        self.flush()  # what came before this item is shown before it
        if isinstance(item, TfResource):
            if item.status == "complete":
                self.resources_done += 1
            elif item.status == "errored" and item.address not in self.errored:
                self.errored.append(item.address)
            ctx.emit(
                ResourceProgress(
                    stage=ctx.stage,
                    address=item.address,
                    action=item.action,
                    status=item.status,
                    elapsed_s=item.elapsed_s,
                )
            )
            if self.phases and item.status == "started":
                index = phase_of(item.address, self.phases)
                if index is not None and index > self.phase:
                    self.phase = index
                    ctx.emit(
                        PhaseChanged(
                            stage=ctx.stage,
                            phase=self.phases[index].name,
                            index=index,
                            total=len(self.phases),
                        )
                    )
        else:
            self.diagnostics.append(item)

    @property
    def listener(self) -> TfListener:
        return self
