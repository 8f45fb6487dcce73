"""Ready-made figures of stored sweeps."""

from __future__ import annotations

import os
from pathlib import Path

from explorer.engine.files import TEMP_PREFIX, is_local
from explorer.engine.ownership import QUICKLOOK
from explorer.engine.stored import model_of
from explorer.views.slicing import grid_dims, make_slice, open_cached


def plot(source, x=None, y=None, at=None, var=None, backend="matplotlib", size=None):
    """The project's figure of a plane, for notebooks: the same colours, legends and
    boundaries as ``explorer plot``. ``source`` is a slice (from ``explorer.slice``) or
    anything ``explorer.slice`` takes; for a store, axes, output and the other values
    default to the model's preferred plane at the middle stored values. Returns a
    matplotlib ``Figure`` (``backend="matplotlib"``) or a HoloViews overlay (``"bokeh"``,
    interactive with hover)."""
    import xarray as xr

    from explorer.views.plots import DEFAULT_SIZE, make_figure, matplotlib_figure

    if backend not in ("matplotlib", "bokeh"):
        raise ValueError(f"backend={backend!r}: choose 'matplotlib' or 'bokeh'")
    if isinstance(source, xr.DataArray):
        data = source
    else:
        if x is None or y is None:
            if isinstance(source, xr.Dataset) or str(source).endswith(".toml"):
                raise ValueError("give x and y, the swept dimensions to draw")
            x, y, middle, var = default_view(open_cached(str(source)), var)
            at = {**middle, **(at or {})}
        data = make_slice(source, x, y, at, var)
    if backend == "bokeh":
        return make_figure(data)
    return matplotlib_figure(data, size=size or DEFAULT_SIZE)


def default_view(ds, var=None):
    """(x, y, at, output) of a store's first view: the model's preferred plane (or the
    first two swept dimensions), other dimensions at their middle stored value."""
    model, _ = model_of(ds.attrs)
    dims = grid_dims(ds)
    var = var or next((o for o in model.output_names if o in ds.data_vars), None)
    plane = model.first_plane(dims)
    if plane is None or var is None:
        raise ValueError("this store has no plane to draw (fewer than two swept dimensions)")
    x, y = plane
    at = {d: float(ds[d].values[len(ds[d]) // 2]) for d in dims if d not in (x, y)}
    return x, y, at, var


def quick_look(url: str) -> Path | None:
    """A PNG kept inside a local store (so it never replaces a file of the user's, and
    goes when the store goes): the model's first output over its preferred plane (or the
    first two swept dimensions), other dimensions at their middle stored value. None for
    remote stores and sampled sweeps, which have no plane to draw."""
    from explorer.views.plots import save_figure

    if not is_local(url):
        return None
    ds = open_cached(url)
    try:
        x, y, at, var = default_view(ds)
    except ValueError:
        return None
    target = Path(url) / QUICKLOOK
    drawn = save_figure(make_slice(ds, x, y, at, var), target.with_name(TEMP_PREFIX + QUICKLOOK))
    os.replace(drawn, target)  # whole or not at all
    return target
