"""Chunked sweeps into zarr equal explorer.solve on the same points, on every engine path."""

import numpy as np
import pytest
import tomli_w
import xarray as xr
from click.testing import CliRunner

import explorer
from explorer.cli import main
from explorer.engine import store
from explorer.engine.config import parse_config
from explorer.engine.files import filesystem
from explorer.engine.run import Scheduler
from explorer.engine.store import StoreError
from explorer.engine.sweep import run_sweep
from explorer.models.coalition.presets import FIGURE2

GRID = {
    "game": "revisionist",
    "fixed": {k: v for k, v in FIGURE2.items() if k not in ("alpha", "c_p")},
    "axes": {
        "alpha": {"values": [0.3, 0.8]},
        "theta": {"linspace": [0.05, 0.95, 23]},
        "c_p": {"values": [0.0, 0.1, 0.2]},
        "beta": {"linspace": [0.0, 1.0, 31]},
        "q": {"values": [0.0, 0.4, 1.0]},
    },
    "chunk_points": 500,  # many blocks, partial edge blocks too
}


def expected_from_solve(config, ds):
    """explorer.solve on exactly the stored points, broadcast to each stored variable."""
    params = {**config.fixed}
    for name in config.swept():
        params[name] = ds[name].load()
    return explorer.solve(game=config.game, rho_form=config.rho_form, **params)


def assert_store_equals_solve(url, config):
    ds = xr.open_zarr(url)
    ref = expected_from_solve(config, ds)
    for name in config.output_names():
        stored = ds[name].load()
        want = ref[name]
        # A stored output only spans the dimensions it depends on: it must equal the full
        # solution at every point of the others.
        want_b, stored_b = xr.broadcast(want, stored)
        np.testing.assert_array_equal(
            stored_b.transpose(*want_b.dims).values, want_b.values, err_msg=name
        )
        assert set(stored.dims) <= set(want.dims)
    return ds


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_local_schedulers_store_equals_solve(tmp_path, kind):
    config = parse_config(GRID)
    url = str(tmp_path / "s.zarr")
    summary = run_sweep(config, url, Scheduler(kind, workers=2), progress=False)
    assert summary.complete and summary.points == 2 * 23 * 3 * 31 * 3
    ds = assert_store_equals_solve(url, config)
    assert ds.beta_lp.dims == ("alpha", "theta", "c_p")  # not over beta or q
    assert ds.s_star.dims == ("c_p", "beta")
    assert ds.outcome.dims == ("alpha", "theta", "c_p", "beta", "q")
    assert float(ds.rho) == FIGURE2["rho"] and ds.attrs["game"] == "revisionist"
    counts = ds.attrs["category_counts"]["outcome"]
    assert sum(counts.values()) == summary.points
    for code, n in counts.items():
        assert int((ds.outcome == int(code)).sum()) == n


def test_distributed_cluster_through_the_cli(tmp_path):
    distributed = pytest.importorskip("distributed")
    config_path = tmp_path / "grid.toml"
    write_toml(config_path, GRID)
    url = str(tmp_path / "d.zarr")
    # The second run replaces the store at the same path with other chunks and codec:
    # workers that outlive the first store must not write with its layout.
    replaced = {**GRID, "chunk_points": 777, "codec": "zstd"}
    chunks = []
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        for raw, extra in ((GRID, []), (replaced, ["--overwrite"])):
            write_toml(config_path, raw)
            result = CliRunner().invoke(
                main,
                ["run", str(config_path), "--store", url, "--quiet", *extra]
                + ["--scheduler", cluster.scheduler_address],
            )
            assert result.exit_code == 0, result.output
            assert "complete" in result.output
            chunks.append(
                assert_store_equals_solve(url, parse_config(raw)).outcome.encoding["chunks"]
            )
    assert chunks[0] != chunks[1]


def test_fsspec_memory_store(tmp_path):
    config = parse_config(GRID)
    url = "memory://sweeps/grid.zarr"
    store.remove(url)
    run_sweep(config, url, Scheduler("threads", 2), progress=False)
    assert_store_equals_solve(url, config)
    store.remove(url)


@pytest.mark.parametrize("method", ["uniform", "latin_hypercube", "sobol"])
def test_sampling_designs_store_equals_solve(tmp_path, method):
    raw = {
        "game": "status_quo",
        "fixed": {k: v for k, v in FIGURE2.items() if k != "alpha"},
        "sample": {
            "method": method,
            "n": 1024,
            "seed": 3,
            "bounds": {"alpha": [0.1, 0.9], "theta": [0.05, 0.95], "beta": [0, 1]},
        },
        "chunk_points": 300,
    }
    config = parse_config(raw)
    url = str(tmp_path / f"{method}.zarr")
    run_sweep(config, url, progress=False)
    ds = xr.open_zarr(url)
    assert ds.outcome.dims == ("sample",) and ds.sizes["sample"] == 1024
    assert float(ds.alpha.min()) >= 0.1 and float(ds.alpha.max()) <= 0.9
    params = {**config.fixed, **{n: ds[n].load() for n in ("alpha", "theta", "beta")}}
    ref = explorer.solve(game="status_quo", **params)
    for name in config.output_names():
        want, got = xr.broadcast(ref[name], ds[name].load())
        np.testing.assert_array_equal(got.values, want.values, err_msg=name)
    # Same seed, same points.
    run_sweep(config, str(tmp_path / "again.zarr"), progress=False)
    np.testing.assert_array_equal(xr.open_zarr(str(tmp_path / "again.zarr")).theta, ds.theta)


def test_existing_store_is_never_overwritten_without_asking(tmp_path):
    config = parse_config(GRID)
    url = str(tmp_path / "s.zarr")
    run_sweep(config, url, progress=False)
    before = xr.open_zarr(url).outcome.load()
    with pytest.raises(StoreError, match="--resume.*--overwrite"):
        run_sweep(config, url, progress=False)
    other = parse_config({**GRID, "fixed": {**GRID["fixed"], "c_l": 0.2}})
    with pytest.raises(StoreError, match="different config"):
        run_sweep(other, url, resume=True, progress=False)
    xr.testing.assert_identical(xr.open_zarr(url).outcome.load(), before)
    summary = run_sweep(other, url, overwrite=True, progress=False)
    assert summary.complete
    assert_store_equals_solve(url, other)


def test_a_folder_that_is_not_a_store_is_left_alone(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty"):
        run_sweep(parse_config(GRID), str(folder), progress=False)
    assert (folder / "notes.txt").read_text() == "mine"


def test_info_describes_the_store(tmp_path):
    url = str(tmp_path / "s.zarr")
    run_sweep(parse_config(GRID), url, progress=False)
    result = CliRunner().invoke(main, ["info", url])
    assert result.exit_code == 0, result.output
    for word in (
        "complete",
        "alpha=2",
        "beta_lp",
        "over (alpha, theta, c_p)",
        "config",
        "versions",
        "coalition crisis",
    ):
        assert word in result.output
    bad = CliRunner().invoke(main, ["info", str(tmp_path / "nothing")])
    assert bad.exit_code == 1 and "not a sweep store" in bad.output


def write_toml(path, raw):
    path.write_text(tomli_w.dumps(raw))


@pytest.mark.parametrize("where", ["local", "memory"])
def test_the_summary_gives_the_store_size_and_the_store_its_final_attributes(tmp_path, where):
    config = parse_config(GRID)
    url = str(tmp_path / "sized.zarr") if where == "local" else "memory://sweeps/sized.zarr"
    store.remove(url)
    summary = run_sweep(config, url, progress=False)
    fs, path = filesystem(url)
    assert summary.store_bytes == fs.du(path) > 0
    attrs = xr.open_zarr(url).attrs  # (from the consolidated metadata)
    assert attrs["status"] == "complete" and attrs["run_points"] == summary.computed_points
    assert attrs["config_hash"] == config.digest() and attrs["model"] == "coalition"
    store.remove(url)
