"""Ready-made figures of stored sweeps."""

from __future__ import annotations

import os
from pathlib import Path

from explorer.files import TEMP_PREFIX, is_local
from explorer.ownership import QUICKLOOK
from explorer.slicing import grid_dims, make_slice, open_cached


def quick_look(url: str) -> Path | None:
    """A PNG kept inside a local store (so it never replaces a file of the user's, and
    goes when the store goes): outcome over theta x beta (or the first two swept
    dimensions), other dimensions at their middle stored value. None for remote stores and
    sampled sweeps, which have no plane to draw."""
    from explorer.plots import save_figure

    if not is_local(url):
        return None
    ds = open_cached(url)
    dims = grid_dims(ds)
    if len(dims) < 2 or "outcome" not in ds:
        return None
    x, y = ("theta", "beta") if {"theta", "beta"} <= set(dims) else dims[:2]
    at = {d: float(ds[d].values[len(ds[d]) // 2]) for d in dims if d not in (x, y)}
    target = Path(url) / QUICKLOOK
    drawn = save_figure(
        make_slice(ds, x, y, at, "outcome"), target.with_name(TEMP_PREFIX + QUICKLOOK)
    )
    os.replace(drawn, target)  # whole or not at all
    return target
