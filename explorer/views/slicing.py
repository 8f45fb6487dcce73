"""Stored sweeps as lazy Datasets, and 2-D slices read from the store or solved exactly."""

from __future__ import annotations

import itertools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from explorer.engine import integrity, ledger, stored
from explorer.engine.config import SweepConfig, load_config
from explorer.engine.files import normalize_url
from explorer.engine.plan import SAMPLE_DIM
from explorer.engine.store import FILL_VALUES
from explorer.engine.validation import choose, model_named
from explorer.models.declaration import Choices, Model

ON_GRID_RTOL = 1e-9  # an `at` value this close to a stored coordinate is that coordinate


class SliceError(ValueError):
    """A slice that cannot be made as asked; the message says what is available."""


def open_sweep(source: str | Path, broadcast: bool = True, dask: bool = True) -> xr.Dataset:
    """A stored sweep as a lazy Dataset.

    With ``broadcast`` every output spans the full grid (lazily: an output stored over
    fewer dimensions is repeated on selection, never copied). Without ``dask``, selections
    read their chunks straight through zarr: less overhead for one slice at a time.

    A store whose chunks do not match the ledger (missing or truncated) is an error naming
    them. In an incomplete store (a run still going, or cut short) points no finished block
    wrote are masked (NaN, or the "not computed" code of a categorical output), with a
    warning and ``attrs["complete"] = False``; ``dask=False`` leaves masking to slices.
    """
    url = normalize_url(str(source))
    attrs = stored.open_attrs(url)
    grid, done, book = stored.coverage(url, attrs)
    damage = integrity.check(url, grid, book, checksums=False)
    if damage.blocks or damage.coordinates:
        raise SliceError(f"{url} is damaged: {damage.lines()[0]}; {_repair_hint(url)}")
    ds = xr.open_zarr(url, chunks={} if dask else None)
    ds.encoding["source"] = url
    ds.attrs["complete"] = bool(done.all())
    if dask and not done.all():
        warnings.warn(
            f"{url} is incomplete: {int((~done).sum())} of {done.size} blocks are not computed "
            f"yet, and their points are masked; `explorer run {url} --resume` computes them",
            stacklevel=2,
        )
        ds = _mask_unwritten(ds, grid, done)
    if not broadcast:
        return ds
    dims = grid_dims(ds)
    full = xr.Dataset(coords=ds.coords, attrs=ds.attrs)
    for name, var in ds.data_vars.items():
        shape = {d: ds.sizes[d] for d in dims if d not in var.dims}
        full[name] = var.expand_dims(shape).transpose(*dims) if shape else var.transpose(*dims)
    return full


def _repair_hint(url: str) -> str:
    return f"run `explorer verify {url}`, then `explorer run {url} --resume --verify`"


def _mask_unwritten(ds: xr.Dataset, grid, done: np.ndarray) -> xr.Dataset:
    """Each output masked where no finished block wrote it (lazily, block by block)."""
    import dask.array as da

    masked = ds.copy()
    for name, var in ds.data_vars.items():
        by_block = done[tuple(slice(None) if d in var.dims else 0 for d in grid.dims)]

        def block(block_info=None, by_block=by_block):
            info = block_info[None]
            return np.full(info["chunk-shape"], by_block[tuple(info["chunk-location"])])

        written = xr.DataArray(
            da.map_blocks(block, chunks=var.chunks, dtype=bool) if var.dims else by_block,
            dims=var.dims,
        )
        masked[name] = _masked(var, written)
    return masked


def _masked(var: xr.DataArray, written) -> xr.DataArray:
    """Unwritten points as NaN, or as the not-computed code of a categorical output."""
    fill = FILL_VALUES.get(str(var.dtype))
    if fill is not None and fill not in var.attrs.get("flag_values", [fill]):
        return var.where(written, fill)
    return var.where(written)


@lru_cache(maxsize=8)
def open_cached(url: str) -> xr.Dataset:
    """For slicing and servers: one lazy Dataset per store for the life of the process."""
    return open_sweep(url, broadcast=False, dask=False)


def grid_dims(ds: xr.Dataset) -> tuple[str, ...]:
    """The swept dimensions in the model's parameter order (or the sample dimension)."""
    if SAMPLE_DIM in ds.dims:
        return (SAMPLE_DIM,)
    model, choices = stored.model_of(ds.attrs)
    return tuple(p for p in model.parameters_of(choices) if p in ds.dims)


def make_slice(
    source,
    x: str,
    y: str,
    at: Mapping[str, float] | None = None,
    var: str | None = None,
) -> xr.DataArray:
    """A 2-D slice of ``var`` over ``x`` (columns) and ``y`` (rows), other dimensions at ``at``.

    ``source`` is a store (path, URL or an opened Dataset), a sweep config (.toml path or
    ``SweepConfig``) or a parameter set (a dict of values, with arrays for ``x`` and ``y``
    and optionally ``model`` and the model's variant choices). From a store, values on the
    stored grid are read; if any ``at`` value is off the grid, the slice is solved exactly
    with the kernel (never interpolated). ``result.attrs["source"]`` says which ("store" or
    "computed"). ``var`` defaults to the model's first output.
    """
    at = dict(at or {})
    if isinstance(source, Mapping) and not isinstance(source, xr.Dataset):
        return _slice_parameters(dict(source), x, y, at, var)
    if isinstance(source, xr.Dataset):  # (its str() would read every coordinate)
        return _slice_store(source, x, y, at, var)
    if isinstance(source, SweepConfig) or str(source).endswith(".toml"):
        config = source if isinstance(source, SweepConfig) else load_config(source)
        return _slice_config(config, x, y, at, var)
    return _slice_store(open_cached(str(source)), x, y, at, var)


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


def _slice_store(ds: xr.Dataset, x: str, y: str, at: dict, var: str | None) -> xr.DataArray:
    solved = stored.model_of(ds.attrs)
    var = var or solved[0].output_names[0]
    dims = grid_dims(ds)
    _check_axes(x, y, dims, var, solved[0].output_names)  # outputs not stored are solved
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
    if not off_grid and var in ds.data_vars:
        data = ds[var].isel({k: v for k, v in index.items() if k in ds[var].dims})
        data = data.drop_vars([c for c in data.coords if c not in (x, y)])
        data, source = _read_written(ds, data, var, index, (y, x))
    else:
        params = {**fixed, **{d: float(ds[d].values[i]) for d, i in index.items()}, **off_grid}
        params[x] = ds[x].load()
        params[y] = ds[y].load()
        data = _solve(solved, params, var).transpose(y, x)
        where = ", ".join(f"{k}={v:g}" for k, v in off_grid.items())
        source = (
            f"computed (off the stored grid: {where})"
            if off_grid
            else "computed (not stored here: solved exactly on the stored grid)"
        )
    return _finish(data, solved, var, {**fixed, **at}, source)


def _read_written(ds: xr.Dataset, data: xr.DataArray, var: str, index: dict, plane):
    """Load a slice of a store over the ``plane`` (y, x), with its points that no finished
    block wrote masked, and a chunk that is missing, truncated or undecodable reported by
    name. Only the stored values are read (an output stored over fewer dimensions is
    spread over the plane after reading: indexing it spread would read point by point)."""
    y, x = plane

    def spread(values: xr.DataArray) -> xr.DataArray:
        plane_coords = xr.Dataset(coords={y: ds[y], x: ds[x]})
        return values.broadcast_like(plane_coords).transpose(y, x).copy()

    url = ds.encoding.get("source")
    if url is None:  # a Dataset not opened by open_sweep: no ledger to consult
        return spread(data.load()), "store"
    grid, done, book = stored.coverage(url, ds.attrs)
    var_dims = ds[var].dims
    points = {y: np.arange(ds.sizes[y]), x: np.arange(ds.sizes[x]), **index}
    touched = _touched_chunks(ds, var, points)
    problem = integrity.check_chunks(url, book, touched, checksums=False)
    try:
        if problem is None:
            recorded = tuple(book.chunks.get(key) for key in touched)
            data = spread(_decoded(ds, url, var, index, recorded))
    except Exception as err:  # a codec's own error on bytes it cannot decode
        problem = integrity.check_chunks(url, book, touched, checksums=True) or (
            f"{var} cannot be read ({type(err).__name__}: {err})"
        )
    if problem is not None:
        raise SliceError(f"{url} is damaged: {problem}; {_repair_hint(url)}")
    written = ledger.point_mask(grid, done, var_dims, points)
    unwritten = int(written.size - np.count_nonzero(written))
    if not unwritten:
        return data, "store"
    data = _masked(data, xr.DataArray(written, dims=(y, x)))
    data.attrs["unwritten"] = unwritten
    return data, (
        f"store, INCOMPLETE: {unwritten:,} of {written.size:,} points of this slice are not "
        f"computed yet (masked); `explorer run {url} --resume` computes them"
    )


def _chunk_shape(ds: xr.Dataset, var: str) -> tuple[int, ...]:
    array = ds[var]
    chunks = array.encoding.get("chunks") or array.encoding.get("preferred_chunks", {})
    if isinstance(chunks, dict):
        chunks = tuple(chunks.get(d, ds.sizes[d]) for d in array.dims)
    return tuple(chunks)


# Whole chunks decoded for recent slices (zarr decodes no less than a chunk), kept so
# that a slice next to the last one (a slider's step) decodes nothing again.
DECODED_BYTES = 256 * 2**20
_decoded_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
_decoded_lock = threading.Lock()


def _decoded(ds: xr.Dataset, url: str, var: str, index: dict, recorded: tuple) -> xr.DataArray:
    """``var`` at the integer ``index`` of the dimensions it fixes, over its others. The
    whole chunks holding it are read (once: kept by their ledger records, so a chunk
    written since is read anew) and the slice is cut from them."""
    dims = ds[var].dims
    chunks = dict(zip(dims, _chunk_shape(ds, var)))
    starts = {d: index[d] // chunks[d] * chunks[d] for d in dims if d in index}
    hull = {d: slice(s, s + chunks[d]) for d, s in starts.items()}
    key = (url, var, tuple(sorted(starts.items())), recorded)
    with _decoded_lock:
        values = _decoded_cache.get(key)
        if values is not None:
            _decoded_cache.move_to_end(key)
    if values is None:
        values = ds[var].isel(hull).values
        with _decoded_lock:
            _decoded_cache[key] = values
            while sum(v.nbytes for v in _decoded_cache.values()) > DECODED_BYTES:
                _decoded_cache.popitem(last=False)
    inside = tuple(index[d] - starts[d] if d in starts else slice(None) for d in dims)
    free = [d for d in dims if d not in starts]
    coords = {d: ds[d] for d in free}
    return xr.DataArray(values[inside], dims=free, coords=coords, name=var, attrs=ds[var].attrs)


def _touched_chunks(ds: xr.Dataset, var: str, points: dict) -> list[str]:
    """Keys of the chunks of ``var`` that hold the given points (index arrays or ints)."""
    chunks = _chunk_shape(ds, var)
    per_dim = [np.unique(np.atleast_1d(points[d]) // c) for d, c in zip(ds[var].dims, chunks)]
    return [
        f"{var}/c" + "".join(f"/{i}" for i in index)
        for index in itertools.product(*(p.tolist() for p in per_dim))
    ]


def _slice_config(config: SweepConfig, x: str, y: str, at: dict, var: str | None):
    var = var or config.spec.output_names[0]
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
    solved = (config.spec, config.choices)
    data = _solve(solved, params, var).transpose(y, x)
    return _finish(data, solved, var, {**config.fixed, **at}, "computed")


def _slice_parameters(params: dict, x: str, y: str, at: dict, var: str | None) -> xr.DataArray:
    try:
        model = model_named(params.pop("model", None))
        given = {v.name: params.pop(v.name) for v in model.variants if v.name in params}
        solved = (model, choose(model, given))
    except ValueError as err:
        raise SliceError(str(err)) from None
    var = var or model.output_names[0]
    for axis in (x, y):
        if np.ndim(params.get(axis)) != 1:
            raise SliceError(f"the parameter set needs a 1-D array of values for {axis!r}")
        params[axis] = xr.DataArray(np.asarray(params[axis], dtype=float), dims=axis)
    params.update(at)
    data = _solve(solved, params, var).transpose(y, x)
    point = {k: v for k, v in params.items() if k not in (x, y)}
    return _finish(data, solved, var, point, "computed")


def _solve(solved: tuple[Model, Choices], params: dict, var: str) -> xr.DataArray:
    from explorer.engine.solve import solve

    model, choices = solved
    try:
        ds = solve(model=model, outputs=[var], **dict(choices), **params)
    except ValueError as err:
        raise SliceError(str(err)) from None
    return ds[var]


def _finish(data: xr.DataArray, solved: tuple[Model, Choices], var: str, point: dict, source):
    from explorer.engine.labels import output_attrs

    model, choices = solved
    data = data.drop_vars([c for c in data.coords if c not in data.dims])
    # Where the plane sits, as scalar coordinates (they survive xarray operations and
    # exports), and in attrs["at"] too.
    data = data.assign_coords({k: float(v) for k, v in point.items() if k not in data.dims})
    data.name = var
    data.attrs = {
        **data.attrs,
        "source": source,
        "model": model.name,
        **dict(choices),
        "at": {k: float(v) for k, v in point.items()},
        **output_attrs(model, var),
    }
    return data
