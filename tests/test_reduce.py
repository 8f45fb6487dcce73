"""The streaming tally counts exactly what solving every point and counting would."""

import distributed
import numpy as np
import pytest
import xarray as xr

import explorer
from explorer.analysis.tally import tally_of, tally_plan
from explorer.engine.config import parse_config
from explorer.engine.plan import make_plan
from explorer.engine.run import Scheduler
from explorer.models import get_model
from explorer.models.coalition.analysis import outcome_counts
from tests.test_sweep import GRID

MODEL = get_model("coalition")

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
    return tally_of(MODEL, {k: ds[k].values for k in ("outcome", "paper_agrees", "flags")})


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


def test_box_designs_count_what_solving_the_same_points_gives():
    choices = MODEL.choices({"game": "status_quo", "rho_form": "quadratic"})

    box = SAMPLED["sample"]["bounds"]
    axes = tuple(box)
    low = np.array([b[0] for b in box.values()])
    high = np.array([b[1] for b in box.values()])
    fixed = SAMPLED["fixed"]
    unit = np.random.default_rng(0).random((5000, len(axes)))
    tally = np.zeros(MODEL.tally.shape, dtype=np.int64)
    MODEL.tally_loop(choices, axes, "unit")(unit, low, high, *fixed.values(), tally)
    points = {a: low[k] + (high[k] - low[k]) * unit[:, k] for k, a in enumerate(axes)}
    ds = explorer.solve(game="status_quo", rho_form="quadratic", **fixed, **points)
    expected = tally_of(MODEL, {k: ds[k].values for k in ("outcome", "paper_agrees", "flags")})
    np.testing.assert_array_equal(tally, expected)

    random = MODEL.tally_loop(choices, axes, "random")
    first, again, other = (np.zeros(MODEL.tally.shape, dtype=np.int64) for _ in range(3))
    for seed, out in ((11, first), (11, again), (12, other)):
        random(seed, 200_000, low, high, *fixed.values(), out)
    np.testing.assert_array_equal(first, again)  # the seed decides the points
    assert (first != other).any() and first.sum() == 200_000
    # Same box, other points: the shares agree within sampling error.
    share = first.sum(axis=(1, 2)) / first.sum()
    reference = expected.sum(axis=(1, 2)) / expected.sum()
    assert np.all(
        np.abs(share - reference) < 4 * np.sqrt(reference * (1 - reference) / 5000) + 1e-3
    )
