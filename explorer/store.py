"""Zarr stores of sweeps: the only module that touches zarr.

Layout: a zarr v3 group that ``xarray.open_zarr`` reads as a Dataset. Coordinates are
arrays named after their parameter; fixed parameters are 0-d arrays named in each
output's ``coordinates`` attribute. A completion ledger under ``.explorer/done/`` holds one
small JSON record per finished block, written after the block's chunks are written, so a
resumed run recomputes exactly the blocks without a record, torn chunks included.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache

import fsspec
import numpy as np
import zarr
from zarr.codecs import BloscCodec, ZstdCodec

from explorer.plan import Plan

LEDGER = ".explorer/done"
FILL_VALUES = {"int8": -2, "uint16": 0, "bool": False, "float64": np.nan, "float32": np.nan}
NOT_COMPUTED = -2  # outcome code in chunks no run has written yet
CREATING = "explorer_creating"


class StoreError(ValueError):
    """A store that cannot be used as asked; the message says why and what to do."""


def codec_for(name: str, dtype: str):
    if name == "none":
        return None
    if name == "zstd":
        return [ZstdCodec(level=1)]
    cname = "lz4" if name == "blosc-lz4" else "zstd"
    shuffle = "bitshuffle" if np.dtype(dtype).itemsize == 1 else "shuffle"
    return [BloscCodec(cname=cname, clevel=5 if cname == "lz4" else 1, shuffle=shuffle)]


def filesystem(url: str):
    """(fsspec filesystem, path) for a local path or any fsspec URL."""
    return fsspec.core.url_to_fs(url)


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    return fs.exists(f"{path}/zarr.json")


def remove(url: str) -> None:
    fs, path = filesystem(url)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    open_array.cache_clear()


def create(url: str, plan: Plan, codec: str, attrs: dict, output_attrs: dict[str, dict]) -> None:
    """Write the group, coordinates and empty output arrays (no output chunks).

    ``attrs`` (with the config hash that makes a store resumable) are written last, so a
    store whose creation was cut short is recognisable (``CREATING`` only) and is simply
    created again.
    """
    fs, path = filesystem(url)
    if fs.exists(path) and fs.ls(path):
        raise StoreError(
            f"{url} exists and is not empty but holds no sweep store; choose a new --store path "
            "or remove that folder"
        )
    open_array.cache_clear()
    group = zarr.open_group(url, mode="w", zarr_format=3, attributes={CREATING: True})
    fs.makedirs(f"{path}/{LEDGER}", exist_ok=True)
    coord_names = list(plan.coords) + list(plan.fixed)
    for name, values in plan.coords.items():
        dims = plan.dims if plan.sampled else (name,)
        _write_array(group, name, np.asarray(values, np.float64), dims)
    for name, value in plan.fixed.items():
        _write_array(group, name, np.asarray(value, np.float64), ())
    for layout in plan.outputs:
        chunks = tuple(c for d, c in zip(plan.dims, plan.chunks) if d in layout.dims)
        shape = tuple(n for d, n in zip(plan.dims, plan.shape) if d in layout.dims)
        group.create_array(
            layout.name,
            shape=shape,
            chunks=chunks or None,
            dtype=layout.dtype,
            fill_value=FILL_VALUES[layout.dtype],
            dimension_names=layout.dims,
            compressors=codec_for(codec, layout.dtype),
            attributes={**output_attrs[layout.name], "coordinates": " ".join(coord_names)},
        )
    group.attrs.put(attrs)
    consolidate(url)


def interrupted_creation(url: str) -> bool:
    """True for a store whose creation never finished (it holds no results)."""
    attrs = read_attrs(url)
    return attrs.get(CREATING) is True and "config_hash" not in attrs


def _write_array(group, name: str, values: np.ndarray, dims: tuple[str, ...]) -> None:
    array = group.create_array(
        name, shape=values.shape, dtype=values.dtype, fill_value=np.nan, dimension_names=dims
    )
    array[...] = values


@lru_cache(maxsize=64)
def open_array(url: str, name: str):
    """Opened once per process and reused by every block this process writes."""
    return zarr.open_array(url, path=name, mode="r+")


def write_block(url: str, name: str, region: tuple[slice, ...], values: np.ndarray) -> None:
    open_array(url, name)[region] = values


def read_attrs(url: str) -> dict:
    return dict(zarr.open_group(url, mode="r").attrs)


def update_attrs(url: str, attrs: dict) -> None:
    zarr.open_group(url, mode="r+").attrs.update(attrs)
    consolidate(url)


def consolidate(url: str) -> None:
    with warnings.catch_warnings():
        # Consolidated metadata is a zarr v3 extension; xarray reads it, and it is
        # rewritten whenever the group's metadata changes.
        warnings.filterwarnings("ignore", message="Consolidated metadata")
        # The ledger folder is ours, not a zarr node; zarr notes it while listing.
        warnings.filterwarnings("ignore", message="Object at .explorer is not recognized")
        zarr.consolidate_metadata(url)


def record_done(url: str, block_id: str, record: dict) -> None:
    fs, path = filesystem(url)
    fs.pipe_file(f"{path}/{LEDGER}/{block_id}.json", json.dumps(record).encode())


def completed(url: str) -> dict[str, dict]:
    """Records of finished blocks; an unreadable (torn) record counts as not finished."""
    fs, path = filesystem(url)
    folder = f"{path}/{LEDGER}"
    if not fs.exists(folder):
        return {}
    records = {}
    for file in fs.ls(folder, detail=False):
        name = file.rsplit("/", 1)[-1]
        if not name.endswith(".json"):
            continue
        try:
            records[name[: -len(".json")]] = json.loads(fs.cat_file(file))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
    return records


def size_bytes(url: str) -> int:
    fs, path = filesystem(url)
    return int(fs.du(path)) if fs.exists(path) else 0
