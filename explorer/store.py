"""Zarr stores of sweeps: the only module that touches zarr.

Layout: a zarr v3 group that ``xarray.open_zarr`` reads as a Dataset. Coordinates are
arrays named after their parameter; fixed parameters are 0-d arrays named in each
output's ``coordinates`` attribute. A completion ledger under ``.explorer/done/`` holds one
small JSON record per finished block, written after the block's chunks are written, so a
resumed run recomputes exactly the blocks without a record, torn chunks included.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from functools import lru_cache

import fsspec
import numcodecs
import numpy as np
import zarr
from fsspec.implementations.local import LocalFileSystem
from zarr.codecs import BloscCodec, BytesCodec, ZstdCodec

from explorer.plan import Plan

LEDGER = ".explorer/done"
# Read where no run has written yet; -2 is no category code, so such chunks stand out.
FILL_VALUES = {"int8": -2, "uint16": 0, "bool": False, "float64": np.nan, "float32": np.nan}
CREATING = "explorer_creating"


class StoreError(ValueError):
    """A store that cannot be used as asked; the message says why and what to do."""


def codec_for(name: str, dtype: str):
    if name == "none":
        return None
    if name == "zstd":
        return [ZstdCodec(level=1)]
    cname = "lz4" if name == "blosc-lz4" else "zstd"
    # Byte shuffling is a no-op on 1-byte types; bitshuffle packs them 4x tighter but
    # encodes 2.5x slower (measured on outcome codes), so speed wins here.
    shuffle = "noshuffle" if np.dtype(dtype).itemsize == 1 else "shuffle"
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
    _forget_arrays()


def _forget_arrays() -> None:
    open_array.cache_clear()
    _chunk_encoder.cache_clear()


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
    _forget_arrays()
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
    """Write a region that covers whole chunks.

    A region that is exactly one chunk (every block of a plan is) is encoded here and put
    under its chunk key in one store write: zarr-python's general write path costs several
    times the encoding itself. Anything else goes through zarr.
    """
    array = open_array(url, name)
    encode = _chunk_encoder(url, name)
    chunk = _single_chunk(region, array.shape, array.chunks)
    if encode is None or chunk is None:
        array[region] = values
        return
    full = tuple(array.chunks)
    if values.shape != full:  # an edge chunk is stored at full size, padded with fill
        padded = np.full(full, array.metadata.fill_value, dtype=values.dtype)
        padded[tuple(slice(0, n) for n in values.shape)] = values
        values = padded
    put(url, f"{name}/{array.metadata.encode_chunk_key(chunk)}", encode(values))


def put(url: str, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` whole or not at all: a local file is written aside and
    renamed into place (object stores replace objects atomically anyway), so a killed run
    never leaves a torn chunk or ledger record behind."""
    fs, path = filesystem(url)
    target = f"{path}/{key}"
    if isinstance(fs, LocalFileSystem):
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as f:
            f.write(data)
        os.replace(f.name, target)
    else:
        fs.pipe_file(target, data)


def _single_chunk(region, shape, chunks) -> tuple[int, ...] | None:
    if not chunks:
        return None
    index = []
    for s, n, c in zip(region, shape, chunks):
        if s.start % c or s.stop - s.start != min(c, n - s.start):
            return None
        index.append(s.start // c)
    return tuple(index)


@lru_cache(maxsize=64)
def _chunk_encoder(url: str, name: str):
    """Encoder for the array's codec chain (bytes, then blosc or zstd), or None if other."""
    codecs = open_array(url, name).metadata.codecs
    if not codecs or not isinstance(codecs[0], BytesCodec) or len(codecs) > 2:
        return None
    if codecs[0].endian is not None and codecs[0].endian.value != sys.byteorder:
        return None
    if len(codecs) == 1:
        return lambda values: np.ascontiguousarray(values).tobytes()
    codec = codecs[1]
    if isinstance(codec, BloscCodec):
        shuffle = {
            "noshuffle": numcodecs.Blosc.NOSHUFFLE,
            "shuffle": numcodecs.Blosc.SHUFFLE,
            "bitshuffle": numcodecs.Blosc.BITSHUFFLE,
        }[codec.shuffle.value]
        blosc = numcodecs.Blosc(
            cname=codec.cname.value, clevel=codec.clevel, shuffle=shuffle, blocksize=codec.blocksize
        )
        return lambda values: blosc.encode(np.ascontiguousarray(values))
    if isinstance(codec, ZstdCodec):
        zstd = numcodecs.Zstd(level=codec.level, checksum=codec.checksum)
        return lambda values: zstd.encode(np.ascontiguousarray(values).tobytes())
    return None


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
    put(url, f"{LEDGER}/{block_id}.json", json.dumps(record).encode())


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


def remove_partial_writes(url: str) -> int:
    """Delete the temporary files of writes a killed run never renamed into place."""
    fs, path = filesystem(url)
    leftovers = fs.glob(f"{path}/**/.tmp-*")
    for file in leftovers:
        fs.rm_file(file)
    return len(leftovers)


def size_bytes(url: str) -> int:
    fs, path = filesystem(url)
    return int(fs.du(path)) if fs.exists(path) else 0
