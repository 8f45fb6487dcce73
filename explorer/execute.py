"""Run a plan's blocks with dask: one call site for the kernels, one write per block.

Each task solves one block with a serial (GIL-free) kernel, writes whole chunks of every
output it owns, then records the block in the store's ledger. Parallelism comes from dask
alone (threads, processes or a distributed cluster), never from numba inside a task.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np

from explorer import ledger, store
from explorer.models import get_model
from explorer.plan import Plan
from kernels.numerics import count_codes

log = logging.getLogger(__name__)
compile_lock = threading.Lock()  # numba's compiler is not thread-safe


@dataclass(frozen=True)
class Scheduler:
    """Where tasks run: local ``threads`` or ``processes``, or a dask distributed scheduler."""

    kind: str = "threads"
    workers: int | None = None
    address: str | None = None  # tcp://host:port of a running dask scheduler
    scheduler_file: str | None = None


class SchedulerError(ValueError):
    """A dask scheduler that cannot be reached; the message names it and what to check."""


@contextmanager
def connect(scheduler: Scheduler):
    """A distributed client for a scheduler given by address or file, open for the ``with``
    block, or None for local workers. Connecting comes first, so a scheduler that cannot
    be reached is reported before anything is written."""
    if not (scheduler.address or scheduler.scheduler_file):
        yield None
        return
    from distributed import Client

    where = scheduler.address or _scheduler_file_address(scheduler.scheduler_file)
    _check_reachable(where)  # a Client that fails to connect can hang when collected
    try:
        client = Client(where)
    except Exception as err:  # distributed raises OSError, ValueError, TimeoutError...
        reason = " ".join(str(err).split()) or type(err).__name__
        raise SchedulerError(
            f"cannot reach the dask scheduler at {where!r} ({reason}); start it, or give "
            "its address as tcp://HOST:PORT"
        ) from None
    with client:
        log.info("computing on dask scheduler %s", client.scheduler.address)
        yield client


def _check_reachable(address: str) -> None:
    """A clear error, before any Client exists, for an address that is malformed or that
    nothing answers at."""
    import socket

    import dask
    from dask.utils import parse_timedelta
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("inproc", "ucx"):  # no socket to try: the Client will tell
            return
        if scheme not in ("tcp", "tls", "ws", "wss"):
            raise ValueError(f"unknown address scheme {scheme!r}")
        host, port = parse_host_port(location)
    except ValueError as err:
        raise SchedulerError(
            f"{address!r} is not a dask scheduler address ({err}); give it as tcp://HOST:PORT"
        ) from None
    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as err:
        raise SchedulerError(
            f"cannot reach the dask scheduler at {address!r} ({err.strerror or err}); start "
            "it, or give its address as tcp://HOST:PORT"
        ) from None


def _scheduler_file_address(path: str) -> str:
    import json

    try:
        address = json.loads(open(path, encoding="utf-8").read())["address"]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise SchedulerError(
            f"{path} is not a dask scheduler file (JSON with an 'address'); give the file "
            "that dask-mpi or dask-jobqueue wrote"
        ) from None
    return str(address)


@contextmanager
def computing(scheduler: Scheduler):
    """A function computing a list of dask delayed objects on ``scheduler``; a distributed
    client, if any, stays open for the ``with`` block rather than per call."""
    import dask

    with connect(scheduler) as client:
        if client is not None:
            yield lambda tasks: client.compute(list(tasks), sync=True)
            return
        yield lambda tasks: list(
            dask.compute(*tasks, scheduler=scheduler.kind, num_workers=scheduler.workers)
        )


def kernel_for(plan: Plan, dims: tuple[str, ...], outputs: tuple[str, ...]):
    """The compiled kernel for one output group, compiled once per process under a lock
    (numba's compiler is not safe to enter from several threads at once)."""
    spec = get_model(plan.model)
    with compile_lock:
        if plan.sampled or not dims:
            return spec.build_kernel(plan.game, plan.rho_form, outputs, False)
        return spec.build_grid_kernel(plan.game, plan.rho_form, dims, outputs, False)


def warm_kernels(plan: Plan) -> None:
    for dims, layouts in plan.groups().items():
        kernel_for(plan, dims, tuple(o.name for o in layouts))


def solve_block(plan: Plan, block: tuple[int, ...], dims: tuple[str, ...], outputs) -> list:
    """One output group's values over this block's part of ``dims``."""
    spec = get_model(plan.model)
    params = spec.parameters_of(plan.game)
    slices = dict(zip(plan.dims, plan.block_slices(block)))
    kernel = kernel_for(plan, dims, outputs)
    if plan.sampled or not dims:
        cut = slices.get(plan.dims[0], slice(0, 1))
        args = [plan.coords[p][cut] if p in plan.coords else plan.fixed[p] for p in params]
        if not dims:  # depends on no swept parameter: any point gives its value
            args = [a[0] if isinstance(a, np.ndarray) else a for a in args]
        with np.errstate(all="ignore"):  # flags from speculatively evaluated branches
            values = kernel(*args)
        return list(values) if isinstance(values, tuple) else [values]
    axes = [plan.coords[d][slices[d]] for d in dims]
    # Swept parameters this group does not depend on: any of their values will do.
    fixed = [
        plan.fixed[p] if p in plan.fixed else float(plan.coords[p][slices[p].start])
        for p in params
        if p not in dims
    ]
    shape = tuple(len(a) for a in axes)
    outs = [np.empty(shape, dtype=spec.output(o).dtype) for o in outputs]
    kernel(*axes, *fixed, *outs)
    return outs


def compute_block(block: tuple[int, ...], plan: Plan, url: str) -> dict:
    """Solve and write one block; record (and return) its points, category counts and
    the size and checksum of every chunk it wrote."""
    spec = get_model(plan.model)
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
            labels = spec.output(layout.name).labels
            if labels and dims == plan.dims:
                lowest = min(labels)
                tally = count_codes(values.reshape(-1), lowest, max(labels) - lowest + 1)
                counts[layout.name] = {str(lowest + i): int(n) for i, n in enumerate(tally) if n}
    record = ledger.Record(points=plan.block_points(block), counts=counts, chunks=chunks)
    ledger.write(url, plan.block_id(block), record)
    return record.model_dump()


def run_blocks(plan: Plan, url: str, blocks: list, scheduler: Scheduler, on_done, client=None):
    """Run ``compute_block`` for every block; ``on_done(record)`` after each finishes.
    ``client``: a connected distributed client (see ``connect``), or None for local work."""
    if not blocks:
        return
    if client is not None:
        from distributed import as_completed

        [plan_future] = client.scatter([plan], broadcast=True)
        futures = client.map(partial(compute_block, url=url), blocks, plan=plan_future, pure=False)
        for future in as_completed(futures):
            on_done(future.result())
        return
    import dask
    from dask.callbacks import Callback

    class _Progress(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            if isinstance(result, dict) and "points" in result:
                on_done(result)

    task = dask.delayed(compute_block, pure=False)
    plan_node = dask.delayed(plan)
    tasks = [task(block, plan_node, url) for block in blocks]
    with _Progress():
        dask.compute(*tasks, scheduler=scheduler.kind, num_workers=scheduler.workers)
