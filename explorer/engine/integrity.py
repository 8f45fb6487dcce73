"""Checking a store's files against what was written: every chunk a ledger record names
(size always, checksum when asked), the coordinates recorded in the marker, and every
node's metadata. Used by ``explorer verify``, by ``--resume`` (sizes) and ``--resume
--verify`` (checksums), and by ``explorer info``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from explorer.engine import ledger, ownership
from explorer.engine.files import digest, filesystem
from explorer.engine.plan import BlockGrid


@dataclass
class Damage:
    blocks: dict[str, list[str]] = field(default_factory=dict)  # block id -> what is wrong
    coordinates: dict[str, str] = field(default_factory=dict)  # chunk key -> what is wrong
    metadata: list[str] = field(default_factory=list)  # metadata files that do not parse
    unreadable: list[str] = field(default_factory=list)  # ledger records that are no record
    chunks_checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.blocks or self.coordinates or self.metadata or self.unreadable)

    def lines(self) -> list[str]:
        found = [f"block {b}: {'; '.join(why)}" for b, why in sorted(self.blocks.items())]
        found += [f"coordinates {key}: {why}" for key, why in sorted(self.coordinates.items())]
        found += [f"metadata {path}: does not parse" for path in self.metadata]
        found += [f"ledger record {b}.json: not a valid record" for b in self.unreadable]
        return found


def check(url: str, grid: BlockGrid, book: ledger.Ledger, checksums: bool) -> Damage:
    """What is damaged in a store: each recorded chunk is compared by size with the file
    there (and by checksum if ``checksums``); records without chunk lists (stores written
    before checksums) are checked for presence and by decoding."""
    fs, path = filesystem(url)
    damage = Damage(unreadable=list(book.unreadable))
    sizes = {
        name[len(path) + 1 :]: info["size"]
        for name, info in fs.find(path, detail=True).items()
        if info.get("type") == "file"
    }

    def compare(key: str, size: int, expected: str) -> str | None:
        damage.chunks_checked += 1
        return _problem(fs, path, key, (size, expected), checksums, sizes)

    for block_id, record in book.records.items():
        if record.chunks:
            found = {k: compare(k, *entry) for k, entry in record.chunks.items()}
        else:
            found = _check_unrecorded(url, grid, block_id, sizes, checksums)
            damage.chunks_checked += len(found)
        wrong = [f"{key}: {why}" for key, why in sorted(found.items()) if why]
        if wrong:
            damage.blocks[block_id] = wrong
    marker = ownership.read_marker(url) or {}
    for key, (size, expected) in (marker.get("coordinates") or {}).items():
        why = compare(key, size, expected)
        if why:
            damage.coordinates[key] = why
    for key in sorted(k for k in sizes if k == "zarr.json" or k.endswith("/zarr.json")):
        try:
            json.loads(fs.cat_file(f"{path}/{key}"))
        except (ValueError, UnicodeDecodeError):
            damage.metadata.append(key)
    return damage


def check_chunks(url: str, book: ledger.Ledger, keys, checksums: bool) -> str | None:
    """The first of the given chunks that differs from its record, described; None if all
    recorded ones are intact (chunks of unfinished blocks have no record to differ from)."""
    fs, path = filesystem(url)
    for key in keys:
        if key in book.chunks:
            why = _problem(fs, path, key, book.chunks[key], checksums)
            if why:
                return f"chunk {key} is {why}" if why == "missing" else f"chunk {key}: {why}"
    return None


def _problem(fs, path: str, key: str, entry, checksums: bool, sizes: dict | None = None):
    """What is wrong with one chunk file against its (size, checksum) record, or None.
    ``sizes``: file sizes already listed (else each file is asked for its own)."""
    size, expected = entry
    if sizes is not None:
        found = sizes.get(key)
    else:
        try:
            found = fs.size(f"{path}/{key}")
        except FileNotFoundError:
            found = None
    if found is None:
        return "missing"
    if found != size:
        return f"{found} bytes, {size} were written"
    if checksums and digest(fs.cat_file(f"{path}/{key}")) != expected:
        return "checksum differs from the one recorded"
    return None


def _check_unrecorded(url, grid: BlockGrid, block_id: str, sizes: dict, decode: bool) -> dict:
    """A block recorded without its chunks: each output chunk it wrote must be present,
    and, if ``decode``, must decode."""
    import zarr

    block = grid.parse_block_id(block_id)
    found = {}
    for name in ownership.nodes(url):
        array = zarr.open_array(url, path=name, mode="r")
        dims = tuple(array.metadata.dimension_names or ())
        is_output = "coordinates" in array.attrs  # coordinate arrays are written at creation
        if not is_output or not set(dims) <= set(grid.dims) or not grid.writes(block, dims):
            continue
        index = grid.chunk_index(block, dims)
        key = f"{name}/{array.metadata.encode_chunk_key(index)}"
        found[key] = None if key in sizes else "missing"
        if decode and key in sizes:
            try:
                array.get_block_selection(index)
            except Exception as err:  # a codec's own error for bytes it cannot decode
                found[key] = f"does not decode ({type(err).__name__})"
    return found
