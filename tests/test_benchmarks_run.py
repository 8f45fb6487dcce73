"""Each benchmark runs once at a tiny size so it cannot go stale (speed is not judged here)."""

from benchmarks import bench_kernel


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
