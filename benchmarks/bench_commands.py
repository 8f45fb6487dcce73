"""Whole commands as a user waits for them, side by side across source trees.

Run: ``python -m benchmarks.bench_commands [--tree PATH ...] [--repeat 5]``. Each tree (a
checkout; default: this one) runs, in fresh processes and in turn, round after round:
the import floor (``python -c "import numpy, numba, xarray, zarr, dask"``), ``explorer
solve``, ``explorer run configs/figure2.toml`` and ``explorer run configs/default.toml``
(each with ``--overwrite`` into a scratch store, after one untimed run so compiled kernels
are cached where a tree caches them), and the streaming Sobol' shares of
``configs/analysis.toml`` timed inside one process (a warm call first). Then, for the
first tree, the same runs right after ``explorer cache clear``. Medians with min-max; the
block phase (solve, encode, write) is read from each run's summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from explorer.bench.driver import FLOOR, as_a_user, block_phase_seconds

SHARES = """
import json, sys, time
from explorer.analysis.shares import box_of, region_shares
from explorer.engine.config import load_config
from explorer.engine.run import Scheduler
box, n = box_of(load_config("configs/analysis.toml")), int(sys.argv[1])
region_shares(box, n // 64, "sobol", seed=1, scheduler=Scheduler("threads"))
start = time.perf_counter()
found = region_shares(box, n, "sobol", seed=1, scheduler=Scheduler("threads"))
seconds = time.perf_counter() - start
counts = {k: v["count"] for k, v in found["shares"].items()}
print(json.dumps({"seconds": seconds, "counts": counts}))
"""


def commands(scratch: Path, plot: list[str]) -> dict[str, list[str]]:
    explorer = [sys.executable, "-m", "explorer"]
    return {
        "floor": [sys.executable, "-c", FLOOR],
        "explorer solve": [*explorer, "solve"],
        "explorer run configs/figure2.toml": [
            *explorer,
            "run",
            "configs/figure2.toml",
            "--store",
            str(scratch / "f.zarr"),
            "--overwrite",
            "--quiet",
            *plot,
        ],
        "explorer run configs/default.toml": [
            *explorer,
            "run",
            "configs/default.toml",
            "--store",
            str(scratch / "d.zarr"),
            "--overwrite",
            "--quiet",
            *plot,
        ],
    }


def timed(command: list[str], env: dict, cwd: Path) -> tuple[float, float | None, str]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    return seconds, block_phase_seconds(done.stdout), done.stdout


def spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", type=int, default=3, help="runs after clearing the cache")
    parser.add_argument("--shares-points", type=int, default=1 << 24)
    parser.add_argument(
        "--plot-flag",
        default="",
        help="extra flag for the runs of trees other than the first (e.g. --no-plot)",
    )
    args = parser.parse_args(argv)
    trees = [t.resolve() for t in (args.tree or [Path(__file__).resolve().parents[1]])]
    scratch = Path(tempfile.mkdtemp(prefix="bench-commands-"))
    cache = scratch / "kernel-cache"
    results: dict = {str(t): {} for t in trees}
    plans = {}
    for i, tree in enumerate(trees):
        env = as_a_user(PYTHONPATH=str(tree), EXPLORER_CACHE_DIR=str(cache / str(i)))
        plot = [args.plot_flag] if args.plot_flag and i > 0 else []
        plans[tree] = (env, commands(scratch / str(i), plot))
        (scratch / str(i)).mkdir()
        for command in plans[tree][1].values():
            timed(command, env, tree)  # compiled kernels cached (where the tree caches them)
    for _ in range(args.repeat):
        for tree in trees:
            env, chosen = plans[tree]
            for name, command in chosen.items():
                seconds, phase, _ = timed(command, env, tree)
                entry = results[str(tree)].setdefault(name, {"whole": [], "block": []})
                entry["whole"].append(seconds)
                if phase is not None:
                    entry["block"].append(phase)
            shares = [sys.executable, "-c", SHARES, str(args.shares_points)]
            found = json.loads(timed(shares, env, tree)[2].strip().splitlines()[-1])
            entry = results[str(tree)].setdefault("sobol shares", {"rate": [], "counts": None})
            entry["rate"].append(args.shares_points / found["seconds"])
            entry["counts"] = found["counts"]
    first = trees[0]
    env, chosen = plans[first]
    for _ in range(args.cold):
        subprocess.run(
            [sys.executable, "-m", "explorer", "cache", "clear"], env=env, cwd=first, check=True
        )
        for name in ("explorer run configs/figure2.toml", "explorer run configs/default.toml"):
            seconds, phase, _ = timed(chosen[name], env, first)
            cold = results[str(first)].setdefault(f"{name}, cache cleared", {"whole": []})
            cold["whole"].append(seconds)
    for tree, found in results.items():
        print(tree)
        floor = statistics.median(found["floor"]["whole"])
        for name, entry in found.items():
            if "rate" in entry:
                rates = entry["rate"]
                print(
                    f"  {name}: {statistics.median(rates):.3g} points/s "
                    f"({min(rates):.3g}-{max(rates):.3g}); counts {entry['counts']}"
                )
                continue
            whole = entry["whole"]
            line = f"  {name}: {spread(whole)}, {statistics.median(whole) / floor:.2f}x floor"
            if entry.get("block"):
                ratio = statistics.median(whole) / statistics.median(entry["block"])
                line += f"; block phase {spread(entry['block'])}, whole/block {ratio:.2f}"
            print(line)
    if len(trees) > 1:
        base, last = (results[str(t)] for t in (trees[0], trees[-1]))
        print(f"{trees[-1]} / {trees[0]} (ratio of medians):")
        for name in base:
            if name in last and "whole" in base[name]:
                ratio = statistics.median(last[name]["whole"]) / statistics.median(
                    base[name]["whole"]
                )
                print(f"  {name}: {ratio:.2f}")
        rates = [statistics.median(r["sobol shares"]["rate"]) for r in (base, last)]
        print(f"  sobol shares rate: {rates[1] / rates[0]:.2f}x")


if __name__ == "__main__":
    main()
