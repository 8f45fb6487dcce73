"""Damaged and unfinished stores: every corrupted chunk is found and repaired, unwritten
points are never shown as results, and only the tool's own files are ever deleted."""

import hashlib
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import explorer
from explorer.cli import main
from explorer.engine import ownership
from explorer.engine.config import parse_config
from explorer.engine.files import StoreError
from explorer.engine.sweep import run_sweep
from explorer.views.slicing import SliceError, make_slice
from tests.test_resume import assert_identical_to_clean, chunk_files
from tests.test_sweep import GRID

RAW = {
    **GRID,
    "axes": {k: v for k, v in GRID["axes"].items() if k != "alpha"},
    "fixed": {**GRID["fixed"], "alpha": 0.8},
    "outputs": ["outcome", "flags", "beta_lp"],
    "chunk_points": 1200,
}
CONFIG = parse_config(RAW)
PLANE = {"x": "theta", "y": "beta", "at": {"c_p": 0.1, "q": 0.4}}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    url = tmp_path_factory.mktemp("clean") / "s.zarr"
    run_sweep(CONFIG, str(url), progress=False)
    return url


def copy(clean, folder: Path) -> str:
    url = folder / "s.zarr"
    shutil.copytree(clean, url)
    return str(url)


def corrupt(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * (path.stat().st_size // 256 + 1))
        path.write_bytes(path.read_bytes()[: path.stat().st_size])
    elif how == "same size":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        path.unlink()


def test_every_chunk_corrupted_is_found_by_verify_and_repaired_by_resume_verify(clean, tmp_path):
    chunks = sorted(chunk_files(clean))
    assert len(chunks) > 20 and any(c.startswith("theta/") for c in chunks)
    kinds = ["truncated", "garbage", "same size", "deleted"]
    for i, key in enumerate(chunks):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        url = copy(clean, folder)
        corrupt(Path(url) / key, kinds[i % len(kinds)])

        found = invoke("verify", url)
        assert found.exit_code == 1, (key, found.output)
        assert key in found.output and "--resume --verify" in found.output

        summary = run_sweep(CONFIG, url, resume=True, verify=True, progress=False)
        assert summary.repaired and key in summary.repaired[0]
        assert invoke("verify", url).exit_code == 0
        assert_identical_to_clean(url, str(clean))


def test_resume_checks_sizes_and_verify_checksums(clean, tmp_path):
    url = copy(clean, tmp_path)
    key = next(k for k in sorted(chunk_files(clean)) if k.startswith("outcome/"))
    corrupt(Path(url) / key, "same size")
    # Sizes match, so a plain resume finds nothing; the checksum finds it.
    assert run_sweep(CONFIG, url, resume=True, progress=False).repaired == []
    assert invoke("verify", url).exit_code == 1
    corrupt(Path(url) / key, "deleted")
    assert "missing" in run_sweep(CONFIG, url, resume=True, progress=False).repaired[0]
    assert invoke("verify", url).exit_code == 0
    assert_identical_to_clean(url, str(clean))


def test_verify_command_reports_an_intact_store(clean):
    out = invoke("verify", clean)
    assert out.exit_code == 0 and "all intact" in out.output


def test_info_reports_damage_without_reading_every_chunk(clean, tmp_path):
    url = copy(clean, tmp_path)
    key = next(k for k in sorted(chunk_files(clean)) if k.startswith("flags/"))
    corrupt(Path(url) / key, "truncated")
    out = invoke("info", url)
    assert out.exit_code == 0 and "DAMAGED" in out.output and key in out.output


def plane_chunk(url) -> str:
    """The key of the outcome chunk holding PLANE's first point."""
    import zarr

    array = zarr.open_array(url, path="outcome", mode="r")
    ds = xr.open_zarr(url)
    index = {"theta": 0, "beta": 0}
    index |= {d: int(np.flatnonzero(ds[d].values == v)[0]) for d, v in PLANE["at"].items()}
    dims = array.metadata.dimension_names
    return "outcome/c/" + "/".join(str(index[d] // c) for d, c in zip(dims, array.chunks))


def test_reading_a_damaged_chunk_names_it(clean, tmp_path):
    for how, words in (("deleted", "missing"), ("truncated", "bytes"), ("garbage", "")):
        folder = tmp_path / how
        folder.mkdir()
        url = copy(clean, folder)
        key = plane_chunk(url)
        corrupt(Path(url) / key, how)
        with pytest.raises(SliceError, match=f"{key}.*{words}.*--resume --verify"):
            make_slice(url, **PLANE, var="outcome")
        with pytest.raises(SliceError, match=f"{key}"):
            explorer.open(url)


def test_a_ledger_record_that_is_no_record_is_recomputed(clean, tmp_path):
    url = copy(clean, tmp_path)
    records = sorted((Path(url) / ".explorer/done").glob("*.json"))
    records[0].write_text(json.dumps({"points": "many"}))
    records[1].write_text("[]")
    (Path(url) / ".explorer/done/99.99.99.99.json").write_text(json.dumps({"points": 1}))
    summary = run_sweep(CONFIG, url, resume=True, progress=False)
    assert summary.computed_points > 0 and summary.complete
    assert invoke("verify", url).exit_code == 0
    assert_identical_to_clean(url, str(clean))


def incomplete_store(folder: Path, blocks: int) -> str:
    """A store with only its first ``blocks`` blocks written (a run cut short)."""
    url = folder / "part.zarr"
    run_sweep(CONFIG, str(url), progress=False)
    records = sorted((url / ".explorer/done").glob("*.json"))
    for record in records[blocks:]:
        for key in json.loads(record.read_text())["chunks"]:
            (url / key).unlink()
        record.unlink()
    return str(url)


def test_unwritten_points_are_masked_everywhere_they_are_read(tmp_path, clean):
    url = incomplete_store(tmp_path, 2)
    with pytest.warns(UserWarning, match="incomplete"):
        ds = explorer.open(url)
    full = explorer.open(clean)
    assert ds.attrs["complete"] is False
    outcome, flags = ds.outcome.values, ds.flags.values
    written = outcome != -2
    assert 0 < written.sum() < written.size
    np.testing.assert_array_equal(outcome[written], full.outcome.values[written])
    assert np.isnan(flags[~written]).all()  # never the 0 a real point could take
    np.testing.assert_array_equal(flags[written], full.flags.values[written])

    plane = make_slice(url, **PLANE, var="flags")
    assert "INCOMPLETE" in plane.attrs["source"] and plane.attrs["unwritten"] > 0
    assert np.isnan(plane.values).sum() == plane.attrs["unwritten"]
    codes = make_slice(url, **PLANE, var="outcome")
    assert (codes.values == -2).sum() == codes.attrs["unwritten"]
    cli = invoke("slice", url, "--x", "theta", "--y", "beta", "--at", "c_p=0.1", "--at", "q=0.4")
    assert cli.exit_code == 0 and "INCOMPLETE" in cli.stderr


def test_a_complete_store_opens_without_warning(clean):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = explorer.open(clean)
    assert ds.attrs["complete"] is True


def test_overwrite_and_remove_delete_only_what_the_tool_wrote(clean, tmp_path):
    url = copy(clean, tmp_path)
    mine = [Path(url) / "notes.txt", Path(url) / "outcome" / "README", tmp_path / "beside.txt"]
    for path in mine:
        path.write_text("mine")
    other = parse_config({**RAW, "fixed": {**RAW["fixed"], "c_l": 0.2}})
    run_sweep(other, url, overwrite=True, progress=False)
    run_sweep(CONFIG, url, overwrite=True, progress=False)
    assert all(p.read_text() == "mine" for p in mine)
    assert_identical_to_clean(url, str(clean))
    ownership.remove(url)
    assert all(p.read_text() == "mine" for p in mine)
    left = sorted(str(p.relative_to(url)) for p in Path(url).rglob("*") if p.is_file())
    assert left == ["notes.txt", "outcome/README"]


def test_a_folder_with_a_users_zarr_group_is_never_cleared(tmp_path):
    folder = tmp_path / "mine.zarr"
    folder.mkdir()
    (folder / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group"}))
    (folder / "thesis.tex").write_text("years")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    for flags in ({"resume": True}, {"overwrite": True}):
        with pytest.raises(StoreError, match="did not write"):
            run_sweep(CONFIG, str(folder), progress=False, **flags)
    with pytest.raises(StoreError):
        ownership.remove(str(folder))
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert after == before


def test_a_new_description_does_not_block_resume(clean, tmp_path):
    url = copy(clean, tmp_path)
    described = parse_config({**RAW, "description": "the same sweep, described anew"})
    summary = run_sweep(described, url, resume=True, progress=False)
    assert summary.complete and summary.computed_points == 0


def test_a_store_written_before_markers_and_checksums_still_opens_slices_and_resumes(
    clean, tmp_path
):
    """The earlier format: no marker, no recorded grid, ledger records without chunks."""
    url = Path(copy(clean, tmp_path))
    (url / ownership.MARKER).unlink()
    meta = json.loads((url / "zarr.json").read_text())
    meta["attributes"].pop("grid")
    meta["consolidated_metadata"]["metadata"]  # earlier stores were consolidated too
    (url / "zarr.json").write_text(json.dumps(meta))
    records = sorted((url / ".explorer/done").glob("*.json"))
    for record in records:
        old = json.loads(record.read_text())
        record.write_text(json.dumps({"points": old["points"], "counts": old["counts"]}))
    records[-1].unlink()

    assert ownership.state(str(url)).name == "READY"
    plane = make_slice(str(url), **PLANE, var="outcome")
    assert plane.attrs["source"].startswith("store")
    assert invoke("verify", url).exit_code == 0
    summary = run_sweep(CONFIG, str(url), resume=True, progress=False)
    assert summary.complete and 0 < summary.computed_points < summary.points
    xr.testing.assert_equal(xr.open_zarr(url).outcome.load(), xr.open_zarr(clean).outcome.load())


def test_a_store_repairs_itself_from_its_recorded_config_on_the_command_line(clean, tmp_path):
    url = copy(clean, tmp_path)
    key = next(k for k in sorted(chunk_files(clean)) if k.startswith("beta_lp/"))
    corrupt(Path(url) / key, "same size")
    out = invoke("run", url, "--resume", "--verify", "--quiet", "--no-plot")
    assert out.exit_code == 0, out.output
    assert "Recomputed 1 damaged part(s)" in out.output and key in out.output
    assert_identical_to_clean(url, str(clean))


@pytest.mark.parametrize("grid_recorded", [True, False])
def test_a_store_cut_into_other_blocks_resumes_in_its_own(tmp_path, monkeypatch, grid_recorded):
    """A store whose chunks were cut another way (by another version, say; or before the
    grid was recorded) keeps its blocks when resumed."""
    from explorer.engine import plan as planning
    from tests.test_sweep import assert_store_equals_solve

    axes = {"theta": {"linspace": [0.05, 0.95, 24]}, "beta": {"linspace": [0.0, 1.0, 30]}}
    config = parse_config({**RAW, "axes": {**RAW["axes"], **axes}})
    url = tmp_path / "s.zarr"

    cut_now = planning.slice_chunk_shape

    def halved(shape, points):  # another way to cut the same grid, as another version might
        return tuple(max(1, c // 2) for c in cut_now(shape, points))

    monkeypatch.setattr(planning, "slice_chunk_shape", halved)
    run_sweep(config, str(url), progress=False)
    cut = xr.open_zarr(url).outcome.encoding["chunks"]
    monkeypatch.undo()
    assert planning.make_plan(config).chunks != cut
    if not grid_recorded:
        meta = json.loads((url / "zarr.json").read_text())
        meta["attributes"].pop("grid")
        (url / "zarr.json").write_text(json.dumps(meta))
    for record in sorted((url / ".explorer/done").glob("*.json"))[::2]:
        record.unlink()
    summary = run_sweep(config, str(url), resume=True, progress=False)
    assert summary.complete and 0 < summary.computed_points < summary.points
    assert xr.open_zarr(url).outcome.encoding["chunks"] == cut
    assert_store_equals_solve(str(url), config)
    assert invoke("verify", url).exit_code == 0


def test_a_slice_read_again_after_a_resume_shows_the_new_points(tmp_path, clean):
    """Slices keep decoded chunks for the next slice; a chunk written since is read anew."""
    url = incomplete_store(tmp_path, 2)
    before = make_slice(url, **PLANE, var="outcome")
    assert before.attrs["unwritten"] > 0
    run_sweep(CONFIG, url, resume=True, progress=False)
    after = make_slice(url, **PLANE, var="outcome")
    assert "unwritten" not in after.attrs and after.attrs["source"] == "store"
    xr.testing.assert_equal(after, make_slice(str(clean), **PLANE, var="outcome"))


def test_a_marker_write_cut_short_leaves_nothing_behind(clean, tmp_path):
    """A kill while the marker was being written leaves its temporary file; replacing the
    store removes it with the rest of the tool's own files."""
    url = copy(clean, tmp_path)
    (Path(url) / ".explorer" / ".tmp-cut").write_bytes(b'{"state": "crea')
    run_sweep(CONFIG, url, overwrite=True, progress=False)
    assert not list(Path(url).rglob(".tmp-*"))
    assert ownership.state(url).name == "READY"
