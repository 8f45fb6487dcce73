"""Figures 3 and 4 drawn from ``explorer.empirics.bands``: PNG, SVG or PDF through
matplotlib, interactive HTML through hvplot/bokeh (BokehJS inlined: works offline). Each
panel is titled, and the figure footnoted with every assumption behind its curves."""

from __future__ import annotations

import textwrap
from pathlib import Path

import xarray as xr

from explorer.views.plots import DEFAULT_DPI, HTML_PIXELS_PER_INCH

FORMATS = (".png", ".svg", ".pdf", ".html")
PANEL_SIZE = (6.4, 3.6)  # inches
NOTE_WIDTH = 110
POINT, MEAN, BAND, SIM, ENVELOPE = "#1f4e79", "#c0392b", "#9ecae1", "#e6550d", "#bdbdbd"


def footnote(panels: list[xr.Dataset]) -> str:
    """Every assumption behind the figure: those all panels share, then each panel's own."""
    notes = [
        ds.attrs["assumptions"] + ([ds.attrs["scale"]] if "scale" in ds.attrs else [])
        for ds in panels
    ]
    shared = [n for n in notes[0] if all(n in other for other in notes)]
    parts = ["; ".join(shared)] if shared else []
    for ds, own in zip(panels, notes, strict=True):
        rest = [n for n in own if n not in shared]
        if rest:
            parts.append(f"{ds.x.attrs['long_name']} axis: " + "; ".join(rest))
    lead = "Approximate" if panels[0].attrs["provenance"] == "approximate" else "Assumed"
    return "\n".join(textwrap.wrap(f"{lead}: " + ". ".join(parts) + ".", NOTE_WIDTH))


def middle_offset(ds: xr.Dataset) -> int:
    """The offset whose curve is drawn in full (the only one, or the bound's middle)."""
    return ds.sizes["offset"] // 2


def _draw_prediction(ax, ds: xr.Dataset) -> None:
    x = ds.x.values
    several = ds.sizes["offset"] > 1
    ends = ", ".join(f"{v:.2f}" for v in ds.offset.values[[0, -1]])
    if several:
        ax.fill_between(
            x,
            ds.low.min("offset"),
            ds.high.max("offset"),
            color=ENVELOPE,
            alpha=0.45,
            lw=0,
            label="95% band over the offset's bound",
        )
    for i, offset in enumerate(ds.offset.values):
        one = ds.isel(offset=i)
        middle = i == middle_offset(ds)
        if middle:
            ax.fill_between(
                x, one.low, one.high, color=BAND, alpha=0.8, lw=0, label="95% simulation band"
            )
        ax.plot(
            x,
            one.estimate,
            color=POINT,
            lw=1.8 if middle else 0.9,
            ls="-" if middle else ":",
            label=f"point estimate (offset {offset:.2f})"
            if middle
            else f"point estimate at the bound's ends ({ends})"
            if i == 0
            else None,
        )
        if middle:
            ax.plot(
                x,
                one.clarify_mean,
                color=MEAN,
                lw=1,
                ls="--",
                label="mean of simulated probabilities",
            )
    ax.set_ylabel(ds.attrs["ylabel"])


def _draw_margin(ax, ds: xr.Dataset) -> None:
    x = ds.x.values
    if "envelope_low" in ds:
        ax.fill_between(
            x,
            ds.envelope_low,
            ds.narrowest_low,
            color=ENVELOPE,
            alpha=0.7,
            lw=0,
            label="where the band's edges lie, any correlation",
        )
        ax.fill_between(x, ds.narrowest_high, ds.envelope_high, color=ENVELOPE, alpha=0.7, lw=0)
    ax.fill_between(
        x,
        ds.delta_low,
        ds.delta_high,
        color=BAND,
        lw=0,
        alpha=0.5 if "envelope_low" in ds else 0.8,
        label="95% band, delta method",
    )
    ax.plot(x, ds.sim_low, color=SIM, lw=1, ls="--", label="95% band, simulation")
    ax.plot(x, ds.sim_high, color=SIM, lw=1, ls="--")
    ax.plot(x, ds.effect, color=POINT, lw=1.8, label="marginal effect")
    ax.axhline(0, color="black", lw=0.7)
    ax.set_ylabel(f"effect of {ds.attrs['effect_of'].replace('_', ' ')} on the index")


def matplotlib_figure(panels: list[xr.Dataset]):
    from matplotlib.figure import Figure

    width, height = PANEL_SIZE
    figure = Figure(figsize=(width, height * len(panels) + 0.9), layout="constrained")
    axes = figure.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, ds in zip(axes, panels, strict=True):
        (_draw_margin if "effect" in ds else _draw_prediction)(ax, ds)
        ax.set_title(ds.attrs["title"], fontsize=10)
        ax.set_xlabel(ds.x.attrs["long_name"])
        ax.legend(fontsize=7, loc="best")
        ax.grid(alpha=0.3)
    figure.supxlabel(footnote(panels), fontsize=7, ha="left", x=0.01)
    return figure


def holoviews_figure(panels: list[xr.Dataset]):
    import holoviews as hv
    import hvplot.pandas  # noqa: F401  (registers .hvplot on DataFrames)
    import numpy as np
    import pandas as pd

    def area(frame, low, high, colour, alpha, label):
        return frame.hvplot.area(x="x", y=low, y2=high, color=colour, alpha=alpha, label=label)

    drawn = []
    for ds in panels:
        frame = ds.to_dataframe().reset_index()
        label = ds.x.attrs["long_name"]
        if "effect" in ds:
            # Both simulation edges as one dashed line (broken by a NaN): one legend entry.
            gap = pd.DataFrame({"x": [np.nan], "edge": [np.nan]})
            edges = pd.concat(
                [
                    frame[["x", "sim_low"]].set_axis(["x", "edge"], axis=1),
                    gap,
                    frame[["x", "sim_high"]].set_axis(["x", "edge"], axis=1),
                ]
            )
            layers = [
                area(frame, "delta_low", "delta_high", BAND, 0.8, "95% band, delta method"),
                edges.hvplot.line(
                    x="x", y="edge", color=SIM, line_dash="dashed", label="95% band, simulation"
                ),
                frame.hvplot.line(
                    x="x",
                    y="effect",
                    color=POINT,
                    line_width=2,
                    label="marginal effect",
                    hover_cols=["delta_low", "delta_high", "sim_low", "sim_high"],
                ),
                hv.HLine(0).opts(color="black", line_width=1),
            ]
            if "envelope_low" in ds:
                layers[:0] = [
                    area(
                        frame,
                        low,
                        high,
                        ENVELOPE,
                        0.7,
                        "where the band's edges lie, any correlation",
                    )
                    for low, high in (
                        ("envelope_low", "narrowest_low"),
                        ("narrowest_high", "envelope_high"),
                    )
                ]
            ylabel = "effect on the index"
        else:
            middle = frame[frame.offset == ds.offset.values[middle_offset(ds)]]
            layers = [
                area(middle, "low", "high", BAND, 0.8, "95% simulation band"),
                middle.hvplot.line(
                    x="x",
                    y="estimate",
                    color=POINT,
                    line_width=2,
                    label="point estimate",
                    hover_cols=["low", "high"],
                ),
                middle.hvplot.line(
                    x="x",
                    y="clarify_mean",
                    color=MEAN,
                    line_dash="dashed",
                    label="mean of simulated probabilities",
                ),
            ]
            if ds.sizes["offset"] > 1:
                spread = pd.DataFrame(
                    {
                        "x": ds.x.values,
                        "low": ds.low.min("offset").values,
                        "high": ds.high.max("offset").values,
                    }
                )
                layers.insert(
                    0,
                    area(spread, "low", "high", ENVELOPE, 0.45, "95% band over the offset's bound"),
                )
            ylabel = ds.attrs["ylabel"]
        drawn.append(
            hv.Overlay(layers).opts(
                title=ds.attrs["title"],
                xlabel=label,
                ylabel=ylabel,
                legend_position="top_left",
                width=round(PANEL_SIZE[0] * HTML_PIXELS_PER_INCH),
                height=round(PANEL_SIZE[1] * HTML_PIXELS_PER_INCH),
            )
        )
    return hv.Layout(drawn).cols(1).opts(shared_axes=False)


def save(panels: list[xr.Dataset], path: str | Path, dpi: int = DEFAULT_DPI) -> Path:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {path.name!r}: give a file ending in {', '.join(FORMATS)}")
    if suffix != ".html":
        matplotlib_figure(panels).savefig(path, dpi=dpi)
        return path
    import holoviews as hv
    from bokeh.embed import file_html
    from bokeh.layouts import column
    from bokeh.models import Div
    from bokeh.resources import INLINE

    plot = hv.render(holoviews_figure(panels), backend="bokeh")
    note = Div(
        text=footnote(panels).replace("\n", " "), width=round(PANEL_SIZE[0] * HTML_PIXELS_PER_INCH)
    )
    path.write_text(
        file_html(column(plot, note), INLINE, title=panels[0].attrs["title"]), encoding="utf-8"
    )
    return path
