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

from explorer.engine.config import SweepConfig
from explorer.engine.plan import apply_distributions
from explorer.engine.run import Scheduler, run_tasks
from explorer.engine.validation import choose, model_named
from explorer.models.declaration import Choices, Model
from kernels.sobol import scrambled_state, sobol_points

CHUNK = 1 << 18
MIN_REPLICATES = 8
MIN_TASKS = 8  # chunks are batched into tasks, at least this many (to spread over workers)
MAX_CHUNKS_PER_TASK = 8
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Box:
    model: Model
    choices: Choices
    fixed: dict[str, float]
    bounds: dict[str, tuple[float, float]]  # in the model's parameter order
    distributions: dict = field(default_factory=dict)  # name -> config.Distribution

    def fixed_values(self) -> list[float]:
        """The parameters outside the box, in model order (as the loops take them)."""
        params = self.model.parameters_of(self.choices)
        return [self.fixed[p] for p in params if p not in self.bounds]

    def scale(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        """Points of the unit cube (n x d) moved through each parameter's distribution
        onto its bounds, one array per parameter."""
        low = np.array([b[0] for b in self.bounds.values()])
        high = np.array([b[1] for b in self.bounds.values()])
        shaped = apply_distributions(unit, list(self.bounds), self.distributions)
        return dict(zip(self.bounds, (low + shaped * (high - low)).T))


def make_box(model=None, fixed=None, bounds=None, distributions=None, **choices) -> Box:
    """A box over ``bounds`` (a model by name or declaration, the default if None), other
    parameters ``fixed``, variant choices by name."""
    spec = model if isinstance(model, Model) else model_named(model)
    order = spec.parameters_of(choose(spec, choices))
    bounds = {p: tuple(bounds[p]) for p in order if p in (bounds or {})}
    return Box(spec, choose(spec, choices), dict(fixed or {}), bounds, dict(distributions or {}))


def box_of(config: SweepConfig) -> Box:
    """The box a config spans: its sample bounds, or each grid axis from first to last."""
    if config.sample is not None:
        bounds = dict(config.sample.bounds)
    else:
        bounds = {}
        for name, axis in config.axes.items():
            values = axis.coordinates()
            bounds[name] = (float(values.min()), float(values.max()))
    shapes = dict(config.sample.distributions) if config.sample is not None else {}
    choices = dict(config.choices)
    return make_box(config.spec, config.fixed, bounds, shapes, **choices)


def tally_chunk(chunk: int, job: tuple[Box, str, int, int]) -> np.ndarray:
    """Counts over chunk ``chunk`` of the design ``job = (box, method, seed, size)``:
    ``size`` independent uniform points, or one freshly scrambled Sobol' net (its own
    replicate; scipy's net for the same seed, bit for bit). Without distributions the
    points are drawn inside the kernel; with them, drawn into an array and moved through
    each distribution's inverse CDF first."""
    box, method, seed, size = job
    spec = box.model
    inside = "unit" if box.distributions else method
    kernel = spec.tally_loop(box.choices, tuple(box.bounds), inside)
    low = np.array([b[0] for b in box.bounds.values()])
    high = np.array([b[1] for b in box.bounds.values()])
    fixed = box.fixed_values()
    tally = np.zeros(spec.tally.shape, dtype=np.int64)
    seeds = np.random.SeedSequence([seed, chunk])
    if method == "random" and inside == "random":
        kernel(int(seeds.generate_state(1, np.uint32)[0]), size, low, high, *fixed, tally)
    elif method == "random":
        unit = np.random.default_rng(seeds).random((size, len(box.bounds)))
        kernel(
            apply_distributions(unit, list(box.bounds), box.distributions), low, high, *fixed, tally
        )
    else:
        net = scrambled_state(len(box.bounds), np.random.default_rng(seeds))
        if inside == "sobol":
            kernel(*net, size, low, high, *fixed, tally)
        else:
            unit = apply_distributions(
                sobol_points(*net, size), list(box.bounds), box.distributions
            )
            kernel(unit, low, high, *fixed, tally)
    return tally


def tally_chunks(batch: tuple[int, ...], job: tuple[Box, str, int, int]) -> list[np.ndarray]:
    return [tally_chunk(chunk, job) for chunk in batch]


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
    progress: str | None = None,
) -> dict:
    """Shares of the box in each region the model declares, with intervals; ``progress``
    labels a progress bar of points drawn."""
    if method not in ("random", "sobol"):
        raise ValueError(f"unknown method {method!r}; use 'sobol' or 'random'")
    if not box.bounds:
        raise ValueError("the box has no free parameter: give bounds (or axes) to sample over")
    if box.model.regions is None:
        raise ValueError(f"the {box.model.name} model declares no regions to count")
    chunks, size = chunking(n, method)
    per: dict[int, np.ndarray] = {}

    def keep(batch, tallies):
        per.update(zip(batch, tallies))
        if on_done:
            on_done(size * len(batch))

    # Several chunks per task (each still its own replicate): fewer, longer tasks.
    step = max(1, min(MAX_CHUNKS_PER_TASK, chunks // MIN_TASKS))
    batches = [tuple(range(c, min(chunks, c + step))) for c in range(0, chunks, step)]
    run_tasks(
        tally_chunks,
        batches,
        scheduler,
        shared=(box, method, seed, size),
        on_result=keep,
        weight=lambda batch: size * len(batch),
        progress=progress,
    )
    tallies = [per[c] for c in range(chunks)]  # in chunk order, whatever the finishing order
    total = sum(tallies)
    return summarise(box.model, tallies if method == "sobol" else [total], total, method)


def summarise(model: Model, per: list[np.ndarray], total: np.ndarray, method: str) -> dict:
    count = model.regions.count
    n = int(total.sum())
    rows = {}
    each = [(count(t), t.sum()) for t in per] if len(per) > 1 else []
    for name, found in count(total).items():
        share = found / n
        if len(per) == 1:
            low, high = wilson(found, n)
        else:
            estimates = np.array([counts[name] / points for counts, points in each])
            half = stats.t.ppf(0.5 + CONFIDENCE / 2, len(per) - 1) * estimates.std(ddof=1)
            half /= math.sqrt(len(per))
            low, high = max(0.0, float(share - half)), min(1.0, float(share + half))
        rows[name] = {"count": found, "share": share, "low": low, "high": high}
    return {
        "points": n,
        "method": method,
        "replicates": len(per),
        "confidence": CONFIDENCE,
        "shares": rows,
        "causes": model.regions.causes(total) if model.regions.causes else {},
        "tally": total,
    }


def wilson(count: int, n: int) -> tuple[float, float]:
    """The Wilson score interval of a binomial share."""
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
