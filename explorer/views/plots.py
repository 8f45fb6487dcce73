"""Figures of 2-D slices with hvplot/HoloViews (imported lazily: they are slow to load).

Categorical outputs get the model's fixed colours and a labelled legend, continuous ones a
colour bar; the curves the model declares (``Overlay``) are drawn, solved exactly, on the
planes where they apply.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from explorer.engine.store import NOT_COMPUTED
from explorer.engine.stored import model_of
from explorer.models.declaration import Model, Overlay

NOT_COMPUTED_COLOR = "#ffffff"
# Colour-blind-safe (Okabe-Ito): codes without a declared colour take these in turn.
PALETTE = ("#999999", "#e69f00", "#0072b2", "#009e73", "#f0e442", "#56b4e9", "#d55e00")


def axis_label(model: Model, name: str) -> str:
    try:
        return f"{model.parameter(name).symbol} ({name})"
    except StopIteration:
        return name


def code_colors(model: Model, output: str) -> dict[int, str]:
    """A colour for every code of a categorical output (and for "not computed yet")."""
    declared = model.output(output)
    colors = {
        code: declared.colors.get(code, PALETTE[i % len(PALETTE)])
        for i, code in enumerate(sorted(declared.labels))
    }
    return {NOT_COMPUTED: NOT_COMPUTED_COLOR, **colors}


def boundaries(data: xr.DataArray) -> list[tuple[Overlay, np.ndarray, np.ndarray]]:
    """The model's overlay curves that bound this plane, solved exactly along its other
    axis: (overlay, other-axis values, curve values; NaN where the curve does not apply)."""
    model, choices = model_of(data.attrs)
    y, x = data.dims
    found = []
    for bounded, along in ((y, x), (x, y)):
        overlays = [o for o in model.overlays if o.axis == bounded]
        if not overlays:
            continue
        params = {
            **data.attrs.get("at", {}),
            along: xr.DataArray(data[along].values, dims=along),
            bounded: float(data[bounded].values[0]),
        }  # the curves do not depend on the axis they give
        wanted = [o.output for o in overlays] + [n for o in overlays for n in o.needs]
        solved = _solve_outputs(model, choices, params, wanted)
        for overlay in overlays:
            values = solved[overlay.output].values
            if overlay.where is not None:
                applies = np.broadcast_to(np.asarray(overlay.where(solved)), values.shape)
                values = np.where(applies, values, np.nan)
            found.append((overlay, data[along].values, values))
    return found


def _solve_outputs(model: Model, choices, params: dict, outputs: list[str]) -> xr.Dataset:
    from explorer.engine.solve import solve

    return solve(model=model, outputs=list(dict.fromkeys(outputs)), **dict(choices), **params)


def make_figure(data: xr.DataArray, backend: str = "bokeh", lines=None):
    """A HoloViews overlay of the slice (rows = ``data.dims[0]``) and boundary curves."""
    import holoviews as hv
    import hvplot.xarray  # noqa: F401  (registers .hvplot on xarray; loads bokeh)

    if backend not in hv.Store.loaded_backends():
        hv.extension(backend, logo=False)
    hv.Store.set_current_backend(backend)

    y, x = data.dims
    model, choices = model_of(data.attrs)
    output = model.output(data.name)
    xs, ys = data[x].values, data[y].values
    regular = all(len(v) < 3 or np.allclose(np.diff(v), np.diff(v)[0]) for v in (xs, ys))
    draw = data.hvplot.image if regular else data.hvplot.quadmesh
    layers = []
    if output.labels:
        colors = code_colors(model, data.name)
        codes = list(range(min(colors), max(colors) + 1))
        # Colours are pinned to codes through the plot options (not the data's range), so
        # a plane showing only some codes, or one rebuilt for hover, keeps them.
        cmap = [colors.get(c, NOT_COMPUTED_COLOR) for c in codes]
        plane = draw(x=x, y=y, cmap=cmap, colorbar=False).opts(
            clim=(codes[0] - 0.5, codes[-1] + 0.5)
        )
        present = set(np.unique(data.values).tolist())
        labels = {**output.labels, NOT_COMPUTED: "not computed yet"}
        outline = {"edgecolors": "black"} if backend == "matplotlib" else {"line_color": "black"}
        layers = [
            hv.Scatter([(np.nan, np.nan)], label=labels[c]).opts(
                color=colors[c], **(outline if c == NOT_COMPUTED else {})
            )
            for c in sorted(labels)
            if c in present
        ]
    else:
        plane = draw(x=x, y=y, cmap="viridis", colorbar=True)
    curves = []
    for overlay, along, values in boundaries(data) if lines is None else lines:
        points = (along, values) if overlay.axis == y else (values, along)
        style = (
            {"linestyle": overlay.dash, "linewidth": 2.5}
            if backend == "matplotlib"
            else {"line_dash": overlay.dash, "line_width": 3}
        )
        curves.append(
            hv.Curve(points, x, y, label=overlay.label).opts(color=overlay.color, **style)
        )
    at = ", ".join(f"{k}={v:.4g}" for k, v in data.attrs.get("at", {}).items() if k not in (x, y))
    title = f"{data.name} ({model.describe(choices)})" + (f"\n{at}" if at else "")
    if data.attrs.get("unwritten"):
        title += f"\nINCOMPLETE STORE: {data.attrs['unwritten']:,} points not computed (blank)"
    overlay = hv.Overlay([plane, *curves, *layers]).opts(
        xlabel=axis_label(model, x), ylabel=axis_label(model, y), title=title
    )
    return overlay.redim.range(**{x: (xs.min(), xs.max()), y: (ys.min(), ys.max())})


def save_figure(data: xr.DataArray, path: str | Path) -> Path:
    """Draw the slice to ``path``: PNG through matplotlib (no browser needed), HTML through
    bokeh (interactive, with hover)."""
    import holoviews as hv

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".html"):
        raise ValueError(f"cannot write {path.name!r}: give a file ending in .png or .html")
    backend = "matplotlib" if suffix == ".png" else "bokeh"
    figure = make_figure(data, backend)
    if backend == "matplotlib":
        figure = figure.opts(fig_size=170, legend_position="right", aspect=1.2)
    else:
        figure = figure.opts(width=760, height=520, legend_position="right")
    path.parent.mkdir(parents=True, exist_ok=True)
    hv.save(figure, path, backend=backend)
    return path
