"""The paper's claims, checked point by point over a sweep's grid or sample.

Each statement is checked in one or more readings: the exact equilibrium (outcomes from
the kernel's payoff comparisons), the paper's closed forms (eqs. 1-3), or their analytic
theta-derivatives. Monotonicity along theta or beta is checked between grid neighbours,
so a task always holds whole theta x beta planes; samples get the pointwise readings.
Every reading reports points (or neighbour pairs) checked, violations, and the first few
counterexamples with all parameter values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from explorer.execute import Scheduler, compile_lock, computing
from explorer.models import get_model
from explorer.plan import Plan
from explorer.tallies import tally_of

PLANE_AXES = ("theta", "beta")  # monotone statements run along these; tasks keep them whole
NEEDED = (
    "outcome",
    "paper_agrees",
    "flags",
    "beta_lp",
    "q_l",
    "q_lp",
    "dbeta_lp_dtheta",
    "dq_l_dtheta",
    "dq_lp_dtheta",
)
TASK_POINTS = 1 << 20
MAX_EXAMPLES = 3
REL_TOL = 1e-9  # closed forms compared near equality differ by rounding, not by theory


@dataclass(frozen=True)
class Reading:
    """One checkable reading of a statement: ``test(view)`` gives (checked, violating)
    boolean masks over the points (or lower neighbours) it covers."""

    statement: str
    claim: str
    kind: str  # "exact", "closed form" or "analytic derivative"
    test: Callable
    needs_axis: str | None = None  # a swept grid axis this reading runs along
    games: tuple[str, ...] = ("revisionist", "status_quo")


@dataclass
class Tally:
    checked: int = 0
    violations: int = 0
    examples: list[dict] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.checked += other.checked
        self.violations += other.violations
        room = MAX_EXAMPLES - len(self.examples)
        self.examples += other.examples[:room]


class View:
    """One task's solved points: outputs and parameters as arrays of the task's shape,
    valid-point mask, and helpers for neighbour pairs along a grid axis."""

    def __init__(self, values: dict, params: dict, dims: tuple[str, ...]):
        self.values, self.params, self.dims = values, params, dims
        self.valid = values["outcome"] >= 0

    def __getitem__(self, name):
        return self.values[name] if name in self.values else self.params[name]

    def pairs(self, axis: str, quantity: np.ndarray):
        """(lower, upper, both_valid) for neighbours along ``axis``; both views start at
        the task's origin, so an index into them is an index into the task."""
        k = self.dims.index(axis)
        n = quantity.shape[k]
        lo = tuple(slice(0, n - 1) if d == k else slice(None) for d in range(quantity.ndim))
        hi = tuple(slice(1, n) if d == k else slice(None) for d in range(quantity.ndim))
        return quantity[lo], quantity[hi], self.valid[lo] & self.valid[hi]


def _le(a, b):
    """a <= b up to rounding."""
    return a <= b + REL_TOL * np.maximum(np.abs(a), np.abs(b))


def _monotone(view: View, axis: str, quantity, increasing: bool, finite_only=False):
    lo, hi, ok = view.pairs(axis, quantity)
    if finite_only:
        ok = ok & np.isfinite(lo) & np.isfinite(hi)
    bad = ~(_le(lo, hi) if increasing else _le(hi, lo))
    return ok, ok & bad


def _pointwise(view: View, holds, where=None):
    checked = view.valid if where is None else view.valid & where
    return checked, checked & ~holds


def _coalition(view):
    return (view["outcome"] == 2).astype(np.int8)


def _crisis(view):
    return (view["outcome"] >= 1).astype(np.int8)


def _coalition_width(view: View):
    """Per theta (and every other non-beta index): how many beta values form a coalition."""
    return (view["outcome"] == 2).sum(axis=view.dims.index("beta"), keepdims=True)


def _width_narrows(view: View):
    width = _coalition_width(view)
    lo, hi, _ = view.pairs("theta", width)
    ok = np.ones(lo.shape, dtype=bool)
    return ok, hi > lo


def _finite(*arrays):
    mask = np.ones(np.shape(arrays[0]), dtype=bool)
    for a in arrays:
        mask &= np.isfinite(a)
    return mask


def _iff_closed_forms(view: View):
    q_l, q_lp, beta_lp, beta = view["q_l"], view["q_lp"], view["beta_lp"], view["beta"]
    beta = np.broadcast_to(beta, q_l.shape)
    where = _finite(q_l, q_lp, beta_lp) & (beta > 0)
    # Away from ties (where rounding decides either side), the two sides must agree.
    scale = np.maximum(np.abs(q_l), np.abs(q_lp)) + 1.0
    clear = (np.abs(q_lp - q_l) > REL_TOL * scale) & (
        np.abs(beta - beta_lp) > REL_TOL * (np.abs(beta_lp) + 1.0)
    )
    return _pointwise(view, (q_lp > q_l) == (beta > beta_lp), where & clear)


def _partner_never_deters(view: View):
    q, q_l = np.broadcast_to(view["q"], view["q_l"].shape), view["q_l"]
    clearly_below = q < q_l - REL_TOL * (np.abs(q_l) + 1.0)
    return _pointwise(view, ~((view["outcome"] == 0) & clearly_below), np.isfinite(q_l))


def _paper_agrees(view: View):
    return _pointwise(view, view["paper_agrees"])


READINGS = (
    Reading(
        "Implication 1",
        "the coalition region grows with beta",
        "exact",
        lambda v: _monotone(v, "beta", _coalition(v), increasing=True),
        needs_axis="beta",
    ),
    Reading(
        "Implication 1",
        "the crisis region grows with beta",
        "exact",
        lambda v: _monotone(v, "beta", _crisis(v), increasing=True),
        needs_axis="beta",
        games=("revisionist",),
    ),
    Reading(
        "Implication 2",
        "the coalition region shrinks as theta rises",
        "exact",
        lambda v: _monotone(v, "theta", _coalition(v), increasing=False),
        needs_axis="theta",
    ),
    Reading(
        "Implication 2",
        "beta_lp rises with theta",
        "closed form",
        lambda v: _monotone(v, "theta", v["beta_lp"], increasing=True, finite_only=True),
        needs_axis="theta",
    ),
    Reading(
        "Implication 2",
        "d beta_lp / d theta >= 0",
        "analytic derivative",
        lambda v: _pointwise(v, v["dbeta_lp_dtheta"] >= 0, np.isfinite(v["dbeta_lp_dtheta"])),
    ),
    Reading(
        "Implication 3",
        "the range of beta that forms a coalition narrows as theta rises",
        "exact",
        _width_narrows,
        needs_axis="beta+theta",
    ),
    Reading(
        "Implication 4",
        "a partner never deters a crisis l would start alone (no status quo while q < q_l)",
        "exact",
        _partner_never_deters,
        games=("revisionist",),
    ),
    Reading(
        "Implication 5",
        "q_l and q_lp fall as theta rises",
        "closed form",
        lambda v: _both(
            _monotone(v, "theta", v["q_l"], increasing=False, finite_only=True),
            _monotone(v, "theta", v["q_lp"], increasing=False, finite_only=True),
        ),
        needs_axis="theta",
        games=("revisionist",),
    ),
    Reading(
        "Implication 5",
        "d q_l / d theta < 0 and d q_lp / d theta < 0",
        "analytic derivative",
        lambda v: _pointwise(
            v,
            (v["dq_l_dtheta"] < 0) & (v["dq_lp_dtheta"] < 0),
            _finite(v["dq_l_dtheta"], v["dq_lp_dtheta"]),
        ),
        games=("revisionist",),
    ),
    Reading(
        "Proposition 1",
        "beta > beta_lp, q < q_lp / q < q_l give the equilibrium outcome",
        "closed form vs exact",
        _paper_agrees,
    ),
    Reading(
        "Proposition 2",
        "q_lp > q_l exactly when beta > beta_lp",
        "closed form",
        _iff_closed_forms,
        games=("revisionist",),
    ),
)


def _both(first, second):
    ok1, bad1 = first
    ok2, bad2 = second
    return ok1 | ok2, (ok1 & bad1) | (ok2 & bad2)


def applicable(reading: Reading, plan: Plan) -> str | None:
    """None when the reading can run on this plan, else why it cannot."""
    if plan.game not in reading.games:
        return f"not a statement about the {plan.game} game"
    if reading.needs_axis:
        if plan.sampled:
            return "needs a grid along " + reading.needs_axis.replace("+", " and ")
        missing = [a for a in reading.needs_axis.split("+") if a not in plan.dims]
        if missing:
            return f"needs {' and '.join(missing)} swept as grid axes"
    return None


def task_slices(plan: Plan) -> list[dict[str, slice]]:
    """Pieces of the grid (or sample) of about TASK_POINTS, each holding whole theta x beta
    planes, so neighbour pairs along those axes never cross a task boundary."""
    shape = dict(zip(plan.dims, plan.shape))
    if plan.sampled:
        n = plan.shape[0]
        return [{plan.dims[0]: slice(i, min(i + TASK_POINTS, n))} for i in range(0, n, TASK_POINTS)]
    whole = [d for d in plan.dims if d in PLANE_AXES]
    plane = math.prod(shape[d] for d in whole)
    budget = max(1, TASK_POINTS // plane)
    pieces: list[dict[str, slice]] = [{d: slice(0, shape[d]) for d in whole}]
    for d in reversed([d for d in plan.dims if d not in PLANE_AXES]):
        step = max(1, min(shape[d], budget))
        budget = max(1, budget // step)
        pieces = [
            {**p, d: slice(i, min(i + step, shape[d]))}
            for p in pieces
            for i in range(0, shape[d], step)
        ]
    return pieces


def solve_task(plan: Plan, cut: dict[str, slice]) -> View:
    spec = get_model(plan.model)
    params = spec.parameters_of(plan.game)
    if plan.sampled:
        with compile_lock:
            kernel = spec.build_kernel(plan.game, plan.rho_form, NEEDED, False)
        cut = cut[plan.dims[0]]
        args = {p: plan.coords[p][cut] if p in plan.coords else plan.fixed[p] for p in params}
        with np.errstate(all="ignore"):
            values = dict(zip(NEEDED, kernel(*args.values())))
        return View(values, args, plan.dims)
    with compile_lock:
        kernel = spec.build_grid_kernel(plan.game, plan.rho_form, plan.dims, NEEDED, False)
    axes = [plan.coords[d][cut[d]] for d in plan.dims]
    shape = tuple(len(a) for a in axes)
    outs = [np.empty(shape, dtype=spec.output(o).dtype) for o in NEEDED]
    fixed = [plan.fixed[p] for p in params if p not in plan.dims]
    kernel(*axes, *fixed, *outs)
    grid = {
        d: a.reshape([-1 if i == k else 1 for i in range(len(axes))])
        for k, (d, a) in enumerate(zip(plan.dims, axes))
    }
    return View(dict(zip(NEEDED, outs)), {**plan.fixed, **grid}, plan.dims)


def example(view: View, shape, flat: int, reading: Reading, plan: Plan) -> dict:
    """All parameter values at one violating point (and its upper neighbour's axis value);
    ``flat`` indexes an array of ``shape``, which starts at the task's origin."""
    spec = get_model(plan.model)
    where = np.unravel_index(flat, shape)
    full = view.valid.shape
    point = {
        p: float(np.broadcast_to(view.params[p], full)[where])
        for p in spec.parameters_of(plan.game)
    }
    for o in ("outcome", "beta_lp", "q_l", "q_lp"):
        point[o] = _plain(view.values[o][where])
    if reading.needs_axis in PLANE_AXES:
        k = view.dims.index(reading.needs_axis)
        upper = tuple(i + 1 if d == k else i for d, i in enumerate(where))
        point[f"next_{reading.needs_axis}"] = float(
            np.broadcast_to(view.params[reading.needs_axis], full)[upper]
        )
        point["next_outcome"] = int(view.values["outcome"][upper])
    return point


def _plain(value):
    return int(value) if np.issubdtype(np.asarray(value).dtype, np.integer) else float(value)


def check_task(plan: Plan, cut: dict[str, slice]) -> dict:
    view = solve_task(plan, cut)
    results: dict = {"tally": tally_of(view.values), "readings": {}}
    for i, reading in enumerate(READINGS):
        if applicable(reading, plan):
            continue
        with np.errstate(invalid="ignore"):  # inf - inf near diverging closed forms
            checked, bad = reading.test(view)
        tally = Tally(int(np.count_nonzero(checked)), int(np.count_nonzero(bad)))
        for flat in np.flatnonzero(bad)[:MAX_EXAMPLES]:
            tally.examples.append(example(view, bad.shape, int(flat), reading, plan))
        results["readings"][i] = tally
    return results


def check_plan(plan: Plan, scheduler: Scheduler | None = None, on_done=None) -> dict:
    """Every applicable reading over every point of ``plan``; see ``report`` for the shape."""
    import dask

    pieces = task_slices(plan)
    plan_node = dask.delayed(plan)  # one copy in the graph, however many tasks use it
    tasks = [dask.delayed(check_task, pure=False)(plan_node, cut) for cut in pieces]
    totals = {i: Tally() for i, r in enumerate(READINGS) if not applicable(r, plan)}
    tally = None
    with computing(scheduler or Scheduler()) as compute:
        # Batches bound memory (each task's result is small, but the graph is not free).
        for start in range(0, len(tasks), 64):
            for result in compute(tasks[start : start + 64]):
                for i, t in result["readings"].items():
                    totals[i].add(t)
                tally = result["tally"] if tally is None else tally + result["tally"]
                if on_done:
                    on_done(1)
    return {"readings": totals, "tally": tally, "tasks": len(pieces)}


def check_report(plan: Plan, result: dict, seconds: float) -> dict:
    """The JSON-ready summary of ``check_plan``'s result."""
    from explorer.tallies import assumption_breaks, gap_causes, outcome_counts

    n = plan.n_points
    statements = []
    for i, reading in enumerate(READINGS):
        row = {"statement": reading.statement, "claim": reading.claim, "reading": reading.kind}
        why = applicable(reading, plan)
        if why:
            row["skipped"] = why
        else:
            t = result["readings"][i]
            share = t.violations / t.checked if t.checked else None
            row |= {"checked": t.checked, "violations": t.violations, "share": share}
            row["counterexamples"] = t.examples
        statements.append(row)
    causes = gap_causes(result["tally"])
    wrong = sum(causes.values())
    return {
        "game": plan.game,
        "rho_form": plan.rho_form,
        "design": "sample" if plan.sampled else "grid",
        "points": n,
        "seconds": round(seconds, 3),
        "statements": statements,
        "outcomes": outcome_counts(result["tally"]),
        "proposition_1_gap": {
            "points": wrong,
            "share": wrong / n,
            "by_cause": {c: {"points": k, "share": k / n} for c, k in causes.items()},
        },
        "assumption_breaks": assumption_breaks(result["tally"]),
    }


def format_check(report: dict) -> str:
    lines = [
        f"{report['game']} game, rho {report['rho_form']}: {report['points']:,} points "
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
        for example in row["counterexamples"][:1]:
            lines.append(f"{'':<37} e.g. {describe_point(example)}")
    gap = report["proposition_1_gap"]
    lines += [
        "",
        f"Proposition 1 read literally is wrong at {gap['points']:,} points "
        f"({gap['share']:.4%} of the {report['design']}):",
    ]
    lines += [f"  {c}: {v['points']:,} ({v['share']:.4%})" for c, v in gap["by_cause"].items()]
    breaks = report["assumption_breaks"]
    lines.append(
        "Assumption breaks: "
        + (", ".join(f"{k}: {v:,}" for k, v in breaks.items()) if breaks else "none")
    )
    return "\n".join(lines)


def describe_point(point: dict) -> str:
    """``alpha=0.8, theta=0.25, ...`` with floats to 6 significant digits."""
    return ", ".join(
        f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in point.items()
    )
