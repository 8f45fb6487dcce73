"""Global sensitivity: Sobol' indices (first and total order) of outcome shares and the
paper's thresholds with respect to each parameter of a box.

SALib draws the Saltelli design and computes the indices; the project's kernel evaluates
the model on the design. The indicator of an outcome has the outcome's share as its mean,
so its indices say which parameters decide how much of the box ends in that outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from explorer.analysis.shares import Box
from explorer.engine.run import Scheduler, run_tasks

ROWS_PER_TASK = 1 << 16  # design points per task


def sobol_indices(
    problem: dict, evaluate: Callable[[np.ndarray], dict], n: int, seed: int = 0
) -> dict:
    """``{target: {"S1", "S1_conf", "ST", "ST_conf"} or {"skipped": why}}`` for each array
    ``evaluate(X)`` returns; ``n`` is the base sample (a power of two), giving
    ``n * (d + 2)`` evaluations."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    design = sample.sample(problem, n, calc_second_order=False, seed=seed)
    results = {}
    for name, values in evaluate(design).items():
        values = np.asarray(values, dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            results[name] = {"skipped": f"{bad.mean():.1%} of points have no finite value"}
            continue
        if values.std() == 0:
            results[name] = {"skipped": "constant over the box"}
            continue
        found = analyze.analyze(problem, values, calc_second_order=False, seed=seed)
        results[name] = {
            k: [float(x) for x in found[k]] for k in ("S1", "S1_conf", "ST", "ST_conf")
        }
    return results


def box_problem(box: Box) -> dict:
    """SALib's problem over the unit cube: the evaluator maps each column through the
    parameter's distribution and bounds (indices are unchanged by such per-parameter
    maps, and this way any scipy distribution works)."""
    return {
        "num_vars": len(box.bounds),
        "names": list(box.bounds),
        "bounds": [[0, 1]] * len(box.bounds),
    }


def model_evaluator(
    box: Box, scheduler: Scheduler | None = None, progress: str | None = None
) -> Callable:
    """``evaluate(unit)``: the model's sensitivity targets at design points in the unit cube
    (mapped through each parameter's distribution and bounds), solved in tasks
    (``progress`` labels a progress bar of points solved)."""
    declared = box.model.sensitivity
    if declared is None:
        raise ValueError(f"the {box.model.name} model declares no sensitivity targets")

    def evaluate(unit: np.ndarray) -> dict:
        starts = range(0, len(unit), ROWS_PER_TASK)
        pieces: dict[int, dict] = {}
        run_tasks(
            _solve_rows,
            starts,
            scheduler,
            shared=(box, unit),
            on_result=lambda start, values: pieces.__setitem__(start, values),
            weight=lambda start: min(ROWS_PER_TASK, len(unit) - start),
            progress=progress,
        )
        values = {o: np.concatenate([pieces[s][o] for s in starts]) for o in declared.outputs}
        return {name: pick(values) for name, pick in declared.targets.items()}

    return evaluate


def _solve_rows(start: int, job: tuple[Box, np.ndarray]) -> dict:
    """The declared outputs at design rows ``start`` .. ``start + ROWS_PER_TASK``."""
    box, unit = job
    model, outputs = box.model, box.model.sensitivity.outputs
    columns = box.scale(unit[start : start + ROWS_PER_TASK])
    args = [columns.get(p, box.fixed.get(p)) for p in model.parameters_of(box.choices)]
    with np.errstate(all="ignore"):  # closed forms diverge on parts of the box
        solved = model.gufunc(box.choices, outputs)(*args)
    solved = solved if isinstance(solved, tuple) else (solved,)
    return dict(zip(outputs, solved))


def box_sensitivity(box: Box, n: int = 4096, seed: int = 0, scheduler=None, progress=None) -> dict:
    evaluate = model_evaluator(box, scheduler, progress)
    return sobol_indices(box_problem(box), evaluate, n, seed)


def plot_indices(indices: dict, names: list[str], path: str | Path) -> Path:
    """One panel per target: first-order and total indices per parameter, with the
    bootstrap confidence intervals SALib reports."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = {k: v for k, v in indices.items() if "skipped" not in v}
    cols = min(3, max(1, len(shown)))
    rows = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    x = np.arange(len(names))
    for ax, (target, found) in zip(axes.flat, shown.items()):
        ax.bar(
            x - 0.2, found["S1"], 0.4, yerr=found["S1_conf"], label="first order", color="#0072b2"
        )
        ax.bar(x + 0.2, found["ST"], 0.4, yerr=found["ST_conf"], label="total", color="#e69f00")
        ax.set_xticks(x, names, rotation=30)
        ax.set_ylim(min(0.0, min(found["S1"]) - 0.05), 1.05)
        ax.set_title(target)
        ax.grid(True, axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("Sobol' sensitivity indices over the box", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
