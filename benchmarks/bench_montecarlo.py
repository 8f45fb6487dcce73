"""One Monte Carlo replicate of the theory-meets-data model: the numba kernel against the
same replicate written with numpy and statsmodels, side by side in one run.

Run: ``python -m benchmarks.bench_montecarlo [--quick] [--repeat 5] [--json FILE]`` (the
same as ``explorer bench --model coalition_mc``). Reports milliseconds per replicate
(medians with min-max), the speed-up, and the share of the kernel's replicate spent
simulating and summarising rather than fitting.
"""

from __future__ import annotations

from benchmarks.command import main
from explorer.models.coalition_mc.bench import format_report, run

if __name__ == "__main__":
    main(__doc__.splitlines()[0], run, format_report, "Fewer replicates.")
