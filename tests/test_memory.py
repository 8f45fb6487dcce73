"""Peak memory of a sweep is bounded by its chunks, not by the grid size."""

import json

from benchmarks.bench_sweep import measure_peak_rss


def peak_rss_kib(tmp_path, beta_points):
    raw = {
        "game": "status_quo",
        "fixed": {"alpha": 0.8, "rho": 0.75, "p_l": 0.55, "p_lp": 0.65, "c_l": 0.15, "c_lp": 0.1},
        "axes": {
            "theta": {"linspace": [0.01, 0.99, 1000]},
            "c_p": {"linspace": [0.0, 0.3, 10]},
            "beta": {"linspace": [0.0, 1.0, beta_points]},
        },
        "outputs": ["outcome", "flags", "eu_leader", "beta_lp"],
        "chunk_points": 1 << 18,
    }
    points, rss = measure_peak_rss(raw, str(tmp_path / f"m{beta_points}.zarr"))
    return points, rss


def test_peak_rss_does_not_grow_with_grid_size(tmp_path):
    small_points, small = peak_rss_kib(tmp_path, 100)  # 1e6 points
    big_points, big = peak_rss_kib(tmp_path, 2_000)  # 2e7 points, 20x the grid
    assert big_points == 20 * small_points
    # 2e7 points of these outputs are 220 MB in memory; a run that held them would grow by
    # that much. Chunk-bounded, the two peaks differ by noise.
    print(json.dumps({"small_kib": small, "big_kib": big}))
    assert big <= 1.2 * small, (small, big)
