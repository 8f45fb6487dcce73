"""Zarr stores of sweeps: the only module that touches zarr.

Layout: a zarr v3 group that ``xarray.open_zarr`` reads as a Dataset. Coordinates are
arrays named after their parameter; fixed parameters are 0-d arrays named in each
output's ``coordinates`` attribute. Creation is guarded by the store's marker (see
``ownership``); each block's chunks are encoded here and written whole, and the block's
ledger record (see ``ledger``) names each chunk with its size and checksum.
"""

from __future__ import annotations

import json
import sys
import warnings
from functools import lru_cache

import numcodecs
import numpy as np
import zarr
from zarr.codecs import BloscCodec, BytesCodec, ZstdCodec

from explorer.engine import ownership
from explorer.engine.files import StoreError, digest, filesystem, is_partial, put
from explorer.engine.labels import NOT_COMPUTED
from explorer.engine.ownership import State
from explorer.engine.plan import Plan

# Read where no run has written yet; -2 is no category code, so such chunks stand out.
FILL_VALUES = {
    "int8": NOT_COMPUTED,
    **dict.fromkeys(("int16", "int32", "int64", "uint8", "uint16", "uint32"), 0),
    "bool": False,
    "float64": np.nan,
    "float32": np.nan,
}


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


def remove(url: str) -> None:
    """Delete a store this tool made (its own files only; see ``ownership``)."""
    forget_arrays()
    ownership.remove(url)


def forget_arrays() -> None:
    """Drop arrays opened by this process (their store was replaced or removed)."""
    open_array.cache_clear()
    _chunk_encoder.cache_clear()


def create(
    url: str, plan: Plan, codec: str, attrs: dict, output_attrs: dict[str, dict], coord_attrs: dict
) -> None:
    """Write the group, coordinates and empty output arrays (no output chunks).

    A store of this tool's that is already there is cleared first (only its own files);
    anything else there is refused. The marker says ``creating`` until the store is whole,
    so a creation cut short is recognised and simply done again.
    """
    found = ownership.state(url)
    if found is State.FOREIGN:
        raise ownership.not_ours(url)
    forget_arrays()
    if found is not State.ABSENT:
        ownership.clear(url)
    coord_names = list(plan.coords) + list(plan.fixed)
    ownership.write_marker(url, ownership.CREATING, coord_names + [o.name for o in plan.outputs])
    group = zarr.create_group(url, zarr_format=3, attributes=attrs)
    for name, values in plan.coords.items():
        dims = plan.dims if plan.sampled else (name,)
        _write_array(group, name, np.asarray(values, np.float64), dims, coord_attrs.get(name))
    for name, value in plan.fixed.items():
        _write_array(group, name, np.asarray(value, np.float64), (), coord_attrs.get(name))
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
    consolidate(url)
    ownership.write_marker(url, ownership.READY, ownership.nodes(url), _records(url, coord_names))


def rewrite_coordinates(url: str, plan: Plan, names) -> None:
    """Write coordinate (or fixed-parameter) arrays again from the plan, and record their
    chunks anew in the marker."""
    for name in names:
        values = plan.coords[name] if name in plan.coords else plan.fixed[name]
        zarr.open_array(url, path=name, mode="r+")[...] = np.asarray(values, np.float64)
    marker = ownership.read_marker(url)
    coordinates = _records(url, [*plan.coords, *plan.fixed])
    ownership.write_marker(url, marker["state"], marker["nodes"], coordinates)


def _write_array(group, name: str, values: np.ndarray, dims: tuple[str, ...], attrs=None) -> None:
    group.create_array(  # (with its data: one round trip to the store, not two)
        name, data=values, fill_value=np.nan, dimension_names=dims, attributes=attrs or {}
    )


def _records(url: str, names) -> dict[str, tuple[int, str]]:
    """(size, checksum) of every chunk file of the named arrays, as stored now, by key."""
    fs, path = filesystem(url)
    found = {}
    for name in names:
        base = f"{path}/{name}/c"
        for file in [base] if fs.isfile(base) else fs.find(base) if fs.exists(base) else []:
            data = fs.cat_file(file)
            found[file[len(path) + 1 :]] = (len(data), digest(data))
    return found


@lru_cache(maxsize=64)
def open_array(url: str, name: str, layout: str):
    """Opened once per process and reused by every block this process writes. ``layout``
    (the config digest) is part of the key: a long-lived worker must not write with the
    chunks or codecs of an earlier store at the same path."""
    return zarr.open_array(url, path=name, mode="r+")


def write_block(
    url: str, name: str, region: tuple[slice, ...], values: np.ndarray, layout: str
) -> tuple[str, tuple[int, str]]:
    """Encode one whole chunk and put it under its key in one store write (zarr-python's
    general write path costs several times the encoding itself). Returns the chunk's key
    and its (size, checksum) for the ledger."""
    array = open_array(url, name, layout)
    chunk = _single_chunk(region, array.shape, array.chunks)
    if chunk is None:
        raise ValueError(f"region {region} of {name} is not one whole chunk")
    full = tuple(array.chunks)
    if values.shape != full:  # an edge chunk is stored at full size, padded with fill
        padded = np.full(full, array.metadata.fill_value, dtype=values.dtype)
        padded[tuple(slice(0, n) for n in values.shape)] = values
        values = padded
    data = _chunk_encoder(url, name, layout)(values)
    key = f"{name}/{array.metadata.encode_chunk_key(chunk)}"
    put(url, key, data)
    return key, (len(data), digest(data))


def _single_chunk(region, shape, chunks) -> tuple[int, ...] | None:
    index = []
    for s, n, c in zip(region, shape, chunks):
        if s.start % c or s.stop - s.start != min(c, n - s.start):
            return None
        index.append(s.start // c)
    return tuple(index)


@lru_cache(maxsize=64)
def _chunk_encoder(url: str, name: str, layout: str):
    """Encoder for the codec chains this module writes (bytes, then blosc or zstd)."""
    codecs = open_array(url, name, layout).metadata.codecs
    native = codecs and isinstance(codecs[0], BytesCodec) and len(codecs) <= 2
    if not native or (codecs[0].endian is not None and codecs[0].endian.value != sys.byteorder):
        raise ValueError(f"{name}: codec chain {codecs} is not one this tool writes")
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
    raise ValueError(f"{name}: codec {codec} is not one this tool writes")


def read_attrs(url: str) -> dict:
    """The group's attributes, read from its metadata file; a damaged file is a
    StoreError naming it, never a decoder's traceback."""
    fs, path = filesystem(url)
    try:
        text = fs.cat_file(f"{path}/zarr.json")
    except FileNotFoundError:
        raise StoreError(
            f"{url} has no zarr.json: not a sweep store; give the path that `explorer run` printed"
        ) from None
    try:
        root = json.loads(text)
        attrs = root["attributes"]
        if not isinstance(attrs, dict):
            raise TypeError
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        state = "empty" if not text.strip() else "not a zarr group's metadata"
        raise StoreError(
            f"{url}/zarr.json is damaged ({state}), so the store cannot be read; recompute "
            "it with `explorer run CONFIG --store " + url + " --overwrite`"
        ) from None
    return attrs


def chunk_shape_of(url: str, name: str) -> tuple[int, ...] | None:
    """An array's chunk shape from its metadata file (None if unreadable)."""
    fs, path = filesystem(url)
    try:
        meta = json.loads(fs.cat_file(f"{path}/{name}/zarr.json"))
        return tuple(int(n) for n in meta["chunk_grid"]["configuration"]["chunk_shape"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def update_attrs(url: str, attrs: dict) -> None:
    group = zarr.open_group(url, mode="r+")
    group.update_attributes(attrs)  # (one write; consolidated metadata kept in it, as is)
    if group.metadata.consolidated_metadata is None:  # (a store from an older version)
        consolidate(url)


def consolidate(url: str) -> None:
    with warnings.catch_warnings():
        # Consolidated metadata is a zarr v3 extension; xarray reads it, and it is
        # rewritten whenever the group's metadata changes.
        warnings.filterwarnings("ignore", message="Consolidated metadata")
        # The ledger folder and the quick-look plot are ours, not zarr nodes.
        warnings.filterwarnings("ignore", message="Object at .* is not recognized")
        zarr.consolidate_metadata(url)


def remove_partial_writes(url: str) -> int:
    """Delete the temporary files of writes a killed run never renamed into place."""
    fs, path = filesystem(url)
    leftovers = [f for f in fs.ls(path, detail=False) if is_partial(f)]
    for node in [".explorer", *ownership.nodes(url)]:
        if fs.isdir(f"{path}/{node}"):
            leftovers += [f for f in fs.find(f"{path}/{node}") if is_partial(f)]
    for file in leftovers:
        fs.rm_file(file)
    return len(leftovers)
