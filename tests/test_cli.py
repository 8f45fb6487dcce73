"""The command line: the default jobs, and errors that say what to fix."""

from click.testing import CliRunner

from explorer.cli import main
from tests.test_sweep import GRID, write_toml


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_solve_default_prints_the_figure2_table():
    result = invoke("solve")
    assert result.exit_code == 0, result.output
    assert "coalition crisis" in result.output and "unilateral crisis" in result.output
    assert len(result.output.splitlines()) == 2 + 1 + 25  # header lines, column names, rows


def test_solve_bad_arguments():
    assert "not NAME=VALUES" in invoke("solve", "theta").output
    assert "start:stop:count" in invoke("solve", "theta=0.1:x").output
    out = invoke("solve", "alpha=1.5")
    assert out.exit_code == 2 and "alpha = 1.5" in out.output and "(0, 1)" in out.output
    assert "too many to print" in invoke("solve", "theta=0.01:0.99:100", "beta=0:1:100").output


def test_run_then_refuse_then_resume_then_overwrite(tmp_path):
    config = tmp_path / "grid.toml"
    write_toml(config, GRID)
    url = str(tmp_path / "s.zarr")
    mine = tmp_path / "s.png"  # a user's file beside the store: the quick look leaves it be
    mine.write_bytes(b"my figure")
    first = invoke("run", str(config), "--store", url, "--quiet", "--plot")
    assert first.exit_code == 0, first.output
    assert "complete" in first.output and url in first.output and "points/s" in first.output
    plot = tmp_path / "s.zarr" / "quicklook.png"
    assert f"Quick-look plot: {plot}" in first.output and plot.stat().st_size > 10_000
    assert mine.read_bytes() == b"my figure"
    again = invoke("run", str(config), "--store", url, "--quiet", "--no-plot")
    assert again.exit_code == 1 and "--resume" in again.output
    resumed = invoke("run", str(config), "--store", url, "--quiet", "--no-plot", "--resume")
    assert resumed.exit_code == 0 and "Solved 0 of" in resumed.output
    replaced = invoke("run", str(config), "--store", url, "--quiet", "--overwrite")
    assert replaced.exit_code == 0 and not plot.exists()  # the quick look is opt-in
    # The model's plane, the other dimensions at their middle values, from the store.
    hint = f"explorer plot {url} --x theta --y beta --at alpha=0.8 --at c_p=0.1 --at q=0.4"
    assert hint + " -o plot.png" in replaced.output
    drawn = tmp_path / "plot.png"
    shown = invoke(*hint.split()[1:], "-o", str(drawn))  # the hint, as given, draws
    assert shown.exit_code == 0 and "store)" in shown.output, shown.output
    assert drawn.stat().st_size > 10_000


def test_run_errors_name_the_problem(tmp_path):
    missing = invoke("run", str(tmp_path / "none.toml"))
    assert missing.exit_code == 1 and "does not exist" in missing.output
    bad = tmp_path / "bad.toml"
    write_toml(bad, {**GRID, "fixed": {**GRID["fixed"], "rho": 2.0}})
    out = invoke("run", str(bad), "--store", str(tmp_path / "x.zarr"))
    assert out.exit_code == 1 and "fixed.rho" in out.output and "(0, 1)" in out.output
    config = tmp_path / "grid.toml"
    write_toml(config, GRID)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    out = invoke("run", str(config), "--store", str(blocked / "s.zarr"), "--quiet")
    assert out.exit_code == 1 and "writable --store" in out.output
    both = invoke("run", str(config), "--resume", "--overwrite")
    assert both.exit_code == 2 and "not both" in both.output


def test_serve_refuses_a_path_that_is_not_a_store(tmp_path):
    out = invoke("serve", str(tmp_path))
    assert out.exit_code == 1 and "not a sweep store" in out.output


def test_a_store_path_with_a_tilde_lands_in_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # where a literal "~" folder would appear
    config = tmp_path / "grid.toml"
    write_toml(config, {**GRID, "store": "~/from-config.zarr"})
    for extra in ([], ["--store", "~/from-flag.zarr"]):
        out = invoke("run", str(config), "--quiet", "--no-plot", *extra)
        assert out.exit_code == 0, out.output
    assert (tmp_path / "from-config.zarr" / "zarr.json").is_file()
    assert (tmp_path / "from-flag.zarr" / "zarr.json").is_file()
    assert not (tmp_path / "~").exists()
