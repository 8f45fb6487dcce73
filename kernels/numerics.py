"""Small jitted numeric helpers shared by kernels."""

import numpy as np
from numba import njit


@njit(inline="always")
def ratio(num, den):
    """num/den with IEEE limits but no floating-point exception (so no numpy warnings)."""
    if den != 0.0:
        return num / den
    if num > 0.0:
        return np.inf
    if num < 0.0:
        return -np.inf
    return np.nan


@njit(
    ["int64[:](int8[::1], int64, int64)", "int64[:](int16[::1], int64, int64)"],
    nogil=True,
    cache=True,
)
def count_codes(values, lowest, n_codes):
    """Occurrences of codes ``lowest .. lowest + n_codes - 1`` in a flat integer array."""
    # Four tallies, summed at the end: consecutive equal codes would otherwise wait on
    # each other's increment.
    tallies = np.zeros((4, n_codes), dtype=np.int64)
    n = values.shape[0]
    body = n - n % 4
    for i in range(0, body, 4):
        tallies[0, values[i] - lowest] += 1
        tallies[1, values[i + 1] - lowest] += 1
        tallies[2, values[i + 2] - lowest] += 1
        tallies[3, values[i + 3] - lowest] += 1
    for i in range(body, n):
        tallies[0, values[i] - lowest] += 1
    return tallies.sum(axis=0)
