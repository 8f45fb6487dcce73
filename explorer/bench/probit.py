"""``explorer bench --probit``: fits per second of the numba probit against statsmodels'
``Probit(...).fit()`` on the same seeded datasets, side by side in one run.

Each shape (N observations, k terms, clusters of about 45 dyads as the paper's 148
leaders) gets a set of datasets; every repeat times, in turn, each in a fresh child
process: statsmodels with its BLAS held to one thread (one core each), statsmodels with
its default threads, and the numba estimator's batched call on one and on all of numba's
threads. All compute leader-clustered covariances. Rates are medians over the repeats
with min-max.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

PAPER = (6642, 10)
FULL_SHAPES = tuple((n, k) for n in (1000, 6642, 30000) for k in (4, 10, 20))
QUICK_SHAPES = ((1000, 4), PAPER)
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
METHODS = (
    "statsmodels, 1 BLAS thread",
    "statsmodels, default threads",
    "numba, 1 thread",
    "numba, all threads",
)


def dataset(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A paper-shaped dataset: a constant and k - 1 covariates, a leader effect, a base
    rate of a few percent, leaders of about 45 dyads."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, max(2, n // 45), n)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    beta = rng.normal(scale=0.3 / np.sqrt(k), size=k)
    beta[0] = -1.7
    # (X * beta).sum rather than X @ beta: BLAS threads left spinning after a product
    # would compete with the numba runs timed next (halving the 2-thread rates here).
    index = (X * beta).sum(axis=1)
    latent = index + rng.normal(size=n) + 0.3 * rng.normal(size=groups.max() + 1)[groups]
    return X, (latent > 0).astype(float), groups


def datasets_for(n: int, k: int, count: int) -> list:
    return [dataset(n, k, seed=1000 * n + 10 * k + d) for d in range(count)]


def count_for(n: int, k: int, quick: bool) -> int:
    """Datasets per shape: enough that statsmodels takes about a second."""
    budget = 2e7 if quick else 8e7
    return int(min(64, max(4, budget // (n * k * k))))


def time_statsmodels(shapes, counts) -> list[float]:
    """Seconds per shape to fit all its datasets with statsmodels (clustered SEs)."""
    import warnings

    import statsmodels.api as sm

    def fit(X, y, g):
        sm.Probit(y, X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": g})

    fit(*dataset(500, 3, seed=0))  # statsmodels loads parts of itself on the first fit
    seconds = []
    for (n, k), count in zip(shapes, counts, strict=True):
        data = datasets_for(n, k, count)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for X, y, g in data:
                fit(X, y, g)
        seconds.append(time.perf_counter() - start)
    return seconds


def _apart(function: str, *args, env: dict | None = None):
    """``function``(*args) of this module in a child process, its result as JSON. One
    process per method and repeat: in one long-lived process that had run the others,
    the numba runs at the paper's shape came out a third slower here."""
    code = (
        f"import json, sys; from explorer.bench.probit import {function}; "
        f"print(json.dumps({function}(*json.loads(sys.argv[1]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return json.loads(done.stdout)


def time_numba(shapes, counts, threads: int) -> list[float]:
    """Seconds per shape to fit all its datasets with the numba estimator's batched call
    on ``threads`` threads (after compiling or loading the kernel, untimed)."""
    import numba

    from kernels import probit

    probit.fit_batch(*zip(*datasets_for(500, 3, 2), strict=True))
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        seconds = []
        for (n, k), count in zip(shapes, counts, strict=True):
            designs, outcomes, groups = zip(*datasets_for(n, k, count), strict=True)
            start = time.perf_counter()
            probit.fit_batch(designs, outcomes, groups)
            seconds.append(time.perf_counter() - start)
        return seconds
    finally:
        numba.set_num_threads(before)


@dataclass
class ProbitRow:
    n: int
    k: int
    datasets: int
    fits_per_s: dict  # method -> [median, min, max]
    vs_statsmodels_one_core: list  # numba 1 thread / statsmodels 1 BLAS thread, per repeat
    vs_statsmodels_default: list
    second_core: list  # numba all threads / numba 1 thread, per repeat


def spread(values) -> list[float]:
    return [statistics.median(values), min(values), max(values)]


def run_probit_bench(quick: bool = False, repeat: int = 5, shapes=None, show=print) -> dict:
    """Every method at every shape, ``repeat`` times in turn; medians with min-max."""
    import numba

    try:
        import statsmodels  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "the probit benchmark compares with statsmodels: pip install statsmodels"
        ) from None
    shapes = [tuple(s) for s in (shapes or (QUICK_SHAPES if quick else FULL_SHAPES))]
    counts = [count_for(n, k, quick) for n, k in shapes]
    threads = numba.config.NUMBA_NUM_THREADS
    runs = {m: [] for m in METHODS}
    for r in range(repeat):
        runs[METHODS[0]].append(_apart("time_statsmodels", shapes, counts, env=ONE_THREAD))
        runs[METHODS[1]].append(_apart("time_statsmodels", shapes, counts))
        runs[METHODS[2]].append(_apart("time_numba", shapes, counts, 1))
        runs[METHODS[3]].append(_apart("time_numba", shapes, counts, threads))
        show(f"  probit repeat {r + 1}/{repeat} done")
    rows = []
    for i, ((n, k), count) in enumerate(zip(shapes, counts, strict=True)):
        rate = {m: [count / run[i] for run in runs[m]] for m in METHODS}
        rows.append(
            ProbitRow(
                n=n,
                k=k,
                datasets=count,
                fits_per_s={m: spread(v) for m, v in rate.items()},
                vs_statsmodels_one_core=spread(
                    [a / b for a, b in zip(rate[METHODS[2]], rate[METHODS[0]], strict=True)]
                ),
                vs_statsmodels_default=spread(
                    [a / b for a, b in zip(rate[METHODS[2]], rate[METHODS[1]], strict=True)]
                ),
                second_core=spread(
                    [a / b for a, b in zip(rate[METHODS[3]], rate[METHODS[2]], strict=True)]
                ),
            )
        )
    return {"repeat": repeat, "numba_threads": threads, "rows": [asdict(r) for r in rows]}


def cell(summary: list[float], unit: str = "") -> str:
    median, low, high = summary
    return f"{median:.3g}{unit} ({low:.3g}-{high:.3g})"


def format_probit(report: dict) -> str:
    from tabulate import tabulate

    rows = [
        [
            f"{r['n']:,}",
            r["k"],
            r["datasets"],
            *(cell(r["fits_per_s"][m]) for m in METHODS),
            cell(r["vs_statsmodels_one_core"], "x"),
            cell(r["vs_statsmodels_default"], "x"),
            cell(r["second_core"], "x"),
        ]
        for r in report["rows"]
    ]
    header = [
        "N",
        "k",
        "datasets",
        *(f"{m} (fits/s)" for m in METHODS),
        "numba 1 thread / statsmodels 1 thread",
        "numba 1 thread / statsmodels default",
        f"numba {report['numba_threads']} threads / 1 thread",
    ]
    return (
        f"Probit fits per second, leader-clustered SEs, same datasets; medians of "
        f"{report['repeat']} repeats (min-max)\n"
        + tabulate(rows, header, tablefmt="simple", disable_numparse=True)
    )
