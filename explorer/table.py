"""Readable terminal tables of solved points."""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from explorer.models import get_model


def format_table(ds: xr.Dataset, columns: Sequence[str]) -> str:
    """One row per point: swept parameters, then ``columns`` with codes spelled out."""
    spec = get_model(ds.attrs["model"])
    frame = ds[[c for c in columns if c in ds]].to_dataframe().reset_index()
    frame = frame[[c for c in frame.columns if c in ds.dims or c in columns]]
    for name in columns:
        output = spec.output(name)
        if output.labels:
            frame[name] = frame[name].map(output.labels)
        elif name == "flags":
            frame[name] = frame[name].map(lambda bits: describe_flags(spec.flag_names, bits))
    return frame.to_string(index=False, float_format=lambda x: f"{x:.4g}", na_rep="NaN")


def describe_flags(names: dict[int, str], bits: int) -> str:
    bits = int(bits)
    return "; ".join(label for bit, label in names.items() if bits & bit) or "-"
