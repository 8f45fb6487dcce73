"""Figures of 2-D slices with hvplot/HoloViews (imported lazily: they are slow to load).

Categorical outputs get fixed colours and a labelled legend, continuous ones a colour bar;
the paper's exact boundaries are drawn on the planes where they apply.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from explorer.models import get_model

# Colour-blind-safe (Okabe-Ito), the same in every figure and in the app.
OUTCOME_COLORS = {-2: "#ffffff", -1: "#d9d9d9", 0: "#999999", 1: "#e69f00", 2: "#0072b2"}
NOT_COMPUTED = -2  # the code a store holds where no block has written yet
BOUNDARY_STYLE = {
    "beta_lp": ("black", "dashed"),
    "q_l": ("#d55e00", "dashed"),
    "q_lp": ("#cc79a7", "dashdot"),
}
# Which paper threshold draws a boundary along which parameter (on a plane with that axis).
THRESHOLDS = {"beta": ("beta_lp",), "q": ("q_l", "q_lp")}


def axis_label(model: str, name: str) -> str:
    spec = get_model(model)
    try:
        return f"{spec.parameter(name).symbol} ({name})"
    except StopIteration:
        return name


def boundaries(data: xr.DataArray) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """The paper's thresholds that bound this plane, solved exactly along its other axis.

    Returns (threshold, axis it bounds, other-axis values, threshold values) for each.
    q_LP is drawn only where the paper has l build a coalition (beta > beta_LP) and q_L
    only where it has her act alone, so each initiation boundary shows where it applies.
    """
    y, x = data.dims
    found = []
    for bounded, along in ((y, x), (x, y)):
        names = THRESHOLDS.get(bounded, ())
        if not names:
            continue
        params = {
            **data.attrs.get("at", {}),
            along: xr.DataArray(data[along].values, dims=along),
            bounded: float(data[bounded].values[0]),
        }  # the thresholds ignore it
        solved = _solve_outputs(data.attrs, params, [*names, "beta_lp"])
        beta = solved["beta"] if "beta" in solved.dims else params.get("beta")
        for threshold in names:
            values = solved[threshold].values
            if threshold in ("q_l", "q_lp"):
                coalition = np.asarray(beta > solved["beta_lp"])
                values = np.where(coalition == (threshold == "q_lp"), values, np.nan)
            found.append((threshold, bounded, data[along].values, values))
    return found


def _solve_outputs(attrs, params: dict, outputs: list[str]) -> xr.Dataset:
    from explorer.solving import solve

    return solve(
        game=attrs["game"],
        rho_form=attrs["rho_form"],
        model=attrs["model"],
        outputs=list(dict.fromkeys(outputs)),
        **params,
    )


def make_figure(data: xr.DataArray, backend: str = "bokeh", lines=None):
    """A HoloViews overlay of the slice (rows = ``data.dims[0]``) and boundary curves."""
    import holoviews as hv
    import hvplot.xarray  # noqa: F401  (registers .hvplot on xarray; loads bokeh)

    if backend not in hv.Store.loaded_backends():
        hv.extension(backend, logo=False)
    hv.Store.set_current_backend(backend)

    y, x = data.dims
    model = data.attrs["model"]
    spec = get_model(model)
    output = spec.output(data.name)
    xs, ys = data[x].values, data[y].values
    regular = all(len(v) < 3 or np.allclose(np.diff(v), np.diff(v)[0]) for v in (xs, ys))
    draw = data.hvplot.image if regular else data.hvplot.quadmesh
    layers = []
    if output.labels:
        codes = sorted(OUTCOME_COLORS)
        # Colours are pinned to codes through the plot options (not the data's range), so
        # a plane showing only some codes, or one rebuilt for hover, keeps them.
        plane = draw(x=x, y=y, cmap=[OUTCOME_COLORS[c] for c in codes], colorbar=False).opts(
            clim=(codes[0] - 0.5, codes[-1] + 0.5)
        )
        present = set(np.unique(data.values).tolist())
        labels = {**output.labels, NOT_COMPUTED: "not computed yet"}
        outline = {"edgecolors": "black"} if backend == "matplotlib" else {"line_color": "black"}
        layers = [
            hv.Scatter([(np.nan, np.nan)], label=labels[c]).opts(
                color=OUTCOME_COLORS[c], **(outline if c == NOT_COMPUTED else {})
            )
            for c in sorted(labels)
            if c in present
        ]
    else:
        plane = draw(x=x, y=y, cmap="viridis", colorbar=True)
    curves = []
    for threshold, bounded, along, values in boundaries(data) if lines is None else lines:
        color, dash = BOUNDARY_STYLE.get(threshold, ("black", "dashed"))
        symbol = {"beta_lp": "β_LP", "q_l": "q_L", "q_lp": "q_LP"}.get(threshold, threshold)
        points = (along, values) if bounded == y else (values, along)
        style = (
            {"linestyle": dash, "linewidth": 2.5}
            if backend == "matplotlib"
            else {"line_dash": dash, "line_width": 3}
        )
        curves.append(
            hv.Curve(points, x, y, label=f"{symbol} (paper's boundary)").opts(color=color, **style)
        )
    at = ", ".join(f"{k}={v:.4g}" for k, v in data.attrs.get("at", {}).items() if k not in (x, y))
    title = f"{data.name}, {data.attrs['game']} game" + (f"\n{at}" if at else "")
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
