"""``explorer bench``: every solver path measured side by side in one process and one run.

Each case of ``explorer.bench.cases`` is run at each grid size: setup plus first call (where
compilation happens) is timed apart from the best of a few warm calls, and the process
tree's peak resident memory is sampled throughout. Rates are compared with numpy at the
same size and with the memory-write limit (a fill of the same output bytes).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numba

from explorer.bench import cases
from explorer.bench.machine import PeakMemory, machine_info, tree_rss

QUICK_SIZES = (10**4, 10**5, 10**6, 10**7)
FULL_SIZES = (10**4, 10**5, 10**6, 10**7, 10**8, 10**9)
MIN_WARM_SECONDS = 0.2  # short warm calls repeat until this much time is spent
MAX_WARM_CALLS = 1000


@dataclass
class Measurement:
    method: str
    size: int  # the size asked for; ``points`` is the grid's actual count near it
    points: int
    points_per_s: float | None = None
    warm_s: float | None = None  # best warm call
    first_call_s: float | None = None  # setup + first call: compilation, cluster warm-up
    warm_calls: int = 0
    peak_mib: float | None = None  # peak RSS of the process tree above its level before
    workers: int | None = None
    extrapolated_from: int | None = None  # points actually solved, if fewer than ``points``
    skipped: str | None = None
    vs_numpy: float | None = None
    of_limit: float | None = None
    bytes_per_point: float | None = None  # output bytes produced per point


def measure(case: cases.Case, points: int, context: cases.Context, repeat: int) -> Measurement:
    result = Measurement(case.name, points, points, workers=context.workers)
    gc.collect()
    base = tree_rss()
    try:
        with PeakMemory() as memory:
            start = time.perf_counter()
            prepared = case.prepare(points, context)
            prepared.run()
            result.first_call_s = time.perf_counter() - start
            times = []
            # At least ``repeat`` calls, more while they are short (timer resolution), and
            # just one when a call takes seconds.
            while len(times) < MAX_WARM_CALLS and (
                len(times) < repeat or sum(times) < MIN_WARM_SECONDS
            ):
                times.append(cases.timed(prepared.run))
                if times[-1] > 5.0:
                    break
            prepared.cleanup()
    except cases.Skip as why:
        result.skipped = str(why)
        return result
    result.points = prepared.points
    result.warm_s = min(times)
    result.warm_calls = len(times)
    result.points_per_s = prepared.points / result.warm_s
    if case.writes_outputs:
        result.bytes_per_point = prepared.bytes_per_point or context.bytes_per_point
    result.peak_mib = (memory.peak - base) / 2**20
    if case.sample is not None:
        result.extrapolated_from, result.points = prepared.points, points
    return result


FLOOR = "import numpy, numba, xarray, zarr, dask"
SOLVED = re.compile(r"Solved ([0-9,]+) of [0-9,]+ points in [0-9.]+ s \(([0-9.e+]+) points/s")


def block_phase_seconds(summary: str) -> float | None:
    """The block phase of a run, from its printed summary (points over points/s: finer
    than the seconds it prints)."""
    found = SOLVED.search(summary)
    if not found or float(found.group(2)) == 0:
        return None
    return int(found.group(1).replace(",", "")) / float(found.group(2))


def as_a_user(**extra: str) -> dict[str, str]:
    """The environment for timing a command as a user meets it: Python's bytecode caches
    written and read as by default (a session that sets PYTHONDONTWRITEBYTECODE would
    otherwise compile the project's own modules from source in every process)."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure_commands(points: int, context: cases.Context, repeat: int) -> list[dict]:
    """Whole commands as a user waits for them: each run in a fresh process, after one
    untimed run (so compiled kernels are in the cache), next to the floor of importing
    the stack. ``explorer run`` repeats the recorded config of a store of ``points``."""
    from explorer.engine.sweep import run_sweep

    url = str(context.folder / "command.zarr")
    run_sweep(cases.grid_config(points, context, url), url, progress=False)
    python = [sys.executable]
    commands = {
        f"python -c '{FLOOR}' (floor)": [*python, "-c", FLOOR],
        "explorer solve": [*python, "-m", "explorer", "solve"],
        f"explorer run STORE --overwrite ({points:.0e} points)": [
            *python,
            "-m",
            "explorer",
            "run",
            url,
            "--overwrite",
            "--quiet",
        ],
    }
    rows, env = [], as_a_user()
    for name, command in commands.items():
        subprocess.run(command, check=True, capture_output=True, env=env)
        seconds, blocks = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            seconds.append(time.perf_counter() - start)
            phase = block_phase_seconds(done.stdout)
            if phase is not None:
                blocks.append(phase)
        rows.append(
            {
                "command": name,
                "runs": repeat,
                "median_s": statistics.median(seconds),
                "min_s": min(seconds),
                "max_s": max(seconds),
                "block_phase_median_s": statistics.median(blocks) if blocks else None,
            }
        )
    for row in rows:
        row["x_floor"] = row["median_s"] / rows[0]["median_s"]
    return rows


def compare(rows: list[Measurement]) -> None:
    """Fill ``vs_numpy`` and ``of_limit`` from the numpy and fill rows of the same size.

    The limit is the fill's bytes per second; a method that produces fewer bytes per point
    (outputs stored over fewer dimensions) has a proportionally higher point rate limit.
    """
    for row in rows:
        if row.points_per_s is None:
            continue
        same = [r for r in rows if r.size == row.size and r.points_per_s]
        numpy = next((r for r in same if r.method == cases.BASELINE), None)
        fill = next((r for r in same if r.method == cases.FILL.name), None)
        if numpy:
            row.vs_numpy = row.points_per_s / numpy.points_per_s
        if fill and row.bytes_per_point and row.method != fill.method:
            fill_bytes_per_s = fill.points_per_s * fill.bytes_per_point
            row.of_limit = row.points_per_s * row.bytes_per_point / fill_bytes_per_s


def run_bench(
    quick: bool = False,
    sizes: tuple[int, ...] | None = None,
    workers: tuple[int, ...] | None = None,
    repeat: int = 3,
    methods: tuple[str, ...] | None = None,
    on_row: Callable[[Measurement], None] = lambda row: None,
    commands: bool = True,
) -> dict:
    """Measure every case at every size, then the parallel cases against workers, then
    (with ``commands``) whole commands in fresh processes."""
    sizes = sizes or (QUICK_SIZES if quick else FULL_SIZES)
    chosen = [c for c in (cases.FILL, *cases.CASES) if not methods or c.name in methods]
    context = cases.Context()
    rows: list[Measurement] = []
    scaling: list[Measurement] = []
    try:
        for case in chosen:
            for points in sizes[:1] if case.sample else sizes:
                rows.append(measure(case, points, context, repeat))
                on_row(rows[-1])
        worker_counts = workers or sorted({1, context.workers})
        at = sizes[-1] if quick else min(sizes[-1], 10**8)
        for case in chosen:
            if case.name not in WORKER_SCALED:
                continue
            for n in worker_counts:
                context.workers = n
                scaling.append(measure(case, at, context, repeat))
                on_row(scaling[-1])
            context.close()
            context = cases.Context()
        timed_commands = measure_commands(at, context, max(repeat, 5)) if commands else []
    finally:
        context.close()
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)  # the cases may lower it
    compare(rows)
    return {
        "machine": machine_info(),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "model": context.model.name,
        "workload": describe_workload(context.model),
        "bytes_per_point": cases.bytes_per_point(context.model),
        "sizes": list(sizes),
        "measurements": [asdict(r) for r in rows],
        "workers_scaling": [asdict(r) for r in scaling],
        "commands": timed_commands,
        "notes": {c.name: c.note for c in chosen if c.note},
    }


W = 56  # method column width
WORKER_SCALED = (
    "numba grid kernel, all cores",
    "explorer run to zarr, dask threads",
    "streaming tally, dask threads, no store",
)


def describe_workload(model) -> str:
    workload = model.workload
    if workload is None:
        return f"the {model.name} model declares no workload"
    choices = model.describe(model.choices(workload.choices))
    return (
        f"{workload.description or model.title} ({choices}): outputs "
        f"{', '.join(workload.outputs)} ({cases.bytes_per_point(model)} B/point) over a "
        f"{' x '.join(workload.ranges)} grid"
    )


def table_size(report: dict) -> int:
    """The largest size at which numpy ran, so every ratio in the table is measured."""
    numpy = [
        m["size"]
        for m in report["measurements"]
        if m["method"] == cases.BASELINE and m["points_per_s"]
    ]
    return max(numpy) if numpy else max(report["sizes"])


def format_report(report: dict) -> str:
    machine = report["machine"]
    at = table_size(report)
    lines = [
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB; "
        f"numba {machine['versions'].get('numba')}, numpy {machine['versions'].get('numpy')}",
        f"{report['workload']}",
        "",
        f"At {at:.0e} points ('compile s': first call minus a warm one, at the smallest "
        "size; 'peak MiB': above the level before):",
    ]
    head = (
        f"{'method':<{W}} {'points/s':>9} {'x numpy':>8} {'of limit':>8} {'compile s':>9} "
        f"{'peak MiB':>8}"
    )
    lines += [head, "-" * len(head)]
    for m in report["measurements"]:
        if m["size"] != at and not m["extrapolated_from"]:
            continue
        if m["skipped"]:
            lines.append(f"{m['method']:<{W}} skipped: {m['skipped']}")
            continue
        name = m["method"]
        if m["extrapolated_from"]:
            name += f" ({m['extrapolated_from']} pts)"
        compiled = compile_seconds(report, m["method"])
        lines.append(
            f"{name:<{W}} {m['points_per_s']:>9.3g} {_num(m['vs_numpy'], '.3g'):>8} "
            f"{_num(m['of_limit'], '.2f'):>8} {_num(compiled, '.2f'):>9} "
            f"{_num(m['peak_mib'], '.0f'):>8}"
        )
    lines += ["", "Points/s against grid size:"]
    sizes = report["sizes"]
    head = f"{'method':<{W}} " + " ".join(f"{s:>9.0e}" for s in sizes)
    lines += [head, "-" * len(head)]
    methods = dict.fromkeys(m["method"] for m in report["measurements"])
    for method in methods:
        found = {m["size"]: m for m in report["measurements"] if m["method"] == method}
        if any(m["extrapolated_from"] for m in found.values()):
            continue
        cells = [_cell(found.get(s)) for s in sizes]
        lines.append(f"{method:<{W}} " + " ".join(f"{c:>9}" for c in cells))
    if report.get("commands"):
        runs = report["commands"][0]["runs"]
        lines += [
            "",
            f"Whole commands as a user waits (fresh process, kernels already compiled; "
            f"median of {runs} runs, min-max):",
        ]
        for row in report["commands"]:
            phase = row["block_phase_median_s"]
            lines.append(
                f"{row['command']:<{W}} {row['median_s']:>6.2f} s ({row['min_s']:.2f}-"
                f"{row['max_s']:.2f}), {row['x_floor']:.2f}x floor"
                + (f"; block phase {phase:.2f} s" if phase is not None else "")
            )
    if report["workers_scaling"]:
        lines += ["", "Points/s against workers (numba threads or dask workers):"]
        for m in report["workers_scaling"]:
            rate = "skipped" if m["skipped"] else f"{m['points_per_s']:.3g}"
            lines.append(f"{m['method']:<{W}} {m['workers']:>2} workers at {m['size']:.0e}: {rate}")
    return "\n".join(lines)


def compile_seconds(report: dict, method: str) -> float | None:
    """First call minus a warm call at the method's smallest size: compilation and other
    one-off start-up costs (a cluster's workers compiling, for instance)."""
    rows = [m for m in report["measurements"] if m["method"] == method and m["warm_s"]]
    if not rows:
        return None
    first = min(rows, key=lambda m: m["size"])
    return max(0.0, first["first_call_s"] - first["warm_s"])


def _cell(row: dict | None) -> str:
    if row is None:
        return ""
    return "skipped" if row["skipped"] else _num(row["points_per_s"], ".3g")


def _num(value, spec: str) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format(value, spec)
    )


def write_json(report: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    return path


def plot_scaling(report: dict, path: str | Path) -> Path:
    """Points/s against grid size (log-log) and against workers, one line per method;
    rates extrapolated from a sample are dashed horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"cannot write {path.name!r}: give a file ending in .png")
    sizes = report["sizes"]
    fig, (by_size, by_workers) = plt.subplots(1, 2, figsize=(13, 5.5), width_ratios=(3, 2))
    for method in dict.fromkeys(m["method"] for m in report["measurements"]):
        found = [m for m in report["measurements"] if m["method"] == method and m["points_per_s"]]
        if not found:
            continue
        if found[0]["extrapolated_from"]:
            rate = found[0]["points_per_s"]
            by_size.plot(sizes, [rate] * len(sizes), "--", label=f"{method} (extrapolated)")
        else:
            xs = [m["points"] for m in found]
            by_size.plot(xs, [m["points_per_s"] for m in found], "o-", label=method)
    by_size.set(xscale="log", yscale="log", xlabel="grid points", ylabel="points per second")
    by_size.set_title("Throughput against grid size")
    for method in dict.fromkeys(m["method"] for m in report["workers_scaling"]):
        found = [
            m for m in report["workers_scaling"] if m["method"] == method and m["points_per_s"]
        ]
        if found:
            by_workers.plot(
                [m["workers"] for m in found],
                [m["points_per_s"] for m in found],
                "o-",
                label=f"{method} ({found[0]['size']:.0e} points)",
            )
    by_workers.set(yscale="log", xlabel="workers (numba threads or dask workers)")
    by_workers.set_title("Throughput against workers")
    by_workers.xaxis.get_major_locator().set_params(integer=True)
    for axes in (by_size, by_workers):
        axes.grid(True, which="major", alpha=0.3)
        axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1)
    machine = report["machine"]
    fig.suptitle(f"{machine['cpu']}, {machine['cores']} cores: {report['workload']}", fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
