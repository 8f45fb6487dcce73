"""The web app: every parameter a widget over a stored sweep (Panel + HoloViews/bokeh).

Choose the output and the two plotted dimensions; one slider per dimension snaps to the
stored values (the plotted two set the 1-D section instead); a toggle computes off-grid
values live with the exact kernel. Hover shows every parameter and output at a point.
Bad inputs, from widgets or URL parameters, show an error in the page; the server runs on.
"""

from __future__ import annotations

import html
import logging

import numpy as np
import panel as pn
import xarray as xr

from explorer.engine.labels import NOT_COMPUTED
from explorer.engine.stored import model_of
from explorer.views.plots import boundaries, code_colors, make_figure, title_of
from explorer.views.slicing import SliceError, grid_dims, make_slice, open_cached

log = logging.getLogger(__name__)
MAX_PIXELS = 800  # per axis; larger slices are thinned (nearest point, never averaged)
HOVER_CACHE = 64  # slices of other outputs kept for the hover, per session
FILL_IN_DELAY_MS = 150  # after the map is sent, the section and the rest of the hover


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
        outputs = [o for o in self.spec.output_names if o in self.ds.data_vars]
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
        self._hover = None  # and its hover tool
        self._sent: dict[str, np.ndarray] = {}  # the columns it holds, as last sent
        self.error = pn.pane.Alert("", alert_type="danger", visible=False)
        self.status = pn.pane.Markdown("")
        self.plane = pn.pane.Bokeh(None, sizing_mode="stretch_width", min_height=520)
        self.curve = pn.pane.Bokeh(None, sizing_mode="stretch_width", height=260)
        self._section_layout = None  # (output, dimension) of the section shown
        self._section_line = self._section_range = None
        self.apply_url_parameters()
        for widget in [
            self.var,
            self.x,
            self.y,
            self.live,
            self.section,
            *self.snapped.values(),
            *self.free.values(),
        ]:
            widget.param.watch(lambda event: self.update(), "value")
        self.update()

    def _label(self, dim: str) -> str:
        try:
            return f"{self.spec.parameter(dim).symbol} ({dim})"
        except StopIteration:
            return dim

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
        unknown = sorted(set(args) - {"var", "x", "y", *self.dims})
        if unknown:
            problems.append(
                f"URL parameters {unknown} are not swept in this store; "
                f"use var, x, y or {list(self.dims)}"
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
        from bokeh.models import HoverTool, Image, Line

        layout = (data.name, data.dims, tuple(at))
        curves = boundaries(data)
        if layout == self._layout and len(curves) == len(self._curves):
            changed = {
                "image" if i == 0 else name: [_compact(values)]
                for i, (name, values) in enumerate(hover_data.items())
                if self._sent.get(name) is not values
            }
            self._image.data_source.data.update(changed)
            shown = hover_data[data.name]
            if not self.spec.output(data.name).labels and np.isfinite(shown).any():
                # A continuous output's colours span the slice shown, as when first drawn.
                mapper = self._image.glyph.color_mapper
                mapper.update(low=float(np.nanmin(shown)), high=float(np.nanmax(shown)))
            y, x = data.dims
            for renderer, (overlay, along, values) in zip(self._curves, curves):
                xy = dict(zip((x, y), (along, values) if overlay.axis == y else (values, along)))
                held = renderer.data_source.data
                if any(not np.array_equal(held.get(k), v, equal_nan=True) for k, v in xy.items()):
                    renderer.data_source.data = xy  # (a curve the slider does not move stays)
            self._hover.tooltips = self._tooltips(data, at, hover_data)
            self._title.text = title_of(data)
        else:
            figure = hv.render(self.figure(data, at, hover_data, curves), backend="bokeh")
            self._image = next((r for r in figure.renderers if isinstance(r.glyph, Image)), None)
            self._curves = [r for r in figure.renderers if isinstance(r.glyph, Line)]
            self._hover = next(t for t in figure.tools if isinstance(t, HoverTool))
            self._title = figure.title
            self._layout = layout if self._image is not None else None  # (a mesh: redrawn)
            self.plane.object = figure
        self._sent = dict(hover_data)

    def _tooltips(self, data: xr.DataArray, at: dict, hover_data) -> list[tuple[str, str]]:
        y, x = data.dims
        tooltips = [(self._label(x), "$x{0.000}"), (self._label(y), "$y{0.000}")]
        for i, name in enumerate(hover_data):
            field = "image" if i == 0 else name  # HoloViews names the coloured column "image"
            whole = np.dtype(self.spec.output(name).dtype).kind in "biu"  # codes, flags, bools
            tooltips.append((name, f"@{{{field}}}{{0}}" if whole else f"@{{{field}}}{{0.0000}}"))
        fixed = {c: float(self.ds[c]) for c in self.ds.coords if self.ds[c].ndim == 0}
        return tooltips + [(self._label(k), f"{v:g}") for k, v in {**at, **fixed}.items()]

    def figure(self, data: xr.DataArray, at: dict, hover_data, curves):
        import holoviews as hv
        from bokeh.models import HoverTool

        y, x = data.dims
        labels = self.spec.output(data.name).labels
        codes = (*labels, NOT_COMPUTED) if labels and not self.ds.attrs.get("complete") else labels
        figure = make_figure(data, lines=curves, codes=codes or None)
        plane = figure.get(0)  # the map as drawn; rebuilt with the hover's columns
        element = hv.Image if isinstance(plane, hv.Image) else hv.QuadMesh
        columns = [np.asarray(v, dtype=np.float64) for v in hover_data.values()]
        image = element(
            (data[x].values, data[y].values, *columns), kdims=[x, y], vdims=list(hover_data)
        ).opts(**plane.opts.get().kwargs)
        image = image.opts(tools=[HoverTool(tooltips=self._tooltips(data, at, hover_data))])
        return (image * figure.clone(figure.values()[1:])).opts(
            responsive=True,
            min_height=500,
            legend_position="right",
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
        for name in self.ds.data_vars:
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
        if self._section_layout == (var, dim):
            self._section_line.data_source.data = {dim: line[dim].values, var: line.values}
            finite = line.values[np.isfinite(line.values)]
            if finite.size:  # the y range follows the data, as when first drawn
                low, high = float(finite.min()), float(finite.max())
                pad = (high - low) * 0.05 or 0.5
                self._section_range.update(start=low - pad, end=high + pad)
            return
        curve = hv.Curve((line[dim].values, line.values), dim, var).opts(
            responsive=True,
            height=240,
            color="#0072b2",
            title=f"{var} along {dim}",
            xlabel=self._label(dim),
            tools=["hover"],
        )
        figure = hv.render(curve, backend="bokeh")
        self._section_line = figure.renderers[0]
        self._section_range = figure.y_range
        self._section_layout = (var, dim)
        self.curve.object = figure

    def view(self):
        sliders = pn.Column(*[pn.Column(self.snapped[d], self.free[d]) for d in self.dims])
        for d in self.dims:
            self.free[d].visible = False
        self.live.param.watch(self._swap_sliders, "value")
        self.legend = pn.pane.HTML(self.legend_html(self.var.value))
        self.var.param.watch(
            lambda event: setattr(self.legend, "object", self.legend_html(event.new)), "value"
        )
        sidebar = [self.var, self.x, self.y, self.live, sliders, self.section, self.legend]
        return pn.template.BootstrapTemplate(
            title=f"Coalition Explorer: {self.spec.title} ({self.url})",
            sidebar=sidebar,
            main=[self.error, self.status, self.plane, self.curve],
        )

    def legend_html(self, var: str) -> str:
        """Colour swatches of a categorical output, labelled as the model declares."""
        output = self.spec.output(var)
        if not output.labels:
            return ""
        colors = code_colors(self.spec, var)
        return " ".join(
            f"<span style='color:{colors[c]}'>&#9632;</span> {html.escape(label)}"
            for c, label in output.labels.items()
        )

    def _swap_sliders(self, event) -> None:
        for d in self.dims:
            self.snapped[d].visible = not event.new
            self.free[d].visible = event.new


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
