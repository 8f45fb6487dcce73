"""Kill sweeps with SIGKILL at random moments of every phase, resume, compare with a clean run.

Phases: store creation, block writing, finishing, a ``--resume`` that is itself killed, and
an ``--overwrite`` of a finished store. Every trial ends, after ``--resume``, with every
chunk byte-identical to a clean run and the store complete.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from explorer.engine import ownership
from explorer.engine.config import parse_config
from explorer.engine.ownership import State
from explorer.engine.sweep import run_sweep
from tests.test_sweep import GRID, write_toml

# 64 blocks of three output groups (full grid, beta_lp's and s_star's), so a kill lands
# mid-run; few outputs keep each process's compile short.
RAW = {**GRID, "chunk_points": 300, "outputs": ["outcome", "flags", "beta_lp", "s_star"]}
OTHER = {**RAW, "fixed": {**RAW["fixed"], "c_l": 0.2}}  # what an --overwrite replaces
LEDGER = Path(".explorer/done")


def explorer_cmd(*args):
    return [sys.executable, "-m", "explorer", *args]


def done_count(url) -> int:
    folder = Path(url) / LEDGER
    return len(list(folder.glob("*.json"))) if folder.is_dir() else 0


def marker_state(url):
    marker = ownership.read_marker(url)
    return marker and marker["state"]


def chunk_files(url):
    """Every stored chunk's bytes hash, by path (ledger, marker and metadata excluded)."""
    root = Path(url)
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and "/c/" in f"/{p.relative_to(root)}/" and ".explorer" not in p.parts
    }


def start(config, url, *flags, **popen):
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    return subprocess.Popen(
        explorer_cmd("run", str(config), "--store", url, "--quiet", "--no-plot", *flags), **popen
    )


def kill_when(proc, ready, delay_s: float = 0.0, timeout_s: float = 120) -> bool:
    """SIGKILL ``proc`` ``delay_s`` after ``ready()`` first holds; False if it ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            time.sleep(delay_s)
            break
        time.sleep(0.002)
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return alive


def resume_in_process(config_raw, url):
    return run_sweep(parse_config(config_raw), url, resume=True, progress=False)


def assert_identical_to_clean(url, clean_url):
    assert chunk_files(url) == chunk_files(clean_url)
    clean, resumed = xr.open_zarr(clean_url), xr.open_zarr(url)
    for name in clean.variables:
        np.testing.assert_array_equal(resumed[name].values, clean[name].values, err_msg=name)
    assert resumed.attrs["status"] == "complete"
    assert marker_state(url) == "ready"
    assert not [
        p for p in Path(url).rglob("*") if p.name.startswith(".tmp-") or ".partial" in p.name
    ]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    config = folder / "grid.toml"
    write_toml(config, RAW)
    url = str(folder / "clean.zarr")
    subprocess.run(
        explorer_cmd("run", str(config), "--store", url, "--quiet", "--no-plot"), check=True
    )
    other = folder / "other.zarr"
    run_sweep(parse_config(OTHER), str(other), progress=False)
    return config, url, str(other), done_count(url)


def _trials():
    """Randomised kill moments, five per phase, from a fixed seed (so a failure reruns)."""
    rng = random.Random(20261127)
    trials = []
    for phase in ("create", "blocks", "finish", "resume", "overwrite"):
        for i in range(5):
            trials.append(
                pytest.param(
                    phase,
                    rng.uniform(0.0, 0.9),  # share of the blocks done before the first kill
                    rng.uniform(0.0, 0.06),  # seconds after the trigger
                    id=f"{phase}-{i}",
                )
            )
    return trials


@pytest.mark.parametrize(("phase", "share", "delay"), _trials())
def test_killed_run_resumes_to_the_clean_result(tmp_path, clean_run, phase, share, delay):
    config, clean_url, other_url, n_blocks = clean_run
    url = str(tmp_path / "killed.zarr")
    blocks = int(share * n_blocks)
    if phase == "create":
        kill_when(start(config, url), lambda: marker_state(url) is not None, delay)
    elif phase == "blocks":
        kill_when(start(config, url, "--workers", "2"), lambda: done_count(url) >= blocks, delay)
    elif phase == "finish":
        kill_when(start(config, url), lambda: done_count(url) >= n_blocks, delay / 4)
    elif phase == "resume":
        kill_when(start(config, url), lambda: done_count(url) >= blocks // 2)
        first = done_count(url)
        kill_when(start(config, url, "--resume"), lambda: done_count(url) >= first + 5, delay)
    else:
        shutil.copytree(other_url, url)
        kill_when(start(config, url, "--overwrite"), lambda: marker_state(url) == "creating", delay)
    # Killed at any moment, the store is either unfinished (no results claimed) or reads
    # whole chunks: never a store that claims blocks it does not hold.
    state = ownership.state(url)
    assert state in (State.ABSENT, State.CREATING, State.READY)
    if state is State.READY:
        for var in xr.open_zarr(url).data_vars.values():
            var.load()

    resume_in_process(RAW, url)
    assert_identical_to_clean(url, clean_url)


def test_a_kill_during_overwrite_never_leaves_a_store_that_claims_to_be_complete(
    tmp_path, clean_run
):
    """The old store's ledger and attributes must not outlive its chunks: at the moment of
    the kill the store reads as unfinished (and resumes to the new config)."""
    config, clean_url, other_url, _ = clean_run
    url = str(tmp_path / "replaced.zarr")
    shutil.copytree(other_url, url)
    kill_when(start(config, url, "--overwrite"), lambda: marker_state(url) == "creating", 0.01)
    assert ownership.state(url) is State.CREATING
    resumed = subprocess.run(
        explorer_cmd("run", str(config), "--store", url, "--resume", "--quiet", "--no-plot"),
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Solved 12,834 of 12,834 points" in resumed.stdout
    assert_identical_to_clean(url, clean_url)


def test_resume_without_a_store_starts_fresh(tmp_path, clean_run):
    _, clean_url, _, _ = clean_run
    url = str(tmp_path / "new.zarr")
    resume_in_process(RAW, url)
    assert_identical_to_clean(url, clean_url)


def test_ctrl_c_stops_with_a_resume_hint(tmp_path):
    # Hundreds of small blocks on one worker: the run outlasts the signal even when this
    # process is slow to notice the first block (a busy machine).
    many = {**RAW, "chunk_points": 20}
    config = tmp_path / "many.toml"
    write_toml(config, many)
    clean_url = str(tmp_path / "clean.zarr")
    run_sweep(parse_config(many), clean_url, progress=False)
    url = str(tmp_path / "interrupted.zarr")
    proc = start(
        config,
        url,
        "--workers",
        "1",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a terminal's Ctrl-C finds it, even where this test runs in the background
        # (a shell starts background jobs with SIGINT ignored, and children inherit that).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while done_count(url) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "--resume" in err, err
    assert 0 < done_count(url) < done_count(clean_url)
    resume_in_process(many, url)
    assert_identical_to_clean(url, clean_url)


def test_a_resumed_run_never_rewrites_a_recorded_block(tmp_path, clean_run):
    """Chunks of blocks recorded before a kill keep their exact bytes through the resume."""
    config, clean_url, _, _ = clean_run
    url = str(tmp_path / "partial.zarr")
    kill_when(start(config, url, "--workers", "2"), lambda: done_count(url) >= 30)
    records = {p.stem: json.loads(p.read_text()) for p in (Path(url) / LEDGER).glob("*.json")}
    before = {
        key: hashlib.sha256((Path(url) / key).read_bytes()).hexdigest()
        for record in records.values()
        for key in record["chunks"]
    }
    assert len(records) >= 30 and before
    resume_in_process(RAW, url)
    after = chunk_files(url)
    assert all(after[key] == digest for key, digest in before.items())
    assert_identical_to_clean(url, clean_url)
