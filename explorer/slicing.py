"""Stored sweeps as lazy Datasets, and 2-D slices read from the store or solved exactly."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from explorer import store
from explorer.config import SweepConfig, load_config
from explorer.models import get_model
from explorer.plan import SAMPLE_DIM

ON_GRID_RTOL = 1e-9  # an `at` value this close to a stored coordinate is that coordinate


class SliceError(ValueError):
    """A slice that cannot be made as asked; the message says what is available."""


def open_sweep(source: str | Path, broadcast: bool = True, dask: bool = True) -> xr.Dataset:
    """A stored sweep as a lazy Dataset.

    With ``broadcast`` every output spans the full grid (lazily: an output stored over
    fewer dimensions is repeated on selection, never copied). Without ``dask``, selections
    read their chunks straight through zarr: less overhead for one slice at a time.
    """
    url = str(source)
    if not store.exists(url):
        raise SliceError(
            f"{url} is not a sweep store (no zarr.json); give the path that `explorer run` printed"
        )
    ds = xr.open_zarr(url, chunks={} if dask else None)
    if "config_hash" not in ds.attrs:
        raise SliceError(f"{url} is a zarr store but not one written by `explorer run`")
    if not broadcast:
        return ds
    dims = grid_dims(ds)
    full = xr.Dataset(coords=ds.coords, attrs=ds.attrs)
    for name, var in ds.data_vars.items():
        shape = {d: ds.sizes[d] for d in dims if d not in var.dims}
        full[name] = var.expand_dims(shape).transpose(*dims) if shape else var.transpose(*dims)
    return full


@lru_cache(maxsize=8)
def open_cached(url: str) -> xr.Dataset:
    """For slicing and servers: one lazy Dataset per store for the life of the process."""
    return open_sweep(url, broadcast=False, dask=False)


def grid_dims(ds: xr.Dataset) -> tuple[str, ...]:
    """The swept dimensions in the model's parameter order (or the sample dimension)."""
    if SAMPLE_DIM in ds.dims:
        return (SAMPLE_DIM,)
    order = get_model(ds.attrs["model"]).parameters_of(ds.attrs["game"])
    return tuple(p for p in order if p in ds.dims)


def make_slice(
    source,
    x: str,
    y: str,
    at: Mapping[str, float] | None = None,
    var: str = "outcome",
) -> xr.DataArray:
    """A 2-D slice of ``var`` over ``x`` (columns) and ``y`` (rows), other dimensions at ``at``.

    ``source`` is a store (path, URL or an opened Dataset), a sweep config (.toml path or
    ``SweepConfig``) or a parameter set (a dict of values, with arrays for ``x`` and ``y``
    and optionally ``game``, ``rho_form`` and ``model``). From a store, values on the stored
    grid are read; if any ``at`` value is off the grid, the slice is solved exactly with the
    kernel (never interpolated). ``result.attrs["source"]`` says which ("store" or
    "computed").
    """
    at = dict(at or {})
    if isinstance(source, Mapping) and not isinstance(source, xr.Dataset):
        return _slice_parameters(dict(source), x, y, at, var)
    if isinstance(source, SweepConfig) or str(source).endswith(".toml"):
        config = source if isinstance(source, SweepConfig) else load_config(source)
        return _slice_config(config, x, y, at, var)
    ds = source if isinstance(source, xr.Dataset) else open_cached(str(source))
    return _slice_store(ds, x, y, at, var)


def _check_axes(x: str, y: str, dims: tuple[str, ...], var: str, outputs) -> None:
    if var not in outputs:
        raise SliceError(f"output {var!r} is not here; choose one of {sorted(outputs)}")
    for axis, name in (("x", x), ("y", y)):
        if name not in dims:
            raise SliceError(
                f"{axis} = {name!r} is not a swept dimension; choose from {list(dims)}"
            )
    if x == y:
        raise SliceError(f"x and y are both {x!r}; choose two different dimensions")


def _slice_store(ds: xr.Dataset, x: str, y: str, at: dict, var: str) -> xr.DataArray:
    dims = grid_dims(ds)
    _check_axes(x, y, dims, var, ds.data_vars)
    others = [d for d in dims if d not in (x, y)]
    fixed = {c: float(ds[c]) for c in ds.coords if ds[c].ndim == 0}
    unknown = [k for k in at if k not in others and k not in fixed]
    if unknown:
        raise SliceError(
            f"at: {unknown[0]!r} is neither a swept dimension other than x and y "
            f"nor a fixed parameter; choose from {others + sorted(fixed)}"
        )
    missing = [d for d in others if d not in at]
    if missing:
        ranges = ", ".join(
            f"{d} in [{float(ds[d].min()):g}, {float(ds[d].max()):g}] ({ds.sizes[d]} stored values)"
            for d in missing
        )
        raise SliceError(f"give a value for every other swept dimension with at: {ranges}")
    index, off_grid = {}, {}
    for name, value in at.items():
        value = float(value)
        if name in fixed:
            if not np.isclose(value, fixed[name], rtol=ON_GRID_RTOL, atol=0):
                off_grid[name] = value
            continue
        coords = ds[name].values
        hit = np.flatnonzero(np.isclose(coords, value, rtol=ON_GRID_RTOL, atol=1e-15))
        if hit.size:
            index[name] = int(hit[0])
        else:
            off_grid[name] = value
    if not off_grid:
        data = ds[var].isel({k: v for k, v in index.items() if k in ds[var].dims})
        data = data.drop_vars([c for c in data.coords if c not in (x, y)])
        xs, ys = ds[x], ds[y]
        data = data.broadcast_like(xr.Dataset(coords={y: ys, x: xs})).transpose(y, x).load()
        source = "store"
    else:
        params = {**fixed, **{d: float(ds[d].values[i]) for d, i in index.items()}, **off_grid}
        params[x] = ds[x].load()
        params[y] = ds[y].load()
        data = _solve(ds.attrs, params, var).transpose(y, x)
        where = ", ".join(f"{k}={v:g}" for k, v in off_grid.items())
        source = f"computed (off the stored grid: {where})"
    return _finish(data, ds.attrs, var, {**fixed, **at}, source)


def _slice_config(config: SweepConfig, x: str, y: str, at: dict, var: str) -> xr.DataArray:
    dims = config.swept()
    _check_axes(x, y, dims, var, config.output_names())
    if config.sample is not None:
        raise SliceError(
            "a sampled sweep has no grid to slice; run it and slice the store, "
            "or use a config with [axes]"
        )
    others = [d for d in dims if d not in (x, y)]
    missing = [d for d in others if d not in at]
    if missing:
        raise SliceError(f"give a value for every other swept dimension with at: {missing}")
    params = {**config.fixed, **{k: float(v) for k, v in at.items()}}
    for axis in (x, y):
        values = config.axes[axis].coordinates()
        params[axis] = xr.DataArray(values, dims=axis, coords={axis: values})
    attrs = {"model": config.model, "game": config.game, "rho_form": config.rho_form}
    data = _solve(attrs, params, var).transpose(y, x)
    return _finish(data, attrs, var, {**config.fixed, **at}, "computed")


def _slice_parameters(params: dict, x: str, y: str, at: dict, var: str) -> xr.DataArray:
    attrs = {
        "model": params.pop("model", "coalition"),
        "game": params.pop("game", "revisionist"),
        "rho_form": params.pop("rho_form", "linear"),
    }
    for axis in (x, y):
        if np.ndim(params.get(axis)) != 1:
            raise SliceError(f"the parameter set needs a 1-D array of values for {axis!r}")
        params[axis] = xr.DataArray(np.asarray(params[axis], dtype=float), dims=axis)
    params.update(at)
    data = _solve(attrs, params, var).transpose(y, x)
    point = {k: v for k, v in params.items() if k not in (x, y)}
    return _finish(data, attrs, var, point, "computed")


def _solve(attrs: Mapping, params: dict, var: str) -> xr.DataArray:
    from explorer.solving import solve

    try:
        ds = solve(
            game=attrs["game"],
            rho_form=attrs["rho_form"],
            model=attrs["model"],
            outputs=[var],
            **params,
        )
    except ValueError as err:
        raise SliceError(str(err)) from None
    return ds[var]


def _finish(data: xr.DataArray, attrs: Mapping, var: str, point: dict, source: str):
    spec = get_model(attrs["model"])
    data = data.drop_vars([c for c in data.coords if c not in data.dims])
    data.name = var
    data.attrs = {
        **data.attrs,
        "source": source,
        "game": attrs["game"],
        "rho_form": attrs["rho_form"],
        "model": attrs["model"],
        "at": {k: float(v) for k, v in point.items()},
    }
    from explorer.labels import output_attrs

    data.attrs.update(output_attrs(spec, var))
    return data
