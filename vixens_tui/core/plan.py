"""Which stages a run covers: all, `--from STAGE` onwards, or `--only STAGE`.

Preflight always comes first: it changes nothing and it is what stops a run on the wrong
cluster or with a bad secret file before anything is destroyed.
"""

from __future__ import annotations

from vixens_tui.core.names import STAGE_ORDER, StageName


def make_plan(
    *, from_stage: StageName | None = None, only: StageName | None = None
) -> tuple[StageName, ...]:
    if from_stage is not None and only is not None:
        raise ValueError("--from and --only cannot be used together")
    if only is not None:
        stages: tuple[StageName, ...] = (only,)
    elif from_stage is not None:
        stages = STAGE_ORDER[STAGE_ORDER.index(from_stage) :]
    else:
        stages = STAGE_ORDER
    if StageName.PREFLIGHT not in stages:
        stages = (StageName.PREFLIGHT, *stages)
    return stages
