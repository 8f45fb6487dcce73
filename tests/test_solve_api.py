"""The public ``explorer.solve``: inputs, broadcasting, labels and errors."""

import numpy as np
import pytest
import xarray as xr

import explorer
from explorer.models.coalition.presets import FIGURE2
from kernels.coalition import OUTPUT_NAMES

FIG2 = FIGURE2


def test_scalars_give_a_zero_dimensional_dataset_with_parameters_as_coords():
    ds = explorer.solve(game="status_quo", theta=0.5, beta=0.3, **FIG2)
    assert set(ds.data_vars) == set(OUTPUT_NAMES)
    assert ds.outcome.dtype == np.int8 and ds.flags.dtype == np.uint16
    assert ds.paper_agrees.dtype == bool
    assert float(ds.coords["alpha"]) == 0.8 and ds.attrs["game"] == "status_quo"
    assert ds.outcome.attrs["flag_meanings"].split() == [
        "invalid_point",
        "no_crisis",
        "unilateral_crisis",
        "coalition_crisis",
    ]


def test_numpy_arrays_broadcast_like_numpy():
    theta = np.linspace(0.1, 0.9, 7)[:, None]
    beta = np.linspace(0.0, 1.0, 5)
    ds = explorer.solve(game="status_quo", theta=theta, beta=beta, **FIG2)
    assert ds.outcome.shape == (7, 5)
    for i in range(7):
        for j in range(5):
            one = explorer.solve(game="status_quo", theta=theta[i, 0], beta=beta[j], **FIG2)
            assert int(one.outcome) == int(ds.outcome[i, j])
            assert float(one.eu_leader) == float(ds.eu_leader[i, j])


def test_grid_fast_path_equals_general_path():
    """DataArrays on distinct dims take the grid loop; numpy arrays take the gufunc."""
    rng = np.random.default_rng(0)
    theta = np.sort(rng.uniform(0.01, 0.99, 31))
    beta = np.sort(rng.uniform(0, 1, 17))
    q = np.sort(rng.uniform(0, 1, 5))
    grid = explorer.solve(
        theta=xr.DataArray(theta, dims="theta"),
        beta=xr.DataArray(beta, dims="beta"),
        q=xr.DataArray(q, dims="q"),
        **FIG2,
    )
    general = explorer.solve(
        theta=theta[:, None, None], beta=beta[None, :, None], q=q[None, None, :], **FIG2
    )
    for name in OUTPUT_NAMES:
        np.testing.assert_array_equal(grid[name].values, general[name].values, err_msg=name)
    assert list(grid.outcome.dims) == ["theta", "beta", "q"]
    np.testing.assert_array_equal(grid.theta.values, theta)


@pytest.mark.parametrize("parallel", [False, True])
def test_parallel_and_serial_agree(parallel):
    theta = xr.DataArray(np.linspace(0.01, 0.99, 300), dims="theta")
    beta = xr.DataArray(np.linspace(0, 1, 300), dims="beta")
    ds = explorer.solve(theta=theta, beta=beta, q=0.2, parallel=parallel, **FIG2)
    ref = explorer.solve(
        theta=theta.values[:, None], beta=beta.values, q=0.2, parallel=False, **FIG2
    )
    np.testing.assert_array_equal(ds.outcome.values, ref.outcome.values)
    np.testing.assert_array_equal(ds.beta_lp.values, ref.beta_lp.values)


def test_dataarrays_sharing_a_dimension_are_zipped_not_crossed():
    points = xr.DataArray(np.linspace(0.1, 0.9, 9), dims="point")
    ds = explorer.solve(game="status_quo", theta=points, beta=points, **FIG2)
    assert ds.outcome.dims == ("point",)
    np.testing.assert_array_equal(ds.beta.values, points.values)
    for i in range(9):
        one = explorer.solve(
            game="status_quo", theta=float(points[i]), beta=float(points[i]), **FIG2
        )
        assert int(one.outcome) == int(ds.outcome[i])


def test_outputs_subset():
    ds = explorer.solve(
        game="status_quo", theta=0.5, beta=0.3, outputs=["outcome", "beta_lp"], **FIG2
    )
    assert set(ds.data_vars) == {"outcome", "beta_lp"}


def test_cross_parameter_violations_are_flagged_points_not_errors():
    ds = explorer.solve(game="status_quo", theta=0.5, beta=0.3, **{**FIG2, "p_lp": 0.5})
    assert int(ds.outcome) == -1 and np.isnan(ds.eu_leader) and int(ds.flags) & 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"alpha": 1.2}, ["alpha", "1.2", "(0, 1)"]),
        ({"beta": -0.1}, ["beta", "-0.1", "[0, 1]"]),
        ({"theta": np.array([0.5, 1.0, 0.2])}, ["theta", "1.0", "(0, 1)", "1 of 3"]),
        ({"c_l": float("nan")}, ["c_l", "nan", "(0, inf)"]),
        ({"c_p": "cheap"}, ["c_p", "cheap", "not numeric"]),
        ({"gamma": 0.3}, ["unknown parameter", "gamma"]),
        ({"alhpa": 0.3}, ["alhpa", "did you mean 'alpha'"]),
    ],
)
def test_bad_values_name_the_parameter_value_and_domain(change, words):
    params = {"theta": 0.5, "beta": 0.3, **FIG2, **change}
    with pytest.raises(ValueError) as err:
        explorer.solve(game="status_quo", **params)
    for word in words:
        assert word in str(err.value)


def test_missing_parameter_is_named_with_its_domain():
    with pytest.raises(ValueError, match=r"missing parameter\(s\) \['q'\].*\[0, 1\]"):
        explorer.solve(theta=0.5, beta=0.3, **FIG2)


def test_q_in_the_status_quo_game_is_refused():
    with pytest.raises(ValueError, match="q.*no role in the status_quo game"):
        explorer.solve(game="status_quo", theta=0.5, beta=0.3, q=0.2, **FIG2)


@pytest.mark.parametrize(
    ("kw", "word"),
    [
        ({"game": "revisionst"}, "revisionist"),
        ({"rho_form": "cubic"}, "linear"),
        ({"outputs": ["outcom"]}, "outcome"),
    ],
)
def test_unknown_choices_list_the_valid_ones(kw, word):
    with pytest.raises(ValueError, match=word):
        explorer.solve(**{"theta": 0.5, "beta": 0.3, "q": 0.1, **FIG2, **kw})


def test_mixed_labelled_and_unlabelled_arrays_are_refused():
    with pytest.raises(ValueError, match="wrap them in xarray.DataArray"):
        explorer.solve(
            game="status_quo",
            theta=xr.DataArray([0.2, 0.4], dims="theta"),
            beta=np.array([0.1, 0.2]),
            **FIG2,
        )


def test_misaligned_dataarrays_are_refused():
    with pytest.raises(ValueError):
        explorer.solve(
            game="status_quo",
            theta=xr.DataArray([[0.2, 0.4]], dims=("a", "b")),
            beta=xr.DataArray([0.1, 0.2, 0.3], dims="b"),
            **FIG2,
        )
