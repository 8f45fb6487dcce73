"""A store as its readers see it: checked to be a whole store of this tool's, with its
attributes, recorded config, block grid and which blocks are done."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

import numpy as np

from explorer.engine import ledger, ownership, store
from explorer.engine.files import StoreError, normalize_url
from explorer.engine.ownership import State
from explorer.engine.plan import BlockGrid
from explorer.models import get_model
from explorer.models.declaration import Choices, Model


def model_of(attrs: Mapping) -> tuple[Model, Choices]:
    """The model and its choices, as a store's (or a slice's) attributes record them."""
    model = get_model(attrs["model"])
    return model, model.choices({v.name: attrs[v.name] for v in model.variants if v.name in attrs})


def open_attrs(url: str) -> dict:
    """The attributes of a readable store, or a StoreError saying what is there instead."""
    url = normalize_url(url)
    found = ownership.state(url)
    if found is State.ABSENT:
        raise StoreError(
            f"{url} is not a sweep store (nothing is there); give the path that `explorer run` "
            "printed"
        )
    if found is State.FOREIGN:
        raise StoreError(
            f"{url} is not a sweep store made by explorer; give the path that `explorer run` "
            "printed"
        )
    if found is State.CREATING:
        raise StoreError(
            f"{url} is unfinished: its creation (or replacement) was cut short, so it holds no "
            f"results yet; run `explorer run CONFIG --store {url} --resume`"
        )
    attrs = store.read_attrs(url)
    if "config_hash" not in attrs:
        raise StoreError(f"{url} is a zarr store but not one written by `explorer run`")
    return attrs


def recorded_config(url: str, attrs: dict | None = None):
    """The config a store was made with (as recorded in it)."""
    from explorer.engine.config import ConfigError, parse_config

    attrs = open_attrs(url) if attrs is None else attrs
    if not isinstance(attrs.get("config"), dict):
        raise StoreError(f"{url} records no sweep config; it cannot be resumed or checked")
    try:
        return parse_config(attrs["config"], source=url)
    except ConfigError as err:
        raise StoreError(f"the config recorded in {err}") from None


def names_a_store(source: str) -> bool:
    """Whether a CONFIG|STORE argument names a store (a folder or URL), not a config file."""
    path = normalize_url(source)
    return "://" in path or os.path.isdir(path)


def load_source(source: str):
    """A sweep config: from a .toml file, or the one recorded in a store (a folder or URL)."""
    from explorer.engine.config import load_config

    return recorded_config(normalize_url(source)) if names_a_store(source) else load_config(source)


def grid_of(url: str, attrs: dict) -> BlockGrid:
    """How the store's grid was cut into blocks (recorded, or re-planned for stores made
    before it was recorded)."""
    if isinstance(attrs.get("grid"), dict):
        grid = attrs["grid"]
        return BlockGrid(tuple(grid["dims"]), tuple(grid["shape"]), tuple(grid["chunks"]))
    from explorer.engine.plan import make_plan

    planned = make_plan(recorded_config(url, attrs))
    # Stored chunks decide the blocks: the way to cut them may have changed since.
    widest = next(o for o in planned.outputs if o.dims == planned.dims)
    chunks = store.chunk_shape_of(url, widest.name)
    return planned.grid if chunks is None else dataclasses.replace(planned.grid, chunks=chunks)


def coverage(url: str, attrs: dict | None = None) -> tuple[BlockGrid, np.ndarray, ledger.Ledger]:
    """The block grid, a mask of its done blocks, and the ledger."""
    attrs = open_attrs(url) if attrs is None else attrs
    grid = grid_of(url, attrs)
    done, book = ledger.coverage(url, grid)
    return grid, done, book
