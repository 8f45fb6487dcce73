"""Scrambled Sobol' points drawn inside jitted loops, bit for bit as scipy draws them.

scipy's ``qmc.Sobol(d, scramble=True, seed=...)`` scrambles its direction numbers and
draws a shift when it is made; ``random_base2(m)`` then walks the points in Gray-code
order: point 0 is the shift, and point ``i`` flips, in every dimension, the direction
number indexed by the lowest zero bit of ``i - 1``. Doing that walk here, inside the loop
that solves and counts the points, needs no array of points at all.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

BITS = 30  # scipy's default: 2**30 points at most


def scrambled_state(d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """(direction numbers d x bits, shift, scale) of scipy's scrambled Sobol' sequence
    for ``rng``: the very numbers ``qmc.Sobol(d, scramble=True, seed=rng)`` draws, in
    int64 (the numbers have 30 bits, and a signed integer becomes a float in one
    instruction, an unsigned one in a branchy sequence)."""
    try:  # scipy's steps without building an engine (which cost a tenth of a chunk's time)
        unscrambled = _directions(d)
    except ImportError:  # a scipy that moved them: the engine itself
        from scipy.stats import qmc

        engine = qmc.Sobol(d, scramble=True, seed=rng, bits=BITS)
        directions, shift = engine._sv, engine._quasi
    else:
        rng = rng.spawn(1)[0]  # the engine draws from a child of the generator it is given
        draw = {"dtype": np.uint32, "endpoint": False}
        shift = rng.integers(0, 2, size=(d, BITS), **draw) @ 2 ** np.arange(BITS, dtype=np.uint32)
        directions = _scrambled(rng.integers(0, 2, size=(d, BITS, BITS), **draw), unscrambled)
    return (
        np.ascontiguousarray(directions, dtype=np.int64),
        np.ascontiguousarray(shift, dtype=np.int64),
        1.0 / 2**BITS,
    )


@cache
def _directions(d: int) -> np.ndarray:
    """The unscrambled direction numbers of ``d`` dimensions (scipy's)."""
    from scipy.stats._sobol import _initialize_v

    directions = np.zeros((d, BITS), dtype=np.uint32)
    _initialize_v(directions, dim=d, bits=BITS)
    return directions


@njit(nogil=True, cache=True)
def _scrambled(ltm, directions):
    """scipy's left linear matrix scramble of ``directions`` (as its ``_cscramble``, bit
    for bit): bit ``bits-1-p`` of a scrambled number is the parity of the number ANDed
    with row ``p`` of the lower-triangular ``ltm`` (unit diagonal, column ``i`` weighing
    ``2**(bits-1-i)``). Rows as bit masks and parities of popcounts: a hundredth of the
    time of scipy's bit-by-bit loops."""
    dim, bits = directions.shape
    rows = np.empty(bits, dtype=np.int64)
    scrambled = np.empty((dim, bits), dtype=np.int64)
    for d in range(dim):
        for p in range(bits):
            mask = np.int64(1) << (bits - 1 - p)
            for i in range(p):
                if ltm[d, p, i]:
                    mask |= np.int64(1) << (bits - 1 - i)
            rows[p] = mask
        for j in range(bits):
            number = np.int64(directions[d, j])
            out = np.int64(0)
            for p in range(bits):
                common = rows[p] & number
                parity = np.int64(0)
                while common:
                    common &= common - 1
                    parity ^= 1
                out |= parity << (bits - 1 - p)
            scrambled[d, j] = out
    return scrambled


@njit(inline="always")
def flipped(i):
    """The direction number (column) that takes the walk from point ``i - 1`` to ``i``
    (``i`` > 0): the lowest zero bit of ``i - 1``."""
    rest = i - 1
    bit = 0
    while rest & 1:
        rest >>= 1
        bit += 1
    return bit


@njit(nogil=True, cache=True)
def sobol_points(directions, shift, scale, n):
    """The first ``n`` points (n x d, in [0, 1)) of the sequence."""
    quasi = shift.copy()
    points = np.empty((n, shift.shape[0]))
    for i in range(n):
        if i > 0:
            bit = flipped(i)
            for k in range(shift.shape[0]):
                quasi[k] ^= directions[k, bit]
        for k in range(shift.shape[0]):
            points[i, k] = quasi[k] * scale
    return points
