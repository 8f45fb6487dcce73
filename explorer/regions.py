"""Region shares: how much of a parameter box ends in each outcome, with confidence
intervals, from points drawn and counted on the fly (no point is stored).

Points are uniform over the box (any parameter may be fixed instead), or follow the
distributions a sample config gives. ``random`` draws
independent points inside the kernel (numba's generator, seeded per chunk), with a Wilson
interval per share. ``sobol`` draws independently
scrambled Sobol' nets of a power-of-two size (at least ``MIN_REPLICATES`` of them), and
the interval comes from the spread of the nets' estimates (Student t), as randomised
quasi-Monte Carlo requires. Each dask task draws and tallies one chunk (one net); memory is
one chunk of points per worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.stats import qmc

from explorer.config import SweepConfig
from explorer.execute import Scheduler, compile_lock, computing
from explorer.models import get_model
from explorer.plan import apply_distributions
from explorer.tallies import gap_causes, outcome_counts

CHUNK = 1 << 18
MIN_REPLICATES = 8
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Box:
    model: str
    game: str
    rho_form: str
    fixed: dict[str, float]
    bounds: dict[str, tuple[float, float]]  # in the game's parameter order
    distributions: dict = field(default_factory=dict)  # name -> config.Distribution


def box_of(config: SweepConfig) -> Box:
    """The box a config spans: its sample bounds, or each grid axis from first to last."""
    if config.sample is not None:
        bounds = dict(config.sample.bounds)
    else:
        bounds = {}
        for name, axis in config.axes.items():
            values = axis.coordinates()
            bounds[name] = (float(values.min()), float(values.max()))
    order = get_model(config.model).parameters_of(config.game)
    bounds = {p: tuple(bounds[p]) for p in order if p in bounds}
    shapes = dict(config.sample.distributions) if config.sample is not None else {}
    return Box(config.model, config.game, config.rho_form, dict(config.fixed), bounds, shapes)


def tally_chunk(box: Box, method: str, seed: int, chunk: int, size: int) -> np.ndarray:
    """Counts over chunk ``chunk`` of the design: ``size`` independent uniform points drawn
    inside the kernel, or one freshly scrambled Sobol' net (its own replicate)."""
    spec = get_model(box.model)
    design = "random" if method == "random" and not box.distributions else "unit"
    with compile_lock:
        kernel = spec.build_tally_kernel(box.game, box.rho_form, tuple(box.bounds), design)
    low = np.array([b[0] for b in box.bounds.values()])
    high = np.array([b[1] for b in box.bounds.values()])
    fixed = [box.fixed[p] for p in spec.parameters_of(box.game) if p not in box.bounds]
    tally = np.zeros(spec.tally_shape, dtype=np.int64)
    seeds = np.random.SeedSequence([seed, chunk])
    if method == "random" and not box.distributions:
        kernel(int(seeds.generate_state(1, np.uint32)[0]), size, low, high, *fixed, tally)
        return tally
    if method == "random":
        unit = np.random.default_rng(seeds).random((size, len(box.bounds)))
    else:
        sobol = qmc.Sobol(len(box.bounds), scramble=True, seed=np.random.default_rng(seeds))
        unit = sobol.random_base2(size.bit_length() - 1)
    unit = apply_distributions(unit, list(box.bounds), box.distributions)
    kernel(unit, low, high, *fixed, tally)
    return tally


def chunking(n: int, method: str) -> tuple[int, int]:
    """(chunks, points per chunk): powers of two for Sobol' nets, at least MIN_REPLICATES
    of them; ``n`` is rounded up to a whole number of chunks."""
    if method == "sobol":
        size = min(CHUNK, 1 << max(0, (n // MIN_REPLICATES).bit_length() - 1))
    else:
        size = min(CHUNK, n)
    return math.ceil(n / size), size


def region_shares(
    box: Box,
    n: int,
    method: str = "sobol",
    seed: int = 0,
    scheduler: Scheduler | None = None,
    on_done=None,
) -> dict:
    """Shares of the box per outcome (and where Proposition 1 errs), with intervals."""
    import dask

    if method not in ("random", "sobol"):
        raise ValueError(f"unknown method {method!r}; use 'sobol' or 'random'")
    if not box.bounds:
        raise ValueError("the box has no free parameter: give bounds (or axes) to sample over")
    chunks, size = chunking(n, method)
    tasks = [
        dask.delayed(tally_chunk, pure=False)(box, method, seed, c, size) for c in range(chunks)
    ]
    per: list[np.ndarray] = []
    with computing(scheduler or Scheduler()) as compute:
        for start in range(0, len(tasks), 256):
            for tally in compute(tasks[start : start + 256]):
                per.append(tally)
                if on_done:
                    on_done(size)
    total = sum(per)
    return summarise(per if method == "sobol" else [total], total, method)


def indicators(tally: np.ndarray) -> dict[str, int]:
    """Counts of each reported region in one tally."""
    counts = outcome_counts(tally)
    counts["Proposition 1 errs"] = sum(gap_causes(tally).values())
    return counts


def summarise(per: list[np.ndarray], total: np.ndarray, method: str) -> dict:
    n = int(total.sum())
    rows = {}
    each = [(indicators(t), t.sum()) for t in per] if len(per) > 1 else []
    for name, count in indicators(total).items():
        share = count / n
        if len(per) == 1:
            low, high = wilson(count, n)
        else:
            estimates = np.array([counts[name] / points for counts, points in each])
            half = stats.t.ppf(0.5 + CONFIDENCE / 2, len(per) - 1) * estimates.std(ddof=1)
            half /= math.sqrt(len(per))
            low, high = max(0.0, float(share - half)), min(1.0, float(share + half))
        rows[name] = {"count": count, "share": share, "low": low, "high": high}
    return {
        "points": n,
        "method": method,
        "replicates": len(per),
        "confidence": CONFIDENCE,
        "shares": rows,
        "gap_causes": gap_causes(total),
        "tally": total,
    }


def wilson(count: int, n: int) -> tuple[float, float]:
    """The Wilson score interval of a binomial share."""
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
