"""Readable terminal tables of solved points."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from explorer.engine.labels import NOT_COMPUTED
from explorer.engine.stored import model_of


def format_table(ds: xr.Dataset, columns: Sequence[str]) -> str:
    """One row per point: swept parameters, then ``columns`` with codes spelled out."""
    spec, _ = model_of(ds.attrs)
    frame = ds[[c for c in columns if c in ds]].to_dataframe().reset_index()
    frame = frame[[c for c in frame.columns if c in ds.dims or c in columns]]
    for name in columns:
        output = spec.output(name)
        if output.labels:
            frame[name] = frame[name].map(output.labels)
        elif output.bits:
            frame[name] = frame[name].map(lambda bits, o=output: describe_flags(o.bits, bits))
    return frame.to_string(index=False, float_format=lambda x: f"{x:.4g}", na_rep="NaN")


def describe_flags(names: dict[int, str], bits: int) -> str:
    bits = int(bits)
    return "; ".join(label for bit, label in names.items() if bits & bit) or "-"


MAX_GRID_CELLS = 40 * 25


def format_grid(data) -> str:
    """A small 2-D slice as a labelled table; a large one as a summary that says how to
    get all of it."""
    import pandas as pd

    spec, _ = model_of(data.attrs)
    output = spec.output(data.name)
    labels = {**output.labels, NOT_COMPUTED: "not computed yet"} if output.labels else {}
    y, x = data.dims
    if data.size > MAX_GRID_CELLS:
        counts = ""
        if output.labels:
            codes, n = np.unique(data.values, return_counts=True)
            counts = "; ".join(
                f"{labels.get(int(c), c)} {k / data.size:.1%}" for c, k in zip(codes, n)
            )
        else:
            counts = f"min {np.nanmin(data.values):.4g}, max {np.nanmax(data.values):.4g}"
        return (
            f"{data.sizes[y]} x {data.sizes[x]} points: {counts}. Too large to print "
            f"(limit {MAX_GRID_CELLS} cells): use --csv FILE or `explorer plot`."
        )
    values = data.values
    if output.labels:
        legend = ", ".join(f"{c}={label}" for c, label in output.labels.items())
        frame = pd.DataFrame(values, index=data[y].values, columns=data[x].values)
        return frame.to_string(float_format=lambda v: f"{v:.4g}") + f"\ncodes: {legend}"
    frame = pd.DataFrame(values, index=data[y].values, columns=data[x].values)
    return frame.to_string(float_format=lambda v: f"{v:.4g}")
