"""One block of a plan: the kernel arguments it gives, and the sweep task that solves it,
writes whole chunks of every output it owns and records it in the store's ledger."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from explorer.engine import ledger, store
from explorer.engine.plan import Plan
from kernels.numerics import count_codes


def block_arguments(plan: Plan, cut: Mapping[str, slice], axes: tuple[str, ...] | None = None):
    """Kernel arguments for the part ``cut`` of the plan's grid or sample.

    With ``axes`` (the loops' layout): one 1-D array per axis, then a scalar per other
    parameter in model order; a swept parameter the kernel does not vary along takes its
    value at the cut's start (outputs that do not depend on it are the same anywhere).
    Without (the gufunc's layout): every parameter in model order, swept ones as arrays.
    """
    params = plan.model.parameters_of(plan.choices)
    if plan.sampled:
        piece = cut.get(plan.dims[0], slice(0, 1))
        values = {p: plan.coords[p][piece] if p in plan.coords else plan.fixed[p] for p in params}
    else:
        values = {p: plan.coords[p][cut[p]] if p in plan.coords else plan.fixed[p] for p in params}
    if axes is None:
        return [values[p] for p in params]
    rest = [values[p] if p in plan.fixed else float(values[p][0]) for p in params if p not in axes]
    return [values[a] for a in axes] + rest


def warm_kernels(plan: Plan) -> None:
    """Compile every kernel the plan's blocks use, here rather than in racing workers."""
    for dims, layouts in plan.groups().items():
        _kernel(plan, dims, tuple(o.name for o in layouts))


def _kernel(plan: Plan, dims: tuple[str, ...], outputs: tuple[str, ...]):
    if plan.sampled or not dims:
        return plan.model.gufunc(plan.choices, outputs)
    return plan.model.grid_loop(plan.choices, dims, outputs)


def solve_block(plan: Plan, block: tuple[int, ...], dims: tuple[str, ...], outputs) -> list:
    """One output group's values over this block's part of ``dims``."""
    cut = dict(zip(plan.dims, plan.block_slices(block)))
    kernel = _kernel(plan, dims, tuple(outputs))
    if plan.sampled or not dims:
        args = block_arguments(plan, cut)
        if not dims:  # depends on no swept parameter: any point gives its value
            args = [a[0] if isinstance(a, np.ndarray) else a for a in args]
        with np.errstate(all="ignore"):  # flags from speculatively evaluated branches
            values = kernel(*args)
        return list(values) if isinstance(values, tuple) else [values]
    args = block_arguments(plan, cut, dims)
    shape = tuple(len(a) for a in args[: len(dims)])
    outs = [np.empty(shape, dtype=plan.model.output(o).dtype) for o in outputs]
    kernel(*args, *outs)
    return outs


def compute_block(block: tuple[int, ...], task: tuple[Plan, str]) -> dict:
    """Solve and write one block of ``task = (plan, store url)``; record (and return) its
    points, category counts and the size and checksum of every chunk it wrote."""
    plan, url = task
    slices = dict(zip(plan.dims, plan.block_slices(block)))
    counts: dict[str, dict[str, int]] = {}
    chunks: dict[str, tuple[int, str]] = {}
    for dims, layouts in plan.groups().items():
        if not plan.writes(block, dims):
            continue
        names = tuple(o.name for o in layouts)
        region = tuple(slices[d] for d in dims)
        for layout, values in zip(layouts, solve_block(plan, block, dims, names)):
            key, entry = store.write_block(url, layout.name, region, np.asarray(values))
            chunks[key] = entry
            labels = plan.model.output(layout.name).labels
            if labels and dims == plan.dims:
                lowest = min(labels)
                tally = count_codes(values.reshape(-1), lowest, max(labels) - lowest + 1)
                counts[layout.name] = {str(lowest + i): int(n) for i, n in enumerate(tally) if n}
    record = ledger.Record(points=plan.block_points(block), counts=counts, chunks=chunks)
    ledger.write(url, plan.block_id(block), record)
    return record.model_dump()
