"""`explorer bench`: the report, its JSON and its plot (speed itself is never judged here)."""

import json

from click.testing import CliRunner
from PIL import Image

from explorer.bench import cases
from explorer.cli import main
from explorer.models.coalition.baselines import PYTHON_SAMPLE

METHODS = (
    "memory-write limit (fill of the same bytes)",
    "numba grid kernel, all cores",
    "streaming tally, dask threads, no store",
    "numpy broadcasting, 1 thread",
    "pure Python (reference solver)",
)


def run_bench(tmp_path, *extra):
    args = ["bench", "--sizes", "16,256", "--workers", "1,2", "--repeat", "1", "--no-commands"]
    args += [a for m in METHODS for a in ("--method", m)]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 0, result.output
    return result


def test_bench_prints_a_table_and_writes_json_and_plot(tmp_path):
    out, png = tmp_path / "bench.json", tmp_path / "bench.png"
    result = run_bench(tmp_path, "--json", str(out), "--plot", str(png))
    assert "x numpy" in result.output and "of limit" in result.output
    assert "Points/s against workers" in result.output
    report = json.loads(out.read_text())
    assert report["machine"]["cores"] >= 1 and report["machine"]["versions"]["numba"]
    rows = {(m["method"], m["size"]): m for m in report["measurements"]}
    numpy = rows["numpy broadcasting, 1 thread", 256]
    kernel = rows["numba grid kernel, all cores", 256]
    fill = rows[cases.FILL.name, 256]
    assert numpy["vs_numpy"] == 1.0
    assert abs(kernel["vs_numpy"] - kernel["points_per_s"] / numpy["points_per_s"]) < 1e-9
    assert abs(kernel["of_limit"] - kernel["points_per_s"] / fill["points_per_s"]) < 1e-9
    assert rows["streaming tally, dask threads, no store", 256]["of_limit"] is None
    python = rows["pure Python (reference solver)", 16]
    assert python["extrapolated_from"] == PYTHON_SAMPLE
    scaled = {(m["method"], m["workers"]) for m in report["workers_scaling"]}
    assert ("numba grid kernel, all cores", 2) in scaled
    with Image.open(png) as image:
        assert image.width > 400 and image.height > 400


def test_bench_rejects_unknown_methods_and_bad_sizes():
    result = CliRunner().invoke(main, ["bench", "--method", "numbaa"])
    assert result.exit_code == 2 and "unknown method 'numbaa'" in result.output
    result = CliRunner().invoke(main, ["bench", "--sizes", "1e4,lots"])
    assert result.exit_code == 2 and "1e4,lots" in result.output
    result = CliRunner().invoke(main, ["bench", "--quick", "--plot", "out.svg"])
    assert result.exit_code == 2 and "ending in .png" in result.output


def test_whole_commands_are_timed_in_fresh_processes():
    from explorer.bench import driver

    context = cases.Context()
    try:
        rows = driver.measure_commands(4096, context, 1)
    finally:
        context.close()
    floor, solve, run = rows
    assert "floor" in floor["command"] and floor["x_floor"] == 1.0
    assert solve["command"] == "explorer solve" and run["command"].startswith("explorer run")
    assert all(0 < r["min_s"] <= r["median_s"] <= r["max_s"] for r in rows)
    assert 0 < run["block_phase_median_s"] < run["median_s"]  # parsed from its summary
