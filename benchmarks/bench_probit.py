"""Probit fits per second: the numba estimator against statsmodels on the same datasets.

Run: ``python -m benchmarks.bench_probit [--quick] [--repeat 5] [--json FILE]`` (the same
as ``explorer bench --probit``). Shapes N in {1e3, 6642, 3e4} x k in {4, 10, 20}; methods
take turns each repeat; rates are medians with min-max.
"""

from __future__ import annotations

import argparse
import json

from explorer.bench.probit import format_probit, run_probit_bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Two shapes, fewer datasets.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="Write the results here.")
    args = parser.parse_args()
    report = run_probit_bench(args.quick, args.repeat)
    print(format_probit(report))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
