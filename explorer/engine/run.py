"""The one task runner: a function over many items on local dask threads or processes, or
on a dask distributed scheduler, with one progress bar and one way to stop.

Sweeps (a block each), streaming tallies, theory checks, region shares and sensitivity
designs all run through ``run_tasks``. Parallelism comes from dask alone, never from numba
inside a task; a distributed client is connected before anything is written, so a
scheduler that cannot be reached costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from explorer.engine.lasting import lasting_objects

log = logging.getLogger(__name__)
LOCAL_BATCH = 256  # tasks per local dask graph: bounds the graph, not the parallelism


@dataclass(frozen=True)
class Scheduler:
    """Where tasks run: local ``threads`` or ``processes``, or a dask distributed scheduler."""

    kind: str = "threads"
    workers: int | None = None
    address: str | None = None  # tcp://host:port of a running dask scheduler
    scheduler_file: str | None = None

    @property
    def remote(self) -> bool:
        return bool(self.address or self.scheduler_file)


class SchedulerError(ValueError):
    """A dask scheduler that cannot be reached; the message names it and what to check."""


@contextmanager
def connect(scheduler: Scheduler):
    """A distributed client for a scheduler given by address or file, open for the ``with``
    block, or None for local workers."""
    if not scheduler.remote:
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
        with open(path, encoding="utf-8") as f:
            address = json.load(f)["address"]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise SchedulerError(
            f"{path} is not a dask scheduler file (JSON with an 'address'); give the file "
            "that dask-mpi or dask-jobqueue wrote"
        ) from None
    return str(address)


def run_tasks(
    function: Callable,
    items: Iterable,
    scheduler: Scheduler | None = None,
    *,
    shared=None,
    on_result: Callable | None = None,
    weight: Callable = lambda item: 1,
    progress: str | None = None,
    client=None,
) -> None:
    """Call ``function(item, shared)`` for every item; ``on_result(item, result)`` as each
    finishes (in the caller's thread for local work). ``shared`` (a plan, say) goes to
    workers once, not once per task. ``progress`` labels a progress bar counting
    ``weight(item)`` units per finished item. ``client``: an already connected distributed
    client (see ``connect``); without one, a remote scheduler is connected here.

    Ctrl-C (KeyboardInterrupt) stops scheduling, cancels what a cluster still holds and
    propagates; every task finished by then has reported.
    """
    scheduler = scheduler or Scheduler()
    items = list(items)
    if not items:
        return
    on_result = on_result or (lambda item, result: None)
    bars = []  # shown once a scheduler is reached: a failed connection shows only its error

    def start_bar():
        bars.append(_progress_bar(sum(weight(i) for i in items), progress))

    def finished(item, result):
        on_result(item, result)
        bars[0].update(weight(item))

    try:
        if client is not None or scheduler.remote:
            with nullcontext(client) if client is not None else connect(scheduler) as connected:
                start_bar()
                _run_distributed(connected, function, items, shared, finished)
        else:
            start_bar()
            _run_local(scheduler, function, items, shared, finished)
    finally:
        for bar in bars:
            bar.close()


def load_local_scheduler(scheduler: Scheduler) -> None:
    """Import what a local run schedules and reports with (dask, tqdm): start-up, so a
    caller that times the run's tasks can do it before its clock starts."""
    with lasting_objects():
        import dask.callbacks  # noqa: F401
        import tqdm  # noqa: F401

        if scheduler.kind == "processes":
            import dask.multiprocessing  # noqa: F401
        else:
            import dask.threaded  # noqa: F401


def _run_local(scheduler: Scheduler, function, items, shared, finished) -> None:
    import dask
    from dask.callbacks import Callback

    keys: dict[str, object] = {}

    class _Report(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            if key in keys:
                finished(keys.pop(key), result)

    # The scheduler's function itself: naming it would make dask import distributed
    # (a third of a second) to look for a client.
    if scheduler.kind == "processes":
        from dask.multiprocessing import get
    else:
        from dask.threaded import get
    # One copy in each graph, however many tasks use it; never searched for dask
    # collections (it holds none, and walking a model's dataclasses took milliseconds).
    node = dask.delayed(shared, traverse=False)
    with _Report():
        for start in range(0, len(items), LOCAL_BATCH):
            tasks = []
            for item in items[start : start + LOCAL_BATCH]:
                task = dask.delayed(function, pure=False)(item, node)
                keys[task.key] = item
                tasks.append(task)
            dask.compute(*tasks, scheduler=get, num_workers=scheduler.workers)


def _run_distributed(client, function, items, shared, finished) -> None:
    from distributed import as_completed

    [shared_future] = client.scatter([shared], broadcast=True)
    futures = client.map(function, items, [shared_future] * len(items), pure=False)
    item_of = {future.key: item for future, item in zip(futures, items)}
    try:
        for future in as_completed(futures):
            finished(item_of[future.key], future.result())
            future.release()
    except KeyboardInterrupt:
        client.cancel(futures)
        raise


def _progress_bar(total: int, label: str | None):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="pt",
        unit_scale=True,
        disable=label is None,
        smoothing=0.1,
        desc=label,
        dynamic_ncols=True,
    )
