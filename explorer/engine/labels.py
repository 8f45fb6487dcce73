"""Self-describing attributes on solved datasets (CF-style, so other tools read them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.models.declaration import Model

if TYPE_CHECKING:
    import xarray as xr

# A categorical output's code where no block has written yet (-2 is no category code, and
# the fill value of int8 outputs in a store, so such chunks stand out).
NOT_COMPUTED = -2


def output_attrs(model: Model, name: str) -> dict:
    """Meaning, dependencies and CF labels of one output, from the model declaration."""
    output = model.output(name)
    attrs = {"long_name": output.meaning, "depends_on": list(output.depends_on)}
    if output.labels:
        attrs["flag_values"] = list(output.labels)
        attrs["flag_meanings"] = " ".join(_token(label) for label in output.labels.values())
    if output.bits:
        attrs["flag_masks"] = list(output.bits)
        attrs["flag_meanings"] = " ".join(_token(label) for label in output.bits.values())
    return attrs


def annotate(ds: xr.Dataset, model: Model) -> xr.Dataset:
    """Attach meanings, categorical labels and flag names from the model declaration."""
    for name in ds.data_vars:
        ds[name].attrs.update(output_attrs(model, name))
    for param in model.parameters:
        if param.name in ds.coords:
            ds[param.name].attrs.update(
                long_name=param.meaning, symbol=param.symbol, domain=str(param.domain)
            )
    return ds


def _token(label: str) -> str:
    """A flag description as one whitespace-free token, as CF flag_meanings requires."""
    return "_".join(label.split())
