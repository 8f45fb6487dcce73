"""The completion ledger: one record per finished block, written after the block's chunks,
naming each chunk it wrote with its size and checksum.

A block is done exactly when it has a valid record, so a resumed run recomputes the blocks
without one (torn chunks included), readers mask the points no record covers, and
``explorer verify`` checks every chunk against what was written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from pydantic import BaseModel, ConfigDict, NonNegativeInt, ValidationError

from explorer.engine.files import filesystem, is_local, put
from explorer.engine.ownership import LEDGER
from explorer.engine.plan import BlockGrid


class Record(BaseModel):
    """What one finished block wrote: points, category counts, and each chunk's
    (size, checksum) by its key in the store."""

    model_config = ConfigDict(extra="forbid")
    points: NonNegativeInt
    counts: dict[str, dict[str, NonNegativeInt]] = {}
    chunks: dict[str, tuple[NonNegativeInt, str]] = {}


@dataclass
class Ledger:
    records: dict[str, Record] = field(default_factory=dict)  # by block id, valid ones only
    unreadable: list[str] = field(default_factory=list)  # record files that are no record

    def done(self) -> set[str]:
        return set(self.records)

    @cached_property
    def chunks(self) -> dict[str, tuple[int, str]]:
        """(size, checksum) of every recorded chunk, by key."""
        return {
            key: entry for record in self.records.values() for key, entry in record.chunks.items()
        }


def write(url: str, block_id: str, record: Record) -> None:
    put(url, f"{LEDGER}/{block_id}.json", record.model_dump_json().encode())


def read(url: str, grid: BlockGrid) -> Ledger:
    """Every valid record of a block of ``grid``; a torn, garbled or foreign record is
    listed as unreadable and its block counts as not done."""
    fs, path = filesystem(url)
    folder = f"{path}/{LEDGER}"
    ledger = Ledger()
    if not fs.isdir(folder):
        return ledger
    for file in fs.ls(folder, detail=False):
        name = file.rsplit("/", 1)[-1]
        if not name.endswith(".json"):
            continue
        block_id = name[: -len(".json")]
        try:
            if grid.parse_block_id(block_id) is None:
                raise ValueError("names no block of this grid")
            ledger.records[block_id] = Record.model_validate(json.loads(fs.cat_file(file)))
        except (ValueError, UnicodeDecodeError, ValidationError, OSError):
            ledger.unreadable.append(block_id)
    return ledger


def remove(url: str, block_ids) -> None:
    """Forget blocks (their chunks are then rewritten by the next ``--resume``)."""
    fs, path = filesystem(url)
    for block_id in block_ids:
        file = f"{path}/{LEDGER}/{block_id}.json"
        if fs.isfile(file):
            fs.rm_file(file)


def done_mask(grid: BlockGrid, done: set[str]) -> np.ndarray:
    """Booleans over the grid's blocks: True where the block is recorded done."""
    mask = np.zeros(grid.n_blocks, dtype=bool)
    for block in grid.blocks():
        mask[block] = grid.block_id(block) in done
    return mask


def coverage(url: str, grid: BlockGrid) -> tuple[np.ndarray, Ledger]:
    """The done mask and the ledger, re-read only when the ledger folder changes (a local
    folder's modification time says so; other file systems are read every time)."""
    stamp = None
    if is_local(url):
        try:
            stamp = os.stat(os.path.join(filesystem(url)[1], LEDGER)).st_mtime_ns
        except OSError:
            stamp = -1
    if stamp is None:
        ledger = read(url, grid)
        return done_mask(grid, ledger.done()), ledger
    return _cached_coverage(url, grid, stamp)


@lru_cache(maxsize=16)
def _cached_coverage(url: str, grid: BlockGrid, stamp: int):
    ledger = read(url, grid)
    return done_mask(grid, ledger.done()), ledger


def point_mask(
    grid: BlockGrid, done: np.ndarray, var_dims: tuple[str, ...], index: dict
) -> np.ndarray:
    """Which points of an output are written, over the dimensions ``index`` gives arrays of
    point indices for (in that order); other dimensions of the output are at the integer
    point index given. An output stored over fewer dimensions than the grid is written by
    the blocks at index 0 along the others."""
    chunk = dict(zip(grid.dims, grid.chunks))
    arrays = [d for d, i in index.items() if np.ndim(i) == 1]
    selector = []
    for d in grid.dims:
        if d not in var_dims:
            selector.append(0)
        elif d in arrays:
            k = arrays.index(d)
            shape = [1] * len(arrays)
            shape[k] = -1
            selector.append((np.asarray(index[d]) // chunk[d]).reshape(shape))
        else:
            selector.append(int(index[d]) // chunk[d])
    return np.broadcast_to(done[tuple(selector)], [len(index[d]) for d in arrays])
