"""End-to-end sweep speed: kernel alone vs `explorer run` vs the naive xarray/dask/zarr way.

Run: ``python -m benchmarks.bench_sweep [--config configs/default.toml] [--repeat 5]``.
Methods take turns, ``--repeat`` times, in one process; rates are medians with min-max.
Compile time is excluded everywhere (kernels are warm); `explorer run` is its block phase.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

from explorer.engine.blocks import warm_kernels
from explorer.engine.config import SweepConfig, load_config
from explorer.engine.plan import make_plan
from explorer.engine.run import Scheduler
from explorer.engine.sweep import run_sweep

NAIVE = "naive apply_ufunc + dask + to_zarr"
RSS_SCRIPT = """
import json, resource, sys
from explorer.engine.config import parse_config
from explorer.engine.run import Scheduler
from explorer.engine.sweep import run_sweep
config = parse_config(json.loads(sys.argv[1]))
s = run_sweep(config, sys.argv[2], Scheduler("threads"), progress=False)
print(s.points, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure_peak_rss(raw_config: dict, url: str) -> tuple[int, int]:
    """(points, peak RSS in KiB) of a sweep run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, json.dumps(raw_config), url],
        capture_output=True,
        text=True,
        check=True,
    )
    points, rss = map(int, done.stdout.split())
    return points, rss


def kernel_alone(config: SweepConfig) -> float:
    """Seconds to compute every stored output over its dimensions, 2 numba threads, no I/O."""
    plan = make_plan(config)
    params = plan.model.parameters_of(plan.choices)
    jobs = []
    for dims, layouts in plan.groups().items():
        names = tuple(o.name for o in layouts)
        kernel = plan.model.grid_loop(plan.choices, dims, names, True)
        shape = tuple(len(plan.coords[d]) for d in dims)
        outs = [np.empty(shape, dtype=o.dtype) for o in layouts]
        for out in outs:
            out.fill(0)  # page faults outside the timing, as the engine reuses nothing either
        fixed = [
            plan.fixed.get(p, float(plan.coords.get(p, [0.0])[0])) for p in params if p not in dims
        ]
        args = [plan.coords[d] for d in dims] + fixed + outs
        kernel(*args)
        jobs.append((kernel, args))
    start = time.perf_counter()
    for kernel, args in jobs:
        kernel(*args)
    return time.perf_counter() - start


def explorer_run(config: SweepConfig, folder: Path, **changes) -> tuple[float, int]:
    config = config.model_copy(update=changes)
    url = str(folder / "run.zarr")
    shutil.rmtree(url, ignore_errors=True)
    summary = run_sweep(config, url, Scheduler("threads"), progress=False)
    return summary.seconds, summary.store_bytes


def naive(config: SweepConfig, folder: Path) -> float:
    """What most users would write: broadcast DataArrays, apply_ufunc on dask, to_zarr."""
    import xarray as xr

    plan = make_plan(config)
    names = config.output_names()
    kernel = plan.model.gufunc(plan.choices, names, False)
    chunks = dict(zip(plan.dims, plan.chunks))
    args = []
    for p in plan.model.parameters_of(plan.choices):
        if p in plan.coords:
            args.append(
                xr.DataArray(plan.coords[p], dims=p, coords={p: plan.coords[p]}).chunk(
                    {p: chunks[p]}
                )
            )
        else:
            args.append(plan.fixed[p])
    results = xr.apply_ufunc(
        kernel,
        *args,
        dask="parallelized",
        output_core_dims=[()] * len(names),
        output_dtypes=[plan.model.output(n).dtype for n in names],
    )
    ds = xr.Dataset(dict(zip(names, results)))
    url = folder / "naive.zarr"
    shutil.rmtree(url, ignore_errors=True)
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        ds.to_zarr(url, mode="w")
    return time.perf_counter() - start


def peak_rss(config_path: Path, folder: Path, scale_axis: str, factor: int) -> dict:
    """Peak RSS (KiB) of `explorer run` on the config and on it with one axis ``factor``x."""
    config = load_config(config_path)
    axis = config.axes[scale_axis]
    start, stop, num = axis.linspace
    bigger = config.model_copy(
        update={
            "axes": {
                **config.axes,
                scale_axis: axis.model_copy(update={"linspace": (start, stop, num * factor)}),
            },
            "allow_large": True,
        }
    )
    out = {}
    for label, cfg in (("base", config), ("scaled", bigger)):
        raw = cfg.model_dump(mode="json", exclude_none=True)
        points, rss = measure_peak_rss(raw, str(folder / f"{label}.zarr"))
        out[label] = {"points": points, "peak_rss_mib": rss / 1024}
        shutil.rmtree(folder / f"{label}.zarr", ignore_errors=True)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/default.toml")
    parser.add_argument("--codecs", default="blosc-lz4,blosc-zstd,zstd,none")
    parser.add_argument("--chunk-mib", default="8,32,128")
    parser.add_argument("--rss-axis", default="q", help="axis scaled for the memory check")
    parser.add_argument("--rss-factor", type=int, default=10)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each method")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    config = load_config(args.config)
    points = config.n_points()
    warm_kernels(make_plan(config))
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        folder = Path(tmp)
        methods = {"kernel alone (2 numba threads, no store)": lambda: (kernel_alone(config), None)}
        for codec in args.codecs.split(","):
            for mib in map(float, args.chunk_mib.split(",")):
                methods[f"explorer run, {codec}, {mib:g} MiB chunks"] = partial(
                    explorer_run, config, folder, codec=codec, chunk_mib=mib, chunk_points=None
                )
        if not args.skip_naive:
            methods[NAIVE] = lambda: (naive(config, folder), None)
        seconds: dict[str, list[float]] = {name: [] for name in methods}
        sizes = {}
        for _ in range(args.repeat):  # methods take turns, so noise falls on all alike
            for name, method in methods.items():
                took, sizes[name] = method()
                seconds[name].append(took)
        rss = peak_rss(Path(args.config), folder, args.rss_axis, args.rss_factor)
    kernel_s = statistics.median(seconds["kernel alone (2 numba threads, no store)"])
    naive_s = statistics.median(seconds[NAIVE]) if NAIVE in seconds else math.nan
    print(f"{args.config}: {points:.3g} points, outputs {', '.join(config.output_names())}")
    print(
        f"points/s: median of {args.repeat} runs (min-max). Scope: the kernel alone; the "
        "block phase of `explorer run` (solve, encode, write; no start-up); the naive "
        "compute and write."
    )
    print(
        f"{'method':<44} {'points/s':>10} {'(min-max)':>19} {'of kernel':>10} {'x naive':>8} "
        f"{'store':>10}"
    )
    results = []
    for method, taken in seconds.items():
        median = statistics.median(taken)
        rate = points / median
        size = sizes[method]
        size_text = f"{size / 2**20:.1f} MiB" if size else ""
        spread = f"({points / max(taken):.3g}-{points / min(taken):.3g})"
        print(
            f"{method:<44} {rate:>10.3g} {spread:>19} {kernel_s / median:>10.2f} "
            f"{naive_s / median:>8.1f} {size_text:>10}"
        )
        results.append(
            {"method": method, "seconds": taken, "points_per_s": rate, "store_bytes": size}
        )
    ratio = rss["scaled"]["peak_rss_mib"] / rss["base"]["peak_rss_mib"]
    print(
        f"peak RSS: {rss['base']['points']:.3g} points {rss['base']['peak_rss_mib']:.0f} MiB, "
        f"{rss['scaled']['points']:.3g} points {rss['scaled']['peak_rss_mib']:.0f} MiB "
        f"(ratio {ratio:.2f})"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"points": points, "rows": results, "rss": rss}, indent=2)
        )


if __name__ == "__main__":
    main()
