"""Ready-made figures of stored sweeps."""

from __future__ import annotations

from pathlib import Path

from explorer.slicing import grid_dims, make_slice, open_cached


def quick_look(url: str) -> Path | None:
    """A PNG beside a local store: outcome over theta x beta (or the first two swept
    dimensions), other dimensions at their middle stored value. None for remote stores and
    sampled sweeps, which have no plane to draw."""
    from explorer.plots import save_figure

    if "://" in url:
        return None
    ds = open_cached(url)
    dims = grid_dims(ds)
    if len(dims) < 2 or "outcome" not in ds:
        return None
    x, y = ("theta", "beta") if {"theta", "beta"} <= set(dims) else dims[:2]
    at = {d: float(ds[d].values[len(ds[d]) // 2]) for d in dims if d not in (x, y)}
    return save_figure(make_slice(ds, x, y, at, "outcome"), Path(url).with_suffix(".png"))
