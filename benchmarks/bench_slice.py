"""Slice latency on a 1e9-point store: every pair of dimensions, cold and warm; an off-grid
1000 x 1000 slice solved on demand; and the app's update after a slider move.

Run: ``python -m benchmarks.bench_slice [--layout slices|rows]``. The store is generated in
a temporary folder first (its generation time is reported too).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from explorer.engine.config import load_config
from explorer.engine.run import Scheduler
from explorer.engine.sweep import run_sweep
from explorer.views.slicing import make_slice, open_cached, open_sweep

AXES = {"alpha": 16, "theta": 400, "beta": 400, "q": 400}  # 1.02e9 points


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", default="slices", choices=["slices", "rows"])
    parser.add_argument("--chunk-points", type=int, default=1 << 20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, AXES.values())),
        help="points along alpha, theta, beta, q",
    )
    args = parser.parse_args(argv)

    base = load_config("configs/default.toml")
    sizes = dict(zip(AXES, map(int, args.sizes.split(","))))
    axes = {
        name: base.axes[name].model_copy(update={"linspace": (*base.axes[name].linspace[:2], n)})
        for name, n in sizes.items()
    }
    config = base.model_copy(
        update={
            "axes": axes,
            "chunk_layout": args.layout,
            "chunk_points": args.chunk_points,
            "chunk_mib": None,
        }
    )
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        url = str(Path(tmp) / "slices.zarr")
        summary = run_sweep(config, url, Scheduler("threads"), progress=False)
        print(
            f"store: {summary.points:.3g} points, {args.layout} layout, chunk target "
            f"{args.chunk_points} points, written in {summary.seconds:.1f} s "
            f"({summary.store_bytes / 2**20:.0f} MiB)"
        )
        ds = open_sweep(url, broadcast=False)
        dims = list(sizes)
        middle = {d: float(ds[d].values[len(ds[d]) // 3]) for d in dims}
        print(f"{'x':<7}{'y':<7}{'cold':>9}{'warm':>9}")
        for x, y in itertools.combinations(dims, 2):
            at = {d: v for d, v in middle.items() if d not in (x, y)}
            read = partial(make_slice, url, x, y, at, "outcome")
            open_cached.cache_clear()
            cold, _ = timed(read)
            warm = statistics.median(timed(read)[0] for _ in range(args.repeat))
            print(f"{x:<7}{y:<7}{ms(cold):>9}{ms(warm):>9}")

        figure2 = load_config("configs/figure2.toml")  # theta x beta, 1000 x 1000
        make_slice(figure2, "theta", "beta")  # compile once
        offgrid = statistics.median(
            timed(lambda: make_slice(figure2, "theta", "beta"))[0] for _ in range(args.repeat)
        )
        print(f"off-grid 1000 x 1000 slice solved on demand (warm): {ms(offgrid)}")

        import holoviews as hv

        hv.extension("bokeh", logo=False)
        from explorer.views.app import SweepApp

        app = SweepApp(url)
        slider = app.snapped["q"]
        times = []
        for step in range(1, args.repeat + 2):
            value = slider.options[
                (slider.options.index(slider.value) + step) % len(slider.options)
            ]
            seconds, _ = timed(lambda v=value: setattr(slider, "value", v))
            times.append(seconds)
        print(
            f"app update after a slider move (server side: the map, then the section and "
            f"{len(app.ds.data_vars)} outputs for the hover; in a browser the map shows "
            f"first, see benchmarks.bench_app): median {ms(statistics.median(times[1:]))}"
        )


if __name__ == "__main__":
    main()
