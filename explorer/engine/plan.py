"""Sweep plans: coordinates, chunking and tasks, as pure arithmetic (no I/O).

A task computes one block of the full swept grid (or of the sample). Every output is
stored only over the swept dimensions it depends on, chunked like the grid along them, so
a block maps onto whole chunks of every output. An output that does not span a dimension
is written by the tasks at block index 0 along it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from explorer.engine.config import SweepConfig
from explorer.models.declaration import Choices, Model

SAMPLE_DIM = "sample"
DEFAULT_CHUNK_MIB = 32.0
TASK_SECONDS = 20.0  # a task's length when points are costly (a model's cost_per_point)
MIN_COSTLY_TASKS = 8  # ...and at least this many tasks, so every core has work
MIN_CHUNK_POINTS, MAX_CHUNK_POINTS = 1 << 12, 1 << 24


@dataclass(frozen=True)
class OutputLayout:
    name: str
    dtype: str
    dims: tuple[str, ...]  # the stored dimensions (a subset of the plan's, in its order)
    params: tuple[str, ...]  # swept parameters it varies with (grid: equal to dims)


@dataclass(frozen=True)
class BlockGrid:
    """How a swept grid (or sample) is cut into blocks: one task and one chunk of every
    output each. Block ids are the block's indices joined by dots ("0.3.1")."""

    dims: tuple[str, ...]
    shape: tuple[int, ...]
    chunks: tuple[int, ...]

    @property
    def n_points(self) -> int:
        return math.prod(self.shape)

    @property
    def n_blocks(self) -> tuple[int, ...]:
        return tuple(math.ceil(n / c) for n, c in zip(self.shape, self.chunks))

    def blocks(self):
        """Every block index, in C order."""
        return itertools.product(*(range(n) for n in self.n_blocks))

    def block_id(self, block: tuple[int, ...]) -> str:
        return ".".join(map(str, block))

    def parse_block_id(self, text: str) -> tuple[int, ...] | None:
        """The block a ledger name stands for, or None if it names no block of this grid."""
        parts = text.split(".")
        if len(parts) != len(self.dims) or not all(p.isdigit() for p in parts):
            return None
        block = tuple(int(p) for p in parts)
        return block if all(i < n for i, n in zip(block, self.n_blocks)) else None

    def block_slices(self, block: tuple[int, ...]) -> tuple[slice, ...]:
        return tuple(
            slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(block, self.chunks, self.shape)
        )

    def block_points(self, block: tuple[int, ...]) -> int:
        return math.prod(s.stop - s.start for s in self.block_slices(block))

    def writes(self, block: tuple[int, ...], dims: tuple[str, ...]) -> bool:
        """Whether this block writes the outputs stored over ``dims``."""
        return all(i == 0 for d, i in zip(self.dims, block) if d not in dims)

    def chunk_index(self, block: tuple[int, ...], dims: tuple[str, ...]) -> tuple[int, ...]:
        """The chunk of an output stored over ``dims`` that ``block`` writes."""
        return tuple(i for d, i in zip(self.dims, block) if d in dims)

    def as_dict(self) -> dict:
        return {"dims": list(self.dims), "shape": list(self.shape), "chunks": list(self.chunks)}


@dataclass(frozen=True)
class Plan(BlockGrid):
    model: Model | None = None  # the model's declaration
    choices: Choices = ()  # its variants, as chosen
    coords: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # swept params
    fixed: dict[str, float] = field(default_factory=dict)
    outputs: tuple[OutputLayout, ...] = ()
    sampled: bool = False

    def groups(self) -> dict[tuple[str, ...], tuple[OutputLayout, ...]]:
        """Outputs that share stored dimensions are computed together."""
        grouped: dict[tuple[str, ...], list[OutputLayout]] = {}
        for layout in self.outputs:
            grouped.setdefault(layout.dims, []).append(layout)
        return {dims: tuple(layouts) for dims, layouts in grouped.items()}

    @property
    def grid(self) -> BlockGrid:
        return BlockGrid(self.dims, self.shape, self.chunks)


def make_plan(config: SweepConfig) -> Plan:
    spec, choices = config.spec, config.choices
    swept = config.swept()
    outputs = []
    for name in config.output_names():
        params = tuple(p for p in spec.depends_on(name, choices) if p in swept)
        dims = (SAMPLE_DIM,) if config.sample is not None and params else params
        outputs.append(OutputLayout(name, spec.output(name).dtype, dims, params))
    if config.sample is not None:
        coords = sample_points(config)
        dims: tuple[str, ...] = (SAMPLE_DIM,)
    else:
        coords = {name: config.axes[name].coordinates() for name in swept}
        dims = swept
    shape = tuple(len(coords[d]) for d in dims) if config.sample is None else (config.sample.n,)
    full = [o for o in outputs if len(o.dims) == len(dims)] or outputs
    bytes_per_point = sum(np.dtype(o.dtype).itemsize for o in full)
    seconds = point_seconds(config, coords)
    # Costly points make small grids: runs of the last dimensions keep a task's outputs
    # in one chunk each, where cutting every dimension would make one file per point.
    layout = (
        slice_chunk_shape if config.chunk_layout == "slices" and seconds is None else chunk_shape
    )
    return Plan(
        model=spec,
        choices=choices,
        dims=dims,
        shape=shape,
        coords=coords,
        fixed=dict(config.fixed),
        chunks=layout(shape, target_points(config, bytes_per_point, seconds, shape)),
        outputs=tuple(outputs),
        sampled=config.sample is not None,
    )


def point_seconds(config: SweepConfig, coords: dict[str, np.ndarray]) -> float | None:
    """The model's declared seconds per point at the sweep's costliest values, if any."""
    cost = config.spec.cost_per_point
    if cost is None:
        return None
    values = {name: float(np.max(values)) for name, values in coords.items()}
    return float(cost({**config.fixed, **values}))


def target_points(
    config: SweepConfig, bytes_per_point: int, seconds: float | None = None, shape=()
) -> int:
    """Points per task: the config's, else about TASK_SECONDS of work (and at least
    MIN_COSTLY_TASKS tasks) for costly points, else a chunk of about ``chunk_mib``."""
    if config.chunk_points is not None:
        return config.chunk_points
    if seconds is not None:
        share = math.ceil(math.prod(shape) / MIN_COSTLY_TASKS)
        return max(1, min(int(TASK_SECONDS / max(seconds, 1e-9)), share))
    mib = config.chunk_mib or DEFAULT_CHUNK_MIB
    points = int(mib * 2**20 / max(1, bytes_per_point))
    return min(MAX_CHUNK_POINTS, max(MIN_CHUNK_POINTS, points))


def chunk_shape(shape: tuple[int, ...], points: int) -> tuple[int, ...]:
    """Fill chunks from the last (fastest) dimension, so each block is one C-order run.

    Sizes are evened out (400 in chunks of at most 327 becomes 2 x 200, not 327 + 73) so
    no block is a sliver padded to full chunk size in the store.
    """
    chunks = []
    left = max(1, points)
    for n in reversed(shape):
        size = even_length(n, left)
        chunks.append(size)
        left = max(1, left // size)
    return tuple(reversed(chunks))


def slice_chunk_shape(shape: tuple[int, ...], points: int) -> tuple[int, ...]:
    """Chunks of about ``points`` that cut every dimension into a similar number of pieces
    (``n ** g`` along a dimension of length ``n``), so a 2-D slice along any pair reads a
    small part of the grid: (n_i * n_j) ** (1 - g) chunks' worth instead of whole rows."""
    total = math.prod(shape)
    if total <= points:
        return tuple(shape)
    g = math.log(points) / math.log(total)
    chunks = [max(1, min(n, round(n**g))) for n in shape]
    return tuple(even_length(n, c) for n, c in zip(shape, chunks))


def even_length(n: int, most: int) -> int:
    """The chunk length that cuts an axis of ``n`` into the fewest pieces of at most
    ``most``, evened out (400 by at most 327: 200, not 327 + 73)."""
    return math.ceil(n / math.ceil(n / max(1, min(n, most))))


def sample_points(config: SweepConfig) -> dict[str, np.ndarray]:
    """The design's points, seeded and scaled to the bounds, one array per parameter."""
    from scipy.stats import qmc  # slow to import; only sampled sweeps need it

    sample = config.sample
    names = config.swept()
    low = np.array([sample.bounds[n][0] for n in names])
    high = np.array([sample.bounds[n][1] for n in names])
    if sample.method == "uniform":
        unit = np.random.default_rng(sample.seed).random((sample.n, len(names)))
    elif sample.method == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(names), seed=sample.seed).random(sample.n)
    else:
        unit = qmc.Sobol(d=len(names), scramble=True, seed=sample.seed).random(sample.n)
    unit = apply_distributions(unit, names, sample.distributions)
    points = qmc.scale(unit, low, high) if len(names) else unit
    return {n: np.ascontiguousarray(points[:, i]) for i, n in enumerate(names)}


def apply_distributions(unit: np.ndarray, names, distributions: dict) -> np.ndarray:
    """Uniform points in the unit cube (n x d, columns in ``names`` order) moved to each
    column's distribution on [0, 1] by its inverse CDF; columns without one stay uniform."""
    if not distributions:
        return unit
    shaped = np.array(unit, dtype=np.float64)
    for k, name in enumerate(names):
        if name in distributions:
            shaped[:, k] = distributions[name].frozen().ppf(shaped[:, k])
    return shaped
