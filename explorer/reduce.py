"""Streaming reductions: solve every point of a plan and keep only counts, no store.

Each dask task solves one block with a fused, GIL-free tally kernel (``TALLY_SHAPE``
counters of outcome, paper agreement and flags); tallies are summed in a tree, so memory
stays at a few counters per task however many points there are.
"""

from __future__ import annotations

import numpy as np

from explorer.execute import Scheduler, compile_lock, connect
from explorer.models import get_model
from explorer.plan import Plan


def tally_kernel(plan: Plan):
    spec = get_model(plan.model)
    with compile_lock:
        design = "sample" if plan.sampled else "grid"
        return spec.build_tally_kernel(plan.game, plan.rho_form, _axes(plan), design)


def _axes(plan: Plan) -> tuple[str, ...]:
    return tuple(plan.coords) if plan.sampled else plan.dims


def tally_block(block: tuple[int, ...], plan: Plan) -> np.ndarray:
    """Counts over one block of the plan's grid or sample."""
    spec = get_model(plan.model)
    kernel = tally_kernel(plan)
    slices = dict(zip(plan.dims, plan.block_slices(block)))
    if plan.sampled:
        cut = next(iter(slices.values()))
        axes = [plan.coords[p][cut] for p in _axes(plan)]
    else:
        axes = [plan.coords[d][slices[d]] for d in plan.dims]
    fixed = [plan.fixed[p] for p in spec.parameters_of(plan.game) if p not in _axes(plan)]
    tally = np.zeros(spec.tally_shape, dtype=np.int64)
    kernel(*axes, *fixed, tally)
    return tally


def _sum(*tallies: np.ndarray) -> np.ndarray:
    total = tallies[0].copy()
    for t in tallies[1:]:
        total += t
    return total


def tally_plan(plan: Plan, scheduler: Scheduler | None = None, on_done=None) -> np.ndarray:
    """The summed tally of every point in ``plan``; ``on_done(points)`` after each block."""
    scheduler = scheduler or Scheduler()
    blocks = list(plan.blocks())
    on_done = on_done or (lambda points: None)
    if scheduler.address or scheduler.scheduler_file:
        return _tally_distributed(plan, blocks, scheduler, on_done)
    import dask
    from dask.callbacks import Callback

    tally_kernel(plan)  # compile once, before threads race for it
    points = {f"tally-{plan.block_id(b)}": plan.block_points(b) for b in blocks}

    class _Progress(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            if key in points:
                on_done(points[key])

    plan_node = dask.delayed(plan)
    nodes = [
        dask.delayed(tally_block, pure=False)(
            b, plan_node, dask_key_name=f"tally-{plan.block_id(b)}"
        )
        for b in blocks
    ]
    while len(nodes) > 1:  # a tree of sums: no task holds more than 16 tallies
        nodes = [dask.delayed(_sum)(*nodes[i : i + 16]) for i in range(0, len(nodes), 16)]
    with _Progress():
        (total,) = dask.compute(nodes[0], scheduler=scheduler.kind, num_workers=scheduler.workers)
    return total


def _tally_distributed(plan: Plan, blocks, scheduler: Scheduler, on_done) -> np.ndarray:
    from distributed import as_completed

    with connect(scheduler) as client:
        [plan_future] = client.scatter([plan], broadcast=True)
        futures = client.map(tally_block, blocks, plan=plan_future, pure=False)
        points = {f.key: plan.block_points(b) for f, b in zip(futures, blocks)}
        total = None
        for future in as_completed(futures):
            result = future.result()
            total = result if total is None else total + result
            on_done(points[future.key])
            future.release()
    return total
