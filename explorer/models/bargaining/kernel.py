"""The point solver of the bargaining model: A's optimal demand against a receiver whose
cost of war she does not know (uniform on [c_low, c_high]), and what follows from it.

B accepts a demand x (keeping 1 - x) iff 1 - x >= 1 - p - c_b, i.e. iff c_b >= x - p, so
war comes with probability F(x - p), F the uniform CDF. A's expected utility is
U(x) = (1 - F) x + F (p - c_a): x itself up to p + c_low (every type accepts), concave on
[p + c_low, p + c_high] with its peak at p + (c_high - c_a)/2, and p - c_a beyond. So the
optimal demand is that peak, raised to p + c_low (the sure-peace corner) or lowered to 1
(the whole good). The textbook's interior formulas are reported beside the exact answer.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels.numerics import ratio

SURE_PEACE, RISK_OF_WAR, INVALID = 0, 1, -1
COSTS_NOT_SPREAD = 1 << 0  # c_high <= c_low: no uniform distribution of costs
SURE_PEACE_CORNER = 1 << 1  # the interior peak lies below what every type accepts
DEMAND_CAPPED = 1 << 2  # the interior peak lies above the whole good
OUTPUT_NAMES = (
    "outcome",
    "demand",
    "p_war",
    "eu_a",
    "eu_b",
    "demand_formula",
    "p_war_formula",
    "peace_threshold",
    "flags",
)


def point_solver():
    """Scalar ``@njit`` solver ``f(p, c_a, c_low, c_high) -> tuple`` in OUTPUT_NAMES order."""
    return solve_point


@njit(inline="always", error_model="numpy")
def solve_point(p, c_a, c_low, c_high):
    flags = 0
    if not c_high > c_low:
        flags |= COSTS_NOT_SPREAD
    width = c_high - c_low
    formula = p + 0.5 * (c_high - c_a)  # the textbook's interior demand
    p_war_formula = ratio(c_high - c_a - 2.0 * c_low, 2.0 * width)
    peace_threshold = c_high - 2.0 * c_low  # from this cost on, A asks only p + c_low

    lowest = p + c_low  # every type of B accepts this much
    demand = min(max(formula, lowest), 1.0)
    if demand > formula:
        flags |= SURE_PEACE_CORNER
    elif demand < formula:
        flags |= DEMAND_CAPPED

    # Types with c_b below demand - p reject; taken from how the demand was set, so a
    # demand every type accepts gives no war (not a rounding error's worth of it).
    if demand > formula:
        fight_below = c_low
    elif demand < formula:
        fight_below = min(1.0 - p, c_high)
    else:
        fight_below = min(0.5 * (c_high - c_a), c_high)
    if fight_below > c_low:
        p_war = (fight_below - c_low) / width
        fought = (1.0 - p) * (fight_below - c_low) - 0.5 * (fight_below**2 - c_low**2)
    else:
        p_war = 0.0
        fought = 0.0
    eu_a = (1.0 - p_war) * demand + p_war * (p - c_a)
    eu_b = (1.0 - p_war) * (1.0 - demand) + fought / width
    code = RISK_OF_WAR if p_war > 0.0 else SURE_PEACE

    if flags & COSTS_NOT_SPREAD:
        code = INVALID
        demand = p_war = eu_a = eu_b = np.nan
    return (
        np.int8(code),
        demand,
        p_war,
        eu_a,
        eu_b,
        formula,
        p_war_formula,
        peace_threshold,
        np.uint16(flags),
    )
