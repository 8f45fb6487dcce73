"""``explorer analyse``: theory checks, region shares and sensitivity of one config, written
as a short Markdown report with PNG figures and the raw numbers as JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from explorer.config import SweepConfig
from explorer.execute import Scheduler
from explorer.plan import make_plan
from explorer.regions import box_of, region_shares
from explorer.sensitivity import box_sensitivity, plot_indices
from explorer.theory import check_plan, check_report, describe_point


def analyse(
    config: SweepConfig,
    folder: str | Path,
    source: str,
    shares_n: int = 1 << 24,
    shares_method: str = "sobol",
    sobol_n: int = 4096,
    scheduler: Scheduler | None = None,
) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scheduler = scheduler or Scheduler()
    timings = {}

    start = time.perf_counter()
    plan = make_plan(config)
    checked = check_report(plan, check_plan(plan, scheduler), 0.0)
    checked["seconds"] = timings["check"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    box = box_of(config)
    shares = region_shares(box, shares_n, shares_method, scheduler=scheduler)
    timings["shares"] = round(time.perf_counter() - start, 2)
    shares.pop("tally")

    start = time.perf_counter()
    indices = box_sensitivity(box, sobol_n)
    timings["sensitivity"] = round(time.perf_counter() - start, 2)

    plot_shares(shares, folder / "shares.png")
    plot_indices(indices, list(box.bounds), folder / "sensitivity.png")
    results = {
        "source": source,
        "box": {
            "bounds": box.bounds,
            "fixed": box.fixed,
            "game": box.game,
            "rho": box.rho_form,
            "shapes": {k: d.model_dump() for k, d in box.distributions.items()},
        },
        "check": checked,
        "shares": shares,
        "sensitivity": indices,
        "seconds": timings,
    }
    (folder / "analysis.json").write_text(json.dumps(results, indent=2))
    path = folder / "report.md"
    path.write_text(markdown(results, sobol_n))
    return path


def plot_shares(shares: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from explorer.plots import OUTCOME_COLORS

    rows = shares["shares"]
    names = [n for n in rows if rows[n]["count"] or n != "invalid point"]
    colors = {"no crisis": 0, "unilateral crisis": 1, "coalition crisis": 2, "invalid point": -1}
    values = np.array([rows[n]["share"] for n in names])
    errors = np.array(
        [[rows[n]["share"] - rows[n]["low"], rows[n]["high"] - rows[n]["share"]] for n in names]
    ).T
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bar_colors = [OUTCOME_COLORS.get(colors.get(n, 99), "#d55e00") for n in names]
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


def markdown(results: dict, sobol_n: int) -> str:
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
        f"{box['game']} game, ρ form {box['rho']}. Box: {bounds}. Fixed: {fixed}.{shapes}",
        "",
        "## The paper's statements",
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
    gap = check["proposition_1_gap"]
    lines += [
        "",
        f"Proposition 1 read literally gives the wrong outcome at {gap['points']:,} of "
        f"{check['points']:,} points ({gap['share']:.3%}):",
        "",
    ]
    lines += [f"- {c}: {v['points']:,} ({v['share']:.3%})" for c, v in gap["by_cause"].items()]
    breaks = check["assumption_breaks"]
    lines += [
        "",
        "Assumption breaks: "
        + (", ".join(f"{k}: {v:,} points" for k, v in breaks.items()) if breaks else "none."),
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
