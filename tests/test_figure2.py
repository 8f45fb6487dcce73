"""Figure 2 of the paper: beta_lp(theta) = 0.02/(0.11 - 0.06*theta)."""

import numpy as np
import xarray as xr

import explorer
from explorer.models import get_model
from explorer.models.coalition.presets import FIGURE2

FIG2 = FIGURE2
THETA = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
EXPECTED = np.array([2 / 11, 4 / 19, 1 / 4, 4 / 13, 2 / 5])


def test_beta_lp_on_figure2_including_its_end_points():
    # The kernel reports the closed form at theta = 0 and 1 (outside the domain, where the
    # figure's curve still ends); the public API refuses those points.
    model = get_model("coalition")
    kernel = model.gufunc(model.choices({"game": "status_quo"}), ("beta_lp",))
    with np.errstate(all="ignore"):
        values = kernel(
            FIG2["alpha"],
            THETA,
            FIG2["rho"],
            FIG2["p_l"],
            FIG2["p_lp"],
            FIG2["c_l"],
            FIG2["c_lp"],
            FIG2["c_p"],
            0.5,
        )
    np.testing.assert_allclose(values, EXPECTED, rtol=1e-12)


def test_coalitions_form_above_the_curve_and_not_below():
    theta = xr.DataArray(THETA[1:-1], dims="theta")
    beta = xr.DataArray(np.linspace(0, 1, 401), dims="beta")
    ds = explorer.solve(game="status_quo", theta=theta, beta=beta, **FIG2)
    above = ds.beta > ds.beta_lp
    assert ((ds.outcome == 2) == above).all()
    np.testing.assert_allclose(ds.beta_lp.isel(beta=0), EXPECTED[1:-1], rtol=1e-12)
