"""One block of a plan: the kernel arguments it gives, and the sweep task that solves it,
writes whole chunks of every output it owns and records it in the store's ledger."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from explorer.engine import ledger, store
from explorer.engine.lasting import lasting_objects
from explorer.engine.plan import Plan


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


MAX_CODES_COUNTED_IN_LOOP = 16  # one local counter per code in the loop; more: counted after


def warm_kernels(plan: Plan) -> None:
    """Compile every kernel the plan's blocks use, here rather than in racing workers.
    (numba's compiler set-up, on the first kernel, makes lasting objects.)"""
    with lasting_objects():
        for dims, layouts in plan.groups().items():
            names = tuple(o.name for o in layouts)
            _kernel(plan, dims, names, _counted_in_loop(plan, dims, _counted(plan, dims, names)))


def _counted(plan: Plan, dims, outputs) -> tuple[tuple[str, int, int], ...]:
    """(output, offset to code 0, number of codes) of each categorical output counted
    over the full grid: each block records its counts, and the store sums them."""
    if dims != plan.dims:
        return ()
    labelled = [(o, plan.model.output(o).labels) for o in outputs]
    return tuple(
        (o, -min(labels), max(labels) - min(labels) + 1) for o, labels in labelled if labels
    )


def _counted_in_loop(plan: Plan, dims, counted) -> tuple[tuple[str, int, int], ...]:
    """Those of ``counted`` the grid loop counts itself (few codes; gufuncs count none)."""
    if plan.sampled or not dims:
        return ()
    return tuple(c for c in counted if c[2] <= MAX_CODES_COUNTED_IN_LOOP)


def _kernel(plan: Plan, dims: tuple[str, ...], outputs: tuple[str, ...], counted=()):
    if plan.sampled or not dims:
        return plan.model.gufunc(plan.choices, outputs)
    return plan.model.grid_loop(plan.choices, dims, outputs, counted=counted)


def solve_block(
    plan: Plan, block: tuple[int, ...], dims: tuple[str, ...], outputs, counts=None
) -> list:
    """One output group's values over this block's part of ``dims``. A ``counts`` dict
    receives each categorical output's points per code (as text), over the full grid."""
    cut = dict(zip(plan.dims, plan.block_slices(block)))
    counted = _counted(plan, dims, tuple(outputs)) if counts is not None else ()
    in_loop = _counted_in_loop(plan, dims, counted)
    kernel = _kernel(plan, dims, tuple(outputs), in_loop)
    if plan.sampled or not dims:
        args = block_arguments(plan, cut)
        if not dims:  # depends on no swept parameter: any point gives its value
            args = [a[0] if isinstance(a, np.ndarray) else a for a in args]
        with np.errstate(all="ignore"):  # flags from speculatively evaluated branches
            values = kernel(*args)
        values = list(values) if isinstance(values, tuple) else [values]
        tallies = {}
    else:
        args = block_arguments(plan, cut, dims)
        shape = tuple(len(a) for a in args[: len(dims)])
        values = [np.empty(shape, dtype=plan.model.output(o).dtype) for o in outputs]
        found = [np.zeros(n + 1, dtype=np.int64) for _, _, n in in_loop]
        kernel(*args, *values, *found)
        tallies = dict(zip(in_loop, found))
    tallies = {  # outputs of many codes, and gufunc results, are counted after
        c: tallies[c] if c in in_loop else _tally(values[outputs.index(c[0])], *c[1:])
        for c in counted
    }
    for (name, offset, n), tally in tallies.items():
        if tally[n]:  # the extra last slot: codes the model does not declare
            raise ValueError(
                f"the {plan.model.name} model's point solver gave {name} codes it does not "
                f"declare ({tally[n]} points); declare them in its Output labels"
            )
        counts[name] = {str(i - offset): int(k) for i, k in enumerate(tally[:n]) if k}
    return values


def _tally(values: np.ndarray, offset: int, n: int) -> np.ndarray:
    """Points per code (shifted by ``offset``), and in a last slot those of no code."""
    codes = values.reshape(-1).astype(np.int64) + offset
    codes[(codes < 0) | (codes >= n)] = n
    return np.bincount(codes, minlength=n + 1)


def compute_block(block: tuple[int, ...], task: tuple[Plan, str, str]) -> dict:
    """Solve and write one block of ``task = (plan, store url, config digest)``; record
    (and return) its points, category counts and the size and checksum of every chunk it
    wrote."""
    plan, url, layout = task
    slices = dict(zip(plan.dims, plan.block_slices(block)))
    counts: dict[str, dict[str, int]] = {}
    chunks: dict[str, tuple[int, str]] = {}
    for dims, layouts in plan.groups().items():
        if not plan.writes(block, dims):
            continue
        names = tuple(o.name for o in layouts)
        region = tuple(slices[d] for d in dims)
        for output, values in zip(layouts, solve_block(plan, block, dims, names, counts)):
            key, entry = store.write_block(url, output.name, region, np.asarray(values), layout)
            chunks[key] = entry
    record = ledger.Record(points=plan.block_points(block), counts=counts, chunks=chunks)
    ledger.write(url, plan.block_id(block), record)
    return record.model_dump()
