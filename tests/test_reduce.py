"""The streaming tally counts exactly what solving every point and counting would."""

import distributed
import numpy as np
import pytest
import xarray as xr

import explorer
from explorer.config import parse_config
from explorer.execute import Scheduler
from explorer.plan import make_plan
from explorer.reduce import tally_plan
from explorer.tallies import outcome_counts, tally_of
from tests.test_sweep import GRID

SAMPLED = {
    "game": "status_quo",
    "rho_form": "quadratic",
    "fixed": {"rho": 0.9, "p_l": 0.5, "c_l": 0.2, "c_lp": 0.1},
    "sample": {
        "method": "sobol",
        "n": 3000,
        "seed": 4,
        "bounds": {
            "alpha": [0.05, 0.95],
            "theta": [0.01, 0.99],
            "p_lp": [0.4, 0.9],
            "c_p": [0.0, 0.3],
            "beta": [0.0, 1.0],
        },
    },
    "chunk_points": 700,
}


def counted_by_solving(config):
    plan = make_plan(config)
    if plan.sampled:
        params = {**config.fixed, **plan.coords}
    else:
        params = {**config.fixed}
        for d in plan.dims:
            params[d] = xr.DataArray(plan.coords[d], dims=d)
    ds = explorer.solve(game=config.game, rho_form=config.rho_form, **params)
    return tally_of({k: ds[k].values for k in ("outcome", "paper_agrees", "flags")})


@pytest.mark.parametrize("raw", [GRID, SAMPLED], ids=["grid", "sobol sample"])
def test_tally_equals_counting_solved_points(raw):
    config = parse_config(raw)
    seen = []
    total = tally_plan(make_plan(config), Scheduler("threads", workers=2), seen.append)
    expected = counted_by_solving(config)
    np.testing.assert_array_equal(total, expected)
    assert sum(seen) == config.n_points() == total.sum()
    assert len(set(outcome_counts(total).values())) > 1  # not a degenerate all-one-outcome box


def test_tally_on_a_distributed_cluster():
    config = parse_config(GRID)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        seen = []
        total = tally_plan(
            make_plan(config), Scheduler(address=cluster.scheduler_address), seen.append
        )
    np.testing.assert_array_equal(total, counted_by_solving(config))
    assert sum(seen) == config.n_points()
