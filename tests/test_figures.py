"""Every output drawn by its kind, on every plane of a small store, in both backends."""

import io
import itertools

import numpy as np
import pytest
from bokeh.embed import file_html
from bokeh.resources import CDN

import explorer
from explorer.engine.config import parse_config
from explorer.engine.sweep import run_sweep
from explorer.models import get_model
from explorer.views.plots import make_figure, matplotlib_figure, save_figure, styled
from explorer.views.styles import NEGINF_COLOR, POSINF_COLOR, style_of

MODEL = get_model("coalition")
FIXED = {"alpha": 0.8, "rho": 0.75, "p_l": 0.55, "p_lp": 0.65, "c_l": 0.15, "c_lp": 0.1}
AXES = {
    "theta": {"linspace": [0.05, 0.95, 6]},
    "beta": {"linspace": [0.0, 1.0, 5]},  # beta = 0: q_lp is -inf, s_star NaN
    "c_p": {"values": [0.0, 0.1, 0.3]},  # c_p = 0 with beta = 0: a flag
    "q": {"linspace": [0.0, 1.0, 4]},
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = str(tmp_path_factory.mktemp("figures") / "all.zarr")
    config = parse_config(
        {"game": "revisionist", "fixed": FIXED, "axes": AXES, "outputs": list(MODEL.output_names)}
    )
    run_sweep(config, url, progress=False)
    return explorer.open(url)


@pytest.mark.parametrize("name", MODEL.output_names)
def test_every_output_on_every_plane_draws_by_its_kind(store, name):
    kind = MODEL.output(name).kind
    for x, y in itertools.combinations(AXES, 2):
        at = {d: float(store[d].values[1]) for d in AXES if d not in (x, y)}
        data = explorer.slice(store, x, y, at, name)
        style, drawn = styled(data)
        assert style.kind == kind

        figure = matplotlib_figure(data)
        figure.savefig(io.BytesIO(), format="png", dpi=40)
        patches = [h for h in (figure.legends[0].legend_handles if figure.legends else [])]
        patch_labels = {
            p.get_label(): p.get_facecolor() for p in patches if hasattr(p, "get_width")
        }
        image = figure.axes[0].images[0] if figure.axes[0].images else figure.axes[0].collections[0]
        if style.discrete:
            present = {c.label: c.color for c in style.categories if c.index in set(drawn.ravel())}
            assert set(patch_labels) == set(present), (x, y, patch_labels, present)
            for label, color in present.items():
                assert _hex(patch_labels[label]) == color.lower()
            assert len(figure.axes) == 1  # no colour bar for categories
        else:
            assert len(figure.axes) == 2  # the plane and its colour bar
            assert (image.norm.vmin, image.norm.vmax) == style.limits
            assert set(patch_labels) == {c.label for c in style.nonfinite}
            _assert_robust(data.values, style)

        rendered = _bokeh(make_figure(data))
        assert "<html" in file_html(rendered, CDN, title=name).lower()
        mapper = _colour_mapper(rendered)
        legend = (
            {item.label["value"] for item in rendered.legend[0].items} if rendered.legend else set()
        )
        if style.discrete:
            assert [p.lower() for p in mapper.palette] == [c.lower() for c in style.colors]
            assert (mapper.low, mapper.high) == (-0.5, len(style.categories) - 0.5)
            assert set(present) <= legend
        else:
            assert (mapper.low, mapper.high) == style.limits


def _bokeh(overlay):
    import holoviews as hv

    return hv.render(overlay, backend="bokeh")


def _colour_mapper(figure):
    """The colour mapper of the plane: an image's, or a mesh's fill transform."""
    for renderer in figure.renderers:
        glyph = renderer.glyph
        mapper = getattr(glyph, "color_mapper", None)
        fill = getattr(glyph, "fill_color", None)
        mapper = mapper or getattr(fill, "transform", None) or (fill or {}).get("transform")
        if mapper is not None:
            return mapper
    raise AssertionError("no colour mapper in the figure")


def _hex(rgba) -> str:
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgba[:3])


def _assert_robust(values, style):
    finite = values[np.isfinite(values)]
    low, high = style.limits
    if finite.size and finite.min() < finite.max():
        if style.cmap == "RdBu_r":  # signed: symmetric about zero
            assert low == -high and low < 0 < high
        else:
            assert finite.min() <= low < high <= finite.max()


def test_infinities_take_their_own_colours_beyond_robust_limits():
    values = np.r_[np.linspace(-3.0, 2.0, 200), 1000.0, np.inf, -np.inf, np.nan].reshape(6, 34)
    style, drawn = style_of(MODEL, "q_lp", values)
    low, high = style.limits
    assert low == -high  # signed values: symmetric limits
    assert high < 1000.0  # the outlier does not stretch the scale
    assert {c.label for c in style.nonfinite} == {"NaN (undefined)", "+inf", "-inf"}
    assert style.special("+inf") == POSINF_COLOR and style.special("-inf") == NEGINF_COLOR
    finite = np.isfinite(values)
    assert np.all((drawn[finite] >= low) & (drawn[finite] <= high))
    assert np.all(drawn[np.isposinf(values)] > high) and np.all(drawn[np.isneginf(values)] < low)
    assert np.isnan(drawn[np.isnan(values)]).all()


def test_bitmask_categories_name_the_flags_set():
    from kernels.coalition import FREE_PARTNER_ZERO_BETA, PARTNER_UNAFFORDABLE

    values = np.array([[0, PARTNER_UNAFFORDABLE, PARTNER_UNAFFORDABLE | FREE_PARTNER_ZERO_BETA]])
    style, drawn = style_of(MODEL, "flags", values)
    labels = [c.label for c in style.categories]
    assert labels[0] == "none"
    assert "beta*p_lp < c_p (no share buys P)" in labels[1]
    assert " + " in labels[2] and "c_p == 0 and beta == 0" in labels[2]
    assert drawn.tolist() == [[0, 1, 2]]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf", ".html"])
def test_figures_for_print_and_offline(store, tmp_path, suffix):
    data = explorer.slice(store, "theta", "beta", {"c_p": 0.1, "q": 0.0}, "q_lp")
    path = save_figure(data, tmp_path / f"f{suffix}", dpi=72, size=(4, 3))
    head = path.read_bytes()[:64]
    if suffix == ".png":
        from PIL import Image

        assert Image.open(path).size == (4 * 72, 3 * 72)
    elif suffix == ".pdf":
        assert head.startswith(b"%PDF")
    elif suffix == ".svg":
        assert b"<svg" in path.read_bytes()[:400]
    else:
        page = path.read_text()
        assert "cdn.bokeh.org" not in page and "https://" not in _script_sources(page)


def _script_sources(page: str) -> str:
    import re

    return " ".join(re.findall(r'<script[^>]*src="([^"]*)"', page))


def test_outputs_not_stored_are_solved_exactly(tmp_path):
    url = str(tmp_path / "small.zarr")
    fixed = {**FIXED, "c_p": 0.1, "q": 0.5}
    config = parse_config(
        {
            "game": "revisionist",
            "axes": dict(list(AXES.items())[:2]),
            "fixed": fixed,
            "outputs": ["outcome"],
        }
    )
    run_sweep(config, url, progress=False)
    ds = explorer.open(url)
    assert "eu_leader" not in ds.data_vars
    data = explorer.slice(ds, "theta", "beta", {}, "eu_leader")
    assert data.attrs["source"].startswith("computed (not stored here")
    expected = explorer.solve(
        game="revisionist",
        **{k: float(ds[k]) for k in ds.coords if ds[k].ndim == 0},
        theta=ds.theta,
        beta=ds.beta,
    ).eu_leader.transpose("beta", "theta")
    np.testing.assert_array_equal(data.values, expected.values)
    assert float(data["q"]) == 0.5  # where the plane sits, as a scalar coordinate


def test_an_output_declared_logarithmic_gets_a_log_scale():
    import dataclasses

    from explorer.views.plots import _bokeh_colours

    class OneOutput:  # a model declaring one positive output on a log scale
        def __init__(self, output):
            self.declared = output

        def output(self, name):
            return self.declared

    output = dataclasses.replace(MODEL.output("s_star"), log=True, units="USD")
    values = np.r_[np.logspace(-3, 3, 120), 0.0, -1.0, np.inf, np.nan].reshape(4, 31)
    style, drawn = style_of(OneOutput(output), "s_star", values)
    low, high = style.limits
    assert style.log and 0 < low < high and style.label.endswith("[USD]")
    assert 1e-3 < low < 1e-2 and 1e2 < high < 1e3  # robust: percentiles of the positive values
    assert np.all(drawn[(values <= 0)] == low)  # zero and negatives at the low end
    assert drawn[np.isposinf(values)][0] > high and np.isnan(drawn[np.isnan(values)]).all()
    assert _bokeh_colours(style)["logz"] is True
    unlogged, _ = style_of(OneOutput(dataclasses.replace(output, log=False)), "s_star", values)
    assert not unlogged.log
