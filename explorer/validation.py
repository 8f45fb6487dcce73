"""Checks of user-supplied choices and parameter values against a model's declaration.

Every error names the bad value, what is allowed, and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np

from kernels.spec import ModelSpec


def _suggest(name: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_choice(kind: str, value: str, valid: Iterable[str]) -> None:
    valid = list(valid)
    if value not in valid:
        raise ValueError(f"unknown {kind} {value!r}{_suggest(value, valid)}; choose one of {valid}")


def check_parameter_names(model: ModelSpec, game: str, names: Iterable[str]) -> None:
    """Every name is a parameter of ``game`` and every parameter of ``game`` is named."""
    wanted = model.parameters_of(game)
    names = list(names)
    for name in names:
        if name not in wanted:
            if name in {p.name for p in model.parameters}:
                raise ValueError(
                    f"parameter {name!r} plays no role in the {game} game; "
                    f"remove it (the {game} game takes {list(wanted)})"
                )
            raise ValueError(
                f"unknown parameter {name!r}{_suggest(name, wanted)}; "
                f"the {game} game takes {list(wanted)}"
            )
    missing = [p for p in wanted if p not in names]
    if missing:
        described = "; ".join(
            f"{p} ({model.parameter(p).meaning}, domain {model.parameter(p).domain})"
            for p in missing
        )
        raise ValueError(f"missing parameter(s) {missing}: give a value for {described}")


def check_parameter_values(model: ModelSpec, name: str, values) -> np.ndarray:
    """Values as float64, or a ValueError naming the first one outside the domain."""
    param = model.parameter(name)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"parameter {name} = {values!r} is not numeric; give a number in {param.domain}"
        ) from None
    bad = ~param.domain.contains(array)
    if bad.any():
        first = float(array[bad].flat[0])
        count = f" ({int(bad.sum())} of {array.size} values)" if array.size > 1 else ""
        raise ValueError(
            f"parameter {name} = {first!r} is outside its domain {param.domain}{count} "
            f"({name}: {param.meaning}); use values in {param.domain}"
        )
    return array
