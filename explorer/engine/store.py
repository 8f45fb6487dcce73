"""Zarr stores of sweeps: the only module that writes them.

Layout: a zarr v3 group that ``xarray.open_zarr`` reads as a Dataset. Coordinates are
arrays named after their parameter; fixed parameters are 0-d arrays named in each
output's ``coordinates`` attribute. Creation is guarded by the store's marker (see
``ownership``); each block's chunks are encoded here and written whole, and the block's
ledger record (see ``ledger``) names each chunk with its size and checksum.

A new store's files are written here from the plan: a zarr v3 document (``zarr.json``)
for each array, the group's with every array's consolidated into it, and each
coordinate's chunks: the bytes zarr-python writes for the same arrays (the tests compare
them file by file). A run so never imports zarr-python, whose import and node-by-node
creation took a third of a second, a sixth of a whole default run; it is imported only
to rewrite the metadata of a store an older version made, and by the readers.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numcodecs
import numpy as np

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
JSON_INDENT = 2  # as zarr-python writes its documents
# zarr-python's default compressor for numeric arrays: the coordinates'
COORDINATE_COMPRESSOR = {"name": "zstd", "configuration": {"level": 0, "checksum": False}}


def codecs_for(name: str, dtype: str) -> list[dict]:
    """The codec chain, as zarr v3 metadata, of an array written with codec ``name``."""
    itemsize = np.dtype(dtype).itemsize
    endian = {"configuration": {"endian": sys.byteorder}} if itemsize > 1 else {}
    chain = [{"name": "bytes", **endian}]
    if name == "zstd":
        chain.append({"name": "zstd", "configuration": {"level": 1, "checksum": False}})
    elif name != "none":
        cname = "lz4" if name == "blosc-lz4" else "zstd"
        # Byte shuffling is a no-op on 1-byte types; bitshuffle packs them 4x tighter but
        # encodes 2.5x slower (measured on outcome codes), so speed wins here.
        shuffle = "noshuffle" if itemsize == 1 else "shuffle"
        level = 5 if cname == "lz4" else 1
        blosc = {"typesize": itemsize, "cname": cname, "clevel": level, "shuffle": shuffle}
        chain.append({"name": "blosc", "configuration": {**blosc, "blocksize": 0}})
    return chain


def array_document(shape, dtype: str, chunks, codecs: list[dict], dims, attrs: dict) -> dict:
    """An array's zarr v3 metadata (``zarr.json``), its keys in zarr-python's order."""
    fill = FILL_VALUES[dtype]
    document = {
        "shape": list(shape),
        "data_type": dtype,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": "NaN" if isinstance(fill, float) and math.isnan(fill) else fill,
        "codecs": codecs,
        "attributes": attrs,
    }
    if dims:
        document["dimension_names"] = list(dims)
    return {**document, "zarr_format": 3, "node_type": "array", "storage_transformers": []}


def _encoded(document: dict) -> bytes:
    return json.dumps(document, indent=JSON_INDENT, allow_nan=True).encode()


def remove(url: str) -> None:
    """Delete a store this tool made (its own files only; see ``ownership``)."""
    forget_arrays()
    ownership.remove(url)


def forget_arrays() -> None:
    """Drop arrays read by this process (their store was replaced or removed)."""
    _array.cache_clear()


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
    nodes = coord_names + [o.name for o in plan.outputs]
    ownership.write_marker(url, ownership.CREATING, nodes)
    documents, chunks = {}, {}
    for name in coord_names:
        values = np.asarray(plan.coords[name] if name in plan.coords else plan.fixed[name])
        dims = () if values.ndim == 0 else plan.dims if plan.sampled else (name,)
        codecs = [*codecs_for("none", "float64"), COORDINATE_COMPRESSOR]
        documents[name] = array_document(
            values.shape, "float64", _coordinate_chunks(plan, values, dims), codecs, dims,
            coord_attrs.get(name) or {},
        )  # fmt: skip
        chunks |= _chunk_files(name, documents[name], values.astype(np.float64))
    for layout in plan.outputs:
        documents[layout.name] = array_document(
            tuple(n for d, n in zip(plan.dims, plan.shape) if d in layout.dims),
            layout.dtype,
            tuple(c for d, c in zip(plan.dims, plan.chunks) if d in layout.dims),
            codecs_for(codec, layout.dtype),
            layout.dims,
            {**output_attrs[layout.name], "coordinates": " ".join(coord_names)},
        )
    for name, document in documents.items():
        put(url, f"{name}/zarr.json", _encoded(document))
    for key, data in chunks.items():
        put(url, key, data)
    metadata = dict(sorted(documents.items()))
    consolidated = {"kind": "inline", "must_understand": False, "metadata": metadata}
    root = {"attributes": attrs, "zarr_format": 3, "consolidated_metadata": consolidated}
    put(url, "zarr.json", _encoded({**root, "node_type": "group"}))
    records = {key: (len(data), digest(data)) for key, data in chunks.items()}
    ownership.write_marker(url, ownership.READY, nodes, records)


def _coordinate_chunks(plan: Plan, values: np.ndarray, dims) -> tuple[int, ...]:
    """A grid axis in one chunk; a sample's coordinates chunked as its outputs are."""
    if plan.sampled and dims:
        return tuple(c for d, c in zip(plan.dims, plan.chunks) if d in dims)
    return values.shape


def _chunk_files(name: str, document: dict, values: np.ndarray) -> dict[str, bytes]:
    """Every chunk of array ``name`` holding ``values``, encoded, by key (an edge chunk
    whole, padded with the fill value, as zarr stores it)."""
    array = _Array.of(name, document)
    counts = [math.ceil(n / c) for n, c in zip(values.shape, array.chunks)]
    files = {}
    for index in np.ndindex(*counts):
        region = tuple(slice(i * c, (i + 1) * c) for i, c in zip(index, array.chunks))
        files[f"{name}/{array.chunk_key(index)}"] = array.encode_whole(values[region])
    return files


def rewrite_coordinates(url: str, plan: Plan, names) -> None:
    """Write coordinate (or fixed-parameter) arrays again from the plan, and record their
    chunks anew in the marker."""
    for name in names:
        values = np.asarray(plan.coords[name] if name in plan.coords else plan.fixed[name])
        document = _read_json(url, f"{name}/zarr.json")
        for key, data in _chunk_files(name, document, values.astype(np.float64)).items():
            put(url, key, data)
    marker = ownership.read_marker(url)
    coordinates = _records(url, [*plan.coords, *plan.fixed])
    ownership.write_marker(url, marker["state"], marker["nodes"], coordinates)


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


@dataclass(frozen=True)
class _Array:
    """What writing an array's chunks takes from its metadata."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    fill: object
    encode: Callable[[np.ndarray], bytes]  # one chunk's values, at full size, to bytes

    @classmethod
    def of(cls, name: str, document: dict) -> _Array:
        try:
            shape = tuple(int(n) for n in document["shape"])
            chunks = tuple(int(n) for n in document["chunk_grid"]["configuration"]["chunk_shape"])
            encoding, fill = document["chunk_key_encoding"], document["fill_value"]
            codecs = list(document["codecs"])
        except (KeyError, TypeError, ValueError):
            raise StoreError(f"{name}/zarr.json is not zarr v3 array metadata") from None
        if encoding != {"name": "default", "configuration": {"separator": "/"}}:
            raise ValueError(f"{name}: chunk key encoding {encoding} is not one this tool writes")
        return cls(shape, chunks, np.nan if fill == "NaN" else fill, _encoder(name, codecs))

    def chunk_key(self, index: tuple[int, ...]) -> str:
        return "/".join(["c", *map(str, index)])

    def encode_whole(self, values: np.ndarray) -> bytes:
        """Encode one chunk's values; an edge chunk is stored at full size, padded."""
        if values.shape != self.chunks:
            padded = np.full(self.chunks, self.fill, dtype=values.dtype)
            padded[tuple(slice(0, n) for n in values.shape)] = values
            values = padded
        return self.encode(values)


def _encoder(name: str, codecs: list[dict]) -> Callable[[np.ndarray], bytes]:
    """Encoder for the codec chains this module writes (bytes, then blosc or zstd)."""
    first, *rest = codecs or [{}]
    endian = (first.get("configuration") or {}).get("endian", sys.byteorder)
    if first.get("name") != "bytes" or endian != sys.byteorder or len(rest) > 1:
        raise ValueError(f"{name}: codec chain {codecs} is not one this tool writes")
    if not rest:
        return lambda values: np.ascontiguousarray(values).tobytes()
    codec, config = rest[0].get("name"), rest[0].get("configuration") or {}
    if codec == "blosc":
        shuffle = {
            "noshuffle": numcodecs.Blosc.NOSHUFFLE,
            "shuffle": numcodecs.Blosc.SHUFFLE,
            "bitshuffle": numcodecs.Blosc.BITSHUFFLE,
        }[config["shuffle"]]
        blosc = numcodecs.Blosc(
            cname=config["cname"], clevel=config["clevel"], shuffle=shuffle,
            blocksize=config.get("blocksize", 0),
        )  # fmt: skip
        return lambda values: blosc.encode(np.ascontiguousarray(values))
    if codec == "zstd":
        zstd = numcodecs.Zstd(level=config["level"], checksum=config.get("checksum", False))
        return lambda values: zstd.encode(np.ascontiguousarray(values).tobytes())
    raise ValueError(f"{name}: codec {rest[0]} is not one this tool writes")


@lru_cache(maxsize=64)
def _array(url: str, name: str, layout: str) -> _Array:
    """Read once per process and reused by every block this process writes. ``layout``
    (the config digest) is part of the key: a long-lived worker must not write with the
    chunks or codecs of an earlier store at the same path."""
    return _Array.of(name, _read_json(url, f"{name}/zarr.json"))


def write_block(
    url: str, name: str, region: tuple[slice, ...], values: np.ndarray, layout: str
) -> tuple[str, tuple[int, str]]:
    """Encode one whole chunk and put it under its key in one store write (zarr-python's
    general write path costs several times the encoding itself). Returns the chunk's key
    and its (size, checksum) for the ledger."""
    array = _array(url, name, layout)
    chunk = _single_chunk(region, array.shape, array.chunks)
    if chunk is None:
        raise ValueError(f"region {region} of {name} is not one whole chunk")
    data = array.encode_whole(values)
    key = f"{name}/{array.chunk_key(chunk)}"
    put(url, key, data)
    return key, (len(data), digest(data))


def _single_chunk(region, shape, chunks) -> tuple[int, ...] | None:
    index = []
    for s, n, c in zip(region, shape, chunks):
        if s.start % c or s.stop - s.start != min(c, n - s.start):
            return None
        index.append(s.start // c)
    return tuple(index)


def _read_json(url: str, key: str) -> dict:
    fs, path = filesystem(url)
    try:
        document = json.loads(fs.cat_file(f"{path}/{key}"))
    except (OSError, ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        raise StoreError(f"{url}/{key} is missing or damaged; recompute the store with --overwrite")
    return document


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
    """Set some of the group's attributes, in its own document (where the consolidated
    metadata is too: the arrays' documents are kept as they are)."""
    root = _read_json(url, "zarr.json")
    if not isinstance(root.get("attributes"), dict) or not root.get("consolidated_metadata"):
        import zarr  # a store an older version made: zarr-python rewrites it

        zarr.open_group(url, mode="r+").update_attributes(attrs)
        consolidate(url)
        return
    root["attributes"].update(attrs)
    put(url, "zarr.json", _encoded(root))


def consolidate(url: str) -> None:
    import zarr

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
