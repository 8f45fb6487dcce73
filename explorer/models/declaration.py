"""What a model declares: everything the engine, views and analyses read about it.

A model is a ``Model`` (this module's types, filled in by the model's own package) plus a
scalar ``@njit`` point solver. The engine receives the ``Model`` object and reads every
model-specific fact from it: parameters and domains, variants (choices such as which game
or which functional form), outputs with their dtypes, units and dependencies, categorical
labels and colours, presets, default axes, the curves a plot may overlay, the claims a
check tests, what region shares and sensitivity analyses count, and table columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kernels import loops

Choices = tuple[tuple[str, str], ...]  # (variant, choice) for every variant, in order


@dataclass(frozen=True)
class Interval:
    """A real interval such as ``(0, 1)`` or ``[0, inf)``."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    def contains(self, values: np.ndarray | float) -> np.ndarray:
        """Elementwise membership; NaN is never a member."""
        v = np.asarray(values, dtype=np.float64)
        above = v >= self.low if self.low_closed else v > self.low
        below = v <= self.high if self.high_closed else v < self.high
        return above & below

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            return ("-inf" if x < 0 else "inf") if math.isinf(x) else f"{x:g}"

        return (
            f"{'[' if self.low_closed else '('}{fmt(self.low)}, "
            f"{fmt(self.high)}{']' if self.high_closed else ')'}"
        )


def interval(text: str) -> Interval:
    """Parse ``"(0, 1]"``-style notation; ``inf`` is allowed as a bound."""
    text = text.strip()
    low, high = (float(part) for part in text[1:-1].split(","))
    return Interval(low, high, text[0] == "[", text[-1] == "]")


@dataclass(frozen=True)
class Parameter:
    name: str
    symbol: str  # the source's symbol, for labels
    domain: Interval
    meaning: str
    units: str = ""
    integer: bool = False  # only whole numbers (counts, seeds)


@dataclass(frozen=True)
class Variant:
    """A choice made once per sweep (a config key and a command-line option), such as
    which game is played or which functional form a kernel is built for."""

    name: str
    choices: tuple[str, ...]
    default: str
    meaning: str
    drops: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # choice -> params
    phrase: str = "{}"  # a choice in a sentence, e.g. "the {} game"


@dataclass(frozen=True)
class Output:
    name: str
    dtype: str
    meaning: str
    depends_on: tuple[str, ...]  # parameter names; the output is constant along all others
    labels: Mapping[int, str] = field(default_factory=dict)  # categorical codes
    colors: Mapping[int, str] = field(default_factory=dict)  # fixed colour per code
    bits: Mapping[int, str] = field(default_factory=dict)  # a bitmask's flag names
    units: str = ""
    symbol: str = ""
    log: bool = False  # continuous and positive: drawn on a logarithmic colour scale

    @property
    def kind(self) -> str:
        """categorical, bitmask, boolean or continuous: how it is drawn and tabled."""
        if self.labels:
            return "categorical"
        if self.bits:
            return "bitmask"
        return "boolean" if self.dtype == "bool" else "continuous"


@dataclass(frozen=True)
class Overlay:
    """A curve a plot draws: ``output`` gives the value of parameter ``axis`` along the
    plane's other axis (it must not depend on ``axis``). ``where(values)``, given the
    solved outputs it ``needs`` and the parameters, says where the curve applies."""

    output: str
    axis: str
    label: str
    color: str = "black"
    dash: str = "dashed"
    where: Callable[[Mapping], np.ndarray] | None = None
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """A statement ``explorer check`` tests at every point: ``test(view)`` gives boolean
    masks (checked, violating) over the points, or lower grid neighbours, it covers."""

    statement: str
    claim: str
    kind: str  # e.g. "exact", "closed form", "analytic derivative"
    test: Callable
    needs_axis: str | None = None  # a swept grid axis ("a" or "a+b") it runs along
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # where it applies


@dataclass(frozen=True)
class Tally:
    """Coded outputs counted jointly by the streaming kernels: ``counted`` pairs each with
    the offset that makes its codes start at 0; ``shape`` is the table's shape."""

    counted: tuple[tuple[str, int], ...]
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Checks:
    """What ``explorer check`` tests, and what it reports from the joint counts."""

    claims: tuple[Claim, ...]
    outputs: tuple[str, ...]  # the outputs the claims read
    title: str = "The model's claims"  # the report's heading for them
    whole_axes: tuple[str, ...] = ()  # axes a task keeps whole (neighbour pairs along them)
    example_outputs: tuple[str, ...] = ()  # shown beside each counterexample
    valid: Callable[[Mapping], np.ndarray] | None = None  # points where assumptions hold
    summarise: Callable[[np.ndarray], dict] | None = None  # tally -> report sections
    describe: Callable[[dict, str], list[str]] | None = None  # (report, "text"|"markdown")
    # Report where each claim holds along every swept grid axis (for claims that map
    # regions of the parameter space rather than test a theorem).
    profiles: bool = False


@dataclass(frozen=True)
class Regions:
    """Region shares: ``count(tally)`` gives points per region label; ``causes(tally)``
    an optional breakdown reported beside them."""

    count: Callable[[np.ndarray], dict[str, int]]
    causes: Callable[[np.ndarray], dict[str, int]] | None = None


@dataclass(frozen=True)
class Sensitivity:
    """Sobol' targets: each maps the solved ``outputs`` to an array over the design."""

    targets: Mapping[str, Callable[[Mapping], np.ndarray]]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Workload:
    """What ``explorer bench`` solves: ``outputs`` over a grid spanning ``ranges`` (one axis
    per entry), the other parameters at ``fixed``, with these variant choices."""

    ranges: Mapping[str, tuple[float, float]]
    fixed: Mapping[str, float]
    outputs: tuple[str, ...]
    choices: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Model:
    """Everything the engine needs to know about a model."""

    name: str
    title: str
    citation: str
    parameters: tuple[Parameter, ...]
    outputs: tuple[Output, ...]
    # (**choices) -> the @njit point solver f(*solver_parameters) -> outputs, in order
    point_solver: Callable[..., Callable]
    variants: tuple[Variant, ...] = ()
    presets: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # `explorer solve` with nothing given: the first preset over these axes and choices.
    default_axes: Mapping[str, str] = field(default_factory=dict)
    default_choices: Mapping[str, str] = field(default_factory=dict)
    plane: tuple[str, str] | None = None  # (x, y) shown first, where both are swept
    overlays: tuple[Overlay, ...] = ()
    table_columns: tuple[str, ...] = ()
    tally: Tally | None = None
    checks: Checks | None = None
    regions: Regions | None = None
    sensitivity: Sensitivity | None = None
    workload: Workload | None = None  # what `explorer bench` solves
    # "module:attribute" of benchmark cases for other ways to solve it (numpy, ...); a
    # path, so that the benchmark machinery is imported only by benchmarks
    baselines: str = ""
    # "module" with the model's own benchmark (`explorer bench --model NAME`): its
    # ``run(quick, repeat, show) -> dict`` and ``format_report(dict) -> str``.
    bench: str = ""
    # A TOML file of the published regression results that test the model (read by
    # `explorer empirics`; layout in explorer/empirics/published.py), if any.
    empirics: str = ""
    # Seconds one point takes on one core, from the parameters' values (swept ones at
    # their largest), for models whose points are costly: the planner then sizes tasks
    # by time rather than by bytes, so long sweeps report progress and resume finely.
    cost_per_point: Callable[[Mapping[str, float]], float] | None = None
    default: bool = False  # the model a config without ``model`` means
    _signatures: dict = field(default_factory=dict, init=False, repr=False)

    def __reduce__(self):
        """Pickled by name (for dask workers): unpickling looks the model up again."""
        from explorer.models import get_model

        return get_model, (self.name,)

    # ---- look-ups ----
    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    def output(self, name: str) -> Output:
        return next(o for o in self.outputs if o.name == name)

    def variant(self, name: str) -> Variant:
        return next(v for v in self.variants if v.name == name)

    @cached_property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @cached_property
    def output_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outputs)

    @cached_property
    def defaults(self) -> Choices:
        return tuple((v.name, v.default) for v in self.variants)

    def choices(self, given: Mapping[str, str] | None = None) -> Choices:
        """Every variant's choice: the given ones (already validated), defaults for others."""
        given = given or {}
        return tuple((v.name, given.get(v.name, v.default)) for v in self.variants)

    def parameters_of(self, choices: Choices) -> tuple[str, ...]:
        """The parameters these choices take, in the model's order."""
        dropped = {p for name, choice in choices for p in self.variant(name).drops.get(choice, ())}
        return tuple(p for p in self.parameter_names if p not in dropped)

    def depends_on(self, output: str, choices: Choices) -> tuple[str, ...]:
        """The parameters of ``choices`` that ``output`` varies with, in model order."""
        wanted = set(self.output(output).depends_on)
        return tuple(p for p in self.parameters_of(choices) if p in wanted)

    def first_plane(self, dims) -> tuple[str, str] | None:
        """The (x, y) a view of a grid over ``dims`` shows first: the model's plane where
        both are swept, else the first two dimensions (None with fewer than two)."""
        dims = tuple(dims)
        if len(dims) < 2:
            return None
        return self.plane if self.plane and set(self.plane) <= set(dims) else dims[:2]

    def describe(self, choices: Choices) -> str:
        """The model and its choices in a few words ("name: variant choice, ...")."""
        chosen = ", ".join(f"{name} {choice}" for name, choice in choices)
        return f"{self.name}: {chosen}" if chosen else self.name

    # ---- kernels, generated from the point solver (see kernels.loops) ----
    def signature(self, choices: Choices) -> loops.Signature:
        """The point solver for these choices, as the loop generators take it."""
        with loops.compile_lock:
            if choices not in self._signatures:
                # The key names this declaration object: compiled loops are cached by it.
                self._signatures[choices] = loops.Signature(
                    key="/".join([f"{self.name}@{id(self):x}", *(c for _, c in choices)]),
                    arguments=self.parameter_names,
                    takes=self.parameters_of(choices),
                    outputs=tuple((o.name, o.dtype) for o in self.outputs),
                    solver=self.point_solver(**dict(choices)),
                )
            return self._signatures[choices]

    def gufunc(self, choices: Choices, outputs, parallel: bool = False):
        return loops.gufunc(self.signature(choices), tuple(outputs), parallel)

    def grid_loop(self, choices: Choices, axes, outputs, parallel: bool = False, counted=()):
        return loops.grid_loop(
            self.signature(choices), tuple(axes), tuple(outputs), parallel, tuple(counted)
        )

    def tally_loop(self, choices: Choices, axes, design: str = "grid"):
        return loops.tally_loop(self.signature(choices), tuple(axes), self.tally.counted, design)

    def cuda_grid(self, choices: Choices, axes, outputs):
        return loops.cuda_grid(self.signature(choices), tuple(axes), tuple(outputs))
