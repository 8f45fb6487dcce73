"""The main job: a validated config, run into a zarr store, resumably."""

from __future__ import annotations

import datetime as dt
import logging
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata

from explorer import store
from explorer.config import SweepConfig
from explorer.execute import Scheduler, run_blocks, warm_kernels
from explorer.labels import output_attrs
from explorer.models import get_model
from explorer.plan import Plan, make_plan

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

    @property
    def points_per_s(self) -> float:
        return self.computed_points / self.seconds if self.seconds else float("nan")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def prepare_store(config: SweepConfig, plan: Plan, url: str, resume: bool, overwrite: bool):
    """Create the store, or check that it may be resumed. Returns finished block ids."""
    if store.exists(url):
        if overwrite or (resume and store.interrupted_creation(url)):
            store.remove(url)
        elif resume:
            attrs = store.read_attrs(url)
            if attrs.get("config_hash") != config.digest():
                raise store.StoreError(
                    f"{url} was made by a different config (hash "
                    f"{str(attrs.get('config_hash'))[:12]}, this one {config.digest()[:12]}); "
                    "resume with the config that made it, or pass --overwrite to start over"
                )
            store.remove_partial_writes(url)
            return set(store.completed(url))
        else:
            raise store.StoreError(
                f"{url} already exists; pass --resume to finish it or --overwrite to replace it"
            )
    elif resume:
        log.info("%s does not exist yet: starting a new sweep", url)
    spec = get_model(config.model)
    attrs = {
        "model": config.model,
        "game": config.game,
        "rho_form": config.rho_form,
        "citation": spec.citation,
        "description": config.description,
        "config": config.model_dump(mode="json"),
        "config_hash": config.digest(),
        "n_blocks": len(list(plan.blocks())),
        "status": "incomplete",
        "created": _now(),
        "versions": versions(),
    }
    store.create(
        url, plan, config.codec, attrs, {o.name: output_attrs(spec, o.name) for o in plan.outputs}
    )
    return set()


def run_sweep(
    config: SweepConfig,
    url: str | None = None,
    scheduler: Scheduler | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> Summary:
    url = url or config.store
    plan = make_plan(config)
    done = prepare_store(config, plan, url, resume, overwrite)
    todo = [b for b in plan.blocks() if plan.block_id(b) not in done]
    todo_points = sum(plan.block_points(b) for b in todo)
    log.info(
        "%d of %d blocks to compute (%d points)", len(todo), len(done) + len(todo), todo_points
    )
    scheduler = scheduler or Scheduler()
    compile_start = time.perf_counter()
    local_threads = scheduler.kind == "threads" and not (
        scheduler.address or scheduler.scheduler_file
    )
    if todo and local_threads:
        warm_kernels(plan)  # once, here, rather than racing in worker threads
    compile_s = time.perf_counter() - compile_start
    started, start = _now(), time.perf_counter()
    bar = _progress_bar(todo_points, progress)
    try:
        run_blocks(plan, url, todo, scheduler, lambda r: bar.update(r["points"]))
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    summary = finish(url, plan, todo_points, seconds, started)
    summary.compile_seconds = compile_s
    return summary


def finish(url: str, plan: Plan, computed: int, seconds: float, started: str) -> Summary:
    records = store.completed(url)
    n_blocks = len(list(plan.blocks()))
    counts: dict[str, dict[str, int]] = {}
    for record in records.values():
        for name, by_code in record["counts"].items():
            totals = counts.setdefault(name, {})
            for code, n in by_code.items():
                totals[code] = totals.get(code, 0) + n
    complete = len(records) == n_blocks
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
    return Summary(url, plan.n_points, computed, seconds, store.size_bytes(url), counts, complete)


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="pt",
        unit_scale=True,
        disable=not enabled,
        smoothing=0.1,
        desc="solving",
        dynamic_ncols=True,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
