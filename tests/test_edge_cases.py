"""Every place docs/model.md lists where Proposition 1 is incomplete, worked out by hand.

Values are dyadic where possible so float arithmetic is exact and ties are real ties.
"""

import math

import numpy as np
import pytest

import explorer
from explorer.models.coalition.presets import FIGURE2
from kernels import coalition as k

FIG2 = FIGURE2

CASES = {
    # beta*p_lp = 0.25 < c_p = 0.5: no share buys P. D = 0.5*1 + 0.25*(1 - 0.5*0.25) = 0.71875
    # > (1-alpha)*p_lp = 0.25, so beta_lp = 0.25/0.71875 = 8/23 < beta = 0.5: the paper
    # says coalition, the exact answer is unilateral with EU = 0.5*(0.25 + 0.75*0.25)
    # + 0.5*(0.25 - 1) = -0.15625.
    "unaffordable_partner_above_beta_lp": dict(
        game="status_quo",
        params=dict(
            alpha=0.5, theta=0.5, rho=0.5, p_l=0.25, p_lp=0.5, c_l=1.0, c_lp=0.0, c_p=0.5, beta=0.5
        ),
        outcome=k.UNILATERAL,
        agrees=False,
        s_star=math.nan,
        beta_lp=8 / 23,
        eu_leader=-0.15625,
        flags=k.PARTNER_UNAFFORDABLE,
    ),
    # Revisionist form of the gap: beta*p_lp = 0.375 < c_p = 0.5; D = 0.125 + 0.5*0.875
    # = 0.5625, beta_lp = 0.25/0.5625 = 4/9 < 0.5 and q = 0 < q_lp = 0.0625, so the paper
    # says coalition crisis. Exactly: acting alone pays 0.5*0.4375 + 0 = 0.21875 < the
    # status quo's 0.5*0.5 + 0.5*0 = 0.25: no crisis.
    "unaffordable_partner_revisionist": dict(
        game="revisionist",
        params=dict(
            alpha=0.5,
            theta=0.5,
            rho=0.5,
            p_l=0.25,
            p_lp=0.75,
            c_l=0.25,
            c_lp=0.0,
            c_p=0.5,
            beta=0.5,
            q=0.0,
        ),
        outcome=k.NO_CRISIS,
        agrees=False,
        s_star=math.nan,
        beta_lp=4 / 9,
        eu_leader=0.25,
        q_lp=0.0625,
        flags=k.PARTNER_UNAFFORDABLE,
    ),
    # D == 0 (p_lp == p_l, c_lp == c_l) with c_p > 0: beta_lp = +inf; the coalition pays
    # (1-alpha)*p_l*(s_star - 1) < 0 more than acting alone: unilateral, as the paper says.
    "no_gain_costly_partner": dict(
        game="status_quo",
        params=dict(
            alpha=0.5,
            theta=0.5,
            rho=0.5,
            p_l=0.5,
            p_lp=0.5,
            c_l=0.25,
            c_lp=0.25,
            c_p=0.25,
            beta=1.0,
        ),
        outcome=k.UNILATERAL,
        agrees=True,
        s_star=0.5,
        beta_lp=math.inf,
        eu_leader=0.5 * (0.5 + 0.5 * 0.25) + 0.5 * 0.25,
        flags=k.NO_COALITION_GAIN,
    ),
    # D == 0 with c_p == 0: beta_lp = 0/0 (NaN); s_star = 1 and the coalition pays exactly
    # what acting alone pays, so l is indifferent and acts alone (tie-breaking).
    "no_gain_free_partner": dict(
        game="status_quo",
        params=dict(
            alpha=0.5, theta=0.5, rho=0.5, p_l=0.5, p_lp=0.5, c_l=0.25, c_lp=0.25, c_p=0.0, beta=0.5
        ),
        outcome=k.UNILATERAL,
        agrees=True,
        s_star=1.0,
        beta_lp=math.nan,
        eu_leader=0.5 * 0.625 + 0.5 * 0.25,
        flags=k.NO_COALITION_GAIN,
    ),
    # c_p == 0 and beta == 0: P joins for nothing (0 >= 0), s_star = 1, and with D > 0 the
    # coalition is strictly better: EU = 0.5*(0.75 + 0.25*0.25) + 0.5*(0.75 - 0.125)
    # = 0.71875 > 0.5*(0.5 + 0.5*0.25) + 0.5*(0.5 - 0.25) = 0.4375. The paper's
    # beta > beta_lp = 0 fails, so it says unilateral.
    "free_partner_zero_beta": dict(
        game="status_quo",
        params=dict(
            alpha=0.5,
            theta=0.5,
            rho=0.5,
            p_l=0.5,
            p_lp=0.75,
            c_l=0.25,
            c_lp=0.125,
            c_p=0.0,
            beta=0.0,
        ),
        outcome=k.COALITION,
        agrees=False,
        s_star=1.0,
        beta_lp=0.0,
        eu_leader=0.71875,
        flags=k.FREE_PARTNER_ZERO_BETA,
    ),
    # beta == 0 with c_p > 0: nothing buys P; unilateral, as the paper says.
    "zero_beta_costly_partner": dict(
        game="status_quo",
        params=dict(
            alpha=0.5,
            theta=0.5,
            rho=0.5,
            p_l=0.5,
            p_lp=0.75,
            c_l=0.25,
            c_lp=0.125,
            c_p=0.125,
            beta=0.0,
        ),
        outcome=k.UNILATERAL,
        agrees=True,
        s_star=math.nan,
        eu_leader=0.4375,
        flags=k.PARTNER_UNAFFORDABLE,
    ),
    # P exactly indifferent at s = 0 (beta*p_lp == c_p = 0.25): P accepts, s_star = 0.
    # Coalition: 0.5*(0.5 + 0.5*0.25) + 0.5*(0 - 0) = 0.3125 < alone 0.5*(0.25 + 0.75*0.25)
    # + 0.5*(0.25 - 0.0625) = 0.3125: a tie too, so l acts alone.
    "partner_indifferent_at_zero_share": dict(
        game="status_quo",
        params=dict(
            alpha=0.5,
            theta=0.5,
            rho=0.5,
            p_l=0.25,
            p_lp=0.5,
            c_l=0.0625,
            c_lp=0.0,
            c_p=0.25,
            beta=0.5,
        ),
        outcome=k.UNILATERAL,
        s_star=0.0,
        eu_leader=0.3125,
        flags=0,
    ),
    # Footnote 8 fails for rho*theta**2: rho' = 2*0.75*0.75 = 1.125 >= 1. Still a valid
    # point (flagged), and dq_l/dtheta = -0.5*(1 - 0.9375*1.125)/0.5 = 0.0546875 > 0:
    # Implication 5 reverses here.
    "quadratic_rho_slope_above_one": dict(
        game="status_quo",
        rho_form="quadratic",
        params=dict(
            alpha=0.5,
            theta=0.75,
            rho=0.75,
            p_l=0.0625,
            p_lp=0.5,
            c_l=0.25,
            c_lp=0.125,
            c_p=0.125,
            beta=0.5,
        ),
        outcome=k.COALITION,
        dq_l_dtheta=0.0546875,
        flags=k.RHO_SLOPE_AT_LEAST_ONE,
    ),
    # rho*sqrt(theta) with theta = 0.25 < rho**2 = 0.5625: rho(theta) = 0.375 > theta.
    "sqrt_rho_above_theta": dict(
        game="status_quo",
        rho_form="sqrt",
        params=dict(
            alpha=0.5,
            theta=0.25,
            rho=0.75,
            p_l=0.5,
            p_lp=0.75,
            c_l=0.25,
            c_lp=0.125,
            c_p=0.125,
            beta=0.5,
        ),
        outcome=k.INVALID,
        agrees=False,
        eu_leader=math.nan,
        flags=k.RHO_ABOVE_THETA,
    ),
    "p_lp_below_p_l": dict(
        game="revisionist",
        params=dict(FIG2, theta=0.5, beta=0.5, q=0.25, p_lp=0.5),
        outcome=k.INVALID,
        agrees=False,
        eu_leader=math.nan,
        flags=k.P_LP_BELOW_P_L,
    ),
    "c_lp_above_c_l": dict(
        game="revisionist",
        params=dict(FIG2, theta=0.5, beta=0.5, q=0.25, c_lp=0.2),
        outcome=k.INVALID,
        agrees=False,
        eu_leader=math.nan,
        flags=k.C_LP_ABOVE_C_L,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_edge_case(name):
    case = dict(CASES[name])
    ds = explorer.solve(
        game=case.pop("game"), rho_form=case.pop("rho_form", "linear"), **case.pop("params")
    )
    assert int(ds.outcome) == case.pop("outcome")
    assert int(ds.flags) == case.pop("flags")
    if "agrees" in case:
        assert bool(ds.paper_agrees) is case.pop("agrees")
    for output, expected in case.items():
        np.testing.assert_equal(float(ds[output]), expected, err_msg=output)
    if int(ds.outcome) == k.INVALID:
        assert np.isnan(ds.eu_leader) and np.isnan(ds.p_win) and np.isnan(ds.p_survive)
