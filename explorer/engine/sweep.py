"""The main job: a validated config, run into a zarr store, resumably."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata

from explorer.engine import integrity, ledger, ownership, store
from explorer.engine.blocks import compute_block, warm_kernels
from explorer.engine.config import SweepConfig
from explorer.engine.files import StoreError, normalize_url, size_bytes
from explorer.engine.labels import CONVENTIONS, output_attrs, parameter_attrs
from explorer.engine.ownership import State
from explorer.engine.plan import Plan, make_plan
from explorer.engine.run import Scheduler, connect, load_local_scheduler, run_tasks
from explorer.engine.stored import grid_of, recorded_config

log = logging.getLogger(__name__)
VERSIONED = ("coalition-explorer", "numpy", "numba", "xarray", "zarr", "dask", "distributed")


@dataclass
class Summary:
    url: str
    points: int
    computed_points: int
    seconds: float
    store_bytes: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    complete: bool = True
    compile_seconds: float = 0.0
    repaired: list[str] = field(default_factory=list)  # damage found and recomputed

    @property
    def points_per_s(self) -> float:
        return self.computed_points / self.seconds if self.seconds else float("nan")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        imported = getattr(sys.modules.get(name), "__version__", None)  # (reading metadata
        try:  # files takes milliseconds a package)
            found[name] = imported if isinstance(imported, str) else metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def prepare_store(
    config: SweepConfig, plan: Plan, url: str, resume: bool, overwrite: bool, verify: bool = False
) -> tuple[Plan, set[str], list[str]]:
    """Create the store, or check that it may be resumed. Returns the plan to follow (a
    resumed store keeps the blocks it was cut into, even by another version), the ids of
    blocks that are done, and the damage found (and left to be recomputed)."""
    found = ownership.state(url)
    if found is State.FOREIGN:
        raise ownership.not_ours(url)
    if found is not State.ABSENT and not (resume or overwrite):
        what = "already exists" if found is State.READY else "is an unfinished store"
        raise StoreError(f"{url} {what}; pass --resume to finish it or --overwrite to replace it")
    if found is State.READY and resume:
        attrs = store.read_attrs(url)
        _check_same_config(url, attrs, config)
        recorded = grid_of(url, attrs)
        if (recorded.dims, recorded.shape) == (plan.dims, plan.shape):
            plan = dataclasses.replace(plan, chunks=recorded.chunks)
        return plan, *_resumable_blocks(url, plan, verify)
    if found is State.ABSENT and resume:
        log.info("%s does not exist yet: starting a new sweep", url)
    spec = config.spec
    created, found = _now(), versions()
    made_by = f"coalition-explorer {found.get('coalition-explorer', '')}".strip()
    attrs = {
        "Conventions": CONVENTIONS,
        "title": config.description or f"{spec.title}: a sweep",
        "history": f"{created} explorer run ({made_by})",
        "model": spec.name,
        **dict(config.choices),
        "citation": spec.citation,
        "description": config.description,
        "config": config.model_dump(mode="json"),
        "config_hash": config.digest(),
        "grid": plan.grid.as_dict(),
        "n_blocks": math.prod(plan.n_blocks),
        "status": "incomplete",
        "created": created,
        "versions": found,
    }
    store.create(
        url,
        plan,
        config.codec,
        attrs,
        {o.name: output_attrs(spec, o.name) for o in plan.outputs},
        {name: parameter_attrs(spec, name) for name in [*plan.coords, *plan.fixed]},
    )
    return plan, set(), []


def _check_same_config(url: str, attrs: dict, config: SweepConfig) -> None:
    """Resuming needs the config that decides the stored numbers (its description aside)."""
    try:
        stored = recorded_config(url, attrs).digest()
    except StoreError:  # recorded by another version: compare the recorded hash
        stored = attrs.get("config_hash")
    if stored != config.digest():
        raise StoreError(
            f"{url} was made by a different config (hash {str(stored)[:12]}, this one "
            f"{config.digest()[:12]}); resume with the config that made it, or pass "
            "--overwrite to start over"
        )


def _resumable_blocks(url: str, plan: Plan, verify: bool) -> tuple[set[str], list[str]]:
    """Done blocks whose chunks are all there (and, with ``verify``, match their
    checksums); the rest, and records that are no record, are forgotten to be recomputed.
    Damaged coordinates are rewritten from the config."""
    store.remove_partial_writes(url)
    book = ledger.read(url, plan.grid)
    damage = integrity.check(url, plan.grid, book, checksums=verify)
    if damage.metadata:
        raise StoreError(
            f"{url}: metadata {damage.metadata[0]} is damaged; recompute the store with --overwrite"
        )
    ledger.remove(url, [*damage.blocks, *damage.unreadable])
    if damage.coordinates:
        store.rewrite_coordinates(url, plan, {key.split("/", 1)[0] for key in damage.coordinates})
    return book.done() - set(damage.blocks), damage.lines()


def run_sweep(
    config: SweepConfig,
    url: str | None = None,
    scheduler: Scheduler | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    verify: bool = False,
) -> Summary:
    """Run ``config`` into the store at ``url`` (default: the config's). An existing store
    is replaced only with ``overwrite``; ``resume`` computes the blocks it lacks (after
    checking its chunks' sizes, and with ``verify`` their checksums)."""
    url = normalize_url(url or config.store)
    plan = make_plan(config)
    scheduler = scheduler or Scheduler()
    with connect(scheduler) as client:  # an unreachable scheduler fails before any write
        plan, done, repaired = prepare_store(config, plan, url, resume, overwrite, verify)
        todo = [b for b in plan.blocks() if plan.block_id(b) not in done]
        todo_points = sum(plan.block_points(b) for b in todo)
        log.info(
            "%d of %d blocks to compute (%d points)", len(todo), len(done) + len(todo), todo_points
        )
        compile_start = time.perf_counter()
        if todo and client is None and scheduler.kind == "threads":
            warm_kernels(plan)  # once, here, rather than in racing worker threads
        compile_s = time.perf_counter() - compile_start
        if todo and client is None and not scheduler.remote:
            load_local_scheduler(scheduler)  # (start-up: not part of the block phase timed next)
        started, start = _now(), time.perf_counter()
        run_tasks(
            compute_block,
            todo,
            scheduler,
            shared=(plan, url, config.digest()),
            weight=plan.block_points,
            progress="solving" if progress else None,
            client=client,
        )
    seconds = time.perf_counter() - start
    summary = finish(url, plan, todo_points, seconds, started)
    summary.compile_seconds = compile_s
    summary.repaired = repaired
    return summary


def finish(url: str, plan: Plan, computed: int, seconds: float, started: str) -> Summary:
    records = ledger.read(url, plan.grid).records
    counts: dict[str, dict[str, int]] = {}
    for record in records.values():
        for name, by_code in record.counts.items():
            totals = counts.setdefault(name, {})
            for code, n in by_code.items():
                totals[code] = totals.get(code, 0) + n
    complete = len(records) == math.prod(plan.n_blocks)
    store.update_attrs(
        url,
        {
            "status": "complete" if complete else "incomplete",
            "run_started": started,
            "run_finished": _now(),
            "run_points": computed,
            "run_seconds": round(seconds, 3),
            "run_points_per_s": computed / seconds if seconds else None,
            "category_counts": counts,
        },
    )
    return Summary(url, plan.n_points, computed, seconds, size_bytes(url), counts, complete)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
