"""Exact subgame-perfect equilibrium of the political-security coalition game.

Wolford and Ritter's crisis game (see README): leader l may start a crisis (revisionist
game only), then acts alone or offers partner P a coalition in which l keeps share s;
P joins or rejects. Payoffs are in ``point_solver`` below.

The kernel decides every move by comparing payoffs (backward induction with the
paper's tie-breaking: P accepts when indifferent, l changes course only when strictly
better off). The paper's closed forms (eqs. 1-3) and their theta-derivatives are
reported beside the exact outcome, never used to decide it.

``point_solver`` builds the scalar ``@njit`` solver for one (game, rho form); the loops
over grids, broadcast arrays and tallies are generated from it (``kernels.loops``). The
declaration the engine reads is ``explorer.models.coalition``.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

from kernels.numerics import ratio
from kernels.rho import RHO_FORMS

NO_CRISIS, UNILATERAL, COALITION, INVALID = 0, 1, 2, -1
OUTCOME_LABELS = {
    INVALID: "invalid point",
    NO_CRISIS: "no crisis",
    UNILATERAL: "unilateral crisis",
    COALITION: "coalition crisis",
}

# Flag bits. Those in INVALID_FLAGS break the model's assumptions: the point's
# equilibrium outputs are -1/NaN/False. The others are reported, not fatal.
P_LP_BELOW_P_L = 1 << 0  # p_lp < p_l
C_LP_ABOVE_C_L = 1 << 1  # c_lp > c_l
RHO_NOT_POSITIVE = 1 << 2  # rho(theta) <= 0
RHO_ABOVE_THETA = 1 << 3  # rho(theta) > theta
RHO_EQUALS_THETA = 1 << 4  # rho(theta) == theta (allowed, against the text's strict <)
RHO_SLOPE_NOT_POSITIVE = 1 << 5  # rho'(theta) <= 0
RHO_SLOPE_AT_LEAST_ONE = 1 << 6  # rho'(theta) >= 1 (the paper's footnote 8 fails)
PARTNER_UNAFFORDABLE = 1 << 7  # beta*p_lp < c_p: no share in [0, 1] buys P
NO_COALITION_GAIN = 1 << 8  # D == 0: p_lp == p_l and c_lp == c_l
FREE_PARTNER_ZERO_BETA = 1 << 9  # c_p == 0 and beta == 0: P joins for nothing
INVALID_FLAGS = (
    P_LP_BELOW_P_L | C_LP_ABOVE_C_L | RHO_NOT_POSITIVE | RHO_ABOVE_THETA | RHO_SLOPE_NOT_POSITIVE
)
# Where Proposition 1 read literally can give the wrong outcome (docs/model.md).
PROPOSITION_1_GAPS = PARTNER_UNAFFORDABLE | NO_COALITION_GAIN | FREE_PARTNER_ZERO_BETA
FLAG_NAMES = {
    P_LP_BELOW_P_L: "p_lp < p_l",
    C_LP_ABOVE_C_L: "c_lp > c_l",
    RHO_NOT_POSITIVE: "rho(theta) <= 0",
    RHO_ABOVE_THETA: "rho(theta) > theta",
    RHO_EQUALS_THETA: "rho(theta) == theta",
    RHO_SLOPE_NOT_POSITIVE: "rho'(theta) <= 0",
    RHO_SLOPE_AT_LEAST_ONE: "rho'(theta) >= 1",
    PARTNER_UNAFFORDABLE: "beta*p_lp < c_p (no share buys P)",
    NO_COALITION_GAIN: "D == 0 (no gain from P)",
    FREE_PARTNER_ZERO_BETA: "c_p == 0 and beta == 0",
}

# The parameters of the solver, in call order; the status-quo game ignores q.
PARAMETER_NAMES = ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p", "beta", "q")
GAMES = {"revisionist": PARAMETER_NAMES, "status_quo": PARAMETER_NAMES[:-1]}
# What the solver returns, in order.
OUTPUT_NAMES = (
    "outcome",
    "s_star",
    "beta_lp",
    "q_l",
    "q_lp",
    "eu_leader",
    "eu_partner",
    "p_win",
    "p_survive",
    "dbeta_lp_dtheta",
    "dq_l_dtheta",
    "dq_lp_dtheta",
    "paper_agrees",
    "flags",
)


@cache
def point_solver(game: str = "revisionist", rho_form: str = "linear"):
    """Scalar ``@njit`` solver ``f(alpha, ..., beta, q) -> tuple`` in ``OUTPUT_NAMES`` order.

    ``q`` is ignored in the status-quo game. Never raises: broken assumptions come back
    as flags, undefined closed forms as NaN (and +-inf where the formula diverges).
    """
    revisionist = game == "revisionist"
    form = RHO_FORMS[rho_form]
    rho_value, rho_slope = form.value, form.slope
    nan = np.nan

    @njit(inline="always", error_model="numpy")
    def solve_point(alpha, theta, rho, p_l, p_lp, c_l, c_lp, c_p, beta, q):
        rv = rho_value(theta, rho)
        rs = rho_slope(theta, rho)
        flags = 0
        if p_lp < p_l:
            flags |= P_LP_BELOW_P_L
        if c_lp > c_l:
            flags |= C_LP_ABOVE_C_L
        if not rv > 0.0:
            flags |= RHO_NOT_POSITIVE
        if rv > theta:
            flags |= RHO_ABOVE_THETA
        elif rv == theta:
            flags |= RHO_EQUALS_THETA
        if not rs > 0.0:
            flags |= RHO_SLOPE_NOT_POSITIVE
        elif rs >= 1.0:
            flags |= RHO_SLOPE_AT_LEAST_ONE
        # P accepts s iff p_lp*beta*(1-s) - c_p >= 0, so some s in [0, 1] works iff
        # P accepts s = 0.
        affordable = beta * p_lp >= c_p
        if not affordable:
            flags |= PARTNER_UNAFFORDABLE
        gain = (1.0 - alpha) * (c_l - c_lp) + (p_lp - p_l) * (1.0 - alpha * rv)  # D
        if gain == 0.0:
            flags |= NO_COALITION_GAIN
        if c_p == 0.0 and beta == 0.0:
            flags |= FREE_PARTNER_ZERO_BETA

        # The largest share P accepts (P is indifferent there).
        if c_p == 0.0:
            s_star = 1.0
        elif affordable:
            s_star = 1.0 - c_p / (beta * p_lp)
        else:
            s_star = nan

        # The paper's closed forms, reported as written (IEEE semantics off-domain).
        beta_lp = ratio((1.0 - alpha) * c_p, gain)
        q_l = ratio(
            (1.0 - alpha * rv) * p_l - alpha * (theta - rv) - (1.0 - alpha) * c_l, 1.0 - alpha
        )
        q_lp = ratio(
            beta * p_lp * (1.0 - alpha * rv)
            - alpha * beta * (theta - rv)
            - (1.0 - alpha) * (beta * c_lp + c_p),
            (1.0 - alpha) * beta,
        )
        dbeta_lp = ratio((1.0 - alpha) * alpha * c_p * (p_lp - p_l) * rs, gain * gain)
        dq_l = ratio(-alpha * (1.0 - (1.0 - p_l) * rs), 1.0 - alpha)
        dq_lp = ratio(-alpha * (1.0 - (1.0 - p_lp) * rs), 1.0 - alpha)

        # Backward induction over the payoffs.
        eu_alone = alpha * (p_l + (1.0 - p_l) * rv) + (1.0 - alpha) * (p_l - c_l)
        coalition = False
        eu_with = nan
        if affordable:
            eu_with = alpha * (p_lp + (1.0 - p_lp) * rv) + (1.0 - alpha) * (p_lp * s_star - c_lp)
            coalition = eu_with > eu_alone
        if coalition:
            code = COALITION
            eu_leader = eu_with
            eu_partner = p_lp * beta * (1.0 - s_star) - c_p
            p_win = p_lp
        else:
            code = UNILATERAL
            eu_leader = eu_alone
            eu_partner = 0.0
            p_win = p_l
        p_survive = p_win + (1.0 - p_win) * rv
        if revisionist:
            eu_status_quo = alpha * theta + (1.0 - alpha) * q
            if not eu_leader > eu_status_quo:
                code = NO_CRISIS
                eu_leader = eu_status_quo
                eu_partner = 0.0
                p_win = nan
                p_survive = theta

        # Proposition 1 read literally.
        if beta > beta_lp:
            paper = COALITION if (not revisionist or q < q_lp) else NO_CRISIS
        else:
            paper = UNILATERAL if (not revisionist or q < q_l) else NO_CRISIS
        agrees = paper == code

        # Masked at the end rather than returned early: a loop with one exit vectorises.
        if flags & INVALID_FLAGS:
            code = INVALID
            eu_leader = eu_partner = p_win = p_survive = nan
            agrees = False
        return (
            np.int8(code),
            s_star,
            beta_lp,
            q_l,
            q_lp,
            eu_leader,
            eu_partner,
            p_win,
            p_survive,
            dbeta_lp,
            dq_l,
            dq_lp,
            agrees,
            np.uint16(flags),
        )

    return solve_point
