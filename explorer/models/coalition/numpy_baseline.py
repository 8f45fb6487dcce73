"""The kernel's maths as plain numpy broadcasting: the baseline a researcher would write."""

from __future__ import annotations

import numpy as np

OUTPUTS = ("outcome", "s_star", "beta_lp", "q_l", "q_lp", "eu_leader")


def solve_numpy(
    alpha, theta, rho, p_l, p_lp, c_l, c_lp, c_p, beta, q, outputs=OUTPUTS, revisionist=True
):
    """``outputs`` (a subset of ``OUTPUTS``) on the full broadcast grid, for linear rho."""
    shape = np.broadcast_shapes(
        *(np.shape(a) for a in (alpha, theta, rho, p_l, p_lp, c_l, c_lp, c_p, beta, q))
    )
    result = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        rv = rho * theta
        affordable = beta * p_lp >= c_p
        s_star = np.where(c_p == 0, 1.0, np.where(affordable, 1.0 - c_p / (beta * p_lp), np.nan))
        alone = alpha * (p_l + (1 - p_l) * rv) + (1 - alpha) * (p_l - c_l)
        with_p = alpha * (p_lp + (1 - p_lp) * rv) + (1 - alpha) * (p_lp * s_star - c_lp)
        coalition = affordable & (with_p > alone)
        eu = np.where(coalition, with_p, alone)
        outcome = np.where(coalition, np.int8(2), np.int8(1))
        if revisionist:
            status_quo = alpha * theta + (1 - alpha) * q
            crisis = eu > status_quo
            outcome = np.where(crisis, outcome, np.int8(0))
            eu = np.where(crisis, eu, status_quo)
        invalid = (p_lp < p_l) | (c_lp > c_l)
        result["outcome"] = np.where(invalid, np.int8(-1), outcome).astype(np.int8)
        result["eu_leader"] = np.where(invalid, np.nan, eu)
        result["s_star"] = s_star
        if {"beta_lp", "q_l", "q_lp"} & set(outputs):
            gain = (1 - alpha) * (c_l - c_lp) + (p_lp - p_l) * (1 - alpha * rv)
            result["beta_lp"] = (1 - alpha) * c_p / gain
            result["q_l"] = ((1 - alpha * rv) * p_l - alpha * (theta - rv) - (1 - alpha) * c_l) / (
                1 - alpha
            )
            result["q_lp"] = (
                beta * p_lp * (1 - alpha * rv)
                - alpha * beta * (theta - rv)
                - (1 - alpha) * (beta * c_lp + c_p)
            ) / ((1 - alpha) * beta)
    # A grid of results, as the kernel gives: broadcast pieces are written out in full.
    return {o: np.ascontiguousarray(np.broadcast_to(result[o], shape)) for o in outputs}
