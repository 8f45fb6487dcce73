"""Each benchmark runs once at a tiny size so it cannot go stale (speed is not judged here)."""

import tomllib
from pathlib import Path

import tomli_w

from benchmarks import bench_kernel, bench_slice, bench_sweep


def test_kernel_benchmark_runs_and_reports_every_method(capsys):
    bench_kernel.main(["--side", "64", "--repeat", "1", "--python-points", "50"])
    out = capsys.readouterr().out
    for method in (
        "numpy fill",
        "numba fill",
        "grid kernel",
        "gufunc",
        "numpy broadcasting",
        "pure Python",
    ):
        assert method in out


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
            "--json",
            "out.json",
        ]
    )
    out = capsys.readouterr().out
    for method in ("kernel alone", "explorer run, blosc-lz4", "naive", "peak RSS"):
        assert method in out
    assert (tmp_path / "out.json").exists()


def test_slice_benchmark_runs(capsys):
    bench_slice.main(["--sizes", "3,12,10,8", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "theta  q" in out and "off-grid" in out and "app update" in out
