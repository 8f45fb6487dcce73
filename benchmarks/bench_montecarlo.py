"""One Monte Carlo replicate of the theory-meets-data model: the numba kernel against the
same replicate written with numpy and statsmodels, side by side in one run.

Run: ``python -m benchmarks.bench_montecarlo [--quick] [--repeat 5] [--json FILE]`` (the
same as ``explorer bench --model coalition_mc``). Reports milliseconds per replicate
(medians with min-max), the speed-up, and the share of the kernel's replicate spent
simulating and summarising rather than fitting.
"""

from __future__ import annotations

import argparse
import json

from explorer.models.coalition_mc.bench import format_report, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer replicates.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="Write the results here.")
    args = parser.parse_args()
    report = run(args.quick, args.repeat)
    print(format_report(report))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
