"""Model declarations: parameters, outputs and what each output depends on.

Pure data (no numba, no xarray), so the engine can plan a sweep from a model's
declaration alone and a second model plugs in by declaring itself the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


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
            return "inf" if math.isinf(x) else f"{x:g}"

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
    symbol: str  # the paper's symbol, for labels
    domain: Interval
    meaning: str


@dataclass(frozen=True)
class Output:
    name: str
    dtype: str
    meaning: str
    depends_on: tuple[str, ...]  # parameter names; the output is constant along all others
    labels: dict[int, str] = field(default_factory=dict)  # for categorical codes
    units: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """Everything the engine needs to know about a model."""

    name: str
    citation: str
    parameters: tuple[Parameter, ...]
    outputs: tuple[Output, ...]
    games: dict[str, tuple[str, ...]]  # game name -> parameter names it takes
    forms: tuple[str, ...]  # names of the functional forms a kernel can be built for
    build_kernel: Callable[..., np.ufunc]  # (game, form, outputs, parallel) -> gufunc
    build_grid_kernel: Callable  # (game, form, axes, outputs, parallel) -> grid loop
    flag_names: dict[int, str] = field(default_factory=dict)  # bit value -> name
    # (game, form, axes, design) -> loop counting (outcome + 1, paper_agrees, flags)
    build_tally_kernel: Callable | None = None
    tally_shape: tuple[int, ...] = ()

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    def output(self, name: str) -> Output:
        return next(o for o in self.outputs if o.name == name)

    def parameters_of(self, game: str) -> tuple[str, ...]:
        return self.games[game]

    def depends_on(self, output: str, game: str) -> tuple[str, ...]:
        """The parameters of ``game`` that ``output`` varies with, in game order."""
        wanted = set(self.output(output).depends_on)
        return tuple(p for p in self.games[game] if p in wanted)
