"""The kernels' random stream: uniforms, normals (ziggurat), gammas and betas have the
distributions they claim (Kolmogorov-Smirnov against scipy, seeded), and a stream is a
function of its seed values alone."""

import numpy as np
import pytest
from numba import njit
from scipy import stats

from kernels import rng


@njit
def draws(seed_values, n, kind, a, b):
    stream = rng.seeded(seed_values)
    out = np.empty(n)
    for i in range(n):
        if kind == 0:
            out[i] = rng.uniform(stream)
        elif kind == 1:
            out[i] = rng.normal(stream)
        elif kind == 2:
            out[i] = rng.gamma(stream, a)
        else:
            out[i] = rng.beta(stream, a, b)
    return out


SEED = np.array([0.25, 3.0])
N = 200_000


@pytest.mark.parametrize(
    "kind, a, b, reference",
    [
        (0, 0, 0, stats.uniform()),
        (1, 0, 0, stats.norm()),
        (2, 0.4, 0, stats.gamma(0.4)),
        (2, 3.5, 0, stats.gamma(3.5)),
        (3, 2.0, 5.0, stats.beta(2.0, 5.0)),
        (3, 0.7, 0.9, stats.beta(0.7, 0.9)),
    ],
)
def test_draws_follow_their_distribution(kind, a, b, reference):
    x = draws(SEED, N, kind, a, b)
    assert stats.kstest(x, reference.cdf).pvalue > 1e-3
    assert abs(x.mean() - reference.mean()) < 5 * reference.std() / np.sqrt(N)


def test_the_normal_tail_is_drawn_at_its_rate():
    """Beyond the ziggurat's base (|z| > 3.44) draws come from the exact tail."""
    x = draws(SEED, 2_000_000, 1, 0, 0)
    beyond = np.mean(np.abs(x) > 3.442619855899)
    expected = 2 * stats.norm.sf(3.442619855899)
    assert abs(beyond - expected) < 5 * np.sqrt(expected / 2_000_000)
    assert np.abs(x).max() > 4.5


def test_a_stream_is_its_seed_values_alone():
    first = draws(SEED, 1000, 1, 0, 0)
    np.testing.assert_array_equal(first, draws(SEED.copy(), 1000, 1, 0, 0))
    other = draws(np.array([0.25, 3.0000000000000004]), 1000, 1, 0, 0)
    assert not np.any(first == other)
