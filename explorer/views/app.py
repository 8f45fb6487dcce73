"""The web app: every parameter a widget over a stored sweep (Panel + HoloViews/bokeh).

Choose the output and the two plotted dimensions; one slider per dimension snaps to the
stored values (the plotted two set the 1-D section instead); a toggle computes off-grid
values live with the exact kernel. Hover shows every parameter and output at a point.
Bad inputs, from widgets or URL parameters, show an error in the page; the server runs on.
"""

from __future__ import annotations

import html
import io
import logging
from functools import partial

import numpy as np
import panel as pn
import xarray as xr

from explorer.engine.stored import model_of
from explorer.views.exports import figure_bytes, slice_csv, slice_netcdf
from explorer.views.help import help_html
from explorer.views.plots import COLOUR, axis_label, boundaries, hover_tool, make_figure, title_of
from explorer.views.slicing import SliceError, grid_dims, make_slice, open_cached
from explorer.views.styles import NOT_COMPUTED_LABEL, flag_names, style_of

log = logging.getLogger(__name__)
MAX_PIXELS = 800  # per axis; larger slices are thinned (nearest point, never averaged)
HOVER_CACHE = 64  # slices of other outputs kept for the hover, per session
FILL_IN_DELAY_MS = 150  # after the map is sent, the section and the rest of the hover
DOWNLOADS = {"csv": "CSV", "nc": "NetCDF", "png": "PNG", "svg": "SVG"}


def _compact(values: np.ndarray) -> np.ndarray:
    """A column as small as it can go to the browser: floats as float32 (the tooltips
    show four decimals), codes and flags as they are stored, booleans as bytes."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return values.astype(np.float32)
    return values.view(np.uint8) if values.dtype.kind == "b" else values


def thin(data: xr.DataArray) -> xr.DataArray:
    steps = {d: int(np.ceil(n / MAX_PIXELS)) for d, n in data.sizes.items()}
    return data.isel({d: slice(None, None, s) for d, s in steps.items() if s > 1})


class SweepApp:
    """Widgets, state and views for one store."""

    def __init__(self, url: str):
        self.url = url
        self.ds = open_cached(url)
        self.dims = grid_dims(self.ds)
        if len(self.dims) < 2:
            raise SliceError(
                f"{url} has one swept dimension ({self.dims[0]}); the app needs "
                "a grid of at least two"
            )
        self.spec, _ = model_of(self.ds.attrs)
        outputs = list(self.spec.output_names)  # those not stored are solved exactly
        self.var = pn.widgets.Select(label="output", options=outputs, value=outputs[0])
        plane = self.spec.plane
        x0, y0 = plane if plane and set(plane) <= set(self.dims) else self.dims[:2]
        self.x = pn.widgets.Select(label="x", options=list(self.dims), value=x0)
        self.y = pn.widgets.Select(label="y", options=list(self.dims), value=y0)
        self.live = pn.widgets.Checkbox(label="compute off-grid values live (exact kernel)")
        self.section = pn.widgets.Select(
            label="1-D section along", options=list(self.dims), value=self.dims[-1]
        )
        self.snapped = {
            d: pn.widgets.DiscreteSlider(
                label=self._label(d),
                options=[float(v) for v in self.ds[d].values],
                value=float(self.ds[d].values[len(self.ds[d]) // 2]),
            )
            for d in self.dims
        }
        self.free = {
            d: pn.widgets.FloatSlider(
                label=self._label(d),
                start=float(self.ds[d].min()),
                end=float(self.ds[d].max()),
                value=self.snapped[d].value,
                step=self._step(d),
            )
            for d in self.dims
        }
        self._hover_cache: dict[tuple, xr.DataArray] = {}
        self._shown = None
        self._layout = None  # (output, axes, sliders) of the map shown, if updated in place
        self._image = self._title = None  # its image renderer and title
        self._curves: list = []  # and its curves' renderers
        self._sent: dict[str, np.ndarray] = {}  # the columns it holds, as last sent
        self.error = pn.pane.Alert("", alert_type="danger", visible=False)
        self.status = pn.pane.Markdown("")
        self.plane = pn.pane.Bokeh(None, sizing_mode="stretch_width", min_height=520)
        self.curve = pn.pane.Bokeh(None, sizing_mode="stretch_width", height=260)
        self._section_layout = None  # (output, dimension, kind) of the section shown
        self._section_line = self._section_range = None
        self.swap = pn.widgets.Button(label="swap x and y")
        self.swap.on_click(lambda event: self._set_axes(self.y.value, self.x.value))
        self.downloads = {
            fmt: pn.widgets.FileDownload(
                callback=partial(self.download, fmt),
                filename=f"slice.{fmt}",
                label=label,
                embed=False,
            )
            for fmt, label in DOWNLOADS.items()
        }
        self._holding = False  # widgets being set together: one update after them all
        self.apply_url_parameters()
        for widget in [self.var, self.section, *self.snapped.values(), *self.free.values()]:
            widget.param.watch(lambda event: self._changed(), "value")
        self.x.param.watch(lambda e: self._axis_chosen(e, self.y), "value")
        self.y.param.watch(lambda e: self._axis_chosen(e, self.x), "value")
        self.live.param.watch(self._live_toggled, "value")
        self.update()

    def _changed(self) -> None:
        if not self._holding:
            self.update()

    def _set_axes(self, x: str, y: str) -> None:
        """Both axes at once, redrawn once (never through a plane of x against x)."""
        self._holding = True
        try:
            self.x.value, self.y.value = x, y
        finally:
            self._holding = False
        self.update()

    def _axis_chosen(self, event, other) -> None:
        """Choosing for one axis the other's dimension swaps them."""
        if self._holding:
            return
        if event.new == other.value:
            x, y = (event.new, event.old) if other is self.y else (event.old, event.new)
            self._set_axes(x, y)
        else:
            self.update()

    def _live_toggled(self, event) -> None:
        """Switching live solving on or off keeps the point shown: the free sliders take
        the stored values, the stored sliders the nearest stored value."""
        self._holding = True
        try:
            for d in self.dims:
                snapped, free = self.snapped[d], self.free[d]
                if event.new:
                    free.value = snapped.value
                else:
                    options = np.asarray(snapped.options)
                    snapped.value = float(options[np.argmin(np.abs(options - free.value))])
                snapped.visible, free.visible = not event.new, event.new
        finally:
            self._holding = False
        self.update()

    def view_query(self) -> dict[str, str]:
        """The URL query that reproduces the view (read back by apply_url_parameters)."""
        query = {"var": self.var.value, "x": self.x.value, "y": self.y.value}
        query.update({d: f"{v:.12g}" for d, v in self.point().items()})
        if self.live.value:
            query["live"] = "1"
        return query

    def _write_url(self) -> None:
        location = pn.state.location
        if location is not None:
            location.update_query(**self.view_query())

    def download(self, fmt: str):
        """The current slice, in full (not thinned for the screen), as a file."""
        x, y, var = self.x.value, self.y.value, self.var.value
        at = {d: v for d, v in self.point().items() if d not in (x, y)}
        data = make_slice(self.ds, x, y, at, var)
        self.downloads[fmt].filename = f"{var}_{x}_{y}.{fmt}"
        if fmt == "csv":
            content = slice_csv(data)
        elif fmt == "nc":
            content = slice_netcdf(data)
        else:
            content = figure_bytes(data, fmt)
        return io.BytesIO(content)

    def _label(self, dim: str) -> str:
        return axis_label(self.spec, dim)

    def _step(self, dim: str) -> float:
        values = self.ds[dim].values
        return float((values.max() - values.min()) / max(1, 10 * (len(values) - 1))) or 0.01

    def point(self) -> dict[str, float]:
        sliders = self.free if self.live.value else self.snapped
        return {d: float(sliders[d].value) for d in self.dims}

    def apply_url_parameters(self) -> None:
        """?var=..&x=..&y=..&alpha=.. set the view; a bad one is reported, not fatal."""
        args = {
            k: v[0].decode("utf-8", errors="replace")
            for k, v in (pn.state.session_args or {}).items()
            if v
        }
        problems = []
        for key, widget in (("var", self.var), ("x", self.x), ("y", self.y)):
            if key in args:
                if args[key] in widget.options:
                    widget.value = args[key]
                else:
                    problems.append(f"{key}={args[key]!r} is not one of {widget.options}")
        for dim in self.dims:
            if dim not in args:
                continue
            try:
                value = float(args[dim])
            except ValueError:
                problems.append(f"{dim}={args[dim]!r} is not a number")
                continue
            low, high = float(self.ds[dim].min()), float(self.ds[dim].max())
            if not low <= value <= high:
                problems.append(f"{dim}={value:g} is outside the stored range [{low:g}, {high:g}]")
                continue
            options = np.asarray(self.snapped[dim].options)
            self.snapped[dim].value = float(options[np.argmin(np.abs(options - value))])
            self.free[dim].value = value
        if args.get("live") in ("1", "true"):
            self.live.value = True
            for d in self.dims:
                self.snapped[d].visible, self.free[d].visible = False, True
        unknown = sorted(set(args) - {"var", "x", "y", "live", *self.dims})
        if unknown:
            problems.append(
                f"URL parameters {unknown} are not swept in this store; "
                f"use var, x, y, live or {list(self.dims)}"
            )
        self.url_problems = problems

    def update(self) -> None:
        problems = list(self.url_problems)
        x, y, var = self.x.value, self.y.value, self.var.value
        at = {d: v for d, v in self.point().items() if d not in (x, y)}
        self._shown = shown = object()  # identifies this update to the hover filled in later
        try:
            data = thin(make_slice(self.ds, x, y, at, var))
            # The map first, with the other outputs' slices in its hover only where they
            # are at hand; the section and the rest of the hover follow just after, so a
            # slider move waits for one slice.
            self.show(data, at, self.hover_values(data, at, cached_only=True))
            self._after_redraw(lambda: self._fill_in(shown, data, at))
            source = html.escape(data.attrs["source"], quote=False)
            self.status.object = f"**{html.escape(var, quote=False)}**: {source}"
            self._write_url()
        except ValueError as err:  # SliceError, StoreError, or a value the kernel refuses
            problems.append(str(err))
        # Everything shown comes from URLs and widgets a visitor controls: text, never markup.
        self.error.object = "<br>".join(html.escape(p, quote=False) for p in problems)
        self.error.visible = bool(problems)

    def _after_redraw(self, callback) -> None:
        """Run ``callback`` once the browser has had time to paint this update (at once
        outside a server session): what follows would otherwise hold up that paint."""
        document = pn.state.curdoc
        if document is not None and document.session_context is not None:
            document.add_timeout_callback(callback, FILL_IN_DELAY_MS)
        else:
            callback()

    def _fill_in(self, shown, data: xr.DataArray, at: dict) -> None:
        if shown is not self._shown:  # the user has moved on: that view is gone
            return
        try:
            self.show_section(data.name)
            self.show(data, at, self.hover_values(data, at))
        except ValueError as err:  # the store changed under the app
            self.error.object = html.escape(str(err), quote=False)
            self.error.visible = True

    def show(self, data: xr.DataArray, at: dict, hover_data: dict[str, np.ndarray]) -> None:
        """Draw the map, with ``hover_data`` (the outputs at hand, the plotted one first)
        in its tooltips. On the same output and axes it is updated in place: only the
        columns that changed, the curves, tooltips and title go to the browser. Otherwise
        a new figure (HoloViews, drawn by bokeh) replaces it."""
        import holoviews as hv
        from bokeh.models import Image, Line

        style, drawn = style_of(self.spec, data.name, data.values)
        # What a figure drawn once can show: the categories (a bitmask's are those on the
        # plane) and the non-finite values present, whose colours it fixes.
        layout = (data.name, data.dims, tuple(at), style.categories, style.nonfinite)
        curves = boundaries(data)
        if layout == self._layout and len(curves) == len(self._curves):
            changed = {
                name: [_compact(values)]
                for name, values in hover_data.items()
                if self._sent.get(name) is not values
            }
            if data.name in changed:
                changed["image"] = [_compact(drawn)]
            self._image.data_source.data.update(changed)
            if not style.discrete:  # the robust limits of the slice shown, as when first drawn
                low, high = style.limits
                self._image.glyph.color_mapper.update(low=low, high=high)
            y, x = data.dims
            for renderer, (overlay, along, values) in zip(self._curves, curves):
                xy = dict(zip((x, y), (along, values) if overlay.axis == y else (values, along)))
                held = renderer.data_source.data
                if any(not np.array_equal(held.get(k), v, equal_nan=True) for k, v in xy.items()):
                    renderer.data_source.data = xy  # (a curve the slider does not move stays)
            self._title.text = title_of(data)  # (the hover's rows stay: same outputs)
        else:
            figure = hv.render(self.figure(data, style, drawn, hover_data, curves), backend="bokeh")
            self._image = next((r for r in figure.renderers if isinstance(r.glyph, Image)), None)
            self._curves = [r for r in figure.renderers if isinstance(r.glyph, Line)]
            self._title = figure.title
            self._layout = layout if self._image is not None else None  # (a mesh: redrawn)
            self.plane.object = figure
        self._sent = dict(hover_data)

    def hover_outputs(self, var: str) -> list[str]:
        """What the hover shows besides the point: the plotted output and the stored
        outputs with categories (decoded), so it stays a few lines long."""
        stored = [o for o in self.spec.output_names if o in self.ds.data_vars and o != var]
        return [var] + [o for o in stored if self.spec.output(o).kind != "continuous"]

    def _hover_rows(self, data: xr.DataArray) -> dict:
        """Tooltips and formatters: the point, then each output decoded. They name every
        hover output, read or not yet: a column that arrives later fills its row."""
        y, x = data.dims
        tool = hover_tool(self.spec, data.name, self.hover_outputs(data.name)[1:])
        rows = [(self._label(x), "$x{0.000}"), (self._label(y), "$y{0.000}"), *tool.tooltips[2:]]
        return {"tooltips": rows, "formatters": tool.formatters}

    def figure(self, data: xr.DataArray, style, drawn, hover_data, curves):
        import holoviews as hv
        from bokeh.models import HoverTool

        y, x = data.dims
        shown = None
        if style.kind == "categorical":  # every category: an update in place adds none
            incomplete = not self.ds.attrs.get("complete")
            shown = [
                c.index for c in style.categories if incomplete or c.label != NOT_COMPUTED_LABEL
            ]
        figure = make_figure(data, lines=curves, shown=shown)
        plane = figure.get(0)  # the map as drawn; rebuilt with the hover's columns
        element = hv.Image if isinstance(plane, hv.Image) else hv.QuadMesh
        columns = [np.asarray(v, dtype=np.float64) for v in hover_data.values()]
        image = element(
            (data[x].values, data[y].values, drawn.astype(np.float64), *columns),
            kdims=[x, y],
            vdims=[COLOUR, *hover_data],
            datatype=["grid"],
        ).opts(**{k: v for k, v in plane.opts.get().kwargs.items() if k not in ("width", "height")})
        image = image.opts(tools=[HoverTool(**self._hover_rows(data))])
        return (image * figure.clone(figure.values()[1:])).opts(
            responsive=True,
            min_height=500,
            legend_position="bottom",  # fits a phone's width as well as a desktop's
            legend_cols=1,
            toolbar="above",
            xlabel=self._label(x),
            ylabel=self._label(y),
            title=figure.opts.get().kwargs.get("title", ""),
        )

    def hover_values(
        self, data: xr.DataArray, at: dict, cached_only: bool = False
    ) -> dict[str, np.ndarray]:
        """Every output over the shown slice, the plotted one first (it sets the colours).
        An output's slice is read again only when a value it depends on has moved;
        ``cached_only``: only those already read."""
        values = {data.name: data.values}
        y, x = data.dims
        for name in self.hover_outputs(data.name):
            if name != data.name:
                own = tuple(sorted((d, at[d]) for d in self.ds[name].dims if d in at))
                found = self._hover_slice(name, x, y, own, data.shape, cached_only)
                if found is not None:
                    values[name] = found
        return values

    def _hover_slice(self, name, x, y, own: tuple, shape, cached_only=False):
        key = (name, x, y, own, shape)
        if cached_only and key not in self._hover_cache:
            return None
        if key not in self._hover_cache:
            if len(self._hover_cache) >= HOVER_CACHE:
                self._hover_cache.pop(next(iter(self._hover_cache)))  # the oldest
            at = {d: v for d, v in self.point().items() if d not in (x, y)}
            self._hover_cache[key] = thin(make_slice(self.ds, x, y, {**at, **dict(own)}, name))
        return self._hover_cache[key].values

    def show_section(self, var: str) -> None:
        """The 1-D section through the point along the chosen dimension; updated in place
        while the output and dimension stay."""
        import holoviews as hv

        dim = self.section.value
        point = self.point()
        at = {d: v for d, v in point.items() if d != dim}
        other = next(d for d in self.dims if d != dim)
        line = make_slice(
            self.ds, dim, other, {k: v for k, v in at.items() if k != other}, var
        ).sel({other: at[other]}, method="nearest")
        style, _ = style_of(self.spec, var, line.values)
        ys = line.values.astype(np.float64)
        if self._section_layout == (var, dim, style.kind) and not style.discrete:
            self._section_line.data_source.data = {dim: line[dim].values, var: ys}
            finite = ys[np.isfinite(ys)]
            if finite.size:  # the y range follows the data, as when first drawn
                low, high = float(finite.min()), float(finite.max())
                pad = (high - low) * 0.05 or 0.5
                self._section_range.update(start=low - pad, end=high + pad)
            return
        options = {"color": "#0072b2", "tools": ["hover"]}
        if style.discrete:  # categories: steps between labelled levels, never interpolated
            levels = sorted(set(ys[np.isfinite(ys)].tolist()))
            names = _level_names(self.spec.output(var), levels)
            options.update(interpolation="steps-mid", yticks=list(zip(levels, names)))
        curve = hv.Curve((line[dim].values, ys), dim, var).opts(
            responsive=True,
            height=240,
            title=f"{var} along {dim}",
            xlabel=self._label(dim),
            **options,
        )
        figure = hv.render(curve, backend="bokeh")
        self._section_line = figure.renderers[0]
        self._section_range = figure.y_range
        self._section_layout = (var, dim, style.kind)
        self.curve.object = figure

    def view(self):
        sliders = pn.Column(*[pn.Column(self.snapped[d], self.free[d]) for d in self.dims])
        for d in self.dims:
            self.free[d].visible = self.live.value
        self.legend = pn.pane.HTML(self.legend_html(self.var.value))
        self.var.param.watch(
            lambda event: setattr(self.legend, "object", self.legend_html(event.new)), "value"
        )
        controls = pn.Column(
            self.var,
            self.x,
            self.y,
            self.swap,
            self.live,
            sliders,
            self.section,
            self.legend,
            pn.pane.Markdown("**Download this slice**"),
            pn.FlexBox(*self.downloads.values()),
            sizing_mode="stretch_width",
            styles={"flex": "0 1 300px", "min-width": "260px"},
        )
        guide = pn.Card(
            pn.pane.HTML(help_html(self.spec), sizing_mode="stretch_width"),
            title="Help: parameters and outputs",
            collapsed=True,
            sizing_mode="stretch_width",
        )
        about = f"**{html.escape(self.spec.title)}**: `{html.escape(self.url)}`"
        figures = pn.Column(
            pn.pane.Markdown(about),
            self.error,
            self.status,
            self.plane,
            self.curve,
            guide,
            sizing_mode="stretch_width",
            styles={"flex": "1 1 520px", "min-width": "300px"},
        )
        # Controls beside the figures, or above them on a narrow screen (a phone's).
        body = pn.FlexBox(controls, figures, flex_wrap="wrap", sizing_mode="stretch_width")
        pn.state.onload(self._write_url)  # the address bar names the first view too
        return pn.template.BootstrapTemplate(title="Coalition Explorer", main=[body])

    def legend_html(self, var: str) -> str:
        """Colour swatches of an output with fixed categories, labelled as declared."""
        output = self.spec.output(var)
        if output.kind not in ("categorical", "boolean"):
            return ""
        style, _ = style_of(self.spec, var, np.array(list(output.labels) or [0, 1]))
        return " ".join(
            f"<span style='color:{c.color}'>&#9632;</span> {html.escape(c.label)}"
            for c in style.categories
            if c.label != NOT_COMPUTED_LABEL
        )


def _level_names(output, levels) -> list[str]:
    """Tick labels of a categorical section's levels: the declared names."""
    if output.kind == "categorical":
        return [output.labels.get(int(v), f"{v:g}") for v in levels]
    if output.kind == "boolean":
        return ["true" if v else "false" for v in levels]
    return [flag_names(output.bits, int(v)) for v in levels]


def build_app(url: str):
    try:
        return SweepApp(url).view()
    except ValueError as err:  # SliceError or StoreError: the store changed since serving began
        return pn.pane.Alert(html.escape(str(err), quote=False), alert_type="danger")


def serve(url: str, port: int = 5006, host: str = "127.0.0.1", show: bool = False) -> None:
    import holoviews as hv

    hv.extension("bokeh", logo=False)
    open_cached(url)  # fail before serving if the store is unreadable
    origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    pn.serve(
        {"/": lambda: build_app(url)},
        port=port,
        address=host,
        show=show,
        websocket_origin=origins,
        title="Coalition Explorer",
    )
