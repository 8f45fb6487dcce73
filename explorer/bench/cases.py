"""Every way to solve a grid, as benchmark cases: one definition that the asv suite
(``benchmarks/suite.py``) and ``explorer bench`` both run.

A case is prepared for a number of points (``prepare(points, context)`` does the setup,
compiles what it needs and returns a ``Prepared`` whose ``run`` is what gets timed). All
cases solve the same workload, which the model declares (``Workload``): some of its
outputs over a grid of some of its parameters. The model may add cases of its own: the
ways a researcher would solve it otherwise (``Model.baselines``).
"""

from __future__ import annotations

import importlib
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

from explorer.bench.machine import usable_cores
from explorer.engine.blocks import solve_block
from explorer.engine.config import SweepConfig, parse_config
from explorer.engine.plan import make_plan
from explorer.engine.run import Scheduler
from explorer.models import default_model
from explorer.models.declaration import Model

BASELINE = "numpy broadcasting, 1 thread"  # the "x numpy" ratios divide by this case


class Skip(Exception):
    """This case cannot run here at this size; the message says why."""


@dataclass
class Prepared:
    run: Callable[[], object]
    points: int
    cleanup: Callable[[], None] = lambda: None
    # Output bytes produced per grid point, where less than the workload's full outputs
    # (the engine stores an output only over the parameters it depends on).
    bytes_per_point: float | None = None


@dataclass(frozen=True)
class Case:
    name: str
    prepare: Callable[[int, Context], Prepared]
    writes_outputs: bool = True  # produces the outputs' bytes, so the fill limit applies
    sample: int | None = None  # solves only this many points and extrapolates the rate
    note: str = ""


@dataclass
class Context:
    """What cases share within one benchmark run: the model, workers, a scratch folder and
    a cluster."""

    workers: int = field(default_factory=usable_cores)
    model: Model = field(default_factory=default_model)
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

    @property
    def workload(self):
        if self.model.workload is None:
            raise Skip(f"the {self.model.name} model declares no benchmark workload")
        return self.model.workload

    @property
    def choices(self):
        return self.model.choices(self.workload.choices)

    @property
    def axes(self) -> tuple[str, ...]:
        return tuple(self.workload.ranges)

    @property
    def fixed(self) -> list[float]:
        """The other parameters' values, in model order (as the loops take them)."""
        taken = self.model.parameters_of(self.choices)
        return [self.workload.fixed[p] for p in taken if p not in self.workload.ranges]

    @property
    def bytes_per_point(self) -> int:
        return bytes_per_point(self.model)


def bytes_per_point(model: Model) -> int:
    """Bytes of the workload's outputs per point of the full grid."""
    if model.workload is None:
        return 0
    return sum(np.dtype(model.output(o).dtype).itemsize for o in model.workload.outputs)


def grid_sides(points: int, context: Context) -> tuple[int, ...]:
    side = max(2, round(points ** (1 / len(context.axes))))
    return (side,) * len(context.axes)


def grid_axes(points: int, context: Context) -> list[np.ndarray]:
    ranges = context.workload.ranges
    return [np.linspace(*ranges[a], n) for a, n in zip(context.axes, grid_sides(points, context))]


def grid_config(points: int, context: Context, store: str = "bench.zarr") -> SweepConfig:
    workload = context.workload
    sides = grid_sides(points, context)
    return parse_config(
        {
            "model": context.model.name,
            **dict(context.choices),
            "fixed": dict(workload.fixed),
            "axes": {
                a: {"linspace": [*workload.ranges[a], n]} for a, n in zip(context.axes, sides)
            },
            "outputs": list(workload.outputs),
            "store": store,
            "allow_large": True,
        },
        source="benchmark grid",
    )


def allocate(shape, context: Context) -> list[np.ndarray]:
    """The workload's outputs, every page touched now so no timing pays for page faults."""
    outs = [np.empty(shape, dtype=context.model.output(o).dtype) for o in context.workload.outputs]
    for out in outs:
        out.fill(0)
    return outs


def fits_in_memory(points: int, bytes_per_point: float) -> None:
    need = points * bytes_per_point
    free = psutil.virtual_memory().available
    if need > 0.6 * free:
        raise Skip(f"needs {need / 2**30:.1f} GiB in memory, {free / 2**30:.1f} GiB free")


def _grid_kernel_case(parallel: bool):
    def prepare(points: int, context: Context) -> Prepared:
        fits_in_memory(points, context.bytes_per_point)
        axes = grid_axes(points, context)
        outs = allocate(tuple(a.size for a in axes), context)
        model, outputs = context.model, context.workload.outputs
        kernel = model.grid_loop(context.choices, context.axes, outputs, parallel)
        if parallel:
            numba.set_num_threads(min(context.workers, numba.config.NUMBA_NUM_THREADS))
        fixed = context.fixed
        return Prepared(lambda: kernel(*axes, *fixed, *outs), math.prod(a.size for a in axes))

    return prepare


@njit(parallel=True, nogil=True)
def _fill(flat, value):
    for i in prange(flat.shape[0]):
        flat[i] = value


@njit(nogil=True)
def _fill_serial(flat, value):
    for i in range(flat.shape[0]):
        flat[i] = value


def prepare_fill(points: int, context: Context) -> Prepared:
    """Writing the outputs' bytes as fast as this machine can: the faster of a serial and
    a parallel fill (threads cost more than they give on small outputs), so no kernel
    writing the same bytes can honestly beat it."""
    fits_in_memory(points, context.bytes_per_point)
    sides = grid_sides(points, context)
    outs = [o.reshape(-1).view(np.uint8) for o in allocate(sides, context)]
    fills = [lambda f=f: [f(o, 1) for o in outs] for f in (_fill_serial, _fill)]
    for fill in fills:
        fill()  # compiled and the pages touched before either is timed
    fastest = min(fills, key=lambda fill: min(timed(fill) for _ in range(3)))
    return Prepared(fastest, math.prod(sides))


def prepare_engine_in_memory(points: int, context: Context) -> Prepared:
    """The engine's dask tasks and block kernels, results dropped: dask's own cost."""
    import dask

    plan = make_plan(grid_config(points, context))

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
        from explorer.engine.sweep import run_sweep

        url = str(context.folder / "run.zarr")
        config = grid_config(points, context, url)
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
    from explorer.analysis.tally import tally_plan

    if context.model.tally is None:
        raise Skip(f"the {context.model.name} model declares no tally")
    plan = make_plan(grid_config(points, context))
    scheduler = Scheduler("threads", workers=context.workers)
    return Prepared(lambda: tally_plan(plan, scheduler), plan.n_points)


def prepare_cuda(points: int, context: Context) -> Prepared:
    from kernels.loops import cuda_unavailable_reason

    reason = cuda_unavailable_reason()
    if reason:
        raise Skip(reason)
    fits_in_memory(points, context.bytes_per_point)
    return Prepared(
        cuda_runner(grid_axes(points, context), context), math.prod(grid_sides(points, context))
    )


def cuda_runner(axis_values, context: Context):
    """A callable that solves the grid on the GPU and waits for it; outputs stay on the
    device (copying them back is a separate cost, over PCIe)."""
    from numba import cuda

    model, outputs = context.model, context.workload.outputs
    kernel = model.cuda_grid(context.choices, context.axes, outputs)
    points = math.prod(len(v) for v in axis_values)
    device_axes = [cuda.to_device(np.ascontiguousarray(v, dtype=np.float64)) for v in axis_values]
    outs = [cuda.device_array(points, dtype=model.output(o).dtype) for o in outputs]
    blocks = (points + 255) // 256
    fixed = context.fixed

    def run():
        kernel[blocks, 256](*device_axes, *fixed, *outs)
        cuda.synchronize()
        return outs

    return run


FILL = Case(
    "memory-write limit (fill of the same bytes)",
    prepare_fill,
    note="the faster of a serial and a prange numba fill of the outputs' bytes: the "
    "ceiling for a method that produces them",
)
ENGINE_CASES = (
    Case("numba grid kernel, 1 thread", _grid_kernel_case(False)),
    Case("numba grid kernel, all cores", _grid_kernel_case(True)),
    Case("dask engine, threads, results dropped", prepare_engine_in_memory),
    Case("explorer run to zarr, dask threads", _store_case(False)),
    Case("explorer run to zarr, distributed LocalCluster", _store_case(True)),
    Case(
        "streaming tally, dask threads, no store",
        prepare_tally,
        writes_outputs=False,
        note="the model's joint counts of coded outputs; no output is kept",
    ),
    Case("numba.cuda grid kernel", prepare_cuda),
)


def baselines(model: Model) -> tuple[Case, ...]:
    """The model's own cases (``Model.baselines``, a "module:attribute" path)."""
    if not model.baselines:
        return ()
    module, attribute = model.baselines.split(":")
    return tuple(getattr(importlib.import_module(module), attribute))


CASES = ENGINE_CASES + baselines(default_model())


def by_name(name: str) -> Case:
    for case in (FILL, *CASES):
        if case.name == name:
            return case
    raise KeyError(name)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
