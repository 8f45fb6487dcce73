"""Probit fits per second: the numba estimator against statsmodels on the same datasets.

Run: ``python -m benchmarks.bench_probit [--quick] [--repeat 5] [--json FILE]`` (the same
as ``explorer bench --probit``). Shapes N in {1e3, 6642, 3e4} x k in {4, 10, 20}; methods
take turns each repeat; rates are medians with min-max.
"""

from __future__ import annotations

from benchmarks.command import main
from explorer.bench.probit import format_probit, run_probit_bench

if __name__ == "__main__":
    main(__doc__.splitlines()[0], run_probit_bench, format_probit, "Two shapes, fewer datasets.")
