"""Ready-made figures of stored sweeps."""

from __future__ import annotations

import os
from pathlib import Path

from explorer.engine.files import TEMP_PREFIX, is_local
from explorer.engine.ownership import QUICKLOOK
from explorer.engine.stored import model_of
from explorer.views.slicing import grid_dims, make_slice, open_cached


def quick_look(url: str) -> Path | None:
    """A PNG kept inside a local store (so it never replaces a file of the user's, and
    goes when the store goes): the model's first output over its preferred plane (or the
    first two swept dimensions), other dimensions at their middle stored value. None for
    remote stores and sampled sweeps, which have no plane to draw."""
    from explorer.views.plots import save_figure

    if not is_local(url):
        return None
    ds = open_cached(url)
    model, _ = model_of(ds.attrs)
    dims = grid_dims(ds)
    var = next((o for o in model.output_names if o in ds.data_vars), None)
    if len(dims) < 2 or var is None:
        return None
    plane = model.plane
    x, y = plane if plane and set(plane) <= set(dims) else dims[:2]
    at = {d: float(ds[d].values[len(ds[d]) // 2]) for d in dims if d not in (x, y)}
    target = Path(url) / QUICKLOOK
    drawn = save_figure(make_slice(ds, x, y, at, var), target.with_name(TEMP_PREFIX + QUICKLOOK))
    os.replace(drawn, target)  # whole or not at all
    return target
