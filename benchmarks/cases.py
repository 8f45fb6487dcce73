"""Every way to solve a grid, as benchmark cases: one definition that the asv suite
(``benchmarks/suite.py``) and ``explorer bench`` both run.

A case is prepared for a number of points (``prepare(points, context)`` does the setup,
compiles what it needs and returns a ``Prepared`` whose ``run`` is what gets timed). All
cases solve the same workload: the paper's six outputs of the revisionist game over an
alpha x theta x beta x q grid, the other parameters at the paper's Figure 2 values.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import psutil
from numba import njit, prange

from benchmarks.numpy_baseline import OUTPUTS, solve_numpy
from explorer.config import SweepConfig, parse_config
from explorer.execute import Scheduler, solve_block
from explorer.machine import usable_cores
from explorer.plan import make_plan
from explorer.presets import FIGURE2
from kernels.coalition import GAMES, build_grid_kernel, build_kernel
from kernels.coalition import OUTPUTS as OUTPUT_SPECS

GAME = "revisionist"
AXES = ("alpha", "theta", "beta", "q")
RANGES = {"alpha": (0.05, 0.95), "theta": (0.001, 0.999), "beta": (0.0, 1.0), "q": (0.0, 1.0)}
FIXED = {p: FIGURE2[p] for p in GAMES[GAME] if p not in AXES}
BYTES_PER_POINT = sum(np.dtype(o.dtype).itemsize for o in OUTPUT_SPECS if o.name in OUTPUTS)


class Skip(Exception):
    """This case cannot run here at this size; the message says why."""


@dataclass
class Prepared:
    run: Callable[[], object]
    points: int
    cleanup: Callable[[], None] = lambda: None
    # Output bytes produced per grid point: less than BYTES_PER_POINT where the engine
    # stores an output only over the parameters it depends on.
    bytes_per_point: float = BYTES_PER_POINT


@dataclass(frozen=True)
class Case:
    name: str
    prepare: Callable[[int, Context], Prepared]
    writes_outputs: bool = True  # produces the outputs' bytes, so the fill limit applies
    sample: int | None = None  # solves only this many points and extrapolates the rate
    note: str = ""


@dataclass
class Context:
    """What cases share within one benchmark run: workers, a scratch folder, a cluster."""

    workers: int = field(default_factory=usable_cores)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))
    _cluster: object = None

    def cluster_address(self) -> str:
        """A distributed LocalCluster with one single-threaded worker process per core."""
        from distributed import LocalCluster

        if self._cluster is None:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
        return self._cluster.scheduler_address

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        shutil.rmtree(self.folder, ignore_errors=True)


def grid_sides(points: int) -> tuple[int, ...]:
    side = max(2, round(points ** (1 / len(AXES))))
    return (side,) * len(AXES)


def grid_axes(points: int) -> list[np.ndarray]:
    return [np.linspace(*RANGES[a], n) for a, n in zip(AXES, grid_sides(points))]


def grid_config(points: int, store: str = "bench.zarr") -> SweepConfig:
    sides = grid_sides(points)
    return parse_config(
        {
            "game": GAME,
            "fixed": FIXED,
            "axes": {a: {"linspace": [*RANGES[a], n]} for a, n in zip(AXES, sides)},
            "outputs": list(OUTPUTS),
            "store": store,
            "allow_large": True,
        },
        source="benchmark grid",
    )


def _allocate(shape) -> list[np.ndarray]:
    dtypes = {o.name: o.dtype for o in OUTPUT_SPECS}
    outs = [np.empty(shape, dtype=dtypes[o]) for o in OUTPUTS]
    for out in outs:
        out.fill(0)  # touch every page now, so no timing pays for page faults
    return outs


def _fits_in_memory(points: int, bytes_per_point: float) -> None:
    need = points * bytes_per_point
    free = psutil.virtual_memory().available
    if need > 0.6 * free:
        raise Skip(f"needs {need / 2**30:.1f} GiB in memory, {free / 2**30:.1f} GiB free")


def _grid_kernel_case(parallel: bool):
    def prepare(points: int, context: Context) -> Prepared:
        _fits_in_memory(points, BYTES_PER_POINT)
        axes = grid_axes(points)
        outs = _allocate(tuple(a.size for a in axes))
        kernel = build_grid_kernel(GAME, "linear", AXES, OUTPUTS, parallel)
        if parallel:
            numba.set_num_threads(min(context.workers, numba.config.NUMBA_NUM_THREADS))
        fixed = list(FIXED.values())
        return Prepared(lambda: kernel(*axes, *fixed, *outs), math.prod(a.size for a in axes))

    return prepare


@njit(parallel=True, nogil=True)
def _fill(flat, value):
    for i in prange(flat.shape[0]):
        flat[i] = value


def prepare_fill(points: int, context: Context) -> Prepared:
    """Writing the outputs' bytes with every core: the memory-write limit."""
    _fits_in_memory(points, BYTES_PER_POINT)
    outs = [o.reshape(-1).view(np.uint8) for o in _allocate(grid_sides(points))]
    return Prepared(lambda: [_fill(o, 1) for o in outs], math.prod(grid_sides(points)))


def prepare_engine_in_memory(points: int, context: Context) -> Prepared:
    """The engine's dask tasks and block kernels, results dropped: dask's own cost."""
    import dask

    plan = make_plan(grid_config(points))

    def solve(block):
        for dims, layouts in plan.groups().items():
            if plan.writes(block, dims):
                solve_block(plan, block, dims, tuple(o.name for o in layouts))

    tasks = [dask.delayed(solve, pure=False)(b) for b in plan.blocks()]
    return Prepared(
        lambda: dask.compute(*tasks, scheduler="threads", num_workers=context.workers),
        plan.n_points,
        bytes_per_point=stored_bytes_per_point(plan),
    )


def stored_bytes_per_point(plan) -> float:
    """Bytes of every output over its own dimensions, per point of the full grid."""
    total = sum(
        np.dtype(o.dtype).itemsize * math.prod(len(plan.coords[d]) for d in o.dims)
        for o in plan.outputs
    )
    return total / plan.n_points


def _store_case(distributed: bool):
    def prepare(points: int, context: Context) -> Prepared:
        from explorer.sweep import run_sweep

        url = str(context.folder / "run.zarr")
        config = grid_config(points, url)
        if distributed:
            scheduler = Scheduler(address=context.cluster_address())
        else:
            scheduler = Scheduler("threads", workers=context.workers)

        def run():
            shutil.rmtree(url, ignore_errors=True)
            run_sweep(config, url, scheduler, progress=False)

        return Prepared(
            run,
            config.n_points(),
            lambda: shutil.rmtree(url, ignore_errors=True),
            stored_bytes_per_point(make_plan(config)),
        )

    return prepare


def prepare_tally(points: int, context: Context) -> Prepared:
    from explorer.reduce import tally_plan

    plan = make_plan(grid_config(points))
    scheduler = Scheduler("threads", workers=context.workers)
    return Prepared(lambda: tally_plan(plan, scheduler), plan.n_points)


def prepare_numpy(points: int, context: Context) -> Prepared:
    _fits_in_memory(points, 80)  # outputs and full-grid temporaries: about 50 B/point measured
    axes = grid_axes(points)
    shaped = {
        a: v.reshape([-1 if i == j else 1 for j in range(len(AXES))])
        for i, (a, v) in enumerate(zip(AXES, axes))
    }
    kwargs = {p: shaped.get(p, FIXED.get(p)) for p in GAMES[GAME]}
    return Prepared(lambda: solve_numpy(**kwargs), math.prod(a.size for a in axes))


def grid_sample(points: int, n: int, seed: int = 0) -> list[dict]:
    """``n`` points drawn from the benchmark grid, as parameter dicts."""
    rng = np.random.default_rng(seed)
    axes = grid_axes(points)
    return [{**FIXED, **{a: float(rng.choice(v)) for a, v in zip(AXES, axes)}} for _ in range(n)]


def prepare_python(points: int, context: Context) -> Prepared:
    from kernels.reference import solve_reference

    sample = grid_sample(points, PYTHON_SAMPLE)
    return Prepared(lambda: [solve_reference(GAME, "linear", p) for p in sample], len(sample))


def prepare_gambit(points: int, context: Context) -> Prepared:
    from benchmarks.gambit_baseline import gambit_outcome  # imports pygambit lazily

    try:
        import pygambit  # noqa: F401
    except ImportError:
        raise Skip("pygambit is not installed; pip install '.[gambit]'") from None
    sample = grid_sample(points, GAMBIT_SAMPLE, seed=1)
    check_gambit_agrees(sample, gambit_outcome)
    return Prepared(lambda: [gambit_outcome(p, GAME) for p in sample], len(sample))


def check_gambit_agrees(sample: list[dict], gambit_outcome) -> None:
    """A baseline that solves a different game would make its speed meaningless."""
    with np.errstate(all="ignore"):
        kernel = build_kernel(GAME, "linear", ("outcome",), False)
        for p in sample:
            expected = int(kernel(*(p[q] for q in GAMES[GAME])))
            if expected >= 0 and gambit_outcome(p, GAME) != expected:
                raise AssertionError(f"pygambit and the kernel disagree at {p}")


def prepare_cuda(points: int, context: Context) -> Prepared:
    from kernels.cuda import cuda_unavailable_reason, grid_runner

    reason = cuda_unavailable_reason()
    if reason:
        raise Skip(reason)
    _fits_in_memory(points, BYTES_PER_POINT)
    run = grid_runner(GAME, "linear", AXES, OUTPUTS, grid_axes(points), list(FIXED.values()))
    return Prepared(run, math.prod(grid_sides(points)))


PYTHON_SAMPLE = 2000
GAMBIT_SAMPLE = 10

FILL = Case(
    "memory-write limit (fill of the same bytes, all cores)",
    prepare_fill,
    note="numba prange fill of the outputs' bytes; the physical ceiling for a full result",
)
CASES = (
    Case("numba grid kernel, 1 thread", _grid_kernel_case(False)),
    Case("numba grid kernel, all cores", _grid_kernel_case(True)),
    Case("dask engine, threads, results dropped", prepare_engine_in_memory),
    Case("explorer run to zarr, dask threads", _store_case(False)),
    Case("explorer run to zarr, distributed LocalCluster", _store_case(True)),
    Case(
        "streaming tally, dask threads, no store",
        prepare_tally,
        writes_outputs=False,
        note="outcome x paper agreement x flags counts; no output is kept",
    ),
    Case("numba.cuda grid kernel", prepare_cuda),
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
BASELINE = "numpy broadcasting, 1 thread"


def by_name(name: str) -> Case:
    for case in (FILL, *CASES):
        if case.name == name:
            return case
    raise KeyError(name)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
