"""The empirical half: the published tables rebuilt (intervals, EMPIRICS.md's check
values), Figures 3 and 4's bands, and ``explorer.empirics.fit`` on DataFrames, CSV and
Stata files."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from click.testing import CliRunner
from PIL import Image
from scipy import stats

from explorer.cli import main
from explorer.empirics import bands, derived, fit, load, regression_table
from explorer.empirics.tables import report

TABLES = load()


def test_every_printed_interval_comes_back_from_its_derived_se():
    checked = 0
    for model in TABLES.models.values():
        for term in model.terms:
            stats = derived.term_stats(term)
            if not term.numeric:
                assert stats.se.value is None and "sign and significance" in stats.note
                continue
            low, high = (v.value for v in stats.rebuilt)
            assert abs(low - term.low) <= derived.PRINTED + 1e-12, (model.key, term.name)
            assert abs(high - term.high) <= derived.PRINTED + 1e-12, (model.key, term.name)
            checked += 1
    assert checked == 4 * 8 + 2  # every numeric interval, Table 2's interactions included


def test_the_check_values_of_empirics_md():
    js = derived.term_stats(TABLES.model("table1.model1").term("job_security"))
    assert round(js.se.value, 4) == 0.0862 and round(js.z.value, 2) == -3.60
    inter = derived.term_stats(TABLES.model("table2.model1").term("js_x_pd"))
    assert round(inter.se.value, 4) == 0.1327 and round(inter.z.value, 2) == -3.45
    first = derived.interaction_test(TABLES, "model1")
    second = derived.interaction_test(TABLES, "model2")
    assert round(first.lr.value, 3) == 1.898 and round(first.p.value, 3) == 0.168
    assert round(second.lr.value, 3) == 0.956 and round(second.p.value, 3) == 0.328
    crossings = derived.model_stats(TABLES.model("table2.model1"), TABLES.interaction).crossings
    assert round(crossings["job_security_effect_zero_at_pref_divergence"].value, 3) == 0.241
    assert round(crossings["pref_divergence_effect_zero_at_job_security"].value, 3) == 0.088


def test_information_criteria_and_the_base_rate_bound():
    model = TABLES.model("table1.model1")
    stats = derived.model_stats(model)
    assert stats.aic.value == pytest.approx(2 * 861.617 + 2 * 9)
    assert stats.bic.value == pytest.approx(2 * 861.617 + 9 * math.log(6642))
    p = stats.base_rate_min.value
    # A constant-only model at that base rate fits exactly as well as the published one.
    null = 6642 * (p * math.log(p) + (1 - p) * math.log(1 - p))
    assert null == pytest.approx(-861.617, rel=1e-10)
    assert 0.02 < p < 0.04


def test_every_number_in_the_report_says_where_it_comes_from():
    data = report(TABLES)
    values = []

    def walk(node):
        if isinstance(node, dict):
            if "provenance" in node and "value" in node:
                values.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)

    walk(data["models"])
    walk(data["interaction_tests"])
    assert len(values) > 150
    assert {v["provenance"] for v in values} == {"published", "derived"}
    t1 = data["models"]["table1.model1"]
    assert t1["n"] == {"value": 6642, "provenance": "published", "assumption": None}
    assert t1["terms"][0]["se"]["provenance"] == "derived"


def test_tables_command_json_markdown_and_one_model():
    runner = CliRunner()
    parsed = json.loads(runner.invoke(main, ["empirics", "tables", "--json"]).stdout)
    assert list(parsed["models"]) == [
        "table1.model1",
        "table1.model2",
        "table2.model1",
        "table2.model2",
    ]
    assert len(parsed["errata"]) == 3
    markdown = runner.invoke(main, ["empirics", "tables", "--markdown"]).stdout
    assert "| Job Security × Preference Divergence | -0.457" in markdown
    one = runner.invoke(main, ["empirics", "tables", "--model", "table2.model1"]).stdout
    assert "Table 2, Model 1" in one and "Table 1, Model 1" not in one
    assert "LR 1.898 (p 0.168)" in one and "pref_divergence = 0.241" in one


def known_covariance(tmp_path, r=0.6):
    """A V with correlated Job Security and interaction coefficients, as a user's file."""
    terms = ["job_security", "pref_divergence", "js_x_pd"]
    model = TABLES.model("table2.model1")
    s1, s2, s3 = (derived.term_stats(model.term(t)).se.value for t in terms)
    matrix = np.diag([s1**2, s2**2, s3**2])
    matrix[0, 2] = matrix[2, 0] = r * s1 * s3
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"terms": terms, "matrix": matrix.tolist()}))
    return path


def test_delta_and_simulation_bands_agree_when_v_is_known(tmp_path):
    path = known_covariance(tmp_path)
    ds = bands.margins(
        TABLES, "table2.model1", "job_security", "file", str(path), draws=200_000, seed=3
    )
    se = (ds.delta_high - ds.effect) / derived.Z975
    # The 2.5% quantile of 2e5 normal draws errs by about 0.007 SE (sd); allow 5 of those.
    assert float(np.max(np.abs(ds.sim_low - ds.delta_low) / se)) < 0.035
    assert float(np.max(np.abs(ds.sim_high - ds.delta_high) / se)) < 0.035
    assert float(np.max(np.abs(ds.sim_mean - ds.effect) / se)) < 0.02
    # ... and the delta band is the analytic one: Var = s1^2 + x^2 s3^2 + 2 x r s1 s3.
    x = ds.x.values
    s1, s3 = (0.395 + 0.176) / (2 * derived.Z975), (0.717 - 0.197) / (2 * derived.Z975)
    expected = np.sqrt(s1**2 + x**2 * s3**2 + 2 * x * 0.6 * s1 * s3)
    assert np.allclose(se, expected, rtol=1e-12)


def test_the_envelope_brackets_every_correlation(tmp_path):
    envelope = bands.margins(TABLES, "table2.model1", "job_security", "envelope")
    for r in (-1.0, -0.3, 0.0, 0.7, 1.0):
        ds = bands.margins(
            TABLES, "table2.model1", "job_security", "file", str(known_covariance(tmp_path, r))
        )
        assert (ds.delta_low >= envelope.envelope_low - 1e-12).all()
        assert (ds.delta_low <= envelope.narrowest_low + 1e-12).all()
        assert (ds.delta_high <= envelope.envelope_high + 1e-12).all()
        if r == 1.0:
            assert np.allclose(ds.delta_high, envelope.envelope_high)
        if r == -1.0:
            assert np.allclose(ds.delta_high, envelope.narrowest_high)


def test_figure3_bound_puts_the_curves_on_the_printed_axes():
    for over, (lo_tick, hi_tick) in (
        ("job_security", (0.02, 0.12)),
        ("pref_divergence", (0.0, 0.08)),
    ):
        ds = bands.predict(TABLES, over)
        low_end, high_end = ds.isel(offset=0), ds.isel(offset=-1)
        assert float(high_end.estimate.max()) == pytest.approx(hi_tick, rel=1e-9)
        assert float(low_end.estimate.min()) >= lo_tick - 1e-12
        assert (ds.low <= ds.clarify_mean + 1e-12).all()
        assert (ds.clarify_mean <= ds.high + 1e-12).all()
    # Job Security's own axis closes its bound: the lowest curve ends on the 0.02 tick.
    assert float(
        bands.predict(TABLES, "job_security").isel(offset=0).estimate.min()
    ) == pytest.approx(0.02, rel=1e-9)


def test_a_given_offset_draws_one_curve_and_clarify_mean_differs_from_the_point():
    ds = bands.predict(TABLES, "job_security", offset=-1.4, draws=20_000, seed=1)
    assert ds.sizes["offset"] == 1
    point = ds.estimate.isel(offset=0)
    assert float(point[0]) == pytest.approx(0.0807566, abs=1e-6)  # Phi(-1.4)
    # With b ~ N(b_hat, s^2): E Phi(a + b x) = Phi((a + b_hat x) / sqrt(1 + x^2 s^2)), above
    # the point estimate where Phi is convex; the simulated mean finds it within its error.
    s = derived.term_stats(TABLES.model("table1.model1").term("job_security")).se.value
    x = ds.x.values
    exact = stats.norm.cdf((-1.4 - 0.310 * x) / np.sqrt(1 + x**2 * s**2))
    simulated = ds.clarify_mean.isel(offset=0).values
    assert exact[-1] - point.values[-1] > 5e-4
    assert np.max(np.abs(simulated - exact)) < 3e-4  # 5 Monte Carlo SEs at x = 1


@pytest.mark.parametrize("command", ["predict", "margins"])
def test_figure_commands_write_png_and_interactive_html(command, tmp_path):
    runner = CliRunner()
    png = tmp_path / "f.png"
    result = runner.invoke(main, ["empirics", command, "-o", str(png)])
    assert result.exit_code == 0, result.output
    assert Image.open(png).size[0] > 500
    html = tmp_path / "f.html"
    assert runner.invoke(main, ["empirics", command, "-o", str(html)]).exit_code == 0
    page = html.read_text()
    assert "Bokeh" in page and "cdn.bokeh.org" not in page
    assert "Approximate:" in page


def synthetic(seed=0, n=2000, clusters=40):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "leader": rng.integers(0, clusters, n),
            "job_security": rng.random(n),
            "pref_divergence": 2 * rng.random(n),
        }
    )
    index = -1.2 - 0.4 * frame.job_security - 0.3 * frame.pref_divergence
    frame["coalition"] = (index + rng.normal(size=n) > 0).astype(int)
    return frame


X_COLUMNS = ["job_security", "pref_divergence"]


def test_fit_on_a_dataframe_matches_statsmodels():
    frame = synthetic()
    fitted = fit(frame, y="coalition", x=X_COLUMNS, cluster="leader", factor="statsmodels")
    design = sm.add_constant(frame[X_COLUMNS], prepend=False)
    theirs = sm.Probit(frame.coalition, design).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": frame.leader}
    )
    assert list(fitted.term.values) == [*X_COLUMNS, "constant"]
    assert np.allclose(fitted.estimate, theirs.params, rtol=1e-8)
    assert np.allclose(fitted.se, theirs.bse, rtol=1e-8)
    assert fitted.attrs["loglik"] == pytest.approx(theirs.llf, rel=1e-10)
    assert fitted.attrs["clusters"] == 40 and fitted.attrs["n"] == 2000
    table = regression_table(fitted)
    assert "job_security" in table and "40 clusters" in table


def test_csv_and_stata_files_fit_the_same(tmp_path):
    frame = synthetic(1)
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_stata(tmp_path / "d.dta", write_index=False)
    fits = [
        fit(source, y="coalition", x=X_COLUMNS, cluster="leader")
        for source in (frame, tmp_path / "d.csv", str(tmp_path / "d.dta"))
    ]
    for other in fits[1:]:
        assert np.array_equal(other.estimate.values, fits[0].estimate.values)
        assert np.array_equal(other.cov.values, fits[0].cov.values)


def test_fit_command_prints_the_table_and_writes_netcdf(tmp_path):
    synthetic(2).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "fit.nc"
    result = CliRunner().invoke(
        main,
        [
            "empirics",
            "fit",
            str(tmp_path / "d.csv"),
            "--y",
            "coalition",
            "--x",
            "job_security,pref_divergence",
            "--cluster",
            "leader",
            "--netcdf",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "pref_divergence" in result.stdout and "clustered by leader" in result.stdout
    import xarray as xr

    with xr.open_dataset(out) as back:
        assert back.sizes["term"] == 3
        estimates = back.estimate.values
    # the covariates may also come one option each
    repeated = ["--x", "job_security", "--x", "pref_divergence", "--cluster", "leader"]
    data = ["empirics", "fit", str(tmp_path / "d.csv"), "--y", "coalition"]
    result = CliRunner().invoke(main, [*data, *repeated, "--netcdf", str(out)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out) as back:
        assert np.array_equal(back.estimate.values, estimates)


def test_a_fit_of_your_own_data_gives_the_figure_its_covariance(tmp_path):
    """`explorer empirics fit --netcdf` then `margins --cov file --cov-file FIT.nc`: the
    bands use the fit's V for the named terms."""
    frame = synthetic(3)
    frame["js_x_pd"] = frame.job_security * frame.pref_divergence
    frame.to_csv(tmp_path / "d.csv", index=False)
    fitted = tmp_path / "fit.nc"
    runner = CliRunner()
    x = "job_security,pref_divergence,js_x_pd"
    argv = ["empirics", "fit", str(tmp_path / "d.csv"), "--y", "coalition", "--x", x]
    result = runner.invoke(main, [*argv, "--cluster", "leader", "--netcdf", str(fitted)])
    assert result.exit_code == 0, result.output
    ds = bands.margins(TABLES, "table2.model1", "job_security", "file", str(fitted))
    V = fit(frame, y="coalition", x=x.split(","), cluster="leader").cov
    block = V.sel(term=["job_security", "js_x_pd"], term_=["job_security", "js_x_pd"]).values
    weights = np.stack([np.ones(ds.sizes["x"]), ds.x.values], axis=1)
    se = np.sqrt(np.einsum("ij,jk,ik->i", weights, block, weights))
    assert np.allclose(ds.delta_high - ds.effect, derived.Z975 * se, rtol=1e-12)
    assert ds.attrs["assumptions"][0] == "V read from fit.nc"


def test_flags_of_a_fit_are_named_and_survive_netcdf(tmp_path):
    frame = synthetic(4)
    frame["twice"] = 2 * frame.job_security
    fitted = fit(frame, y="coalition", x=["job_security", "twice"], cluster="leader")
    assert fitted.attrs["flags"] == "rank deficient"
    assert np.isnan(fitted.estimate.sel(term="twice"))
    assert "Warning: rank deficient." in regression_table(fitted)
    fitted.to_netcdf(tmp_path / "fit.nc")
    import xarray as xr

    with xr.open_dataset(tmp_path / "fit.nc") as back:
        assert back.attrs["flags"] == "rank deficient"
