"""Self-describing attributes on solved datasets (CF-style, so other tools read them)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from explorer.models.declaration import Model

if TYPE_CHECKING:
    import xarray as xr

# A categorical output's code where no block has written yet (-2 is no category code, and
# the fill value of int8 outputs in a store, so such chunks stand out).
NOT_COMPUTED = -2


CONVENTIONS = "CF-1.10"
DIMENSIONLESS = "1"  # CF's units of a pure number


def output_attrs(model: Model, name: str) -> dict:
    """Meaning, units, dependencies and CF labels of one output, from the declaration.
    Outputs with categories carry flag attributes and no units, as CF has it."""
    output = model.output(name)
    attrs = {"long_name": output.meaning, "depends_on": list(output.depends_on)}
    if output.symbol:
        attrs["symbol"] = output.symbol
    if output.kind == "continuous":
        attrs["units"] = output.units or DIMENSIONLESS
    if output.labels:
        attrs["flag_values"] = list(output.labels)
        attrs["flag_meanings"] = " ".join(_token(label) for label in output.labels.values())
    if output.bits:
        attrs["flag_masks"] = list(output.bits)
        attrs["flag_meanings"] = " ".join(_token(label) for label in output.bits.values())
    return attrs


def parameter_attrs(model: Model, name: str) -> dict:
    """long_name, symbol, units and domain of a parameter (a coordinate of a store)."""
    try:
        param = model.parameter(name)
    except StopIteration:  # not a parameter of the model: nothing to say
        return {}
    return {
        "long_name": param.meaning,
        "symbol": param.symbol,
        "units": param.units or DIMENSIONLESS,
        "domain": str(param.domain),
    }


def annotate(ds: xr.Dataset, model: Model) -> xr.Dataset:
    """Attach meanings, units, categorical labels and flag names from the declaration."""
    for name in ds.data_vars:
        ds[name].attrs.update(output_attrs(model, name))
    for name in ds.coords:
        ds[name].attrs.update(parameter_attrs(model, name))
    return ds


# CF allows letters, digits and _-.+@ in a flag meaning; comparisons become words.
_WORDS = (
    ("<=", " le "),
    (">=", " ge "),
    ("==", " eq "),
    ("<", " lt "),
    (">", " gt "),
    ("*", " times "),
    ("'", " prime "),
)


def _token(label: str) -> str:
    """A flag description as one token of the characters CF allows in flag_meanings."""
    for symbol, word in _WORDS:
        label = label.replace(symbol, word)
    return "_".join(re.sub(r"[^A-Za-z0-9_.+@-]+", " ", label).split())
