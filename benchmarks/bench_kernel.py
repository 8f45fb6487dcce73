"""Kernel speed on a 2-D grid against numpy, pure Python and the memory-write limit.

Run: ``python -m benchmarks.bench_kernel [--side 4096]``. Every rate comes from the
same run; each timing is the best of ``--repeat`` warm calls into preallocated outputs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit, prange

from benchmarks.numpy_baseline import OUTPUTS as NUMPY_OUTPUTS
from benchmarks.numpy_baseline import solve_numpy
from explorer.presets import FIGURE2
from kernels.coalition import GAMES, OUTPUT_NAMES, OUTPUTS, build_grid_kernel, build_kernel
from tests.reference import solve_reference

GAME = "revisionist"
FIXED = {**FIGURE2, "q": 0.3}


@njit(parallel=True, nogil=True)
def _parallel_fill(flat, value):
    for i in prange(flat.shape[0]):
        flat[i] = value


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def allocate(outputs, shape):
    dtypes = {o.name: o.dtype for o in OUTPUTS}
    outs = [np.empty(shape, dtype=dtypes[o]) for o in outputs]
    for out in outs:
        out.fill(0)  # touch every page now, so no timing pays for page faults
    return outs


def run(side: int = 4096, repeat: int = 3, python_points: int = 20_000) -> list[dict]:
    theta = np.linspace(0.001, 0.999, side)
    beta = np.linspace(0.0, 1.0, side)
    axes = ("theta", "beta")
    fixed = [FIXED[p] for p in GAMES[GAME] if p not in axes]
    points = side * side
    rows: list[dict] = []

    def record(group, method, seconds, limit=None, compile_s=None):
        rows.append(
            {
                "outputs": group,
                "method": method,
                "points_per_s": points / seconds,
                "of_fill": (limit / seconds) if limit else None,
                "compile_s": compile_s,
            }
        )

    kwargs = {
        p: theta[:, None] if p == "theta" else beta[None, :] if p == "beta" else FIXED[p]
        for p in GAMES[GAME]
    }
    check_numpy_agrees(kwargs, side)
    sets = (("outcome", ("outcome",)), ("paper's 6", NUMPY_OUTPUTS), ("all 14", OUTPUT_NAMES))
    for label, outputs in sets:
        measure_output_set(label, outputs, theta, beta, fixed, kwargs, repeat, record)

    rng = np.random.default_rng(0)
    sample = [
        {**FIXED, "theta": float(rng.choice(theta)), "beta": float(rng.choice(beta))}
        for _ in range(python_points)
    ]
    start = time.perf_counter()
    for p in sample:
        solve_reference(GAME, "linear", p)
    rows.append(
        {
            "outputs": "outcome (1 B/point)",
            "method": f"pure Python reference ({python_points} points, all outputs)",
            "points_per_s": python_points / (time.perf_counter() - start),
        }
    )
    for row in rows:
        numpy_row = next(
            (
                r
                for r in rows
                if r["outputs"] == row["outputs"] and r["method"].startswith("numpy broadcasting")
            ),
            None,
        )
        row["vs_numpy"] = row["points_per_s"] / numpy_row["points_per_s"] if numpy_row else None
    return rows


def measure_output_set(label, outputs, theta, beta, fixed, kwargs, repeat, record) -> None:
    """numpy, fills of the same bytes, and the kernel (serial, parallel) for one output set."""
    side = theta.size
    outs = allocate(outputs, (side, side))
    nbytes = sum(o.itemsize for o in outs)
    flats = [o.reshape(-1).view(np.uint8) for o in outs]
    fill = best_time(lambda: [f.fill(1) for f in flats], repeat)
    _parallel_fill(flats[0], 1)
    fill_par = best_time(lambda: [_parallel_fill(f, 1) for f in flats], repeat)
    group = f"{label} ({nbytes} B/point)"
    if outputs != OUTPUT_NAMES:
        numpy_s = best_time(lambda: solve_numpy(**kwargs, outputs=outputs), 1)
        record(group, "numpy broadcasting (1 thread)", numpy_s)
    record(group, "numpy fill of the same bytes (1 thread)", fill)
    record(group, "numba fill of the same bytes (2 threads)", fill_par)
    for parallel in (False, True):
        start = time.perf_counter()
        kernel = build_grid_kernel(GAME, "linear", ("theta", "beta"), tuple(outputs), parallel)
        compile_s = time.perf_counter() - start
        kernel(theta, beta, *fixed, *outs)
        seconds = best_time(lambda k=kernel: k(theta, beta, *fixed, *outs), repeat)
        threads = "2 threads" if parallel else "1 thread"
        record(
            group,
            f"grid kernel ({threads})",
            seconds,
            limit=fill_par if parallel else fill,
            compile_s=compile_s,
        )
    if outputs == OUTPUT_NAMES:
        gufunc = build_kernel(GAME, "linear", OUTPUT_NAMES, False)
        args = list(kwargs.values())
        with np.errstate(all="ignore"):  # flags from speculated branches mean nothing
            gufunc(*args, out=tuple(outs))
            record(
                group,
                "gufunc, general broadcasting (1 thread)",
                best_time(lambda: gufunc(*args, out=tuple(outs)), repeat),
            )


def check_numpy_agrees(kwargs, side):
    """The baseline must compute the same thing, or its speed means nothing."""
    step = max(1, side // 256)
    small = {
        k: (v[::step] if np.ndim(v) and v.shape[0] > 1 else v[:, ::step] if np.ndim(v) else v)
        for k, v in kwargs.items()
    }
    with np.errstate(all="ignore"):
        expected = build_kernel(GAME, "linear", NUMPY_OUTPUTS, False)(*small.values())
    for name, want in zip(NUMPY_OUTPUTS, expected):
        np.testing.assert_allclose(solve_numpy(**small)[name], want, rtol=1e-12, err_msg=name)


def format_rows(rows: list[dict]) -> str:
    head = (
        f"{'outputs':<24} {'method':<52} {'points/s':>9} {'x numpy':>8} {'of fill':>8} "
        f"{'compile s':>9}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = [
            f"{r['vs_numpy']:.1f}" if r.get("vs_numpy") else "",
            f"{r['of_fill']:.2f}" if r.get("of_fill") else "",
            f"{r['compile_s']:.2f}" if r.get("compile_s") else "",
        ]
        lines.append(
            f"{r['outputs']:<24} {r['method']:<52} {r['points_per_s']:>9.3g} "
            f"{cells[0]:>8} {cells[1]:>8} {cells[2]:>9}"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4096, help="grid is side x side points")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python-points", type=int, default=20_000)
    args = parser.parse_args(argv)
    rows = run(args.side, args.repeat, args.python_points)
    print(f"{GAME} game, theta x beta grid of {args.side}x{args.side} = {args.side**2:.3g} points")
    print(format_rows(rows))


if __name__ == "__main__":
    main()
