"""Streaming reductions: solve every point of a plan and keep only the joint counts the
model declares (its ``Tally``), no store.

Each task solves one block with a fused, GIL-free tally kernel; tallies are summed as they
arrive, so memory stays at a few counters per task however many points there are.
"""

from __future__ import annotations

import numpy as np

from explorer.engine.blocks import block_arguments
from explorer.engine.plan import Plan
from explorer.engine.run import Scheduler, run_tasks
from explorer.models.declaration import Model


def tally_of(model: Model, values: dict) -> np.ndarray:
    """The model's joint counts of solved arrays (each counted output in ``values``)."""
    spec = model.tally
    index = np.zeros(np.size(values[spec.counted[0][0]]), dtype=np.int64)
    for (name, offset), size in zip(spec.counted, spec.shape):
        index = index * size + values[name].reshape(-1).astype(np.int64) + offset
    return np.bincount(index, minlength=int(np.prod(spec.shape))).reshape(spec.shape)


def _axes(plan: Plan) -> tuple[str, ...]:
    return tuple(plan.coords) if plan.sampled else plan.dims


def tally_block(block: tuple[int, ...], plan: Plan) -> np.ndarray:
    """Counts over one block of the plan's grid or sample."""
    kernel = plan.model.tally_loop(plan.choices, _axes(plan), "sample" if plan.sampled else "grid")
    cut = dict(zip(plan.dims, plan.block_slices(block)))
    tally = np.zeros(plan.model.tally.shape, dtype=np.int64)
    kernel(*block_arguments(plan, cut, _axes(plan)), tally)
    return tally


def tally_plan(plan: Plan, scheduler: Scheduler | None = None, on_done=None) -> np.ndarray:
    """The summed tally of every point in ``plan``; ``on_done(points)`` after each block."""
    if plan.model.tally is None:
        raise ValueError(f"the {plan.model.name} model declares no tally to count")
    total = np.zeros(plan.model.tally.shape, dtype=np.int64)
    on_done = on_done or (lambda points: None)

    def add(block, tally):
        np.add(total, tally, out=total)
        on_done(plan.block_points(block))

    run_tasks(tally_block, plan.blocks(), scheduler, shared=plan, on_result=add)
    return total
