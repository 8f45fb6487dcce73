"""The Monte Carlo model (theory meets data): a known probit is recovered, the closed-form
special case comes out, the true effect's threshold is where the payoffs put it, a store is
the same whatever the chunking, workers or a kill and resume, costly points are planned by
time, and the pilot config runs end to end."""

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
import xarray as xr

from explorer.analysis.check import check_plan, check_report
from explorer.engine.config import parse_config
from explorer.engine.plan import MIN_COSTLY_TASKS, TASK_SECONDS, make_plan
from explorer.engine.run import Scheduler
from explorer.engine.sweep import run_sweep
from explorer.models.coalition_mc import MODEL, PILOT, published_numbers, seconds_per_point
from kernels import montecarlo as mc
from kernels.coalition import COALITION, point_solver
from tests.test_resume import done_count, kill_when, start

ROOT = Path(__file__).resolve().parent.parent
PILOT_CONFIG = ROOT / "configs" / "mc_pilot.toml"
VARIANTS = {v.name for v in MODEL.variants}


def sweep(tmp_path, name, fixed, axes, scheduler=None, **top) -> xr.Dataset:
    """Run the model over ``axes``, the other parameters it takes (with these choices) at
    the pilot's values updated by ``fixed``."""
    takes = MODEL.parameters_of(MODEL.choices({k: v for k, v in top.items() if k in VARIANTS}))
    values = {**PILOT, **fixed}
    values = {k: v for k, v in values.items() if k in takes and k not in axes}
    raw = {"model": "coalition_mc", "fixed": values, "axes": axes, **top}
    url = str(tmp_path / f"{name}.zarr")
    run_sweep(parse_config(raw), url, scheduler or Scheduler("threads", 2), progress=False)
    return xr.open_zarr(url).load()


def test_a_known_probit_is_recovered_with_honest_standard_errors(tmp_path):
    """Outcomes drawn from the published Table 2 Model 1 probit (no measurement noise):
    the Table 2 fit recovers every focal coefficient within 3 Monte Carlo SEs, and its
    clustered SEs match the sampling SD (SE/SD in [0.9, 1.1])."""
    replicates = 400
    ds = sweep(
        tmp_path,
        "probit",
        {"js_noise": 0.0, "pd_noise": 0.0, "theta_sd": 0.25, "replicates": replicates},
        {"seed": {"values": [7]}},
        outcome="probit",
    ).isel(seed=0)
    truth = dict(zip(mc.TABLE2, published_numbers()[2 * len(mc.FOCAL) :]))
    for mean, sd, true in (
        ("t2_js_mean", "t2_js_sd", truth["job_security"]),
        ("t2_pd_mean", "t2_pd_sd", truth["pref_divergence"]),
        ("js_x_pd_mean", "js_x_pd_sd", truth["js_x_pd"]),
    ):
        mc_se = float(ds[sd]) / math.sqrt(replicates)
        assert abs(float(ds[mean]) - true) < 3 * mc_se, (mean, float(ds[mean]), true, mc_se)
    for ratio in ("t2_js_se_sd", "t2_pd_se_sd", "js_x_pd_se_sd"):
        assert 0.9 <= float(ds[ratio]) <= 1.1, (ratio, float(ds[ratio]))
    assert float(ds["not_converged"]) == 0 and float(ds["separated"]) == 0


def test_log_normal_cost_with_exponential_bias_gives_the_closed_form_slope(tmp_path):
    """With ln c_P ~ N(mu, sigma^2), beta = exp(-kappa PD) and no gain from P's power
    (p_LP = p_L), the payoffs give a coalition iff c_P < beta (c_L - c_LP), so
    Pr = Phi((-kappa PD + ln(c_L - c_LP) - mu) / sigma): a probit with slope -kappa/sigma
    on PD and none on Job Security (here only noise around a constant theta)."""
    replicates = 200
    fixed = {
        "alpha_sd": 0.0,
        "theta_sd": 0.0,
        "power_gain": 0.0,
        "contiguity_effect": 0.0,
        "initiators": 0.0,
        "pd_noise": 0.0,
        "js_noise": 0.1,
        "cost_location": -2.0,
        "replicates": replicates,
    }
    axes = {"kappa": {"values": [0.3, 1.0]}, "cost_spread": {"values": [0.5, 1.5]}}
    ds = sweep(tmp_path, "closed", fixed, axes)
    slope = -ds["kappa"] / ds["cost_spread"]
    mc_se = ds["pd_sd"] / math.sqrt(replicates)
    assert (abs(ds["pd_mean"] - slope) < 3 * mc_se).all(), (ds["pd_mean"] - slope).values
    assert (abs(ds["js_mean"]) < 3 * ds["js_sd"] / math.sqrt(replicates)).all()
    for name in mc.ME_NAMES:  # theta moves nothing when P adds no power
        assert (ds[f"true_me_{name}"] == 0).all()


def test_the_payoffs_put_the_coalition_threshold_where_the_true_effect_assumes():
    """The true effect integrates the unobservable over c_P < beta min(D/(1-alpha), p_LP);
    the exact kernel forms the coalition just below that cost and not just above it."""
    solve = point_solver("status_quo", "linear")
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(3000):
        alpha, theta, rho, p_l = rng.uniform(0.02, 0.98, 4)
        p_lp = p_l + rng.uniform(0, 1 - p_l)
        c_l = rng.uniform(0.01, 1)
        c_lp = rng.uniform(0, c_l)
        beta = rng.uniform(0.01, 1)
        gain = (1 - alpha) * (c_l - c_lp) + (p_lp - p_l) * (1 - alpha * rho * theta)
        threshold = beta * min(gain / (1 - alpha), p_lp)
        if threshold <= 1e-6:
            continue
        below = solve(alpha, theta, rho, p_l, p_lp, c_l, c_lp, threshold * (1 - 1e-9), beta, 0)
        above = solve(alpha, theta, rho, p_l, p_lp, c_l, c_lp, threshold * (1 + 1e-9), beta, 0)
        assert below[0] == COALITION and above[0] != COALITION
        checked += 1
    assert checked > 2500


TINY = {"leaders": 60.0, "partners": 15.0, "replicates": 12.0, "cost_location": -1.0}
TINY_AXES = {"kappa": {"values": [0.3, 1.0, 2.0]}, "initiators": {"values": [0.0, 0.5, 1.0]}}


def _same(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_a_store_is_the_same_whatever_the_chunking_or_the_workers(tmp_path):
    one = sweep(tmp_path, "one", TINY, TINY_AXES, Scheduler("threads", 1), chunk_points=9)
    many = sweep(tmp_path, "many", TINY, TINY_AXES, Scheduler("threads", 2), chunk_points=1)
    procs = sweep(tmp_path, "procs", TINY, TINY_AXES, Scheduler("processes", 2), chunk_points=2)
    assert np.isfinite(one["js_mean"]).all()
    _same(one, many)
    _same(one, procs)


def test_a_killed_monte_carlo_resumes_to_the_same_store(tmp_path):
    fixed = {**PILOT, "replicates": 30.0}
    axes = {"kappa": {"values": [0.3, 0.6, 1.0, 2.0]}, "initiators": {"values": [0, 0.5, 1]}}
    raw = {"model": "coalition_mc", "fixed": fixed, "axes": axes, "chunk_points": 1}
    for swept in axes:
        fixed.pop(swept)
    config = tmp_path / "mc.toml"
    config.write_text(tomli_w.dumps(raw))
    url = str(tmp_path / "killed.zarr")
    assert kill_when(start(config, url), lambda: done_count(url) >= 3)
    assert done_count(url) < 12
    subprocess.run(
        [sys.executable, "-m", "explorer", "run", str(config), "--store", url, "--resume"]
        + ["--quiet", "--no-plot"],
        check=True,
        capture_output=True,
    )
    clean = str(tmp_path / "clean.zarr")
    run_sweep(parse_config(raw), clean, Scheduler("threads", 2), progress=False)
    _same(xr.open_zarr(url).load(), xr.open_zarr(clean).load())


def test_costly_points_are_planned_by_time_not_bytes():
    raw = tomllib.loads(PILOT_CONFIG.read_text())
    plan = make_plan(parse_config(raw))
    per_point = seconds_per_point(raw["fixed"])
    points = math.prod(plan.chunks)
    assert 1 < points <= min(int(TASK_SECONDS / per_point), math.ceil(25 / MIN_COSTLY_TASKS))
    assert math.prod(plan.n_blocks) >= MIN_COSTLY_TASKS
    raw["fixed"]["replicates"] = 20000  # ~50 s a point: one point a task
    assert math.prod(make_plan(parse_config(raw)).chunks) == 1


def test_check_reads_a_complete_store_rather_than_solving_again(tmp_path):
    ds = sweep(tmp_path, "check", TINY, TINY_AXES)
    config = parse_config(
        {
            "model": "coalition_mc",
            "fixed": {k: v for k, v in {**PILOT, **TINY}.items() if k not in TINY_AXES},
            "axes": TINY_AXES,
        }
    )
    plan = make_plan(config)
    forged = ds.copy()
    forged["supported"] = forged["supported"] * 0 + mc.H3  # what no solve gives
    report = check_report(plan, check_plan(plan, Scheduler("threads", 1), stored=forged), 0.0)
    rows = {row["statement"]: row for row in report["statements"]}
    valid = (ds["flags"] & (mc.SPREAD_TOO_WIDE | mc.TOO_FEW_FITS)) == 0  # checked points
    assert int(valid.sum()) >= 5
    assert rows["Hypothesis 3"]["violations"] == 0
    assert rows["Hypothesis 3"]["checked"] == rows["Hypothesis 1"]["violations"] == valid.sum()
    by_kappa = rows["Hypothesis 3"]["profile"]["kappa"]
    assert [c["value"] for c in by_kappa] == [0.3, 1.0, 2.0]
    per_kappa = valid.sum("initiators").values.tolist()
    assert [(c["checked"], c["held"]) for c in by_kappa] == list(zip(per_kappa, per_kappa))


def test_the_pilot_config_runs_end_to_end_at_a_tiny_size(tmp_path):
    raw = tomllib.loads(PILOT_CONFIG.read_text())
    raw["fixed"] |= {"leaders": 30, "partners": 8, "replicates": 4}
    url = str(tmp_path / "pilot.zarr")
    raw["store"] = url
    config = tmp_path / "pilot.toml"
    config.write_text(tomli_w.dumps(raw))

    def explorer(*args, said=""):
        done = subprocess.run(
            [sys.executable, "-m", "explorer", *args], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert said in done.stderr
        return done.stdout

    assert "the store is complete" in explorer("run", str(config), "--quiet")
    checked = explorer("check", url, "--quiet")
    assert "Hypothesis 3" in checked and "holds by rho: 0.2:" in checked
    # the config's own complete store is read, not the Monte Carlo run again (the first
    # line says how long the check took)
    again = explorer("check", str(config), "--quiet", said="the complete store this config made")
    assert again.splitlines()[1:] == checked.splitlines()[1:]
    assert "supported" in explorer("info", url)
    explorer(
        "plot",
        url,
        "--x",
        "rho",
        "--y",
        "initiators",
        "--var",
        "js_neg",
        "-o",
        str(tmp_path / "h1.png"),
    )
    assert (tmp_path / "h1.png").stat().st_size > 10_000
    ds = xr.open_zarr(url)
    assert dict(ds.sizes) == {"rho": 5, "initiators": 5}
    assert ((ds["base_rate"] >= 0) & (ds["base_rate"] <= 1)).all()


@pytest.mark.parametrize("unobservable", ["log_cost", "cost", "bias"])
def test_other_unobservables_give_true_effects_that_match_the_simulation(tmp_path, unobservable):
    """The true d Pr/d theta (closed form per dyad) against a finite difference of the
    simulated base rate in theta, common random numbers, no selection or noise."""
    fixed = {
        "alpha_sd": 0.0,
        "theta_sd": 0.0,
        "initiators": 0.0,
        "rho": 0.9,
        "power_gain": 1.0,
        "cost_spread": 0.3 if unobservable == "bias" else 0.5,
        "cost_location": -2.0,
        "replicates": 2.0,
        "leaders": 2000.0,
        "partners": 50.0,
    }
    step = 0.05
    axes = {"theta_mean": {"values": [0.5 - step, 0.5, 0.5 + step]}}
    ds = sweep(tmp_path, unobservable, fixed, axes, unobservable=unobservable)
    # Seeds differ per point, so the difference carries sampling noise of ~1/sqrt(N).
    slope = float(ds["base_rate"][2] - ds["base_rate"][0]) / (2 * step)
    # Pref. Divergence is uniform on [0, 2]: average the effects over it (trapezoid rule).
    effects = [float(ds[f"true_me_{n}"][1]) for n in mc.ME_NAMES]
    true = float(np.trapezoid(effects, mc.ME_AT)) / 2.0
    assert true < 0
    assert abs(slope - true) < 0.35 * abs(true) + 0.02, (slope, true)


def test_figure_4_takes_the_correlations_of_a_store_point(tmp_path):
    """`margins --cov simulated`: V = published SEs with the store point's correlations,
    so the delta band's width at PD = x is 1.96 sqrt(s1^2 + 2 x r s1 s3 + x^2 s3^2)."""
    from explorer.empirics import bands, published
    from explorer.empirics.derived import term_stats

    sweep(tmp_path, "margins", TINY, TINY_AXES)
    url = str(tmp_path / "margins.zarr")
    tables = published.load()
    at = {"kappa": 1.0, "initiators": 0.5}
    ds = bands.margins(tables, "table2.model1", "job_security", "simulated", url, at=at)
    stored = xr.open_zarr(url).sel(at)
    r = float(stored["corr_js_x"])
    assert -1 < r < 1 and r != 0
    model = tables.model("table2.model1")
    s1, s3 = (term_stats(model.term(t)).se.value for t in ("job_security", "js_x_pd"))
    x = ds["x"].values
    half = 1.959963984540054 * np.sqrt(s1**2 + 2 * x * r * s1 * s3 + x**2 * s3**2)
    np.testing.assert_allclose(ds["delta_high"] - ds["effect"], half, rtol=1e-3)
    assert ds.attrs["provenance"] == "simulated" and "kappa=1" in ds.attrs["assumptions"][0]


@pytest.mark.parametrize("scale", [1.0, 40.0])
@pytest.mark.parametrize("by_leader", [False, True])
def test_average_marginal_effects_equal_a_direct_mean_of_normal_densities(scale, by_leader):
    """All five values at once (a recurrence between evenly spaced values), and at
    coefficients large enough to need the one-exponential-per-value route, against
    scipy's density averaged directly; Job Security different for every dyad, or shared
    by a leader's dyads as in the simulated data."""
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    n = 997
    js = np.repeat(rng.uniform(size=23), 45)[:n] if by_leader else rng.uniform(size=n)
    contig, rp = (rng.uniform(size=n) < 0.15) * 1.0, rng.uniform(size=n)
    b = scale * np.array([-1.2, 0.11, 0.04, -0.46, 0.3, -0.2])
    out = np.empty(len(mc.ME_AT))
    mc.average_effects(b, js, contig, rp, out, np.empty((6, n)))
    for v, at in enumerate(mc.ME_AT):
        index = b[0] + b[1] * js + (b[2] + b[3] * js) * at + b[4] * contig + b[5] * rp
        direct = (b[1] + b[3] * at) * norm.pdf(index).mean()
        assert out[v] == pytest.approx(direct, rel=1e-12, abs=1e-300)
