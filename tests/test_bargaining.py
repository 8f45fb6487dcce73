"""The example second model (crisis bargaining under private information): values worked
out by hand, the kernel against a solver written from the payoffs, and the whole engine
(run, info, slice, plot, check) on it."""

import math

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from PIL import Image

import explorer
from explorer.analysis.check import check_plan, check_report
from explorer.cli import main
from explorer.engine.config import load_config
from explorer.engine.plan import make_plan
from explorer.engine.run import Scheduler
from explorer.engine.sweep import run_sweep

CONFIG = "configs/bargaining.toml"


def solve(**params):
    ds = explorer.solve(model="bargaining", **params)
    return {k: float(ds[k]) for k in ("outcome", "demand", "p_war", "eu_a", "eu_b", "flags")}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Interior: x* = 0.5 + (0.4 - 0.1)/2 = 0.65; war if c_b < 0.15: 0.15/0.4 = 0.375;
        # U_A = 0.625 * 0.65 + 0.375 * (0.5 - 0.1) = 0.55625;
        # U_B = 0.625 * 0.35 + int_0^0.15 (0.5 - c) dc / 0.4 = 0.21875 + 0.159375.
        (
            {"p": 0.5, "c_a": 0.1, "c_low": 0.0, "c_high": 0.4},
            {"outcome": 1, "demand": 0.65, "p_war": 0.375, "eu_a": 0.55625, "eu_b": 0.378125},
        ),
        # Sure peace: the peak 0.5 + (0.4 - 0.3)/2 = 0.55 lies below p + c_low = 0.6, which
        # every type accepts: A asks 0.6 and there is no war.
        (
            {"p": 0.5, "c_a": 0.3, "c_low": 0.1, "c_high": 0.4},
            {"outcome": 0, "demand": 0.6, "p_war": 0.0, "eu_a": 0.6, "eu_b": 0.4, "flags": 2},
        ),
        # Capped: the peak 0.8 + 1/2 lies beyond the whole good; U(x) = x - (x - 0.8)^2
        # rises up to x = 1, so A asks for everything: war if c_b < 0.2, with chance 0.2;
        # U_A = 0.8 + 0.2 * 0.8 = 0.96; U_B = int_0^0.2 (0.2 - c) dc = 0.02.
        (
            {"p": 0.8, "c_a": 0.0, "c_low": 0.0, "c_high": 1.0},
            {"outcome": 1, "demand": 1.0, "p_war": 0.2, "eu_a": 0.96, "eu_b": 0.02, "flags": 4},
        ),
    ],
)
def test_values_worked_out_by_hand(params, expected):
    got = solve(**params)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name


def test_costs_that_are_not_spread_are_an_invalid_point():
    got = solve(p=0.5, c_a=0.1, c_low=0.4, c_high=0.2)
    assert got["outcome"] == -1 and math.isnan(got["demand"]) and int(got["flags"]) & 1


def reference(p, c_a, c_low, c_high):
    """A's best demand by golden-section search on her expected utility, written from the
    payoffs (B fights iff 1 - p - c_b > 1 - x; c_b uniform), not from any formula."""

    def war(x):
        return min(1.0, max(0.0, (x - p - c_low) / (c_high - c_low)))

    def utility(x):
        return (1 - war(x)) * x + war(x) * (p - c_a)

    low, high = 0.0, 1.0
    g = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = high - g * (high - low), low + g * (high - low)
        if utility(a) < utility(b):
            low = a
        else:
            high = b
    x = (low + high) / 2
    if utility(1.0) >= utility(x):  # the search cannot land exactly on an end point
        x = 1.0
    return x, war(x), utility(x)


def test_kernel_equals_the_payoff_reference_on_random_points():
    rng = np.random.default_rng(20261127)
    n = 3000
    p, c_a = rng.uniform(0.01, 0.99, n), rng.uniform(0, 0.6, n)
    c_low = rng.uniform(0, 0.3, n)
    c_high = c_low + rng.uniform(0.01, 0.8, n)
    ds = explorer.solve(model="bargaining", p=p, c_a=c_a, c_low=c_low, c_high=c_high)
    for i in range(n):
        x, war, utility = reference(p[i], c_a[i], c_low[i], c_high[i])
        assert ds.demand.values[i] == pytest.approx(x, abs=1e-7)
        assert ds.p_war.values[i] == pytest.approx(war, abs=1e-7)
        assert ds.eu_a.values[i] == pytest.approx(utility, abs=1e-12)
        assert ds.eu_a.values[i] >= utility - 1e-12  # never worse than the search found


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = str(tmp_path_factory.mktemp("bargaining") / "b.zarr")
    run_sweep(load_config(CONFIG), url, progress=False)
    return url


def test_the_engine_runs_it_end_to_end(store, tmp_path):
    ds = xr.open_zarr(store)
    assert ds.attrs["model"] == "bargaining" and dict(ds.sizes) == {
        "p": 9,
        "c_a": 101,
        "c_high": 99,
    }
    assert ds.peace_threshold.dims == ("c_high",)  # stored only over what it depends on
    assert "risk of war" in CliRunner().invoke(main, ["info", store]).output

    plane = explorer.slice(store, x="c_a", y="c_high", at={"p": 0.5})
    want = explorer.solve(
        model="bargaining",
        p=0.5,
        c_low=0.0,
        c_a=ds.c_a.load(),
        c_high=ds.c_high.load(),
    ).outcome.transpose("c_high", "c_a")
    np.testing.assert_array_equal(plane.values, want.values)
    assert plane.attrs["source"] == "store"

    out = tmp_path / "plane.png"
    result = CliRunner().invoke(
        main, ["plot", store, "--x", "c_a", "--y", "c_high", "--at", "p=0.5", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    pixels = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    for color in ("#009e73", "#d55e00"):  # sure peace and risk of war, as declared
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).max(axis=1) <= 2).sum() > 2000, color


def test_check_finds_the_corners_of_the_textbook_formulas():
    plan = make_plan(load_config(CONFIG))
    report = check_report(plan, check_plan(plan, Scheduler("threads", workers=2)), 0.0)
    rows = {r["statement"]: r for r in report["statements"]}
    assert rows["Risk-return 1"]["checked"] > 10_000 and rows["Risk-return 1"]["violations"] == 0
    assert rows["Risk-return 2"]["checked"] > 10_000 and rows["Risk-return 2"]["violations"] == 0
    # More uncertainty raises the war risk, except where A already asks for everything:
    # there the share of types that fight, (1 - p - c_low)/(c_high - c_low), falls.
    third = rows["Risk-return 3"]
    assert third["violations"] > 0
    assert all(e["demand"] == 1.0 for e in third["counterexamples"])
    # The interior formula is wrong exactly at the corners.
    formula = rows["Interior formula"]
    assert formula["violations"] == sum(report["corners"].values()) > 0
    result = CliRunner().invoke(main, ["check", CONFIG])
    assert result.exit_code == 0 and "Points at a corner" in result.output
