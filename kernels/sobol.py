"""Scrambled Sobol' points drawn inside jitted loops, bit for bit as scipy draws them.

scipy's ``qmc.Sobol(d, scramble=True, seed=...)`` scrambles its direction numbers and
draws a shift when it is made; ``random_base2(m)`` then walks the points in Gray-code
order: point 0 is the shift, and point ``i`` flips, in every dimension, the direction
number indexed by the lowest zero bit of ``i - 1``. Doing that walk here, inside the loop
that solves and counts the points, needs no array of points at all.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def scrambled_state(d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """(direction numbers d x bits, shift, scale) of scipy's scrambled Sobol' sequence
    for ``rng``: the very numbers ``qmc.Sobol(d, scramble=True, seed=rng)`` draws from."""
    from scipy.stats import qmc

    engine = qmc.Sobol(d, scramble=True, seed=rng)
    return (
        np.ascontiguousarray(engine._sv, dtype=np.uint64),
        np.ascontiguousarray(engine._quasi, dtype=np.uint64),
        float(engine._scale),
    )


@njit(inline="always")
def sobol_step(quasi, directions, i):
    """Move ``quasi`` (the integer point, one per dimension) to point ``i`` from ``i - 1``."""
    if i > 0:
        rest = i - 1
        bit = 0
        while rest & 1:
            rest >>= 1
            bit += 1
        for k in range(quasi.shape[0]):
            quasi[k] ^= directions[k, bit]


@njit(nogil=True, cache=True)
def sobol_points(directions, shift, scale, n):
    """The first ``n`` points (n x d, in [0, 1)) of the sequence."""
    quasi = shift.copy()
    points = np.empty((n, shift.shape[0]))
    for i in range(n):
        sobol_step(quasi, directions, i)
        for k in range(shift.shape[0]):
            points[i, k] = quasi[k] * scale
    return points
