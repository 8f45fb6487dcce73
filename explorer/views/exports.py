"""A slice as files a researcher takes away: CSV, NetCDF, and the figure as PNG or SVG."""

from __future__ import annotations

import io
import json

import numpy as np
import xarray as xr


def slice_csv(data: xr.DataArray) -> bytes:
    """One row per point: the row coordinate, the column coordinate, the value."""
    y, x = data.dims
    table = data.reset_coords(drop=True).to_dataframe().reset_index()[[y, x, data.name]]
    return table.to_csv(index=False).encode()


def slice_netcdf(data: xr.DataArray) -> bytes:
    """The slice as a NetCDF file, its attributes in the types NetCDF holds (mappings and
    lists of text as JSON text, booleans as 0/1)."""
    copy = data.copy()
    copy.attrs = _netcdf_attrs(copy.attrs)
    for name in copy.coords:
        copy[name].attrs = _netcdf_attrs(copy[name].attrs)
    if copy.dtype == bool:
        copy = copy.astype(np.int8)
    return bytes(copy.to_dataset().to_netcdf())


def _netcdf_attrs(attrs: dict) -> dict:
    kept = {}
    for key, value in attrs.items():
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, dict) or (
            isinstance(value, list | tuple) and not all(isinstance(v, int | float) for v in value)
        ):
            value = json.dumps(value)
        kept[key] = value
    return kept


def figure_bytes(data: xr.DataArray, fmt: str) -> bytes:
    """The slice's figure as ``fmt`` (png, svg or pdf), drawn as ``explorer plot`` draws it."""
    from explorer.views.plots import DEFAULT_DPI, matplotlib_figure

    buffer = io.BytesIO()
    matplotlib_figure(data).savefig(buffer, format=fmt, dpi=DEFAULT_DPI)
    return buffer.getvalue()
