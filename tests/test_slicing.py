"""Slices from stores and configs, and figures drawn from them."""

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from PIL import Image

import explorer
from explorer.cli import main
from explorer.engine.config import parse_config
from explorer.engine.sweep import run_sweep
from explorer.models.coalition import OUTCOME_COLORS
from explorer.views.slicing import SliceError, make_slice, open_sweep
from tests.test_sweep import GRID

CONFIG = parse_config(GRID)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    url = str(tmp_path_factory.mktemp("slices") / "grid.zarr")
    run_sweep(CONFIG, url, progress=False)
    return url


def solve_plane(x, y, at, var, xs, ys):
    params = {**CONFIG.fixed, **at, x: xr.DataArray(xs, dims=x), y: xr.DataArray(ys, dims=y)}
    return explorer.solve(game=CONFIG.game, outputs=[var], **params)[var].transpose(y, x)


@pytest.mark.parametrize(
    ("x", "y", "var"),
    [
        ("theta", "beta", "outcome"),
        ("alpha", "q", "beta_lp"),
        ("c_p", "beta", "s_star"),
        ("q", "theta", "eu_leader"),
    ],
)
def test_store_slices_equal_solve(stored, x, y, var):
    ds = open_sweep(stored)
    others = [d for d in ("alpha", "theta", "c_p", "beta", "q") if d not in (x, y)]
    at = {d: float(ds[d].values[1]) for d in others}
    data = make_slice(stored, x, y, at, var)
    assert data.attrs["source"] == "store" and data.dims == (y, x)
    want = solve_plane(x, y, at, var, ds[x].values, ds[y].values)
    np.testing.assert_array_equal(data.values, want.values)


def test_off_grid_slices_are_solved_exactly(stored):
    at = {"alpha": 0.55, "c_p": 0.1, "q": 0.4}  # alpha = 0.55 is not stored
    data = make_slice(stored, "theta", "beta", at, "eu_leader")
    assert data.attrs["source"].startswith("computed") and "alpha=0.55" in data.attrs["source"]
    ds = open_sweep(stored)
    want = solve_plane("theta", "beta", at, "eu_leader", ds.theta.values, ds.beta.values)
    np.testing.assert_array_equal(data.values, want.values)


def test_a_fixed_parameter_moved_off_its_value_is_solved(stored):
    at = {"alpha": 0.3, "c_p": 0.1, "q": 0.4, "c_l": 0.3}
    data = make_slice(stored, "theta", "beta", at)
    assert "c_l=0.3" in data.attrs["source"]
    ds = open_sweep(stored)
    want = solve_plane("theta", "beta", at, "outcome", ds.theta.values, ds.beta.values)
    np.testing.assert_array_equal(data.values, want.values)


def test_open_broadcasts_every_output_to_the_full_grid(stored):
    ds = open_sweep(stored)
    assert all(v.dims == ("alpha", "theta", "c_p", "beta", "q") for v in ds.data_vars.values())
    raw = xr.open_zarr(stored)
    assert raw.beta_lp.dims == ("alpha", "theta", "c_p")
    np.testing.assert_array_equal(ds.beta_lp.isel(beta=3, q=2).values, raw.beta_lp.values)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"x": "theta", "y": "gamma"}, ["gamma", "not a swept dimension"]),
        ({"x": "theta", "y": "theta"}, ["two different"]),
        ({"x": "theta", "y": "beta", "var": "welfare"}, ["welfare", "choose one of"]),
        ({"x": "theta", "y": "beta", "at": {"alpha": 0.3}}, ["c_p in [0, 0.2]", "q in [0, 1]"]),
        ({"x": "theta", "y": "beta", "at": {"alpha": 0.3, "c_p": 0, "q": 0, "zeta": 1}}, ["zeta"]),
        ({"x": "theta", "y": "beta", "at": {"alpha": 1.5, "c_p": 0, "q": 0}}, ["alpha", "(0, 1)"]),
    ],
)
def test_bad_slices_say_what_is_available(stored, kwargs, words):
    with pytest.raises(SliceError) as err:
        make_slice(stored, **kwargs)
    for word in words:
        assert word in str(err.value)


def test_slices_from_a_config_without_a_store(tmp_path):
    data = make_slice("configs/figure2.toml", "theta", "beta")
    assert data.attrs["source"] == "computed" and data.shape == (1000, 1000)


def test_plot_of_figure2_shows_all_three_outcome_colours(tmp_path):
    out = tmp_path / "figure2.png"
    result = CliRunner().invoke(
        main, ["plot", "configs/figure2.toml", "--x", "theta", "--y", "beta", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    pixels = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    colours = {
        tuple(int(h[i : i + 2], 16) for i in (1, 3, 5))
        for h in (OUTCOME_COLORS[0], OUTCOME_COLORS[1], OUTCOME_COLORS[2])
    }
    present = {tuple(p) for p in np.unique(pixels, axis=0)}
    assert colours <= present
    for code in (0, 1, 2):  # each region is a sizeable area, not a legend swatch
        rgb = np.array([int(OUTCOME_COLORS[code][i : i + 2], 16) for i in (1, 3, 5)])
        assert (pixels == rgb).all(axis=1).sum() > 5_000


# theta x q at a stored point, as CLI arguments
PLANE = ["--x", "theta", "--y", "q", "--at", "alpha=0.8", "--at", "c_p=0.1", "--at", "beta=0.5"]


def test_plot_html_and_cli_slice(stored, tmp_path):
    out = tmp_path / "plane.html"
    result = CliRunner().invoke(main, ["plot", stored, *PLANE, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "bokeh" in out.read_text().lower()
    csv = tmp_path / "s.csv"
    result = CliRunner().invoke(main, ["slice", stored, *PLANE, "--csv", str(csv)])
    assert result.exit_code == 0 and len(csv.read_text().splitlines()) == 23 * 3 + 1
    small = CliRunner().invoke(
        main,
        [
            "slice",
            stored,
            "--x",
            "alpha",
            "--y",
            "q",
            "--at",
            "theta=0.5",
            "--at",
            "c_p=0.1",
            "--at",
            "beta=0.5",
        ],
    )
    assert small.exit_code == 0 and "codes:" in small.output
    bad = CliRunner().invoke(main, ["plot", stored, *PLANE, "-o", "f.tiff"])
    assert bad.exit_code == 1 and ".png, .svg, .pdf, .html" in bad.output


def test_slices_from_a_parameter_set():
    theta, beta = np.linspace(0.1, 0.9, 7), np.linspace(0, 1, 5)
    fixed = {**GRID["fixed"], "alpha": 0.8, "c_p": 0.1}
    params = {"game": "status_quo", **fixed, "theta": theta, "beta": beta}
    data = make_slice(params, "theta", "beta", var="eu_leader")
    assert data.attrs["source"] == "computed" and data.dims == ("beta", "theta")
    want = explorer.solve(
        game="status_quo",
        **fixed,
        theta=xr.DataArray(theta, dims="theta"),
        beta=xr.DataArray(beta, dims="beta"),
    )
    np.testing.assert_array_equal(data.values, want.eu_leader.transpose("beta", "theta").values)
    with pytest.raises(SliceError, match="1-D array of values for 'beta'"):
        make_slice({**params, "beta": 0.5}, "theta", "beta")
