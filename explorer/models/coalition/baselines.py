"""The ways a researcher would solve the paper's game without this tool, as benchmark
cases beside the engine's (``explorer bench``): numpy broadcasting, the plain-Python
reference solver, and pygambit (the field's standard game solver, optional)."""

from __future__ import annotations

import math

import numpy as np

from explorer.bench.cases import Case, Context, Prepared, Skip, fits_in_memory, grid_axes
from explorer.models.coalition.numpy_baseline import solve_numpy
from kernels.reference import solve_reference

PYTHON_SAMPLE = 2000
GAMBIT_SAMPLE = 10


def prepare_numpy(points: int, context: Context) -> Prepared:
    fits_in_memory(points, 80)  # outputs and full-grid temporaries: about 50 B/point measured
    axes = grid_axes(points, context)
    names = context.axes
    shaped = {
        a: v.reshape([-1 if i == j else 1 for j in range(len(names))])
        for i, (a, v) in enumerate(zip(names, axes))
    }
    fixed = context.workload.fixed
    kwargs = {p: shaped.get(p, fixed.get(p)) for p in context.model.parameter_names}
    outputs = context.workload.outputs
    return Prepared(lambda: solve_numpy(**kwargs, outputs=outputs), math.prod(a.size for a in axes))


def grid_sample(points: int, n: int, context: Context, seed: int = 0) -> list[dict]:
    """``n`` points drawn from the benchmark grid, as parameter dicts."""
    rng = np.random.default_rng(seed)
    axes = grid_axes(points, context)
    fixed = dict(context.workload.fixed)
    return [
        {**fixed, **{a: float(rng.choice(v)) for a, v in zip(context.axes, axes)}} for _ in range(n)
    ]


def prepare_python(points: int, context: Context) -> Prepared:
    choices = dict(context.choices)
    sample = grid_sample(points, PYTHON_SAMPLE, context)
    game, form = choices["game"], choices["rho_form"]
    return Prepared(lambda: [solve_reference(game, form, p) for p in sample], len(sample))


def prepare_gambit(points: int, context: Context) -> Prepared:
    from explorer.models.coalition.gambit_baseline import gambit_outcome  # pygambit lazily

    try:
        import pygambit  # noqa: F401
    except ImportError:
        raise Skip("pygambit is not installed; pip install '.[gambit]'") from None
    game = dict(context.choices)["game"]
    sample = grid_sample(points, GAMBIT_SAMPLE, context, seed=1)
    check_gambit_agrees(sample, gambit_outcome, context)
    return Prepared(lambda: [gambit_outcome(p, game) for p in sample], len(sample))


def check_gambit_agrees(sample: list[dict], gambit_outcome, context: Context) -> None:
    """A baseline that solves a different game would make its speed meaningless."""
    game = dict(context.choices)["game"]
    taken = context.model.parameters_of(context.choices)
    with np.errstate(all="ignore"):
        kernel = context.model.gufunc(context.choices, ("outcome",))
        for p in sample:
            expected = int(kernel(*(p[q] for q in taken)))
            if expected >= 0 and gambit_outcome(p, game) != expected:
                raise AssertionError(f"pygambit and the kernel disagree at {p}")


CASES = (
    Case("numpy broadcasting, 1 thread", prepare_numpy),
    Case(
        "pure Python (reference solver)",
        prepare_python,
        sample=PYTHON_SAMPLE,
        note="backward induction in plain Python, all outputs",
    ),
    Case(
        "pygambit, one tree per point",
        prepare_gambit,
        sample=GAMBIT_SAMPLE,
        note="extensive-form tree + enumpure_agent_solve; outcome only",
    ),
)
