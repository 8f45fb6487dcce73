"""The paper's claims as ``explorer check`` tests them: Implications 1-5 and Propositions
1-2 of Wolford and Ritter (2016), each in the readings that apply (the exact equilibrium,
the closed forms of eqs. 1-3, or their analytic theta-derivatives)."""

from __future__ import annotations

import numpy as np

from explorer.analysis.claims import REL_TOL, View, both, finite, monotone, pointwise
from explorer.models.declaration import Claim

REVISIONIST = {"game": ("revisionist",)}  # statements about initiating a crisis


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


def _iff_closed_forms(view: View):
    q_l, q_lp, beta_lp, beta = view["q_l"], view["q_lp"], view["beta_lp"], view["beta"]
    beta = np.broadcast_to(beta, q_l.shape)
    where = finite(q_l, q_lp, beta_lp) & (beta > 0)
    # Away from ties (where rounding decides either side), the two sides must agree.
    scale = np.maximum(np.abs(q_l), np.abs(q_lp)) + 1.0
    clear = (np.abs(q_lp - q_l) > REL_TOL * scale) & (
        np.abs(beta - beta_lp) > REL_TOL * (np.abs(beta_lp) + 1.0)
    )
    return pointwise(view, (q_lp > q_l) == (beta > beta_lp), where & clear)


def _partner_never_deters(view: View):
    q, q_l = np.broadcast_to(view["q"], view["q_l"].shape), view["q_l"]
    clearly_below = q < q_l - REL_TOL * (np.abs(q_l) + 1.0)
    return pointwise(view, ~((view["outcome"] == 0) & clearly_below), np.isfinite(q_l))


def _paper_agrees(view: View):
    return pointwise(view, view["paper_agrees"])


CLAIMS = (
    Claim(
        "Implication 1",
        "the coalition region grows with beta",
        "exact",
        lambda v: monotone(v, "beta", _coalition(v), increasing=True),
        needs_axis="beta",
    ),
    Claim(
        "Implication 1",
        "the crisis region grows with beta",
        "exact",
        lambda v: monotone(v, "beta", _crisis(v), increasing=True),
        needs_axis="beta",
        variants=REVISIONIST,
    ),
    Claim(
        "Implication 2",
        "the coalition region shrinks as theta rises",
        "exact",
        lambda v: monotone(v, "theta", _coalition(v), increasing=False),
        needs_axis="theta",
    ),
    Claim(
        "Implication 2",
        "beta_lp rises with theta",
        "closed form",
        lambda v: monotone(v, "theta", v["beta_lp"], increasing=True, finite_only=True),
        needs_axis="theta",
    ),
    Claim(
        "Implication 2",
        "d beta_lp / d theta >= 0",
        "analytic derivative",
        lambda v: pointwise(v, v["dbeta_lp_dtheta"] >= 0, np.isfinite(v["dbeta_lp_dtheta"])),
    ),
    Claim(
        "Implication 3",
        "the range of beta that forms a coalition narrows as theta rises",
        "exact",
        _width_narrows,
        needs_axis="beta+theta",
    ),
    Claim(
        "Implication 4",
        "a partner never deters a crisis l would start alone (no status quo while q < q_l)",
        "exact",
        _partner_never_deters,
        variants=REVISIONIST,
    ),
    Claim(
        "Implication 5",
        "q_l and q_lp fall as theta rises",
        "closed form",
        lambda v: both(
            monotone(v, "theta", v["q_l"], increasing=False, finite_only=True),
            monotone(v, "theta", v["q_lp"], increasing=False, finite_only=True),
        ),
        needs_axis="theta",
        variants=REVISIONIST,
    ),
    Claim(
        "Implication 5",
        "d q_l / d theta < 0 and d q_lp / d theta < 0",
        "analytic derivative",
        lambda v: pointwise(
            v,
            (v["dq_l_dtheta"] < 0) & (v["dq_lp_dtheta"] < 0),
            finite(v["dq_l_dtheta"], v["dq_lp_dtheta"]),
        ),
        variants=REVISIONIST,
    ),
    Claim(
        "Proposition 1",
        "beta > beta_lp, q < q_lp / q < q_l give the equilibrium outcome",
        "closed form vs exact",
        _paper_agrees,
    ),
    Claim(
        "Proposition 2",
        "q_lp > q_l exactly when beta > beta_lp",
        "closed form",
        _iff_closed_forms,
        variants=REVISIONIST,
    ),
)
# The outputs the claims read, and those shown beside each counterexample.
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
EXAMPLE_OUTPUTS = ("outcome", "beta_lp", "q_l", "q_lp")
