"""`explorer check`: the paper's statements over a grid or sample."""

import json

import numpy as np
import pytest
import tomli_w
from click.testing import CliRunner
from PIL import Image

from explorer.analysis.check import check_plan, check_report
from explorer.analysis.shares import box_of, region_shares
from explorer.cli import main
from explorer.engine.config import load_config, parse_config
from explorer.engine.plan import make_plan
from explorer.engine.run import Scheduler
from explorer.models import get_model
from kernels.reference import solve_reference

READINGS = get_model("coalition").checks.claims

# High alpha with costly partners: where Proposition 1's beta > beta_lp can hold although
# no share buys the partner (beta * p_lp < c_p).
GAP_BOX = {
    "game": "revisionist",
    "fixed": {"rho": 0.75, "p_l": 0.55, "p_lp": 0.65, "c_l": 0.15, "c_lp": 0.1},
    "sample": {
        "method": "uniform",
        "n": 20_000,
        "seed": 7,
        "bounds": {
            "alpha": [0.8, 0.99],
            "theta": [0.01, 0.99],
            "c_p": [0.05, 0.3],
            "beta": [0.0, 0.5],
            "q": [0.0, 1.0],
        },
    },
}


def run_check(config):
    plan = make_plan(config)
    return check_report(plan, check_plan(plan, Scheduler("threads", workers=2)), 0.0)


def test_figure2_plane_has_no_violation_of_implications_1_to_3_and_5():
    report = run_check(load_config("configs/figure2.toml"))
    rows = [
        r
        for r in report["statements"]
        if r["statement"] in {"Implication 1", "Implication 2", "Implication 3", "Implication 5"}
    ]
    assert len(rows) == 8 and all("skipped" not in r for r in rows)
    for row in rows:
        assert row["checked"] > 900, row
        assert row["violations"] == 0, row


def paper_outcome(p):
    """Proposition 1 as written, from eqs. 1-3 computed here (linear rho)."""
    a, t, r = p["alpha"], p["theta"], p["rho"] * p["theta"]
    d = (1 - a) * (p["c_l"] - p["c_lp"]) + (p["p_lp"] - p["p_l"]) * (1 - a * r)
    beta_lp = (1 - a) * p["c_p"] / d
    q_l = ((1 - a * r) * p["p_l"] - a * (t - r) - (1 - a) * p["c_l"]) / (1 - a)
    b = p["beta"]
    q_lp = (
        b * p["p_lp"] * (1 - a * r) - a * b * (t - r) - (1 - a) * (b * p["c_lp"] + p["c_p"])
    ) / ((1 - a) * b)
    if b > beta_lp:
        return 2 if p["q"] < q_lp else 0
    return 1 if p["q"] < q_l else 0


def test_gap_share_on_a_uniform_sample_equals_an_independent_count():
    config = parse_config(GAP_BOX)
    report = run_check(config)
    plan = make_plan(config)
    points = [
        {**config.fixed, **{k: float(v[i]) for k, v in plan.coords.items()}}
        for i in range(plan.n_points)
    ]
    wrong = sum(
        paper_outcome(p) != solve_reference("revisionist", "linear", p)["outcome"] for p in points
    )
    gap = report["proposition_1_gap"]
    assert wrong > 100  # the box does contain the gap
    assert gap["points"] == wrong
    prop1 = next(r for r in report["statements"] if r["statement"] == "Proposition 1")
    assert prop1["violations"] == wrong and len(prop1["counterexamples"]) == 3
    example = prop1["counterexamples"][0]
    assert example["beta"] * example["p_lp"] < example["c_p"] < 0.3
    assert list(gap["by_cause"]) == ["beta*p_lp < c_p (no share buys P)"]

    # Streamed shares over the same box agree with the count, within sampling error.
    shares = region_shares(box_of(config), 1 << 20, "random", seed=3)
    estimate = shares["shares"]["Proposition 1 errs"]
    share = wrong / len(points)
    spread = 4 * np.sqrt(share * (1 - share) / len(points))
    assert abs(estimate["share"] - share) < spread + (estimate["high"] - estimate["low"])


def test_nonlinear_rho_breaks_implication_5_where_rho_slope_exceeds_one():
    raw = {
        "game": "revisionist",
        "rho_form": "quadratic",
        "fixed": {
            "alpha": 0.8,
            "rho": 0.9,
            "p_l": 0.2,
            "p_lp": 0.65,
            "c_l": 0.15,
            "c_lp": 0.1,
            "c_p": 0.1,
            "q": 0.3,
        },
        "axes": {"theta": {"linspace": [0.01, 0.99, 200]}, "beta": {"linspace": [0, 1, 50]}},
    }
    report = run_check(parse_config(raw))
    derivative = next(
        r
        for r in report["statements"]
        if r["statement"] == "Implication 5" and r["reading"] == "analytic derivative"
    )
    assert derivative["violations"] > 0
    for example in derivative["counterexamples"]:
        slope = 2 * example["rho"] * example["theta"]  # rho'(theta) of rho * theta**2
        assert slope * (1 - example["p_l"]) > 1  # what makes d q_l / d theta positive
    assert report["assumption_breaks"]["rho'(theta) >= 1"] > 0


def test_every_reading_is_skipped_with_a_reason_where_it_cannot_run():
    report = run_check(parse_config(GAP_BOX))
    skipped = {r["claim"]: r["skipped"] for r in report["statements"] if "skipped" in r}
    assert skipped["the coalition region grows with beta"] == "needs a grid along beta"
    assert len(skipped) == sum(1 for r in READINGS if r.needs_axis)


def test_check_cli_on_a_store_and_to_json(tmp_path):
    url = str(tmp_path / "fig.zarr")
    raw = load_config("configs/figure2.toml").model_dump(mode="json", exclude_none=True)
    raw["axes"] = {"theta": {"linspace": [0.01, 0.99, 60]}, "beta": {"linspace": [0, 1, 40]}}
    config_path = tmp_path / "small.toml"
    config_path.write_text(tomli_w.dumps(raw))
    assert (
        CliRunner()
        .invoke(main, ["run", str(config_path), "--store", url, "--quiet", "--no-plot"])
        .exit_code
        == 0
    )
    out = tmp_path / "check.json"
    result = CliRunner().invoke(main, ["check", url, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "Implication 3" in result.output and "Proposition 1 read literally" in result.output
    report = json.loads(out.read_text())
    assert report["points"] == 60 * 40 and report["source"] == url


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "nowhere.toml"], "nowhere.toml"),
        (["analyse", "configs/figure2.toml", "--sobol-base", "1000"], "try 512"),
        (["analyse", "configs/figure2.toml", "--shares-points", "many"], "'many'"),
    ],
)
def test_bad_analysis_input_says_what_to_fix(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and message in result.output, result.output


def test_analyse_writes_a_report_with_figures(tmp_path):
    folder = tmp_path / "report"
    args = ["analyse", "configs/figure2.toml", "-o", str(folder), "--shares-points", "65536"]
    result = CliRunner().invoke(main, [*args, "--sobol-base", "256"])
    assert result.exit_code == 0, result.output
    text = (folder / "report.md").read_text()
    for part in ("## The paper's statements", "| Implication 3 |", "coalition crisis", "S1 / ST"):
        assert part in text
    results = json.loads((folder / "analysis.json").read_text())
    shares = results["shares"]["shares"]
    assert (
        abs(
            sum(shares[k]["share"] for k in ("no crisis", "unilateral crisis", "coalition crisis"))
            - 1
        )
        < 1e-12
    )
    beta_lp = results["sensitivity"]["beta_lp"]  # eq. 1 involves theta, not beta
    assert beta_lp["ST"][0] > 0.9 and abs(beta_lp["ST"][1]) < 1e-9
    for name in ("shares.png", "sensitivity.png"):
        with Image.open(folder / name) as image:
            assert image.width > 400


def test_check_and_shares_on_a_distributed_cluster_equal_local_threads(tmp_path):
    distributed = pytest.importorskip("distributed")
    config = parse_config(GAP_BOX)
    path, out = tmp_path / "gap.toml", tmp_path / "check.json"
    path.write_text(tomli_w.dumps(GAP_BOX))
    local = run_check(config)
    box = box_of(config)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        result = CliRunner().invoke(
            main, ["check", str(path), "--scheduler", address, "--json", str(out)]
        )
        remote_shares = region_shares(box, 1 << 16, scheduler=Scheduler(address=address))
    assert result.exit_code == 0, result.output
    remote = json.loads(out.read_text())
    assert remote["proposition_1_gap"] == local["proposition_1_gap"]
    assert [r.get("violations") for r in remote["statements"]] == [
        r.get("violations") for r in local["statements"]
    ]
    local_shares = region_shares(box, 1 << 16)
    assert remote_shares["shares"] == local_shares["shares"]
