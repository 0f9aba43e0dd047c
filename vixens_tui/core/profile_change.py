"""A resume with a profile that changed since its run started: refused until accepted, the
stages the change concerns re-opened on purpose, another cluster never (see `core.inputs`)."""

from __future__ import annotations

from vixens_tui.core.checkpoint.model import Checkpoint, StageStatus
from vixens_tui.core.inputs import ProfileChange, inputs_of, profile_change
from vixens_tui.core.names import StageName
from vixens_tui.core.profile.model import Profile


class ProfileChanged(Exception):
    """A resume whose profile's inputs changed: refused until accepted (exit 2), or for good
    when the change names another cluster (`refused`)."""

    def __init__(self, change: ProfileChange, plan: tuple[StageName, ...]) -> None:
        self.change = change
        self.refused = bool(change.identity)
        self.reopened = change.reopened(plan)
        lines = "\n".join(f"  - {line}" for line in change.lines())
        if self.refused:
            what = ", ".join(c.key for c in change.identity)
            advice = (
                f"the profile now names another cluster ({what}): this run cannot continue on "
                f"it. Start a new run (without --resume), or restore the profile"
            )
        else:
            reopened = ", ".join(s.value for s in self.reopened) or "none"
            advice = (
                f"to resume with the new profile, accept the change (--accept-profile-change; "
                f"the TUI asks): stages re-opened: {reopened}. Or restore the profile"
            )
        super().__init__(f"the profile changed since this run started:\n{lines}\n{advice}")


def take_profile_change(
    checkpoint: Checkpoint, profile: Profile, *, accept: bool
) -> tuple[str, ...]:
    """Bring a resumed `checkpoint` to `profile`: raise ProfileChanged unless the change is
    accepted (never for another cluster); re-open the stages it concerns; record the new
    inputs. Returns what the run says about it once started."""
    digest = profile.digest()
    change = profile_change(
        checkpoint.inputs, profile, digest_changed=checkpoint.profile_digest != digest
    )
    notes: tuple[str, ...] = ()
    if change is None:
        if checkpoint.profile_digest != digest:
            notes = (
                "the profile's settings (timeouts, graces, known-issue limits) changed "
                "since this run started; going on with the new ones",
            )
    elif change.identity or not accept:
        raise ProfileChanged(change, tuple(checkpoint.plan))
    else:
        reopened = change.reopened(tuple(checkpoint.plan))
        why = ", ".join(c.key for c in change.changes) or "the profile"
        for name in reopened:
            rec = checkpoint.stage(name)
            if rec.status in (StageStatus.DONE, StageStatus.SKIPPED):
                rec.status = StageStatus.PENDING
                rec.summary = f"re-opened: the profile's {why} changed"
        notes = (
            *(f"profile changed: {line}" for line in change.lines()),
            "accepted; stages re-opened: "
            + (", ".join(s.value for s in reopened) or "none (re-checked as usual)"),
        )
    checkpoint.profile_digest = digest
    checkpoint.inputs = inputs_of(profile)
    return notes
