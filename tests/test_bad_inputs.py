"""Every bad input a user can give ends in one line naming the bad value and the fix, with
no traceback and nothing on disk changed; app URLs show their errors as text, escaped."""

import hashlib
from pathlib import Path

import dask
import distributed  # noqa: F401  (its config defaults exist before a case sets any)
import pytest
from click.testing import CliRunner

from explorer.cli import main
from explorer.engine.config import parse_config
from explorer.engine.sweep import run_sweep
from tests.bad_inputs import APP_CASES, CASES, TEMPLATES, XSS


def tree(folder: Path) -> dict[str, str]:
    """Every file's hash and every folder, by path under ``folder``."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        )
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    made = {}
    for name, raw in TEMPLATES.items():
        made[name] = folder / f"{name}.zarr"
        run_sweep(parse_config(raw), str(made[name]), progress=False)
    return made


def test_the_table_is_large_and_its_cases_distinct():
    assert len(CASES) + len(APP_CASES) >= 120
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.input for c in CASES}) == len(CASES)
    assert len({str(query) for _, query, _ in APP_CASES}) == len(APP_CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_and_changes_nothing(case, templates, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative defaults (results/...) land here, and are hashed
    for setup in case.setup:
        setup(tmp_path, templates)
    before = tree(tmp_path)
    argv = [a.format(d=tmp_path) for a in case.argv]
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = CliRunner().invoke(main, argv)
    assert result.exit_code not in (0, None), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in case.words:
        assert word.format(d=tmp_path) in lines[0], lines[0]
    assert tree(tmp_path) == before


@pytest.fixture(scope="module")
def app_store(templates):
    import holoviews as hv

    hv.extension("bokeh", logo=False)
    return str(templates["wide"])


@pytest.mark.parametrize(
    ("query", "words"), [c[1:] for c in APP_CASES], ids=[c[0] for c in APP_CASES]
)
def test_bad_app_url_is_shown_escaped_and_changes_nothing(app_store, query, words, monkeypatch):
    import panel as pn

    from explorer.views.app import SweepApp

    before = tree(Path(app_store))
    args = {k: [v if isinstance(v, bytes) else v.encode()] for k, v in query.items()}
    monkeypatch.setattr(type(pn.state), "session_args", property(lambda state: args))
    app = SweepApp(app_store)
    shown = app.error.object
    assert app.error.visible
    for word in words:
        assert word in shown, shown
    assert "<img" not in shown and "<script" not in shown
    assert XSS not in app.status.object
    assert tree(Path(app_store)) == before
