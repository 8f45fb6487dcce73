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

from explorer.engine.stored import model_of
from explorer.views.plots import code_colors, make_figure
from explorer.views.slicing import SliceError, grid_dims, make_slice, open_cached

log = logging.getLogger(__name__)
MAX_PIXELS = 800  # per axis; larger slices are thinned (nearest point, never averaged)


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
        self.error = pn.pane.Alert("", alert_type="danger", visible=False)
        self.status = pn.pane.Markdown("")
        self.plane = pn.pane.HoloViews(None, sizing_mode="stretch_width", min_height=520)
        self.curve = pn.pane.HoloViews(None, sizing_mode="stretch_width", height=260)
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
        try:
            data = thin(make_slice(self.ds, x, y, at, var))
            self.plane.object = self.figure(data, at)
            self.curve.object = self.section_figure(var)
            source = html.escape(data.attrs["source"], quote=False)
            self.status.object = f"**{html.escape(var, quote=False)}**: {source}"
        except ValueError as err:  # SliceError, StoreError, or a value the kernel refuses
            problems.append(str(err))
        # Everything shown comes from URLs and widgets a visitor controls: text, never markup.
        self.error.object = "<br>".join(html.escape(p, quote=False) for p in problems)
        self.error.visible = bool(problems)

    def figure(self, data: xr.DataArray, at: dict):
        import holoviews as hv
        from bokeh.models import HoverTool

        y, x = data.dims
        figure = make_figure(data, "bokeh")
        hover_data = self.hover_values(data, at)
        plane = figure.get(0)  # the map as drawn; rebuilt with every output for hover
        element = hv.Image if isinstance(plane, hv.Image) else hv.QuadMesh
        columns = [v.astype(np.float64) for v in hover_data.values()]
        image = element(
            (data[x].values, data[y].values, *columns), kdims=[x, y], vdims=list(hover_data)
        ).opts(**plane.opts.get().kwargs)
        tooltips = [(self._label(x), "$x{0.000}"), (self._label(y), "$y{0.000}")]
        for i, (name, values) in enumerate(hover_data.items()):
            field = "image" if i == 0 else name  # HoloViews names the coloured column "image"
            whole = values.dtype.kind in "biu"  # codes, flags and booleans print as integers
            tooltips.append((name, f"@{{{field}}}{{0}}" if whole else f"@{{{field}}}{{0.0000}}"))
        fixed = {c: float(self.ds[c]) for c in self.ds.coords if self.ds[c].ndim == 0}
        tooltips += [(self._label(k), f"{v:g}") for k, v in {**at, **fixed}.items()]
        image = image.opts(tools=[HoverTool(tooltips=tooltips)])
        return (image * figure.clone(figure.values()[1:])).opts(
            responsive=True,
            min_height=500,
            legend_position="right",
            toolbar="above",
            xlabel=self._label(x),
            ylabel=self._label(y),
            title=figure.opts.get().kwargs.get("title", ""),
        )

    def hover_values(self, data: xr.DataArray, at: dict) -> dict[str, np.ndarray]:
        """Every output over the shown slice, the plotted one first (it sets the colours)."""
        values = {data.name: data.values}
        y, x = data.dims
        for name in self.ds.data_vars:
            if name == data.name:
                continue
            other = make_slice(self.ds, x, y, at, name)
            values[name] = other.sel({x: data[x], y: data[y]}).values
        return values

    def section_figure(self, var: str):
        import holoviews as hv

        dim = self.section.value
        point = self.point()
        at = {d: v for d, v in point.items() if d != dim}
        other = next(d for d in self.dims if d != dim)
        line = make_slice(
            self.ds, dim, other, {k: v for k, v in at.items() if k != other}, var
        ).sel({other: at[other]}, method="nearest")
        curve = hv.Curve((line[dim].values, line.values), dim, var).opts(
            responsive=True,
            height=240,
            color="#0072b2",
            title=f"{var} along {dim}",
            xlabel=self._label(dim),
            tools=["hover"],
        )
        return curve

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
