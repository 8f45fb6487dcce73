"""Figures of 2-D slices: hvplot/HoloViews for the app and HTML (imported lazily: they are
slow to load), matplotlib alone for PNG, SVG and PDF.

Every output is drawn by its kind (``explorer.views.styles``): categories with fixed
colours and a patch legend, or a colour bar with robust limits and non-finite values in
their own colours. The curves the model declares (``Overlay``) are drawn, solved exactly,
on the planes where they apply.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import xarray as xr

from explorer.engine.labels import NOT_COMPUTED
from explorer.engine.stored import model_of
from explorer.models.declaration import Model, Overlay
from explorer.views.styles import Category, Style, decoder, output_label, style_of

FORMATS = (".png", ".svg", ".pdf", ".html")
DEFAULT_SIZE = (8.0, 5.5)  # inches
DEFAULT_DPI = 150
TITLE_WIDTH = 90  # characters per line of the parameter line
HTML_PIXELS_PER_INCH = 100


def axis_label(model: Model, name: str) -> str:
    try:
        parameter = model.parameter(name)
    except StopIteration:
        return name
    units = f" [{parameter.units}]" if parameter.units else ""
    return f"{parameter.symbol} ({name}){units}"


def code_colors(model: Model, output: str) -> dict[int, str]:
    """A colour for every code of a categorical output (and for "not computed yet")."""
    codes = sorted({**model.output(output).labels, NOT_COMPUTED: ""})
    style, _ = style_of(model, output, np.array(codes))
    return {code: category.color for code, category in zip(codes, style.categories)}


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
    """The output and the model's variant; on the next lines where the plane sits (the
    paper's symbols), and any unwritten points."""
    y, x = data.dims
    model, choices = model_of(data.attrs)
    at = ", ".join(
        f"{_symbol(model, k)} = {v:.4g}"
        for k, v in data.attrs.get("at", {}).items()
        if k not in (x, y)
    )
    lines = [f"{output_label(model, data.name)}: {model.describe(choices)}"]
    lines += textwrap.wrap(at, TITLE_WIDTH)
    if data.attrs.get("unwritten"):
        lines.append(f"INCOMPLETE STORE: {data.attrs['unwritten']:,} points not computed")
    return "\n".join(lines)


def _symbol(model: Model, name: str) -> str:
    try:
        return model.parameter(name).symbol
    except StopIteration:
        return name


def styled(data: xr.DataArray) -> tuple[Style, np.ndarray]:
    """The slice's style and the values it colours (see ``explorer.views.styles``)."""
    model, _ = model_of(data.attrs)
    return style_of(model, data.name, data.values)


def legend_of(style: Style, drawn: np.ndarray, shown=None) -> list[Category]:
    """The legend's entries: the categories on the plane (or those of index ``shown``),
    or a continuous output's non-finite values."""
    if not style.discrete:
        return list(style.nonfinite)
    present = set(np.unique(drawn).tolist()) if shown is None else set(shown)
    return [c for c in style.categories if c.index in present]


def make_figure(data: xr.DataArray, lines=None, shown=None):
    """A HoloViews overlay (bokeh) of the slice (rows = ``data.dims[0]``) and boundary
    curves, for the app and HTML files. The image carries the values it colours
    (``colour``) and the output's own values, which the hover shows decoded. The legend
    lists the categories present (or those of index ``shown``: the same list on every
    plane, as a figure updated in place needs)."""
    import holoviews as hv
    import hvplot.xarray  # noqa: F401  (registers .hvplot on xarray; loads bokeh)

    if "bokeh" not in hv.Store.loaded_backends():
        hv.extension("bokeh", logo=False)
    if hv.Store.current_backend != "bokeh":  # (a tenth of a second even when it is)
        hv.Store.set_current_backend("bokeh")

    y, x = data.dims
    model, _ = model_of(data.attrs)
    style, drawn = styled(data)
    xs, ys = data[x].values, data[y].values
    layers = xr.Dataset(
        {COLOUR: ((y, x), drawn.astype(np.float64)), data.name: data.astype(np.float64)},
        coords={y: ys, x: xs},
    )
    draw = layers.hvplot.image if _regular(xs, ys) else layers.hvplot.quadmesh
    colours = _bokeh_colours(style)
    # Limits and clipping colours as plot options: hvplot would make ``clim`` the value
    # column's range, which a figure rebuilt with more columns (the app's) loses.
    pinned = {k: colours.pop(k) for k in ("clim", "clipping_colors") if k in colours}
    plane = draw(x=x, y=y, z=COLOUR, **colours)
    # The output's own values ride along as a second value column, for the hover.
    plane = plane.clone(
        (xs, ys, layers[COLOUR].values, layers[data.name].values),
        vdims=[*plane.vdims, data.name],
        datatype=["grid"],  # numpy, not xarray: HoloViews' xarray ranges fail on +-inf
    ).opts(tools=[hover_tool(model, data.name)], **pinned)
    entries = [
        hv.Scatter([(np.nan, np.nan)], label=c.label).opts(
            color=c.color, marker="square", size=12, line_color="black"
        )
        for c in legend_of(style, drawn, shown)
    ]
    curves = [
        hv.Curve(
            (along, values) if overlay.axis == y else (values, along), x, y, label=overlay.label
        ).opts(color=overlay.color, line_dash=overlay.dash, line_width=3)
        for overlay, along, values in (boundaries(data) if lines is None else lines)
    ]
    overlay = hv.Overlay([plane, *curves, *entries]).opts(
        xlabel=axis_label(model, x), ylabel=axis_label(model, y), title=title_of(data)
    )
    return overlay.redim.range(**{x: (xs.min(), xs.max()), y: (ys.min(), ys.max())})


COLOUR = "colour"  # the image column that is coloured


def _bokeh_colours(style: Style) -> dict:
    """Colour options of the image: pinned to the categories, or the robust limits with
    +-inf and NaN in their own colours (finite values never reach beyond the limits)."""
    if style.discrete:
        count = len(style.categories)
        return {"cmap": style.colors, "clim": (-0.5, count - 0.5), "colorbar": False}
    clipping = {"NaN": style.special("NaN") or "transparent"}
    clipping["max"] = style.special("+inf") or "transparent"
    clipping["min"] = style.special("-inf") or "transparent"
    return {
        "cmap": style.cmap,
        "clim": style.limits,
        "logz": style.log,
        "colorbar": True,
        "clabel": style.label + (" (robust limits)" if style.clipped else ""),
        "clipping_colors": clipping,
    }


def hover_tool(model: Model, name: str, extra=()):
    """A hover tool that shows the point, output ``name`` decoded (a category's label,
    flags by name, or the number, +-inf and NaN named), and the outputs ``extra``."""
    from bokeh.models import HoverTool

    rows = [("x", "$x{0.0000}"), ("y", "$y{0.0000}")]
    formatters = {}
    for shown in (name, *extra):
        field = f"@{{{shown}}}"
        rows.append((output_label(model, shown), f"{field}{{custom}}"))
        formatters[field] = decoder(model.output(shown))
    return HoverTool(tooltips=rows, formatters=formatters)


def _regular(*axes: np.ndarray) -> bool:
    return all(len(v) < 3 or np.allclose(np.diff(v), np.diff(v)[0]) for v in axes)


def draw_static(
    data: xr.DataArray, path: Path, dpi: int = DEFAULT_DPI, size=DEFAULT_SIZE, lines=None
) -> Path:
    """The slice as PNG, SVG or PDF (by ``path``'s suffix) through matplotlib alone."""
    figure = matplotlib_figure(data, size=size, lines=lines)
    figure.savefig(path, format=path.suffix.lower().lstrip("."), dpi=dpi)
    return path


def matplotlib_figure(data: xr.DataArray, size=DEFAULT_SIZE, lines=None):
    """A matplotlib ``Figure`` of the slice (no GUI backend is loaded)."""
    import matplotlib
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm, Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    y, x = data.dims
    model, _ = model_of(data.attrs)
    style, drawn = styled(data)
    xs, ys = data[x].values, data[y].values
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    if style.discrete:
        count = len(style.categories)
        colouring = {
            "cmap": ListedColormap(style.colors),
            "norm": BoundaryNorm(np.arange(count + 1) - 0.5, count),
        }
    else:
        cmap = matplotlib.colormaps[style.cmap].with_extremes(
            bad=style.special("NaN") or "none",
            over=style.special("+inf") or "none",
            under=style.special("-inf") or "none",
        )
        norm = (LogNorm if style.log else Normalize)(*style.limits)
        colouring = {"cmap": cmap, "norm": norm}
    if _regular(xs, ys):
        dx = (xs[-1] - xs[0]) / (2 * (len(xs) - 1)) if len(xs) > 1 else 0.5
        dy = (ys[-1] - ys[0]) / (2 * (len(ys) - 1)) if len(ys) > 1 else 0.5
        extent = (xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy)
        image = axes.imshow(
            drawn,
            origin="lower",
            extent=extent,
            aspect="auto",
            interpolation="nearest",
            **colouring,
        )
    else:
        image = axes.pcolormesh(xs, ys, drawn, shading="nearest", **colouring)
    for overlay, along, values in boundaries(data) if lines is None else lines:
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
    handles += [
        Patch(facecolor=c.color, edgecolor="black", linewidth=0.5, label=c.label)
        for c in legend_of(style, drawn)
    ]
    if not style.discrete:
        bar = figure.colorbar(image, ax=axes)
        bar.set_label(style.label + (" (2nd-98th percentile)" if style.clipped else ""))
    if handles:  # under everything else, so no title or colour bar runs into it
        columns = min(len(handles), 3)
        figure.legend(handles=handles, loc="outside lower center", ncols=columns, frameon=False)
    axes.set_xlabel(axis_label(model, x))
    axes.set_ylabel(axis_label(model, y))
    heading, _, rest = title_of(data).partition("\n")
    figure.suptitle(heading, fontsize=11)
    if rest:
        axes.set_title(rest, fontsize=8.5, loc="left", color="#444444")
    return figure


# bokeh's dash names as matplotlib spells them
_MATPLOTLIB_DASHES = {"dashed": "--", "dotted": ":", "dashdot": "-.", "solid": "-"}


def save_figure(
    data: xr.DataArray, path: str | Path, dpi: int = DEFAULT_DPI, size=DEFAULT_SIZE
) -> Path:
    """Draw the slice to ``path``: PNG, SVG or PDF through matplotlib (fast, no browser
    needed), HTML through bokeh (interactive, with hover; BokehJS inlined, so the file
    works offline). ``size`` is (width, height) in inches (HTML: 100 pixels each)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {path.name!r}: give a file ending in {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix != ".html":
        return draw_static(data, path, dpi=dpi, size=size)
    import holoviews as hv
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    width, height = (round(inches * HTML_PIXELS_PER_INCH) for inches in size)
    figure = make_figure(data).opts(width=width, height=height, legend_position="right")
    page = file_html(hv.render(figure, backend="bokeh"), INLINE, title=str(data.name))
    path.write_text(page, encoding="utf-8")
    return path
