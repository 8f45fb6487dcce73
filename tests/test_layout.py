"""The engine names no model: outside the model packages, no code or docstring in
``explorer/`` mentions the paper's game by its names (comments may)."""

import io
import re
import tokenize
from pathlib import Path

import explorer

ROOT = Path(explorer.__file__).parent
MODEL_NAMES = re.compile(
    r"\b(coalition|revisionist|status_quo|beta_lp|q_lp|q_l|paper_agrees)\b|\brho", re.I
)
PRODUCT = re.compile(r"coalition[- ]explorer", re.I)  # the tool's own name, not the model's


def model_packages() -> set[Path]:
    return {p.parent for p in (ROOT / "models").glob("*/__init__.py")}


def engine_files() -> list[Path]:
    inside = model_packages()
    return [p for p in sorted(ROOT.rglob("*.py")) if not any(m in p.parents for m in inside)]


def mentions(path: Path, root: Path = ROOT.parent) -> list[str]:
    """(line: text) of every code token or docstring naming the model; comments are free."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for token in tokens:
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE):
            continue
        if MODEL_NAMES.search(PRODUCT.sub("", token.string)):
            found.append(f"{path.relative_to(root)}:{token.start[0]}: {token.string[:60]}")
    return found


def test_the_engine_names_no_model():
    files = engine_files()
    assert len(files) > 30 and not any("coalition" in str(p.relative_to(ROOT)) for p in files)
    found = [m for path in files for m in mentions(path)]
    assert found == [], "\n".join(found)


def test_the_check_would_catch_a_mention(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docs."""\n# the status_quo game, in a comment\nx = "revisionist"\n')
    assert [m.split(": ", 1)[1] for m in mentions(sample, tmp_path)] == ['"revisionist"']


def test_star_import_shadows_no_builtin():
    import builtins

    namespace: dict = {}
    exec("from explorer import *", namespace)
    public = set(namespace) - {"__builtins__"}
    assert public == set(explorer.__all__) and not public & set(dir(builtins))


def test_benchmarks_are_not_installed_as_a_package():
    import tomllib

    found = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    assert found["tool"]["setuptools"]["packages"]["find"]["include"] == ["explorer*", "kernels*"]
