"""The one place user-supplied choices and values are checked against a model's
declaration: ``explorer.solve``, sweep configs and the command line all call these, each
wrapping the ``ValueError`` in its own error type and prefixing where the value came from.

Every error names the bad value, what is allowed, and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

import numpy as np

from explorer.models import available, default_model, get_model
from explorer.models.declaration import Choices, Model


def suggest(name: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_choice(kind: str, value, valid: Iterable[str]) -> None:
    valid = list(valid)
    if value not in valid:
        raise ValueError(
            f"{kind} = {value!r} is unknown{suggest(value, valid)}; choose one of {valid}"
        )


def model_named(name: str | None) -> Model:
    """The model called ``name`` (the default model for None)."""
    if name is None:
        return default_model()
    try:
        return get_model(name)
    except ValueError:
        check_choice("model", name, available())  # (names the choices, the nearest first)
        raise


def choose(model: Model, given: Mapping[str, object]) -> Choices:
    """Every variant's choice: the given ones, checked, and defaults for the rest."""
    for name, value in given.items():
        check_choice(name, value, model.variant(name).choices)
    return model.choices(given)


def check_outputs(model: Model, outputs: Iterable[str]) -> tuple[str, ...]:
    outputs = tuple(outputs)
    if not outputs:
        raise ValueError(
            "no outputs asked for; name at least one of " + str(list(model.output_names))
        )
    for name in outputs:
        check_choice("outputs", name, model.output_names)
    return outputs


def context(model: Model, choices: Choices) -> str:
    """How the choices read in a sentence (each variant's declared phrase)."""
    phrases = [model.variant(n).phrase.format(c) for n, c in choices if model.variant(n).drops]
    return ", ".join(phrases) or f"the {model.name} model"


def check_parameter_name(model: Model, choices: Choices, name: str) -> None:
    """``name`` is a parameter these choices take."""
    wanted = model.parameters_of(choices)
    if name in wanted:
        return
    where = context(model, choices)
    if name in model.parameter_names:
        raise ValueError(
            f"parameter {name!r} plays no role in {where}; remove it ({where} takes {list(wanted)})"
        )
    raise ValueError(
        f"unknown parameter {name!r}{suggest(name, wanted)}; {where} takes {list(wanted)}"
    )


def check_parameters_present(
    model: Model, choices: Choices, names: Iterable[str], fix: str = "give a value for"
) -> None:
    """Every parameter these choices take is among ``names``."""
    names = set(names)
    missing = [p for p in model.parameters_of(choices) if p not in names]
    if missing:
        described = "; ".join(
            f"{p} ({model.parameter(p).meaning}, domain {model.parameter(p).domain})"
            for p in missing
        )
        raise ValueError(f"missing parameter(s) {missing}: {fix} {described}")


def check_parameter_values(model: Model, name: str, values) -> np.ndarray:
    """Values as float64, or a ValueError naming the first one outside the domain."""
    param = model.parameter(name)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} = {values!r} is not numeric; give a number in {param.domain}"
        ) from None
    if param.integer:
        fractional = param.domain.contains(array) & (array != np.round(array))
        if fractional.any():
            first = float(array[fractional].flat[0])
            raise ValueError(
                f"{name} = {first!r} is not a whole number ({name}: {param.meaning}); "
                f"use a whole number in {param.domain}"
            )
    bad = ~param.domain.contains(array)
    if bad.any():
        first = float(array[bad].flat[0])
        count = f" ({int(bad.sum())} of {array.size} values)" if array.size > 1 else ""
        raise ValueError(
            f"{name} = {first!r} is outside its domain {param.domain}{count} "
            f"({name}: {param.meaning}); use values in {param.domain}"
        )
    return array
