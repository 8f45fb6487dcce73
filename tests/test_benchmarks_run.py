"""Each benchmark runs once at a tiny size so it cannot go stale (speed is not judged here)."""

import dataclasses
import importlib.util
import json
import tomllib
from pathlib import Path

import pytest
import tomli_w

from benchmarks import bench_slice, bench_sweep
from benchmarks.suite import Solve
from explorer.bench import cases
from explorer.bench import driver as bench
from kernels.loops import cuda_unavailable_reason


@pytest.mark.parametrize("case", [cases.FILL, *cases.CASES], ids=lambda c: c.name)
def test_each_case_runs_tiny(case):
    context = cases.Context(workers=1)
    try:
        row = bench.measure(case, 16, context, repeat=1)
    finally:
        context.close()
    if case.name == "numba.cuda grid kernel" and cuda_unavailable_reason():
        assert row.skipped == cuda_unavailable_reason()
        return
    if case.name.startswith("pygambit") and importlib.util.find_spec("pygambit") is None:
        assert "pygambit is not installed" in row.skipped
        return
    assert row.skipped is None
    assert row.points_per_s > 0 and row.warm_calls >= 1 and row.first_call_s > 0
    assert row.points == 16 if case.sample is None else row.extrapolated_from == case.sample


def test_asv_suite_runs_a_case_as_asv_would():
    suite = Solve()
    method, points = cases.CASES[0].name, 16
    suite.setup(method, points)
    suite.time_solve(method, points)
    suite.peakmem_solve(method, points)
    suite.teardown(method, points)


def test_asv_suite_reports_a_skip_as_not_implemented(monkeypatch):
    def unavailable(points, context):
        raise cases.Skip("not here")

    case = dataclasses.replace(cases.CASES[0], prepare=unavailable)
    monkeypatch.setattr(cases, "by_name", lambda name: case)
    monkeypatch.setattr("benchmarks.suite.by_name", lambda name: case)
    suite = Solve()
    with pytest.raises(NotImplementedError, match="not here"):
        suite.setup(case.name, 16)
    suite.teardown(case.name, 16)


def test_sweep_benchmark_runs(tmp_path, capsys, monkeypatch):
    raw = tomllib.loads(Path("configs/figure2.toml").read_text())
    raw["axes"] = {"theta": {"linspace": [0.01, 0.99, 40]}, "beta": {"linspace": [0.0, 1.0, 30]}}
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(raw))
    monkeypatch.chdir(tmp_path)
    bench_sweep.main(
        [
            "--config",
            str(path),
            "--codecs",
            "blosc-lz4",
            "--chunk-mib",
            "1",
            "--rss-axis",
            "beta",
            "--rss-factor",
            "2",
            "--repeat",
            "3",
            "--json",
            "out.json",
        ]
    )
    out = capsys.readouterr().out
    for method in ("kernel alone", "explorer run, blosc-lz4", "naive", "peak RSS", "median of 3"):
        assert method in out
    rows = json.loads((tmp_path / "out.json").read_text())["rows"]
    assert all(len(row["seconds"]) == 3 for row in rows)


def test_slice_benchmark_runs(capsys):
    bench_slice.main(["--sizes", "3,12,10,8", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "theta  q" in out and "off-grid" in out and "app update" in out


def test_probit_benchmark_runs_tiny_and_compares_the_same_fits(tmp_path):
    from click.testing import CliRunner

    from explorer.bench import probit as probit_bench
    from explorer.cli import main

    report = probit_bench.run_probit_bench(repeat=1, shapes=[(300, 3)], show=lambda _: None)
    (row,) = report["rows"]
    assert set(row["fits_per_s"]) == set(probit_bench.METHODS)
    assert all(spread[0] > 0 for spread in row["fits_per_s"].values())
    median, low, high = row["vs_statsmodels_one_core"]
    assert low <= median <= high and median > 0
    out = tmp_path / "probit.json"
    result = CliRunner().invoke(
        main, ["bench", "--probit", "--quick", "--repeat", "1", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "statsmodels, 1 BLAS thread" in result.stdout
    assert [(r["n"], r["k"]) for r in json.loads(out.read_text())["rows"]] == [
        (1000, 4),
        (6642, 10),
    ]


def test_monte_carlo_benchmark_runs_tiny_and_times_both_sides(tmp_path):
    from click.testing import CliRunner

    from explorer.cli import main

    out = tmp_path / "mc.json"
    result = CliRunner().invoke(
        main, ["bench", "--model", "coalition_mc", "--quick", "--repeat", "1", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "numpy + statsmodels" in result.stdout
    report = json.loads(out.read_text())
    kernel, fits, baseline = (
        report[k][0]
        for k in (
            "kernel_ms_per_replicate",
            "fits_ms_per_replicate",
            "numpy_statsmodels_ms_per_replicate",
        )
    )
    assert fits > 0 and kernel > 0 and baseline > 0
    assert report["speedup"][0] == baseline / kernel
