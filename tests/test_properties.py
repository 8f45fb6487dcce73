"""Hypothesis properties: equilibrium (no profitable deviation) and the paper's monotonicity."""

import numpy as np
import xarray as xr
from hypothesis import assume, given
from hypothesis import strategies as st

import explorer
from kernels import reference as ref

unit = st.floats(0.001, 0.999)


@st.composite
def valid_points(draw, game="revisionist"):
    p = {
        "alpha": draw(unit),
        "theta": draw(unit),
        "rho": draw(unit),
        "p_l": draw(unit),
        "c_l": draw(st.floats(0.001, 1.0)),
        "c_p": draw(st.floats(0.0, 0.5)),
        "beta": draw(st.floats(0.0, 1.0)),
    }
    p["p_lp"] = draw(st.floats(p["p_l"], 0.999))
    p["c_lp"] = draw(st.floats(0.0, p["c_l"]))
    if game == "revisionist":
        p["q"] = draw(st.floats(0.0, 1.0))
    return p


TOL = 1e-12


@given(valid_points(), st.floats(0.0, 1.0))
def test_no_player_gains_by_deviating(p, any_share):
    ds = explorer.solve(**p)
    outcome, eu = int(ds.outcome), float(ds.eu_leader)
    rv = p["rho"] * p["theta"]
    alone = ref.leader_unilateral(p, rv)
    sq = ref.leader_status_quo(p, rv)
    # P: joins at the offered share only if that pays at least rejecting (0).
    if outcome == 2:
        assert ref.partner_join(p, float(ds.s_star)) >= -TOL
    # P rejects any share above s_star (else l could keep more).
    if not np.isnan(ds.s_star) and any_share > float(ds.s_star) + 1e-9:
        assert ref.partner_join(p, any_share) < 0
    # l: no better move at the proposal node, whatever share she offers.
    if outcome in (1, 2):
        assert eu >= alone - TOL
        if ref.partner_accepts(p, any_share):
            assert eu >= ref.leader_coalition(p, rv, any_share) - TOL
        assert eu > sq - TOL  # starting the crisis pays
    else:
        # Not starting: no crisis move beats the status quo.
        assert sq >= alone - TOL
        if ref.partner_accepts(p, any_share):
            assert sq >= ref.leader_coalition(p, rv, any_share) - TOL


@given(valid_points(), st.sampled_from(["revisionist", "status_quo"]))
def test_coalition_and_crisis_monotone_in_beta(p, game):
    """Implication 1: a more like-minded partner never makes a coalition (or a crisis)
    less likely."""
    if game == "status_quo":
        p.pop("q")
    beta = xr.DataArray(np.linspace(0.0, 1.0, 257), dims="beta")
    ds = explorer.solve(game=game, **{**p, "beta": beta})
    coalition = (ds.outcome == 2).values
    crisis = (ds.outcome >= 1).values
    assert (np.diff(coalition.astype(int)) >= 0).all()
    assert (np.diff(crisis.astype(int)) >= 0).all()


@given(valid_points())
def test_crisis_monotone_in_q(p):
    """A more valuable status quo never makes a crisis more likely, nor changes its kind."""
    q = xr.DataArray(np.linspace(0.0, 1.0, 257), dims="q")
    ds = explorer.solve(**{**p, "q": q})
    crisis = (ds.outcome >= 1).values
    assert (np.diff(crisis.astype(int)) <= 0).all()
    kinds = set(ds.outcome.values[crisis].tolist())
    assume(kinds)
    assert len(kinds) == 1


@given(valid_points(game="status_quo"))
def test_status_quo_game_matches_revisionist_crisis_choice(p):
    """Whenever l starts a crisis, she picks the kind she would pick inside one."""
    sq = explorer.solve(game="status_quo", **p)
    rev = explorer.solve(game="revisionist", q=0.0, **p)
    if int(rev.outcome) != 0:
        assert int(rev.outcome) == int(sq.outcome)
