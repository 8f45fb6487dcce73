"""Region shares: intervals that shrink like 1/sqrt(n) and cover the full-grid answer."""

import numpy as np
import pytest
import xarray as xr

import explorer
from explorer.analysis.shares import make_box, region_shares, wilson
from explorer.models.coalition.presets import FIGURE2

# The Figure 2 plane at q = 0.5, as a box over theta and beta.
PLANE = make_box(
    model="coalition",
    game="revisionist",
    rho_form="linear",
    fixed={**{k: v for k, v in FIGURE2.items()}, "q": 0.5},
    bounds={"theta": (0.0, 1.0), "beta": (0.0, 1.0)},
)


def half_width(row):
    return (row["high"] - row["low"]) / 2


def test_random_intervals_shrink_like_one_over_root_n():
    small = region_shares(PLANE, 1 << 14, "random", seed=1)["shares"]["coalition crisis"]
    large = region_shares(PLANE, 1 << 18, "random", seed=1)["shares"]["coalition crisis"]
    ratio = half_width(small) / half_width(large)
    assert 3.6 < ratio < 4.4  # 16 times the points: a quarter of the width


@pytest.mark.parametrize("method", ["random", "sobol"])
def test_shares_match_a_full_grid_count(method):
    side = 2000
    mid = (np.arange(side) + 0.5) / side  # cell midpoints: the grid's own uniform estimate
    ds = explorer.solve(
        game="revisionist",
        outputs=["outcome"],
        theta=xr.DataArray(mid, dims="theta"),
        beta=xr.DataArray(mid, dims="beta"),
        **PLANE.fixed,
    )
    result = region_shares(PLANE, 1 << 20, method, seed=5)
    assert result["points"] == 1 << 20
    for code, name in ((0, "no crisis"), (1, "unilateral crisis"), (2, "coalition crisis")):
        grid_share = float((ds.outcome == code).mean())
        row = result["shares"][name]
        # The grid is exact up to the cells the boundary crosses (about 1/side).
        assert abs(row["share"] - grid_share) < 3 * half_width(row) + 1.0 / side, name
    assert result["shares"]["invalid point"]["count"] == 0


def test_sobol_replicates_give_tighter_intervals_than_random_at_equal_cost():
    sobol = region_shares(PLANE, 1 << 18, "sobol", seed=2)["shares"]["coalition crisis"]
    random = region_shares(PLANE, 1 << 18, "random", seed=2)["shares"]["coalition crisis"]
    assert half_width(sobol) < half_width(random)


def test_wilson_interval_known_value():
    low, high = wilson(50, 100)  # textbook: 0.4038 .. 0.5962
    assert abs(low - 0.4038) < 1e-4 and abs(high - 0.5962) < 1e-4


def test_a_box_without_free_parameters_is_refused():
    with pytest.raises(ValueError, match="no free parameter"):
        region_shares(make_box("coalition", {}, {}, game="revisionist", rho_form="linear"), 100)


def test_given_distributions_shape_samples_shares_and_sweeps():
    from explorer.analysis.shares import box_of
    from explorer.engine.config import parse_config
    from explorer.engine.plan import make_plan

    raw = {
        "game": "revisionist",
        "fixed": {**FIGURE2, "q": 0.5},
        "sample": {
            "method": "sobol",
            "n": 1 << 14,
            "bounds": {"theta": [0.001, 0.999], "beta": [0.0, 1.0]},
            "distributions": {"beta": {"name": "beta", "args": [2, 5]}},
        },
    }
    config = parse_config(raw)
    beta = make_plan(config).coords["beta"]
    assert abs(beta.mean() - 2 / 7) < 0.005  # Beta(2, 5) has mean 2/7
    box = box_of(config)
    # An independent estimate: points drawn here, solved by explorer.solve.
    rng = np.random.default_rng(9)
    n = 200_000
    ds = explorer.solve(
        game="revisionist",
        outputs=["outcome"],
        theta=rng.uniform(0.001, 0.999, n),
        beta=rng.beta(2, 5, n),
        **box.fixed,
    )
    for method in ("sobol", "random"):
        shares = region_shares(box, 1 << 18, method, seed=4)["shares"]
        for code, name in ((0, "no crisis"), (1, "unilateral crisis"), (2, "coalition crisis")):
            p = float((ds.outcome == code).mean())
            row = shares[name]
            assert abs(row["share"] - p) < 4 * np.sqrt(p * (1 - p) / n) + 2 * half_width(row)
    uniform = region_shares(PLANE, 1 << 18, seed=4)["shares"]["coalition crisis"]["share"]
    shaped = region_shares(box, 1 << 18, seed=4)["shares"]["coalition crisis"]["share"]
    assert shaped < uniform - 0.05  # mass moved to low beta, where coalitions are rarer


@pytest.mark.parametrize("d", [1, 2, 6, 9])
def test_sobol_points_are_scipys_bit_for_bit(d):
    from scipy.stats import qmc

    from kernels.sobol import scrambled_state, sobol_points

    for seed in range(3):
        want = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random_base2(11)
        got = sobol_points(*scrambled_state(d, np.random.default_rng(seed)), 1 << 11)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shapes", [{}, {"beta": {"name": "beta", "args": [2.0, 5.0]}}])
def test_sobol_nets_drawn_in_the_kernel_count_what_scipys_nets_count(shapes):
    """Each chunk's counts equal those of scipy's own net for the chunk's seed, put
    through the distributions and tallied point by point."""
    from scipy.stats import qmc

    from explorer.analysis.shares import tally_chunk
    from explorer.engine.config import Distribution
    from explorer.engine.plan import apply_distributions

    box = make_box(
        model="coalition",
        game="revisionist",
        rho_form="linear",
        fixed={**FIGURE2, "q": 0.5},
        bounds={"alpha": (0.05, 0.99), "theta": (0.01, 0.99), "c_p": (0, 0.3), "beta": (0, 1)},
        distributions={k: Distribution(**v) for k, v in shapes.items()},
    )
    unit_kernel = box.model.tally_loop(box.choices, tuple(box.bounds), "unit")
    low, high = (np.array([b[i] for b in box.bounds.values()]) for i in (0, 1))
    for chunk in range(3):
        rng = np.random.default_rng(np.random.SeedSequence([7, chunk]))
        net = qmc.Sobol(len(box.bounds), scramble=True, seed=rng).random_base2(12)
        net = apply_distributions(net, list(box.bounds), box.distributions)
        want = np.zeros(box.model.tally.shape, dtype=np.int64)
        unit_kernel(net, low, high, *box.fixed_values(), want)
        got = tally_chunk(chunk, (box, "sobol", 7, 1 << 12))
        np.testing.assert_array_equal(got, want)
        assert len(np.flatnonzero(got)) > 2  # several cells: a test that could fail


@pytest.mark.parametrize("d", [1, 2, 6, 13])
def test_matrix_scramble_is_scipys_bit_for_bit(d):
    from scipy.stats._sobol import _cscramble

    from kernels.sobol import BITS, _directions, _scrambled

    rng = np.random.default_rng(d)
    for _ in range(20):
        ltm = rng.integers(0, 2, size=(d, BITS, BITS), dtype=np.uint32)
        expected = _directions(d).copy()
        _cscramble(dim=d, bits=BITS, ltm=np.tril(ltm), sv=expected)
        np.testing.assert_array_equal(_scrambled(ltm, _directions(d)), expected)


def test_sobol_state_without_scipys_private_steps_is_the_same(monkeypatch):
    import scipy.stats._sobol

    from kernels.sobol import _directions, scrambled_state

    fast = scrambled_state(4, np.random.default_rng(11))
    monkeypatch.delattr(scipy.stats._sobol, "_initialize_v")  # as if a scipy had moved it
    _directions.cache_clear()
    engine = scrambled_state(4, np.random.default_rng(11))
    for a, b in zip(fast, engine):
        np.testing.assert_array_equal(a, b)
