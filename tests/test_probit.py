"""The numba probit against statsmodels' Probit: estimates, log likelihoods and clustered
covariances on seeded datasets of the paper's shape and on hard cases; the tails of
log Phi and the inverse Mills ratio against scipy."""

import functools

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_ndtr as scipy_log_ndtr
from scipy.special import ndtr

from kernels import probit

PAPER_N, PAPER_K, PAPER_G = 6642, 10, 148


def dataset(seed, n=PAPER_N, k=PAPER_K, clusters=PAPER_G, base=-1.5, scale=0.3):
    """A leader-clustered dataset: a constant, k - 1 covariates, a leader effect."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, clusters, n)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    beta = rng.normal(scale=scale, size=k)
    beta[0] = base
    latent = X @ beta + rng.normal(size=n) + 0.4 * rng.normal(size=clusters)[groups]
    return X, (latent > 0).astype(float), groups


def statsmodels_fit(X, y, groups):
    return sm.Probit(y, X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})


def relative(a, b):
    return np.max(np.abs(np.asarray(a) / np.asarray(b) - 1.0))


def covariance_gap(a, b):
    """Largest difference between two covariance matrices on the correlation scale:
    |a_ij - b_ij| / sqrt(b_ii b_jj) (elementwise ratios blow up near zero covariances)."""
    b = np.asarray(b)
    scale = np.sqrt(np.outer(np.diag(b), np.diag(b)))
    return np.max(np.abs(np.asarray(a) - b) / scale)


@pytest.fixture(scope="module")
def paper_shaped():
    """100 seeded datasets of the paper's shape (N around 6.6k, k = 10, 148 clusters)."""
    return [dataset(seed, n=PAPER_N + 37 * (seed % 7) - 111) for seed in range(100)]


def test_a_hundred_paper_shaped_fits_agree_with_statsmodels(paper_shaped):
    designs, outcomes, groups = zip(*paper_shaped, strict=True)
    ours = probit.fit_batch(designs, outcomes, groups, factor="statsmodels")
    assert not ours.flags.any()
    for d, (X, y, g) in enumerate(paper_shaped):
        theirs = statsmodels_fit(X, y, g)
        assert relative(ours.beta[d], theirs.params) < 1e-8
        assert relative(ours.loglik[d], theirs.llf) < 1e-8
        assert relative(np.sqrt(np.diag(ours.cov[d])), theirs.bse) < 1e-8
        assert covariance_gap(ours.cov[d], theirs.cov_params()) < 1e-8
        assert ours.clusters[d] == PAPER_G and ours.n[d] == len(y)


def test_stata_and_statsmodels_factors_differ_by_exactly_n_minus_1_over_n_minus_k(paper_shaped):
    for X, y, g in paper_shaped[:5]:
        stata = probit.fit(X, y, g)
        statsmodels = probit.fit(X, y, g, factor="statsmodels")
        bare = probit.fit(X, y, g, factor="none")
        n, k = X.shape
        assert np.allclose(statsmodels.cov / stata.cov, (n - 1) / (n - k), rtol=1e-13, atol=0)
        assert np.allclose(stata.cov / bare.cov, PAPER_G / (PAPER_G - 1), rtol=1e-13, atol=0)


def test_one_fit_the_batch_and_the_thread_count_give_the_same_numbers(paper_shaped):
    import numba

    designs, outcomes, groups = zip(*paper_shaped[:6], strict=True)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = probit.fit_batch(designs, outcomes, groups)
    finally:
        numba.set_num_threads(before)
    spread = probit.fit_batch(designs, outcomes, groups)
    assert np.array_equal(serial.beta, spread.beta)
    assert np.array_equal(serial.cov, spread.cov)
    for d in range(6):
        one = probit.fit(designs[d], outcomes[d], groups[d])
        assert np.array_equal(one.beta, spread.beta[d])
        assert one.loglik == spread.loglik[d]


def test_cluster_labels_of_any_kind_get_the_same_codes_and_a_wrong_count_is_refused():
    leaders = np.array([7, 3, 3, 12, 7, 0, 12])
    expected = np.unique(leaders, return_inverse=True)[1]
    for labels in (leaders, leaders.astype(np.uint16), leaders.astype(float)):
        codes, count = probit.cluster_codes(labels, len(leaders))
        assert count == 4 and np.array_equal(codes, expected)
    # integers outside 0..4n (negative, or too large to count) are sorted instead
    for labels in (leaders - 5, leaders * 10**12):
        codes, count = probit.cluster_codes(labels, len(leaders))
        assert count == 4 and np.array_equal(codes, expected)
    with pytest.raises(ValueError, match="6 cluster labels for 7 observations"):
        probit.cluster_codes(leaders[:6], len(leaders))


def test_a_design_in_either_memory_order_fits_the_same():
    X, y, g = dataset(4, n=900, k=5)
    assert np.array_equal(probit.column_major(X), X.T)
    by_columns_in_memory = np.asfortranarray(X)
    assert np.shares_memory(probit.column_major(by_columns_in_memory), by_columns_in_memory)
    by_rows = probit.fit(np.ascontiguousarray(X), y, g)
    by_columns = probit.fit(np.asfortranarray(X), y, g)
    assert np.array_equal(by_rows.beta, by_columns.beta)
    assert np.array_equal(by_rows.cov, by_columns.cov)
    with pytest.raises(ValueError, match="design of shape"):
        probit.column_major(X, out=np.empty((4, 900)))


def test_model_based_covariance_without_clusters_matches_statsmodels():
    X, y, _ = dataset(3)
    ours = probit.fit(X, y)
    theirs = sm.Probit(y, X).fit(disp=0)
    assert ours.clusters == 0
    assert covariance_gap(ours.cov, theirs.cov_params()) < 1e-8


def test_a_warm_start_reaches_the_same_estimate_in_fewer_steps():
    X, y, g = dataset(5)
    cold = probit.fit(X, y, g)
    warm = probit.fit(X, y, g, start=cold.beta + 0.01)
    assert relative(warm.beta, cold.beta) < 1e-10
    assert warm.iterations < cold.iterations


def test_rare_events_at_a_one_percent_base_rate():
    X, y, g = dataset(11, base=-2.6, scale=0.15)
    assert 0.005 < y.mean() < 0.02
    ours = probit.fit(X, y, g, factor="statsmodels")
    theirs = statsmodels_fit(X, y, g)
    assert ours.flags == 0
    assert relative(ours.beta, theirs.params) < 1e-8
    assert relative(ours.loglik, theirs.llf) < 1e-8
    assert covariance_gap(ours.cov, theirs.cov_params()) < 1e-8


def test_near_separation_still_agrees():
    """A covariate that almost decides the outcome: large but finite coefficients."""
    rng = np.random.default_rng(2)
    n = 3000
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x, rng.normal(size=n)])
    y = (4.0 * x + 0.4 * rng.normal(size=n) > 0).astype(float)
    g = rng.integers(0, 60, n)
    ours = probit.fit(X, y, g, factor="statsmodels")
    theirs = statsmodels_fit(X, y, g)
    assert ours.beta[1] > 5
    assert not ours.flags & (probit.NOT_CONVERGED | probit.PERFECT_SEPARATION)
    assert relative(ours.beta, theirs.params) < 1e-8
    assert relative(ours.loglik, theirs.llf) < 1e-8


def test_perfect_and_quasi_separation_are_flagged_not_raised():
    rng = np.random.default_rng(4)
    n = 400
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    perfect = probit.fit(X, (x > 0).astype(float))
    assert perfect.flags & probit.PERFECT_SEPARATION
    # Quasi: a dummy that is 1 only for successes decides those, the rest is noisy.
    dummy = np.zeros(n)
    y = (rng.normal(size=n) > 0).astype(float)
    dummy[:40] = 1.0
    y[:40] = 1.0
    quasi = probit.fit(np.column_stack([X, dummy]), y)
    assert quasi.flags & probit.QUASI_SEPARATION
    assert not quasi.flags & probit.PERFECT_SEPARATION


def test_a_rank_deficient_column_is_dropped_and_flagged():
    X, y, g = dataset(7, k=5)
    doubled = np.column_stack([X, 2.0 * X[:, 2]])
    ours = probit.fit(doubled, y, g, factor="statsmodels")
    assert ours.flags & probit.RANK_DEFICIENT
    assert np.isnan(ours.beta[5]) and np.isnan(ours.cov[5]).all()
    theirs = statsmodels_fit(X, y, g)
    assert relative(ours.beta[:5], theirs.params) < 1e-8
    assert covariance_gap(ours.cov[:5, :5], theirs.cov_params()) < 1e-8


def test_not_converged_is_a_flag():
    X, y, g = dataset(8)
    stopped = probit.fit(X, y, g, max_iter=1)
    assert stopped.flags & probit.NOT_CONVERGED
    assert np.isfinite(stopped.beta).all()


def test_log_phi_at_minus_forty_and_across_the_line_against_scipy():
    z = np.concatenate([[-40.0, -38.5, -37.0, -20.0, -19.999, -10.0], np.linspace(-45, 12, 4001)])
    ours = np.array([probit.log_ndtr(v) for v in z])
    assert np.max(np.abs(ours / scipy_log_ndtr(z) - 1)) < 1e-13
    assert abs(probit.log_ndtr(-40.0) / scipy_log_ndtr(-40.0) - 1) < 1e-14


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-40.0, max_value=35.0))
def test_inverse_mills_ratio_against_scipy(z):
    ours = probit.inverse_mills(z)
    # phi/Phi from logs (exact enough where Phi itself underflows).
    reference = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - scipy_log_ndtr(z))
    assert abs(ours / reference - 1) < 1e-12
    if z > -30:
        assert abs(ours * ndtr(z) / np.exp(-0.5 * z * z) * np.sqrt(2 * np.pi) - 1) < 1e-12


def test_the_normal_terms_of_a_pass_against_scipy():
    """log L, the inverse Mills ratios and the information weights of a pass, over the
    whole range an index takes (a length that leaves a remainder in every block)."""
    from scipy.stats import norm

    t = np.concatenate([np.linspace(-12.0, 9.0, 20011), [-10.0, -9.999, -1.4143, 1.4142]])
    sign = np.where(np.arange(len(t)) % 3 == 0, -1.0, 1.0)
    eta = sign * t
    lam, weight, scratch = np.empty_like(t), np.empty_like(t), np.empty_like(t)
    ll, separated = probit._normal_terms(sign, eta, lam, weight, scratch)
    mills = np.exp(norm.logpdf(t) - scipy_log_ndtr(t))
    assert abs(ll / scipy_log_ndtr(t).sum() - 1) < 1e-13
    assert np.max(np.abs(lam / (sign * mills) - 1)) < 1e-13
    assert np.max(np.abs(weight / (mills * (mills + t)) - 1)) < 1e-10
    assert separated == np.sum(t > probit.SEPARATED_INDEX)


def _full_pass(X, y, at):
    """A kernel pass over (X, y) at coefficients ``at``: the index, the terms
    [lam, weight, scratch, scratch, gradient, information] and the log likelihood."""
    n, k = X.shape
    eta = np.empty(n)
    probit._index(probit.column_major(X), np.arange(k), at, eta)
    terms = [np.empty(n) for _ in range(4)] + [np.empty(k), np.empty((k, k))]
    ll, _ = probit._pass(probit.column_major(X), 2.0 * y - 1.0, np.arange(k), eta, *terms)
    return eta, terms, ll


def test_a_pass_carried_along_a_small_step_matches_a_full_pass_there():
    """The last pass of a fit is the one before carried along the step to second order:
    at a step moving indices by up to CARRIED_INDEX_STEP it matches a full pass at the
    new point to the step's cube."""
    X, y, g = dataset(9, k=6)
    design = probit.column_major(X)
    keep = np.arange(6)
    beta = probit.fit(X, y, g).beta + 0.05
    step = np.random.default_rng(0).normal(size=6)
    step *= probit.CARRIED_INDEX_STEP / np.abs(X @ step).max()
    delta = X @ step
    full_pass = functools.partial(_full_pass, X, y)

    eta, terms, ll = full_pass(beta)
    gradient, information = terms[4].copy(), terms[5].copy()
    cubic = probit._carried_pass(design, keep, eta, delta, *terms)
    eta_after, after, ll_after = full_pass(beta + step)
    carried_ll = ll + gradient @ step - 0.5 * step @ information @ step + cubic
    assert abs(carried_ll / ll_after - 1) < 1e-14
    assert np.max(np.abs(eta - eta_after)) < 1e-13
    for ours, exact in ((terms[0], after[0]), (terms[1], after[1])):  # lam, weight
        assert np.max(np.abs(ours - exact) / np.abs(exact).max()) < 1e-12
    assert np.max(np.abs(terms[5] / after[5] - 1)) < 1e-12  # the information


def test_the_third_order_term_is_the_gradients_second_order_change():
    """Chebyshev's step uses T(s, s) = sum_i w'_i (x_i' s)^2 x_i: the gradient at beta + s
    is g - H s - T(s, s) / 2 to the step's cube."""
    X, y, g = dataset(12, k=6)
    beta = probit.fit(X, y, g).beta + 0.1
    step = np.random.default_rng(1).normal(size=6)
    gaps = []
    for size in (1e-2, 1e-3):
        s = step * size / np.abs(X @ step).max()
        eta, (lam, weight, _, _, gradient, information), _ = _full_pass(X, y, beta)
        third = np.empty(6)
        probit._third_order(
            probit.column_major(X), np.arange(6), eta, lam, weight, X @ s, np.empty(len(y)), third
        )
        _, after, _ = _full_pass(X, y, beta + s)
        predicted = gradient - information @ s - 0.5 * third
        gaps.append(np.abs(after[4] - predicted).max() / np.abs(third).max())
    # the remainder is third order: relative to T (second order) it shrinks with the step
    assert gaps[0] < 0.05 and gaps[1] < gaps[0] / 5


def test_cold_paper_shaped_fits_take_three_or_four_steps():
    """Chebyshev's steps converge cubically: from the base rate's quantile a paper-shaped
    fit takes a cheap pass, two or three full ones and the carried one."""
    designs, outcomes, groups = zip(*(dataset(seed) for seed in range(20)), strict=True)
    fits = probit.fit_batch(designs, outcomes, groups)
    assert not fits.flags.any()
    assert fits.iterations.max() <= 4  # Newton's steps took 5 or 6 here
