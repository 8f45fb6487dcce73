"""``explorer analyse``: theory checks, region shares and sensitivity of one config, written
as a short Markdown report with PNG figures and the raw numbers as JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from explorer.analysis.check import check_plan, check_report, describe_point
from explorer.analysis.sensitivity import box_sensitivity, plot_indices
from explorer.analysis.shares import box_of, region_shares
from explorer.engine.config import SweepConfig
from explorer.engine.plan import make_plan
from explorer.engine.run import Scheduler
from explorer.models.declaration import Model


def analyse(
    config: SweepConfig,
    folder: str | Path,
    source: str,
    shares_n: int = 1 << 24,
    shares_method: str = "sobol",
    sobol_n: int = 4096,
    scheduler: Scheduler | None = None,
    progress: bool = False,
) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scheduler = scheduler or Scheduler()
    timings = {}

    start = time.perf_counter()
    plan = make_plan(config)

    def label(stage: str) -> str | None:  # a progress bar's label, or none
        return stage if progress else None

    checked = check_report(plan, check_plan(plan, scheduler, progress=label("checking")), 0.0)
    checked["seconds"] = timings["check"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    box = box_of(config)
    shares = region_shares(
        box, shares_n, shares_method, scheduler=scheduler, progress=label("region shares")
    )
    timings["shares"] = round(time.perf_counter() - start, 2)
    shares.pop("tally")

    start = time.perf_counter()
    indices = box_sensitivity(box, sobol_n, scheduler=scheduler, progress=label("sensitivity"))
    timings["sensitivity"] = round(time.perf_counter() - start, 2)

    plot_shares(shares, folder / "shares.png", config.spec)
    plot_indices(indices, list(box.bounds), folder / "sensitivity.png")
    results = {
        "source": source,
        "box": {
            "bounds": box.bounds,
            "fixed": box.fixed,
            "model": box.model.name,
            "choices": dict(box.choices),
            "shapes": {k: d.model_dump() for k, d in box.distributions.items()},
        },
        "check": checked,
        "shares": shares,
        "sensitivity": indices,
        "seconds": timings,
    }
    (folder / "analysis.json").write_text(json.dumps(results, indent=2))
    path = folder / "report.md"
    path.write_text(markdown(results, sobol_n, config.spec))
    return path


def plot_shares(shares: dict, path: Path, model: Model) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from explorer.views.plots import code_colors

    # A region named after a category takes that category's colour; an empty region of a
    # negative code (points that are no result, such as invalid ones) is left out.
    colors, hidden = {}, set()
    for output in (o for o in model.outputs if o.labels):
        for code, color in code_colors(model, output.name).items():
            if code in output.labels:
                colors[output.labels[code]] = color
                if code < 0:
                    hidden.add(output.labels[code])
    rows = shares["shares"]
    names = [n for n in rows if rows[n]["count"] or n not in hidden]
    values = np.array([rows[n]["share"] for n in names])
    errors = np.array(
        [[rows[n]["share"] - rows[n]["low"], rows[n]["high"] - rows[n]["share"]] for n in names]
    ).T
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bar_colors = [colors.get(n, "#d55e00") for n in names]
    ax.barh(names, values, xerr=errors, color=bar_colors, edgecolor="black", linewidth=0.5)
    for y, v in enumerate(values):
        ax.text(v + 0.01, y, f"{v:.2%}", va="center", fontsize=8)
    ax.set_xlim(0, max(1.0, values.max() + 0.15))
    ax.invert_yaxis()
    ax.set_xlabel(
        f"share of the box ({shares['points']:.3g} {shares['method']} points, "
        f"{shares['confidence']:.0%} intervals)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown(results: dict, sobol_n: int, model: Model) -> str:
    check, shares, seconds = results["check"], results["shares"], results["seconds"]
    box = results["box"]
    bounds = ", ".join(f"{k} ∈ [{lo:g}, {hi:g}]" for k, (lo, hi) in box["bounds"].items())
    fixed = ", ".join(f"{k} = {v:g}" for k, v in box["fixed"].items()) or "none"
    shapes = ", ".join(
        f"{k} ~ {d['name']}{tuple(d['args'])} on its bounds" for k, d in box["shapes"].items()
    )
    shapes = f" Distributions: {shapes}; others uniform." if shapes else " Uniform over the box."
    lines = [
        f"# Analysis of `{results['source']}`",
        "",
        f"{model.title} ({model.describe(model.choices(box['choices']))}). "
        f"Box: {bounds}. Fixed: {fixed}.{shapes}",
        "",
        f"## {model.checks.title}",
        "",
        f"Checked at {check['points']:,} points ({check['design']}) in {seconds['check']} s.",
        "",
        "| statement | reading | claim | checked | violations |",
        "|---|---|---|---|---|",
    ]
    for row in check["statements"]:
        if "skipped" in row:
            cells = ("not checked", row["skipped"])
        else:
            cells = (f"{row['checked']:,}", f"{row['violations']:,}")
        lines.append(
            f"| {row['statement']} | {row['reading']} | {row['claim']} | {' | '.join(cells)} |"
        )
    examples = [
        (row["statement"], row["counterexamples"][0])
        for row in check["statements"]
        if row.get("counterexamples")
    ]
    if examples:
        lines += ["", "Counterexamples (first found):", ""]
        for statement, example in examples:
            lines.append(f"- {statement}: {describe_point(example)}")
    lines += model.checks.describe(check, "markdown") if model.checks.describe else []
    lines += [
        "",
        "## How much of the box ends in each outcome",
        "",
        f"{shares['points']:,} points, {shares['method']}"
        + (f" ({shares['replicates']} scrambled replicates)" if shares["replicates"] > 1 else "")
        + f", counted without storing them, in {seconds['shares']} s; "
        f"{shares['confidence']:.0%} intervals.",
        "",
        "| region | share | interval |",
        "|---|---|---|",
    ]
    for name, row in shares["shares"].items():
        lines.append(f"| {name} | {row['share']:.4%} | {row['low']:.4%} – {row['high']:.4%} |")
    lines += [
        "",
        "![region shares](shares.png)",
        "",
        "## Which parameters matter",
        "",
        f"Sobol' indices (SALib, Saltelli design with base sample {sobol_n}, "
        f"{seconds['sensitivity']} s). S1: the share of variance a parameter explains alone; "
        "ST: including its interactions.",
        "",
    ]
    names = list(box["bounds"])
    lines += ["| target | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for target, found in results["sensitivity"].items():
        if "skipped" in found:
            lines.append(f"| {target} | skipped: {found['skipped']} |" + " |" * (len(names) - 1))
            continue
        cells = [f"{s1:.2f} / {st:.2f}" for s1, st in zip(found["S1"], found["ST"])]
        lines.append(f"| {target} (S1 / ST) | " + " | ".join(cells) + " |")
    lines += ["", "![Sobol' indices](sensitivity.png)", ""]
    return "\n".join(lines)
