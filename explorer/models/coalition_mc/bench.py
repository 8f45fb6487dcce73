"""``explorer bench --model coalition_mc``: one Monte Carlo replicate (simulate a paper-shaped
dataset from the exact equilibrium, fit the Table 1 and Table 2 probits with clustered
SEs, take the marginal effects) in the numba kernel against the same replicate written
with numpy and statsmodels, side by side in one run.

Scope: the kernel (``coalition_mc``'s point solver through its compiled grid loop, one
thread: the engine runs one task per core) and, for the baseline, the Python function a
researcher would write (numpy simulation, the equilibrium as numpy broadcasting, two
``statsmodels`` probits), in a child process with its BLAS on one thread, so each side
has one core. The kernel's fits alone are timed on numpy-simulated datasets of the same
process (with the kernel's warm starts), which gives the share of a replicate that is
simulation and summaries. Medians over the repeats with min-max.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from explorer.bench.probit import ONE_THREAD, cell, spread
from explorer.models.coalition_mc import MODEL, PILOT
from kernels import montecarlo as mc

WORKLOAD = {**PILOT, "kappa": 0.3, "c_lp": 0.25, "alpha_mean": 0.7, "rho": 0.8, "q": 0.4}
WORKLOAD |= {"initiators": 0.5, "cost_location": 0.0}


def _beta(rng, mean: float, sd: float, n: int) -> np.ndarray:
    if sd == 0:
        return np.full(n, mean)
    concentration = mean * (1 - mean) / sd**2 - 1
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)


def simulate_numpy(v: dict, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One dataset of the kernel's process (log-normal cost, exponential bias, linear rho)
    in numpy: the observed (JS, PD, Contiguity, Relative Power), outcomes and leaders."""
    from explorer.models.coalition.numpy_baseline import solve_numpy

    leaders, partners = int(v["leaders"]), int(v["partners"])
    alpha = _beta(rng, v["alpha_mean"], v["alpha_sd"], leaders)[:, None]
    theta = _beta(rng, v["theta_mean"], v["theta_sd"], leaders)[:, None]
    initiator = rng.random(leaders) < v["initiators"]
    observed = np.clip(theta + v["js_noise"] * rng.standard_normal((leaders, 1)), 0, 1)
    shape = (leaders, partners)
    divergence, power = 2 * rng.random(shape), rng.random(shape)
    near = (rng.random(shape) < mc.CONTIGUOUS).astype(float)
    seen_pd = np.clip(divergence + v["pd_noise"] * rng.standard_normal(shape), 0, 2)
    p_lp = v["p_l"] + v["power_gain"] * (1 - power) * (1 - v["p_l"])
    c_p = np.exp(
        v["cost_location"]
        - v["contiguity_effect"] * near
        + v["cost_spread"] * rng.standard_normal(shape)
    )
    solved = solve_numpy(
        alpha, theta, v["rho"], v["p_l"], p_lp, v["c_l"], v["c_lp"], c_p,
        np.exp(-v["kappa"] * divergence), 0.0, outputs=("outcome", "eu_leader"), revisionist=False,
    )  # fmt: skip
    valid = solved["outcome"] >= 0
    best = np.where(valid, solved["eu_leader"], -np.inf).max(axis=1)
    keep = ~initiator | (best > (alpha * theta + (1 - alpha) * v["q"])[:, 0])
    rows = valid & keep[:, None]
    js = np.broadcast_to(observed, shape)[rows]
    X = np.column_stack([np.ones(js.size), js, seen_pd[rows], near[rows], power[rows]])
    leader = np.broadcast_to(np.arange(leaders)[:, None], shape)[rows]
    return X, (solved["outcome"][rows] == 2).astype(float), leader, rows


def replicate_numpy(v: dict, rng) -> float:
    """The whole replicate as a researcher would write it; returns the AME at PD 0."""
    import statsmodels.api as sm
    from scipy.stats import norm

    X1, y, leader, _ = simulate_numpy(v, rng)
    X2 = np.insert(X1, 3, X1[:, 1] * X1[:, 2], axis=1)
    cluster = {"cov_type": "cluster", "cov_kwds": {"groups": leader}}
    sm.Probit(y, X1).fit(disp=0, **cluster)
    b = sm.Probit(y, X2).fit(disp=0, **cluster).params
    effects = []
    for at in mc.ME_AT:
        index = b[0] + b[1] * X2[:, 1] + (b[2] + b[3] * X2[:, 1]) * at + X2[:, 4:] @ b[4:]
        effects.append((b[1] + b[3] * at) * norm.pdf(index).mean())
    return effects[0]


def time_numpy(v: dict, count: int, seed: int) -> float:
    """Seconds for ``count`` numpy + statsmodels replicates (after one to warm up)."""
    import warnings

    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        replicate_numpy(v, rng)
        start = time.perf_counter()
        for _ in range(count):
            replicate_numpy(v, rng)
    return time.perf_counter() - start


def _numpy_apart(v: dict, count: int, seed: int) -> float:
    code = (
        "import json, sys; from explorer.models.coalition_mc.bench import time_numpy; "
        "a = json.loads(sys.argv[1]); print(time_numpy(*a))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps([v, count, seed])],
        capture_output=True,
        text=True,
        env={**os.environ, **ONE_THREAD},
        check=True,
    )
    return float(done.stdout)


def _kernel(v: dict):
    """The model's compiled grid loop over a ``seed`` axis, and its arguments."""
    choices = MODEL.choices()
    loop = MODEL.grid_loop(choices, ("seed",), ("js_mean",))
    fixed = [v[p] for p in MODEL.parameters_of(choices) if p != "seed"]
    return loop, fixed


def time_kernel(v: dict, points: int, seed: int) -> float:
    """Seconds for ``points`` Monte Carlo points (``v["replicates"]`` replicates each)."""
    loop, fixed = _kernel(v)
    seeds = np.arange(seed, seed + points, dtype=np.float64)
    out = np.empty(points)
    start = time.perf_counter()
    loop(seeds, *fixed, out)
    return time.perf_counter() - start


def time_fits(v: dict, count: int, seed: int) -> float:
    """Seconds for the kernel's two fits of ``count`` datasets of the same process
    (warm-started as the kernel does: from the last replicate's estimates, Table 2's
    moved as Table 1's moved since)."""
    from kernels.probit import fit_one

    rng = np.random.default_rng(seed)
    data = []
    for _ in range(count):
        X1, y, leader, _ = simulate_numpy(v, rng)
        codes = np.unique(leader, return_inverse=True)[1].astype(np.int64)
        X2 = np.insert(X1, 3, X1[:, 1] * X1[:, 2], axis=1)
        data.append((np.ascontiguousarray(X1.T), np.ascontiguousarray(X2.T), y, codes))
    start1, start2, base = np.full(5, np.nan), np.full(6, np.nan), np.full(5, np.nan)
    beta1, cov1, beta2, cov2 = np.empty(5), np.empty((5, 5)), np.empty(6), np.empty((6, 6))
    shared = list(mc.TABLE1_IN_TABLE2)
    start = time.perf_counter()
    for X1, X2, y, codes in data:
        groups = int(codes.max()) + 1
        _, _, flags1 = fit_one(X1, y, codes, groups, start1, 1e-8, 50, 0, beta1, cov1)
        trial = start2.copy()
        if flags1 == 0:
            trial[shared] += beta1 - base
            if np.isnan(trial).any():
                trial = start2.copy()
        _, _, flags2 = fit_one(X2, y, codes, groups, trial, 1e-8, 50, 0, beta2, cov2)
        if flags1 == 0:
            start1[:] = beta1
        if flags2 == 0:
            start2[:] = beta2
            base[:] = beta1 if flags1 == 0 else np.nan
    return time.perf_counter() - start


@dataclass
class MonteCarloReport:
    dyads: int
    replicates_timed: int
    kernel_ms_per_replicate: list  # median, min, max
    fits_ms_per_replicate: list
    numpy_statsmodels_ms_per_replicate: list
    speedup: list  # numpy + statsmodels / kernel, per repeat
    simulation_share: list  # (kernel - its fits) / kernel, per repeat
    repeat: int


def run(quick: bool = False, repeat: int = 5, show=print) -> dict:
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "the Monte Carlo benchmark compares with statsmodels: pip install statsmodels"
        ) from None
    v = dict(WORKLOAD, replicates=20.0 if quick else 50.0)
    points, baseline = (2, 4) if quick else (4, 10)
    time_kernel(v, 1, 0)  # compile (or load) before timing
    time_fits(v, 2, 0)
    kernel, fits, numpy_runs = [], [], []
    per_point = int(v["replicates"])
    for r in range(repeat):
        numpy_runs.append(1e3 * _numpy_apart(v, baseline, 100 + r) / baseline)
        kernel.append(1e3 * time_kernel(v, points, 10 * r) / (points * per_point))
        fits.append(1e3 * time_fits(v, per_point, 200 + r) / per_point)
        show(f"  montecarlo repeat {r + 1}/{repeat} done")
    report = MonteCarloReport(
        dyads=int(v["leaders"] * v["partners"]),
        replicates_timed=points * per_point,
        kernel_ms_per_replicate=spread(kernel),
        fits_ms_per_replicate=spread(fits),
        numpy_statsmodels_ms_per_replicate=spread(numpy_runs),
        speedup=spread([b / a for a, b in zip(kernel, numpy_runs, strict=True)]),
        simulation_share=spread([(a - f) / a for a, f in zip(kernel, fits, strict=True)]),
        repeat=repeat,
    )
    return asdict(report)


def format_report(report: dict) -> str:
    return "\n".join(
        [
            f"One Monte Carlo replicate ({report['dyads']:,} dyads before selection: "
            "simulate, decide, two clustered probits, marginal effects); one core each; "
            f"medians (min-max) of {report['repeat']} repeats",
            f"  numba kernel:          {cell(report['kernel_ms_per_replicate'], ' ms')}",
            f"    of which its fits:   {cell(report['fits_ms_per_replicate'], ' ms')}",
            f"  numpy + statsmodels:   {cell(report['numpy_statsmodels_ms_per_replicate'], ' ms')}",
            f"  speed-up:              {cell(report['speedup'], 'x')}",
            f"  simulation and summaries, share of the kernel's replicate: "
            f"{cell([100 * s for s in report['simulation_share']], '%')}",
        ]
    )
