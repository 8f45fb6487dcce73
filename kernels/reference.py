"""A slow, plain-Python solver of the game, written from the payoffs alone.

Backward induction over the game tree: P's accept rule, then l's best proposal (the
largest share P accepts, found by bisection on P's payoff rather than from the paper's
closed form), then l's initiation choice. Used to check the kernel, and as the plain-Python
baseline in the benchmarks.
"""

from __future__ import annotations

import math

NO_CRISIS, UNILATERAL, COALITION, INVALID = 0, 1, 2, -1


def rho_of(form: str, theta: float, rho: float) -> tuple[float, float]:
    """rho(theta) and its derivative, written from the forms' definitions."""
    if form == "linear":
        return rho * theta, rho
    if form == "quadratic":
        return rho * theta**2, 2 * rho * theta
    if form == "sqrt":
        return rho * math.sqrt(theta), (math.inf if theta == 0 else rho / (2 * math.sqrt(theta)))
    raise ValueError(form)


# Payoffs exactly as the game defines them (rv is rho(theta)).
def leader_status_quo(p, rv):
    return p["alpha"] * p["theta"] + (1 - p["alpha"]) * p["q"]


def leader_unilateral(p, rv):
    return p["alpha"] * (p["p_l"] + (1 - p["p_l"]) * rv) + (1 - p["alpha"]) * (p["p_l"] - p["c_l"])


def leader_coalition(p, rv, s):
    return p["alpha"] * (p["p_lp"] + (1 - p["p_lp"]) * rv) + (1 - p["alpha"]) * (
        p["p_lp"] * s - p["c_lp"]
    )


def partner_join(p, s):
    return p["p_lp"] * p["beta"] * (1 - s) - p["c_p"]


def partner_accepts(p, s) -> bool:
    return partner_join(p, s) >= 0  # rejecting pays 0; P accepts when indifferent


def largest_accepted_share(p) -> float | None:
    """The largest s in [0, 1] that P accepts, by bisection on P's own payoff."""
    if partner_accepts(p, 1.0):
        return 1.0
    if not partner_accepts(p, 0.0):
        return None
    lo, hi = 0.0, 1.0  # lo accepted, hi rejected
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return lo
        lo, hi = (mid, hi) if partner_accepts(p, mid) else (lo, mid)


def closed_forms(p, rv, rs) -> dict:
    """The paper's eqs. 1-3 and their theta-derivatives, with IEEE limits at 0 divisors."""
    a, b = p["alpha"], p["beta"]
    d = (1 - a) * (p["c_l"] - p["c_lp"]) + (p["p_lp"] - p["p_l"]) * (1 - a * rv)
    return {
        "beta_lp": div((1 - a) * p["c_p"], d),
        "q_l": div((1 - a * rv) * p["p_l"] - a * (p["theta"] - rv) - (1 - a) * p["c_l"], 1 - a),
        "q_lp": div(
            b * p["p_lp"] * (1 - a * rv)
            - a * b * (p["theta"] - rv)
            - (1 - a) * (b * p["c_lp"] + p["c_p"]),
            (1 - a) * b,
        ),
        "dbeta_lp_dtheta": div((1 - a) * a * p["c_p"] * (p["p_lp"] - p["p_l"]) * rs, d * d),
        "dq_l_dtheta": div(-a * (1 - (1 - p["p_l"]) * rs), 1 - a),
        "dq_lp_dtheta": div(-a * (1 - (1 - p["p_lp"]) * rs), 1 - a),
        "gain": d,
    }


def div(num: float, den: float) -> float:
    if den != 0:
        return num / den
    return math.copysign(math.inf, num) if num != 0 else math.nan


def solve_reference(game: str, form: str, p: dict) -> dict:
    p = dict(p)
    p.setdefault("q", 0.0)
    rv, rs = rho_of(form, p["theta"], p["rho"])
    cf = closed_forms(p, rv, rs)
    s = largest_accepted_share(p)
    flags = set()
    if p["p_lp"] < p["p_l"]:
        flags.add("p_lp < p_l")
    if p["c_lp"] > p["c_l"]:
        flags.add("c_lp > c_l")
    if not rv > 0:
        flags.add("rho(theta) <= 0")
    if rv > p["theta"]:
        flags.add("rho(theta) > theta")
    if rv == p["theta"]:
        flags.add("rho(theta) == theta")
    if not rs > 0:
        flags.add("rho'(theta) <= 0")
    elif rs >= 1:
        flags.add("rho'(theta) >= 1")
    if s is None:
        flags.add("beta*p_lp < c_p (no share buys P)")
    if cf["gain"] == 0:
        flags.add("D == 0 (no gain from P)")
    if p["c_p"] == 0 and p["beta"] == 0:
        flags.add("c_p == 0 and beta == 0")
    result = {k: v for k, v in cf.items() if k != "gain"}
    result["s_star"] = math.nan if s is None else s
    result["flags"] = flags
    invalid = flags & {
        "p_lp < p_l",
        "c_lp > c_l",
        "rho(theta) <= 0",
        "rho(theta) > theta",
        "rho'(theta) <= 0",
    }
    if invalid:
        result.update(
            outcome=INVALID,
            eu_leader=math.nan,
            eu_partner=math.nan,
            p_win=math.nan,
            p_survive=math.nan,
            paper_agrees=False,
        )
        return result

    # l's proposal: the coalition at the best accepted share, if strictly better.
    alone = leader_unilateral(p, rv)
    if s is not None and leader_coalition(p, rv, s) > alone:
        outcome, eu, eu_p, win = (
            COALITION,
            leader_coalition(p, rv, s),
            partner_join(p, s),
            p["p_lp"],
        )
    else:
        outcome, eu, eu_p, win = UNILATERAL, alone, 0.0, p["p_l"]
    survive = win + (1 - win) * rv
    if game == "revisionist" and not eu > leader_status_quo(p, rv):
        outcome, eu, eu_p, win, survive = (
            NO_CRISIS,
            leader_status_quo(p, rv),
            0.0,
            math.nan,
            p["theta"],
        )

    # Proposition 1 as the paper states it.
    if p["beta"] > cf["beta_lp"]:
        paper = COALITION if game == "status_quo" or p["q"] < cf["q_lp"] else NO_CRISIS
    else:
        paper = UNILATERAL if game == "status_quo" or p["q"] < cf["q_l"] else NO_CRISIS
    result.update(
        outcome=outcome,
        eu_leader=eu,
        eu_partner=eu_p,
        p_win=win,
        p_survive=survive,
        paper_agrees=paper == outcome,
    )
    return result
