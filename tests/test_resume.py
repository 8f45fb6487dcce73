"""Kill a sweep with SIGKILL at several moments, resume it, and compare with a clean run."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from explorer import store
from tests.test_sweep import GRID, write_toml

RAW = {**GRID, "chunk_points": 60}  # ~80 blocks, so a kill lands mid-run


def explorer_cmd(*args):
    return [sys.executable, "-m", "explorer", *args]


def chunk_files(url):
    """Every stored chunk's bytes hash, by path (the ledger and metadata excluded)."""
    root = Path(url)
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and "/c/" in f"/{p.relative_to(root)}" and ".explorer" not in p.parts
    }


def start_run(config, url, blocks_done: int, **popen):
    """Start a run in a subprocess and return it once ``blocks_done`` blocks are recorded."""
    proc = subprocess.Popen(
        explorer_cmd("run", str(config), "--store", url, "--quiet", "--no-plot", "--workers", "2"),
        **popen,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists(url) and len(store.completed(url)) >= blocks_done:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run finished before it could be stopped; use more blocks"
    return proc


def resume(config, url) -> subprocess.CompletedProcess:
    resumed = subprocess.run(
        explorer_cmd("run", str(config), "--store", url, "--resume", "--quiet", "--no-plot"),
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    return resumed


def assert_same_outcome(url, clean_url):
    np.testing.assert_array_equal(
        xr.open_zarr(url).outcome.values, xr.open_zarr(clean_url).outcome.values
    )


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    config = folder / "grid.toml"
    write_toml(config, RAW)
    url = str(folder / "clean.zarr")
    command = explorer_cmd("run", str(config), "--store", url, "--quiet", "--no-plot")
    subprocess.run(command, check=True)
    return config, url


@pytest.mark.parametrize("kill_after_blocks", [0, 5, 40])
def test_killed_sweep_resumes_to_the_clean_result(tmp_path, clean_run, kill_after_blocks):
    config, clean_url = clean_run
    url = str(tmp_path / "killed.zarr")
    proc = start_run(
        config, url, kill_after_blocks, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = set(store.completed(url))
    assert len(done_before) < 80
    chunks_before = chunk_files(url)
    # Killed mid-write, the store still reads: every chunk is whole or absent. (Killed while
    # being created, it is not a store yet, and resume creates it again.)
    if not store.interrupted_creation(url):
        for var in xr.open_zarr(url).data_vars.values():
            var.load()

    assert "complete" in resume(config, url).stdout

    clean, killed = xr.open_zarr(clean_url), xr.open_zarr(url)
    for name in clean.data_vars:
        np.testing.assert_array_equal(killed[name].values, clean[name].values, err_msg=name)
    # Every chunk equals its clean twin byte for byte, and the chunks of blocks recorded
    # before the kill were never written again with other bytes.
    clean_chunks, final_chunks = chunk_files(clean_url), chunk_files(url)
    assert final_chunks == clean_chunks
    recorded = {
        p: d
        for p, d in chunks_before.items()
        if p.split("/c/")[1].replace("/", ".") in done_before and p.startswith("outcome/")
    }
    assert len(recorded) == len(done_before)
    for path, digest in recorded.items():
        assert final_chunks[path] == digest
    assert not list(Path(url).rglob(".tmp-*"))
    assert xr.open_zarr(url).attrs["status"] == "complete"


def test_resume_without_a_store_starts_fresh(tmp_path, clean_run):
    config, clean_url = clean_run
    url = str(tmp_path / "new.zarr")
    resume(config, url)
    assert_same_outcome(url, clean_url)


def test_ctrl_c_stops_with_a_resume_hint(tmp_path, clean_run):
    config, clean_url = clean_run
    url = str(tmp_path / "interrupted.zarr")
    proc = start_run(config, url, 3, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "--resume" in err, err
    resume(config, url)
    assert_same_outcome(url, clean_url)
