"""The command line shared by the benchmarks that print one report: ``--quick``,
``--repeat N`` and ``--json FILE``."""

from __future__ import annotations

import argparse
import json


def main(description: str, run, format_report, quick_help: str) -> None:
    """Parse the arguments, run ``run(quick, repeat)``, print and optionally save it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="Write the results here.")
    args = parser.parse_args()
    report = run(args.quick, args.repeat)
    print(format_report(report))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
