"""A model's claims (its ``Checks``), tested point by point over a sweep's grid or sample.

Each claim is a reading of a statement: pointwise, or monotone between grid neighbours
along an axis the model names, so a task always holds whole planes of those axes; samples
get the pointwise readings. Every claim reports points (or neighbour pairs) checked,
violations, and the first few counterexamples with all parameter values; the model's
joint counts add its own report sections.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from explorer.analysis.claims import View
from explorer.analysis.tally import tally_of
from explorer.engine.blocks import block_arguments
from explorer.engine.plan import Plan
from explorer.engine.run import Scheduler, run_tasks
from explorer.models.declaration import Claim

TASK_POINTS = 1 << 20
MAX_EXAMPLES = 3


@dataclass
class Tally:
    checked: int = 0
    violations: int = 0
    examples: list[dict] = field(default_factory=list)
    # Per grid axis: points checked and points where the claim held, at each axis value.
    profile: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.checked += other.checked
        self.violations += other.violations
        room = MAX_EXAMPLES - len(self.examples)
        self.examples += other.examples[:room]
        for axis, counts in other.profile.items():
            self.profile[axis] = self.profile.get(axis, 0) + counts


def profile(plan: Plan, cut: dict[str, slice], checked, bad) -> dict[str, np.ndarray]:
    """(checked, held) counts at every value of every grid axis, from one task's masks
    (pointwise claims on grids only: other masks cover neighbour pairs, not points)."""
    if plan.sampled or checked.shape != tuple(
        len(range(*cut[d].indices(n))) for d, n in zip(plan.dims, plan.shape)
    ):
        return {}
    held = checked & ~bad
    counts = {}
    for k, (axis, n) in enumerate(zip(plan.dims, plan.shape)):
        others = tuple(j for j in range(checked.ndim) if j != k)
        full = np.zeros((2, n), dtype=np.int64)
        full[:, cut[axis]] = checked.sum(axis=others), held.sum(axis=others)
        counts[axis] = full
    return counts


def claims_of(plan: Plan) -> tuple[Claim, ...]:
    if plan.model.checks is None:
        raise ValueError(f"the {plan.model.name} model declares no claims to check")
    return plan.model.checks.claims


def applicable(claim: Claim, plan: Plan) -> str | None:
    """None when the claim can be checked on this plan, else why it cannot."""
    for name, choice in plan.choices:
        allowed = claim.variants.get(name)
        if allowed is not None and choice not in allowed:
            return f"not a statement about {plan.model.variant(name).phrase.format(choice)}"
    if claim.needs_axis:
        if plan.sampled:
            return "needs a grid along " + claim.needs_axis.replace("+", " and ")
        missing = [a for a in claim.needs_axis.split("+") if a not in plan.dims]
        if missing:
            return f"needs {' and '.join(missing)} swept as grid axes"
    return None


def task_slices(plan: Plan) -> list[dict[str, slice]]:
    """Pieces of the grid (or sample) of about TASK_POINTS, each holding whole planes of
    the model's ``whole_axes``, so neighbour pairs along them never cross a task boundary."""
    shape = dict(zip(plan.dims, plan.shape))
    if plan.sampled:
        n = plan.shape[0]
        return [{plan.dims[0]: slice(i, min(i + TASK_POINTS, n))} for i in range(0, n, TASK_POINTS)]
    keep = plan.model.checks.whole_axes
    whole = [d for d in plan.dims if d in keep]
    plane = math.prod(shape[d] for d in whole)
    budget = max(1, TASK_POINTS // plane)
    pieces: list[dict[str, slice]] = [{d: slice(0, shape[d]) for d in whole}]
    for d in reversed([d for d in plan.dims if d not in keep]):
        step = max(1, min(shape[d], budget))
        budget = max(1, budget // step)
        pieces = [
            {**p, d: slice(i, min(i + step, shape[d]))}
            for p in pieces
            for i in range(0, shape[d], step)
        ]
    return pieces


def needed_outputs(plan: Plan) -> tuple[str, ...]:
    """The outputs the claims, their counterexamples and the joint counts read."""
    checks = plan.model.checks
    counted = [name for name, _ in plan.model.tally.counted] if plan.model.tally else []
    return tuple(dict.fromkeys([*checks.outputs, *checks.example_outputs, *counted]))


def solve_task(plan: Plan, cut: dict[str, slice], stored=None) -> View:
    """One task's points: read from ``stored`` (a complete sweep's Dataset, every output
    over the full grid) when given, else solved."""
    checks = plan.model.checks
    needed = needed_outputs(plan)
    params = plan.model.parameters_of(plan.choices)
    if plan.sampled:
        args = block_arguments(plan, cut)
        given = dict(zip(params, args))
        if stored is None:
            with np.errstate(all="ignore"):
                values = dict(zip(needed, plan.model.gufunc(plan.choices, needed)(*args)))
    else:
        args = block_arguments(plan, cut, plan.dims)
        axes = args[: len(plan.dims)]
        given = {
            d: a.reshape([-1 if i == k else 1 for i in range(len(axes))])
            for k, (d, a) in enumerate(zip(plan.dims, axes))
        }
        given |= {p: plan.fixed[p] for p in params if p in plan.fixed}
        if stored is None:
            shape = tuple(map(len, axes))
            outs = [np.empty(shape, dtype=plan.model.output(o).dtype) for o in needed]
            plan.model.grid_loop(plan.choices, plan.dims, needed)(*args, *outs)
            values = dict(zip(needed, outs))
    if stored is not None:
        piece = stored[list(needed)].isel({d: cut[d] for d in plan.dims})
        values = {o: piece[o].transpose(*plan.dims).values for o in needed}
    first = values[needed[0]]
    valid = np.ones(first.shape, bool) if checks.valid is None else checks.valid(values)
    return View(values, given, plan.dims, np.asarray(valid))


def example(view: View, shape, flat: int, claim: Claim, plan: Plan) -> dict:
    """All parameter values at one violating point (and its upper neighbour's axis value);
    ``flat`` indexes an array of ``shape``, which starts at the task's origin."""
    where = np.unravel_index(flat, shape)
    full = view.valid.shape
    point = {
        p: float(np.broadcast_to(view.params[p], full)[where])
        for p in plan.model.parameters_of(plan.choices)
    }
    for o in plan.model.checks.example_outputs:
        point[o] = _plain(view.values[o][where])
    if claim.needs_axis in plan.model.checks.whole_axes:
        k = view.dims.index(claim.needs_axis)
        upper = tuple(i + 1 if d == k else i for d, i in enumerate(where))
        point[f"next_{claim.needs_axis}"] = float(
            np.broadcast_to(view.params[claim.needs_axis], full)[upper]
        )
        first = plan.model.checks.example_outputs[:1]
        for o in first:
            point[f"next_{o}"] = _plain(view.values[o][upper])
    return point


def _plain(value):
    return int(value) if np.issubdtype(np.asarray(value).dtype, np.integer) else float(value)


def check_task(cut: dict[str, slice], task: tuple) -> dict:
    plan, stored = task
    view = solve_task(plan, cut, stored)
    tally = tally_of(plan.model, view.values) if plan.model.tally else None
    results: dict = {"tally": tally, "claims": {}}
    for i, claim in enumerate(claims_of(plan)):
        if applicable(claim, plan):
            continue
        with np.errstate(invalid="ignore"):  # inf - inf near diverging closed forms
            checked, bad = claim.test(view)
        found = Tally(int(np.count_nonzero(checked)), int(np.count_nonzero(bad)))
        if plan.model.checks.profiles:
            found.profile = profile(plan, cut, checked, bad)
        for flat in np.flatnonzero(bad)[:MAX_EXAMPLES]:
            found.examples.append(example(view, bad.shape, int(flat), claim, plan))
        results["claims"][i] = found
    return results


def check_plan(
    plan: Plan,
    scheduler: Scheduler | None = None,
    on_done=None,
    progress: str | None = None,
    stored=None,
) -> dict:
    """Every applicable claim over every point of ``plan``; see ``check_report``.
    ``progress`` labels a progress bar of points checked. ``stored``: the sweep's
    outputs (``explorer.open``), read instead of solving the points again."""
    pieces = task_slices(plan)
    totals = {i: Tally() for i, c in enumerate(claims_of(plan)) if not applicable(c, plan)}
    tally = [None]

    def add(cut, result):
        for i, found in result["claims"].items():
            totals[i].add(found)
        if result["tally"] is not None:
            tally[0] = result["tally"] if tally[0] is None else tally[0] + result["tally"]
        if on_done:
            on_done(1)

    shape = dict(zip(plan.dims, plan.shape))

    def points(cut) -> int:
        return math.prod(len(range(*cut.get(d, slice(None)).indices(n))) for d, n in shape.items())

    run_tasks(
        check_task,
        pieces,
        scheduler,
        shared=(plan, stored),
        on_result=add,
        weight=points,
        progress=progress,
    )
    return {"claims": totals, "tally": tally[0], "tasks": len(pieces)}


def check_report(plan: Plan, result: dict, seconds: float) -> dict:
    """The JSON-ready summary of ``check_plan``'s result."""
    statements = []
    for i, claim in enumerate(claims_of(plan)):
        row = {"statement": claim.statement, "claim": claim.claim, "reading": claim.kind}
        why = applicable(claim, plan)
        if why:
            row["skipped"] = why
        else:
            t = result["claims"][i]
            share = t.violations / t.checked if t.checked else None
            row |= {"checked": t.checked, "violations": t.violations, "share": share}
            row["counterexamples"] = t.examples
            if t.profile:
                row["profile"] = {
                    axis: [
                        {"value": float(v), "checked": int(c), "held": int(h)}
                        for v, c, h in zip(plan.coords[axis], *counts)
                    ]
                    for axis, counts in t.profile.items()
                }
        statements.append(row)
    report = {
        "model": plan.model.name,
        **dict(plan.choices),
        "design": "sample" if plan.sampled else "grid",
        "points": plan.n_points,
        "seconds": round(seconds, 3),
        "statements": statements,
    }
    summarise = plan.model.checks.summarise
    if summarise is not None and result["tally"] is not None:
        report |= summarise(result["tally"])
    return report


def format_check(report: dict, model) -> str:
    choices = model.choices({k: report[k] for k in (v.name for v in model.variants)})
    lines = [
        f"{model.describe(choices)}; {report['points']:,} points "
        f"({report['design']}) checked in {report['seconds']:.1f} s",
        "",
        f"{'statement':<15} {'reading':<20} {'checked':>13} {'violations':>11}  claim",
    ]
    for row in report["statements"]:
        head = f"{row['statement']:<15} {row['reading']:<20}"
        if "skipped" in row:
            lines.append(f"{head} {'skipped':>13} {'':>11}  {row['claim']} ({row['skipped']})")
            continue
        lines.append(f"{head} {row['checked']:>13,} {row['violations']:>11,}  {row['claim']}")
        for found in row["counterexamples"][:1]:
            lines.append(f"{'':<37} e.g. {describe_point(found)}")
        for axis, counts in row.get("profile", {}).items():
            where = ", ".join(f"{c['value']:g}: {c['held']}/{c['checked']}" for c in counts)
            lines.append(f"{'':<37} holds by {axis}: {where}")
    if model.checks.describe is not None:
        lines += model.checks.describe(report, "text")
    return "\n".join(lines)


def describe_point(point: dict) -> str:
    """``alpha=0.8, theta=0.25, ...`` with floats to 6 significant digits."""
    return ", ".join(
        f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in point.items()
    )
