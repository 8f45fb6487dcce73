"""Compiled kernels are kept on disk: later processes load them, and a changed solver, a
damaged cache or an unwritable folder never gives a wrong answer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from explorer.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOLVER = """
from numba import njit


@njit(inline="always")
def solve(a, b):
    return (a * b + {shift}, a > b)
"""
# Builds a grid loop over a solver in its own module file (as a user's model would be)
# and prints the loop's values as JSON, last line.
SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import toy
from kernels.loops import Signature, grid_loop

OUTPUTS = (("value", "float64"), ("bigger", "bool"))
sig = Signature("toy", ("a", "b"), ("a", "b"), OUTPUTS, toy.solve)
kernel = grid_loop(sig, ("a", "b"), ("value",))
out = np.empty((5, 3))
kernel(np.linspace(0, 1, 5), np.linspace(0, 2, 3), out)
print(json.dumps(out.tolist()))
"""


def expected(shift: float) -> np.ndarray:
    return np.linspace(0, 1, 5)[:, None] * np.linspace(0, 2, 3)[None, :] + shift


def run_toy(folder: Path, cache: Path, debug: bool = False) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "EXPLORER_CACHE_DIR": str(cache),
        "PYTHONDONTWRITEBYTECODE": "1",  # the edited solver is re-read, never a stale .pyc
        "PYTHONPATH": str(ROOT),
    }
    if debug:
        env["NUMBA_DEBUG_CACHE"] = "1"
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def values(done: subprocess.CompletedProcess) -> np.ndarray:
    return np.array(json.loads(done.stdout.strip().splitlines()[-1]))


def kernels_in(cache: Path) -> list[Path]:
    return sorted(cache.glob("kernel_*.py"))


def test_a_later_process_loads_the_kernel_and_a_changed_solver_is_recompiled(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "toy.py").write_text(SOLVER.format(shift=1.0))
    first = run_toy(tmp_path, cache, debug=True)
    np.testing.assert_array_equal(values(first), expected(1.0))
    assert "data saved to" in first.stdout and len(kernels_in(cache)) == 1

    second = run_toy(tmp_path, cache, debug=True)
    np.testing.assert_array_equal(values(second), expected(1.0))
    assert "data loaded from" in second.stdout and "data saved to" not in second.stdout

    (tmp_path / "toy.py").write_text(SOLVER.format(shift=2.0))  # the solver changes
    third = run_toy(tmp_path, cache, debug=True)
    np.testing.assert_array_equal(values(third), expected(2.0))
    assert "data saved to" in third.stdout and len(kernels_in(cache)) == 2


def test_a_damaged_cache_is_rebuilt(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "toy.py").write_text(SOLVER.format(shift=0.5))
    run_toy(tmp_path, cache)
    damaged = [*kernels_in(cache), *(cache / "__pycache__").iterdir()]
    assert len(damaged) >= 3
    for path in damaged:
        path.write_bytes(path.read_bytes()[:40] + b"\x00garbage")
    again = run_toy(tmp_path, cache, debug=True)
    np.testing.assert_array_equal(values(again), expected(0.5))
    assert "Warning" not in again.stderr and "data saved to" in again.stdout
    healed = run_toy(tmp_path, cache, debug=True)
    assert "data loaded from" in healed.stdout
    np.testing.assert_array_equal(values(healed), expected(0.5))


def test_an_unwritable_cache_is_bypassed_with_a_warning(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (tmp_path / "toy.py").write_text(SOLVER.format(shift=3.0))
    done = run_toy(tmp_path, blocker / "cache")
    np.testing.assert_array_equal(values(done), expected(3.0))
    assert "kernel cache unusable" in done.stderr and "EXPLORER_CACHE_DIR" in done.stderr
    assert blocker.read_text() == "not a folder"


def test_cache_info_and_clear_touch_only_kernel_files(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (tmp_path / "toy.py").write_text(SOLVER.format(shift=1.0))
    run_toy(tmp_path, cache)
    mine = cache / "notes.txt"
    mine.write_text("mine")
    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(cache))
    info = CliRunner().invoke(main, ["cache", "info"])
    assert info.exit_code == 0 and f"{cache}: 1 kernels, 3 files" in info.output
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 3 files" in cleared.output
    assert kernels_in(cache) == [] and not (cache / "__pycache__").exists()
    assert mine.read_text() == "mine"
    info = CliRunner().invoke(main, ["cache", "info"])
    assert f"{cache}: 0 kernels, 0 files" in info.output


VARIANTS = """
import json, sys
import numpy as np
from numba import njit
from kernels.loops import Signature, grid_loop


def variant(shift):  # one source file, two solvers: only their closures differ
    @njit(inline="always")
    def solve(a, b):
        return (a * b + shift, a > b)

    return solve


found = []
for shift in (1.0, 2.0):
    outputs = (("value", "float64"), ("bigger", "bool"))
    sig = Signature(f"v{shift}", ("a", "b"), ("a", "b"), outputs, variant(shift))
    out = np.empty((5, 3))
    grid_loop(sig, ("a", "b"), ("value",))(np.linspace(0, 1, 5), np.linspace(0, 2, 3), out)
    found.append(out.tolist())
print(json.dumps(found))
"""


def test_variants_of_one_solver_get_their_own_kernels(tmp_path):
    env = {**os.environ, "EXPLORER_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # compiled, then loaded from the cache
        done = subprocess.run(
            [sys.executable, "-c", VARIANTS], env=env, capture_output=True, text=True, check=True
        )
        one, two = np.array(json.loads(done.stdout.strip().splitlines()[-1]))
        np.testing.assert_array_equal(one, expected(1.0))
        np.testing.assert_array_equal(two, expected(2.0))
    assert len(kernels_in(tmp_path)) == 2


STEPS = "".join(f"        x = math.sin(x * {k}.5) + math.cos(x) / {k + 2}.0\n" for k in range(40))
SEPARATE = """
import json, math, sys
import numpy as np
from numba import njit
from kernels.loops import Signature, grid_loop


def variant(shift):  # one factory: its solvers differ in what their closures hold
    @njit
    def inner(a, b):  # too long to inline: a function of its own in the compiled code
        x = a
{steps}        return a * b + shift + 0.0 * x

    @njit
    def solve(a, b):
        return (inner(a, b) + 0.0 * inner(b, a), a > b)

    return solve


found = {}
for shift in map(float, sys.argv[1:]):
    outputs = (("value", "float64"), ("bigger", "bool"))
    sig = Signature(f"v{shift}", ("a", "b"), ("a", "b"), outputs, variant(shift))
    out = np.empty((5, 3))
    grid_loop(sig, ("a", "b"), ("value",))(np.linspace(0, 1, 5), np.linspace(0, 2, 3), out)
    found[shift] = out.tolist()
print(json.dumps(found))
"""


def test_a_kernel_loaded_beside_one_compiled_from_the_same_factory_keeps_its_own_code(tmp_path):
    """Closures of one factory compile to functions of one name; numba numbers them from 1
    in every process, so one loaded from the cache (compiled by another process) and one
    compiled here could share a symbol, and calls resolve to whichever was loaded first."""
    env = {**os.environ, "EXPLORER_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}

    def run(*shifts):
        done = subprocess.run(
            [sys.executable, "-c", SEPARATE.replace("{steps}", STEPS), *map(str, shifts)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return {float(k): np.array(v) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}

    run(1.0)  # compiled, and cached, by one process
    found = run(2.0, 1.0)  # another compiles the second, then loads the first
    np.testing.assert_array_equal(found[2.0], expected(2.0))
    np.testing.assert_array_equal(found[1.0], expected(1.0))
