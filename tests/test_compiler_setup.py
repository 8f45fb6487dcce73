"""numba's compiler is set up without importing scipy.linalg, and BLAS still works; a
kernel loaded from the cache needs no compiler set-up at all, and compiling afterwards
still works."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.test_kernel_cache import SOLVER

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import toy
from kernels import compiler_setup
if sys.argv[2] == "no-blas":
    compiler_setup.scipy_blas_present = lambda: False
from kernels.loops import Signature, grid_loop
from numba import njit

sig = Signature("toy", ("a", "b"), ("a", "b"), (("value", "float64"),), toy.solve)
out = np.empty((5, 3))
grid_loop(sig, ("a", "b"), ("value",))(np.linspace(0, 1, 5), np.linspace(0, 2, 3), out)
if sys.argv[2] == "warm":  # a second process: the kernel comes from the cache
    set_up = "numba.np.arraymath" in sys.modules
    a, b = np.arange(12.0).reshape(3, 4), np.arange(8.0).reshape(4, 2)
    matmul = njit(lambda x, y: x @ y)(a, b).tolist() == (a @ b).tolist()
    print(json.dumps({"values": out.tolist(), "set_up_to_load": set_up, "matmul": matmul}))
    sys.exit()
import numba.np.arraymath as arraymath  # (imported by the set-up: only read here)
import numba.np.linalg as linalg
found = {"linalg_after_grid": "scipy.linalg" in sys.modules, "have_blas": arraymath._HAVE_BLAS,
         "check_restored": linalg.ensure_blas.__module__ == "numba.np.linalg"}
if sys.argv[2] == "blas":
    a, b = np.arange(12.0).reshape(3, 4), np.arange(8.0).reshape(4, 2)
    found["matmul"] = njit(lambda x, y: x @ y)(a, b).tolist() == (a @ b).tolist()
    found["linalg_after_matmul"] = "scipy.linalg" in sys.modules
print(json.dumps(found))
"""


def run(tmp_path: Path, case: str) -> dict:
    (tmp_path / "toy.py").write_text(SOLVER.format(shift=0.0))
    env = {**os.environ, "EXPLORER_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), case],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_grid_kernel_needs_no_scipy_linalg_and_blas_is_loaded_when_used(tmp_path):
    found = run(tmp_path, "blas")
    assert found["linalg_after_grid"] is False
    assert found["have_blas"] is True  # as numba's own check finds it
    assert found["check_restored"] is True
    assert found["matmul"] is True
    assert found["linalg_after_matmul"] is True


def test_without_scipy_blas_numba_is_told_there_is_none(tmp_path):
    found = run(tmp_path, "no-blas")
    assert found["have_blas"] is False
    assert found["linalg_after_grid"] is False


def test_a_cached_kernel_loads_without_the_compiler_set_up_and_compiling_still_works(tmp_path):
    run(tmp_path, "warm")  # compiles it into the cache
    found = run(tmp_path, "warm")
    assert found["set_up_to_load"] is False
    expected = np.outer(np.linspace(0, 1, 5), np.linspace(0, 2, 3))  # the toy solver: a * b
    np.testing.assert_array_equal(found["values"], expected)
    assert found["matmul"] is True  # a compile after a cache load sets the compiler up
