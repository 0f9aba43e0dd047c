"""What must hold between the parts of a checkpoint, whatever its values.

Every checkpoint this program writes meets these: one record per stage in the procedure's
order, a plan that is an ordered part of that order, a record marked not-planned exactly when
its stage is outside the plan, the current stage within the plan, each checklist item once.
A file that breaks one was not written by us (or was damaged): resuming it would act on a
guess, so it is refused as corrupt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from vixens_tui.core.checklist import CHECKLIST
from vixens_tui.core.names import STAGE_ORDER, StageName

KNOWN_ITEMS = frozenset(item.id for item in CHECKLIST)
_ORDER = ", ".join(s.value for s in STAGE_ORDER)


def _names(stages: Sequence[StageName]) -> str:
    return ", ".join(s.value for s in stages) or "none"


def _repeated(items: Sequence[str]) -> list[str]:
    return sorted(item for item, n in Counter(items).items() if n > 1)


def problems(
    plan: Sequence[StageName],
    records: Sequence[tuple[StageName, bool]],
    current_stage: StageName | None,
    checklist_ids: Sequence[str],
) -> list[str]:
    """What is inconsistent. `records`: each stage record's name, and whether it is marked
    not-planned."""
    found: list[str] = []
    names = [name for name, _ in records]
    if names != list(STAGE_ORDER):
        twice = _repeated([n.value for n in names])
        missing = [s for s in STAGE_ORDER if s not in names]
        detail = (
            f"{', '.join(twice)} recorded twice"
            if twice
            else f"{_names(missing)} missing"
            if missing
            else f"found in the order {_names(names)}"
        )
        found.append(f"stages: one record per stage in the order {_ORDER} ({detail})")
    if not plan:
        found.append("plan: empty")
    elif list(plan) != [s for s in STAGE_ORDER if s in plan] or len(set(plan)) != len(plan):
        found.append(f"plan: {_names(plan)} is not an ordered part of {_ORDER}")
    for name, not_planned in records:
        if not_planned == (name in plan):
            why = "marked not-planned but in the plan" if not_planned else "not in the plan"
            found.append(f"stages: {name.value} is {why}")
    if current_stage is not None and current_stage not in plan:
        found.append(f"current_stage: {current_stage.value} is not in the plan")
    twice = _repeated(list(checklist_ids))
    if twice:
        found.append(f"checklist: {', '.join(twice)} recorded twice")
    unknown = sorted(set(checklist_ids) - KNOWN_ITEMS)
    if unknown:
        found.append(f"checklist: unknown item {', '.join(unknown)}")
    return found
