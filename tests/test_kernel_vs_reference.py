"""The kernel against the pure-Python backward-induction solver on seeded random points."""

import numpy as np
import pytest

import explorer
from kernels.coalition import FLAG_NAMES, OUTPUT_NAMES
from kernels.reference import solve_reference
from tests.points import point, random_points

N_POINTS = 100_000
FLOATS = [o for o in OUTPUT_NAMES if o not in ("outcome", "paper_agrees", "flags")]


def flag_set(bits: int) -> set:
    return {name for bit, name in FLAG_NAMES.items() if bits & bit}


@pytest.mark.parametrize("game", ["revisionist", "status_quo"])
def test_kernel_matches_reference_on_random_points(game):
    params = random_points(seed=20261125, n=N_POINTS, game=game)
    outcome = assert_matches_reference(game, "linear", params)
    # Every branch of the game is exercised, not just one.
    wanted = {1, 2} if game == "status_quo" else {0, 1, 2}
    assert wanted <= set(np.unique(outcome))


@pytest.mark.parametrize("rho_form", ["quadratic", "sqrt"])
def test_nonlinear_forms_match_reference(rho_form):
    outcome = assert_matches_reference("revisionist", rho_form, random_points(seed=7, n=20_000))
    if rho_form == "sqrt":  # rho*sqrt(theta) > theta for theta < rho**2: invalid points
        assert (outcome == -1).any()


def assert_matches_reference(game, rho_form, params):
    """Kernel == reference at every point: outcomes, flags, paper_agrees; floats to 1e-12."""
    ds = explorer.solve(game=game, rho_form=rho_form, **params)
    n = ds.outcome.size
    expected = [solve_reference(game, rho_form, point(params, i)) for i in range(n)]
    outcome = np.array([e["outcome"] for e in expected])
    np.testing.assert_array_equal(ds.outcome.values, outcome)
    for name in FLOATS:
        np.testing.assert_allclose(
            ds[name].values,
            [e[name] for e in expected],
            rtol=1e-12,
            atol=1e-15,
            equal_nan=True,
            err_msg=name,
        )
    np.testing.assert_array_equal(ds.paper_agrees.values, [e["paper_agrees"] for e in expected])
    assert [flag_set(int(b)) for b in ds.flags.values] == [e["flags"] for e in expected]
    return outcome


def test_derivatives_match_finite_differences():
    """The analytic theta-derivatives against central differences of the closed forms."""
    params = random_points(seed=3, n=2_000, game="status_quo")
    params["theta"] = np.clip(params["theta"], 1e-3, 1 - 1e-3)
    h = 1e-6
    for rho_form in ("linear", "quadratic", "sqrt"):
        ds = explorer.solve(game="status_quo", rho_form=rho_form, **params)
        up = explorer.solve(
            game="status_quo", rho_form=rho_form, **{**params, "theta": params["theta"] + h}
        )
        down = explorer.solve(
            game="status_quo", rho_form=rho_form, **{**params, "theta": params["theta"] - h}
        )
        for threshold in ("beta_lp", "q_l", "q_lp"):
            numeric = (up[threshold] - down[threshold]) / (2 * h)
            analytic = ds[f"d{threshold}_dtheta"]
            ok = np.isfinite(numeric) & np.isfinite(analytic) & (np.abs(analytic) < 1e6)
            assert ok.sum() > 1000
            np.testing.assert_allclose(
                numeric.values[ok],
                analytic.values[ok],
                rtol=1e-4,
                atol=1e-6,
                err_msg=f"{rho_form} {threshold}",
            )
