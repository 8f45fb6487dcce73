"""Crisis bargaining under private information: the risk-return trade-off.

State A demands a share x of a good worth 1; state B, whose cost of war c_b only B knows
(A believes it uniform on [c_low, c_high]), accepts or fights. War gives A the good with
probability p, at cost c_a to A and c_b to B. The more A demands, the more she gets from
those who accept and the likelier a war: she trades off return against risk, and war can
happen between rational states (Fearon 1995, section "Private information and incentives
to misrepresent"; the uniform case as in Powell 1999, ch. 3).

This package is the engine's example of a second model: a declaration, a point solver
(``kernel.py``) and nothing else. The README's "Adding a model" walks through it.
"""

from __future__ import annotations

import numpy as np

from explorer.analysis.claims import monotone, pointwise
from explorer.models.bargaining.kernel import (
    COSTS_NOT_SPREAD,
    DEMAND_CAPPED,
    OUTPUT_NAMES,
    SURE_PEACE_CORNER,
    point_solver,
)
from explorer.models.declaration import (
    Checks,
    Claim,
    Model,
    Output,
    Overlay,
    Parameter,
    Regions,
    Sensitivity,
    Tally,
    Workload,
    interval,
)

PARAMETERS = (
    Parameter("p", "p", interval("(0, 1)"), "chance A wins a war"),
    Parameter("c_a", "c_A", interval("[0, inf)"), "A's cost of war"),
    Parameter("c_low", "c_B,low", interval("[0, inf)"), "lowest cost of war B may have"),
    Parameter("c_high", "c_B,high", interval("(0, inf)"), "highest cost (needs c_high > c_low)"),
)
_ALL = tuple(p.name for p in PARAMETERS)
OUTCOMES = {-1: "invalid point", 0: "sure peace", 1: "risk of war"}
FLAGS = {
    COSTS_NOT_SPREAD: "c_high <= c_low",
    SURE_PEACE_CORNER: "sure-peace corner (A asks p + c_low)",
    DEMAND_CAPPED: "demand capped at the whole good",
}

OUTPUTS = (
    Output(
        "outcome",
        "int8",
        "whether A's optimal demand risks war",
        _ALL,
        labels=OUTCOMES,
        colors={-1: "#d9d9d9", 0: "#009e73", 1: "#d55e00"},
    ),
    Output("demand", "float64", "A's optimal demand x (B keeps 1 - x)", _ALL, symbol="x*"),
    Output("p_war", "float64", "probability that B rejects and fights", _ALL),
    Output("eu_a", "float64", "A's expected utility", _ALL),
    Output("eu_b", "float64", "B's expected utility, over its types", _ALL),
    Output(
        "demand_formula",
        "float64",
        "textbook interior demand p + (c_high - c_a)/2",
        ("p", "c_a", "c_high"),
    ),
    Output(
        "p_war_formula",
        "float64",
        "textbook interior war risk (c_high - c_a - 2 c_low)/(2 (c_high - c_low))",
        ("c_a", "c_low", "c_high"),
    ),
    Output(
        "peace_threshold",
        "float64",
        "A's cost of war from which she asks only p + c_low (no war)",
        ("c_low", "c_high"),
        symbol="c_A*",
    ),
    Output("flags", "uint16", "bitmask of corners and broken assumptions", _ALL, bits=FLAGS),
)
assert tuple(o.name for o in OUTPUTS) == OUTPUT_NAMES

CLAIMS = (
    Claim(
        "Risk-return 1",
        "the war risk falls as A's cost of war rises",
        "exact",
        lambda v: monotone(v, "c_a", v["p_war"], increasing=False),
        needs_axis="c_a",
    ),
    Claim(
        "Risk-return 2",
        "A demands more as her chance of winning rises",
        "exact",
        lambda v: monotone(v, "p", v["demand"], increasing=True),
        needs_axis="p",
    ),
    Claim(
        "Risk-return 3",
        "the war risk rises with the uncertainty about B's cost (c_high)",
        "exact",
        lambda v: monotone(v, "c_high", v["p_war"], increasing=True),
        needs_axis="c_high",
    ),
    Claim(
        "Interior formula",
        "A's optimal demand is p + (c_high - c_a)/2",
        "closed form vs exact",
        lambda v: pointwise(v, v["demand"] == v["demand_formula"]),
    ),
)
TALLY = Tally(counted=(("outcome", 1), ("flags", 0)), shape=(len(OUTCOMES), 1 << len(FLAGS)))


def outcome_counts(tally: np.ndarray) -> dict[str, int]:
    return {OUTCOMES[code - 1]: int(n) for code, n in enumerate(tally.sum(axis=1))}


def corners(tally: np.ndarray) -> dict[str, int]:
    """Valid points at each corner, where the interior formulas do not hold."""
    per_flags = tally[1:].sum(axis=0)
    return {
        name: int(sum(n for flags, n in enumerate(per_flags) if flags & bit))
        for bit, name in FLAGS.items()
        if bit != COSTS_NOT_SPREAD
    }


def summarise(tally: np.ndarray) -> dict:
    return {"outcomes": outcome_counts(tally), "corners": corners(tally)}


def describe(report: dict, style: str) -> list[str]:
    found = ", ".join(f"{name}: {n:,}" for name, n in report["corners"].items())
    return ["", f"Points at a corner of the interior formulas: {found}."]


MODEL = Model(
    name="bargaining",
    title="Crisis bargaining under private information (Fearon 1995)",
    citation=(
        "Fearon, J. D. (1995). Rationalist explanations for war. International Organization "
        "49(3): 379-414. Uniform costs as in Powell, R. (1999). In the Shadow of Power. "
        "Princeton University Press, ch. 3."
    ),
    parameters=PARAMETERS,
    outputs=OUTPUTS,
    point_solver=point_solver,
    presets={"textbook": {"p": 0.5, "c_a": 0.1, "c_low": 0.0, "c_high": 0.4}},
    default_axes={"p": "0.3,0.5,0.7", "c_a": "0,0.1,0.2,0.3"},
    plane=("c_a", "c_high"),
    overlays=(Overlay("peace_threshold", "c_a", "c_A* (no war from here on)"),),
    table_columns=("outcome", "demand", "p_war", "eu_a", "eu_b", "demand_formula", "flags"),
    tally=TALLY,
    checks=Checks(
        claims=CLAIMS,
        outputs=("outcome", "demand", "p_war", "demand_formula"),
        whole_axes=("p", "c_a", "c_high"),
        example_outputs=("outcome", "demand", "p_war"),
        valid=lambda values: values["outcome"] >= 0,
        summarise=summarise,
        describe=describe,
    ),
    regions=Regions(count=outcome_counts),
    sensitivity=Sensitivity(
        targets={"risk of war": lambda v: v["outcome"] == 1, "p_war": lambda v: v["p_war"]},
        outputs=("outcome", "p_war"),
    ),
    workload=Workload(
        ranges={"p": (0.05, 0.95), "c_a": (0.0, 0.5), "c_high": (0.05, 1.0)},
        fixed={"c_low": 0.0},
        outputs=("outcome", "demand", "p_war"),
    ),
)
