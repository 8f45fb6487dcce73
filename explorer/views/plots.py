"""Figures of 2-D slices: hvplot/HoloViews for the app and HTML (imported lazily: they are
slow to load), matplotlib alone for PNGs.

Categorical outputs get the model's fixed colours and a labelled legend, continuous ones a
colour bar; the curves the model declares (``Overlay``) are drawn, solved exactly, on the
planes where they apply.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from explorer.engine.labels import NOT_COMPUTED
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


def title_of(data: xr.DataArray) -> str:
    """The output, the model's variant, where the plane sits, and any unwritten points."""
    y, x = data.dims
    model, choices = model_of(data.attrs)
    at = ", ".join(f"{k}={v:.4g}" for k, v in data.attrs.get("at", {}).items() if k not in (x, y))
    title = f"{data.name} ({model.describe(choices)})" + (f"\n{at}" if at else "")
    if data.attrs.get("unwritten"):
        title += f"\nINCOMPLETE STORE: {data.attrs['unwritten']:,} points not computed (blank)"
    return title


def legend_of(data: xr.DataArray, codes=None) -> list[tuple[int, str, str]]:
    """(code, label, colour) of each category present on a categorical plane (or of
    each of ``codes``)."""
    model, _ = model_of(data.attrs)
    colors = code_colors(model, data.name)
    labels = {**model.output(data.name).labels, NOT_COMPUTED: "not computed yet"}
    shown = set(np.unique(data.values).tolist()) if codes is None else set(codes)
    return [(c, labels[c], colors[c]) for c in sorted(labels) if c in shown]


def make_figure(data: xr.DataArray, lines=None, codes=None):
    """A HoloViews overlay (bokeh) of the slice (rows = ``data.dims[0]``) and boundary
    curves, for the app and HTML files; the legend lists the categories present (or
    ``codes``: the same list on every plane, as a figure updated in place needs)."""
    import holoviews as hv
    import hvplot.xarray  # noqa: F401  (registers .hvplot on xarray; loads bokeh)

    if "bokeh" not in hv.Store.loaded_backends():
        hv.extension("bokeh", logo=False)
    if hv.Store.current_backend != "bokeh":  # (a tenth of a second even when it is)
        hv.Store.set_current_backend("bokeh")

    y, x = data.dims
    model, _ = model_of(data.attrs)
    xs, ys = data[x].values, data[y].values
    draw = data.hvplot.image if _regular(xs, ys) else data.hvplot.quadmesh
    layers = []
    if model.output(data.name).labels:
        colors = code_colors(model, data.name)
        scale = list(range(min(colors), max(colors) + 1))
        # Colours are pinned to codes through the plot options (not the data's range), so
        # a plane showing only some codes, or one rebuilt for hover, keeps them.
        cmap = [colors.get(c, NOT_COMPUTED_COLOR) for c in scale]
        plane = draw(x=x, y=y, cmap=cmap, colorbar=False).opts(
            clim=(scale[0] - 0.5, scale[-1] + 0.5)
        )
        layers = [
            hv.Scatter([(np.nan, np.nan)], label=label).opts(
                color=color, **({"line_color": "black"} if code == NOT_COMPUTED else {})
            )
            for code, label, color in legend_of(data, codes)
        ]
    else:
        plane = draw(x=x, y=y, cmap="viridis", colorbar=True)
    curves = [
        hv.Curve(
            (along, values) if overlay.axis == y else (values, along), x, y, label=overlay.label
        ).opts(color=overlay.color, line_dash=overlay.dash, line_width=3)
        for overlay, along, values in (boundaries(data) if lines is None else lines)
    ]
    overlay = hv.Overlay([plane, *curves, *layers]).opts(
        xlabel=axis_label(model, x), ylabel=axis_label(model, y), title=title_of(data)
    )
    return overlay.redim.range(**{x: (xs.min(), xs.max()), y: (ys.min(), ys.max())})


def _regular(*axes: np.ndarray) -> bool:
    return all(len(v) < 3 or np.allclose(np.diff(v), np.diff(v)[0]) for v in axes)


def draw_png(data: xr.DataArray, path: Path) -> Path:
    """The slice as a PNG through matplotlib alone (no interactive stack to import)."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure  # not pyplot: no GUI backend to load
    from matplotlib.patches import Patch

    y, x = data.dims
    model, _ = model_of(data.attrs)
    xs, ys = data[x].values, data[y].values
    figure = Figure(figsize=(8.5, 5.6), layout="constrained")
    axes = figure.add_subplot()
    if model.output(data.name).labels:
        colors = code_colors(model, data.name)
        codes = list(range(min(colors), max(colors) + 1))
        style = {
            "cmap": ListedColormap([colors.get(c, NOT_COMPUTED_COLOR) for c in codes]),
            "norm": BoundaryNorm(np.arange(codes[0] - 0.5, codes[-1] + 1), len(codes)),
        }
    else:
        style = {"cmap": "viridis"}
    if _regular(xs, ys):
        dx = (xs[-1] - xs[0]) / (2 * (len(xs) - 1)) if len(xs) > 1 else 0.5
        dy = (ys[-1] - ys[0]) / (2 * (len(ys) - 1)) if len(ys) > 1 else 0.5
        extent = (xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy)
        image = axes.imshow(
            data.values,
            origin="lower",
            extent=extent,
            aspect="auto",
            interpolation="nearest",
            **style,
        )
    else:
        image = axes.pcolormesh(xs, ys, data.values, shading="nearest", **style)
    for overlay, along, values in boundaries(data):
        points = (along, values) if overlay.axis == y else (values, along)
        axes.plot(
            *points,
            color=overlay.color,
            linewidth=2.5,
            label=overlay.label,
            linestyle=_MATPLOTLIB_DASHES.get(overlay.dash, overlay.dash),
        )
    axes.set(xlim=(xs.min(), xs.max()), ylim=(ys.min(), ys.max()))
    handles, _ = axes.get_legend_handles_labels()
    if model.output(data.name).labels:
        handles += [
            Patch(
                facecolor=color, edgecolor="black" if code == NOT_COMPUTED else color, label=label
            )
            for code, label, color in legend_of(data)
        ]
    else:
        figure.colorbar(image, ax=axes, label=data.name)
    if handles:
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    axes.set_xlabel(axis_label(model, x))
    axes.set_ylabel(axis_label(model, y))
    axes.set_title(title_of(data), fontsize=10)
    figure.savefig(path, format="png", dpi=110)
    return path


# bokeh's dash names as matplotlib spells them
_MATPLOTLIB_DASHES = {"dashed": "--", "dotted": ":", "dashdot": "-.", "solid": "-"}


def save_figure(data: xr.DataArray, path: str | Path) -> Path:
    """Draw the slice to ``path``: PNG through matplotlib (fast, no browser needed), HTML
    through bokeh (interactive, with hover)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".html"):
        raise ValueError(f"cannot write {path.name!r}: give a file ending in .png or .html")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        return draw_png(data, path)
    import holoviews as hv

    figure = make_figure(data).opts(width=760, height=520, legend_position="right")
    hv.save(figure, path, backend="bokeh")
    return path
