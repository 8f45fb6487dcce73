"""Building blocks for the claims a model declares (see ``Claim``): a view of one task's
solved points, and the common shapes of a claim — monotone between grid neighbours, or
holding point by point. Each returns boolean masks (checked, violating)."""

from __future__ import annotations

import numpy as np

REL_TOL = 1e-9  # closed forms compared near equality differ by rounding, not by theory


class View:
    """One task's solved points: outputs and parameters as arrays of the task's shape, the
    mask of points where the model's assumptions hold, and neighbour pairs along a grid
    axis."""

    def __init__(self, values: dict, params: dict, dims: tuple[str, ...], valid: np.ndarray):
        self.values, self.params, self.dims, self.valid = values, params, dims, valid

    def __getitem__(self, name):
        return self.values[name] if name in self.values else self.params[name]

    def pairs(self, axis: str, quantity: np.ndarray):
        """(lower, upper, both_valid) for neighbours along ``axis``; both views start at
        the task's origin, so an index into them is an index into the task."""
        k = self.dims.index(axis)
        n = quantity.shape[k]
        lo = tuple(slice(0, n - 1) if d == k else slice(None) for d in range(quantity.ndim))
        hi = tuple(slice(1, n) if d == k else slice(None) for d in range(quantity.ndim))
        return quantity[lo], quantity[hi], self.valid[lo] & self.valid[hi]


def at_most(a, b):
    """a <= b up to rounding."""
    return a <= b + REL_TOL * np.maximum(np.abs(a), np.abs(b))


def monotone(view: View, axis: str, quantity, increasing: bool, finite_only: bool = False):
    """``quantity`` never falls (or never rises) from one grid neighbour to the next."""
    lo, hi, ok = view.pairs(axis, quantity)
    if finite_only:
        ok = ok & np.isfinite(lo) & np.isfinite(hi)
    bad = ~(at_most(lo, hi) if increasing else at_most(hi, lo))
    return ok, ok & bad


def pointwise(view: View, holds, where=None):
    """``holds`` at every valid point (of ``where``, if given)."""
    checked = view.valid if where is None else view.valid & where
    return checked, checked & ~holds


def finite(*arrays):
    mask = np.ones(np.shape(arrays[0]), dtype=bool)
    for a in arrays:
        mask &= np.isfinite(a)
    return mask


def both(first, second):
    """Two readings as one: checked where either is, violated where either is."""
    ok1, bad1 = first
    ok2, bad2 = second
    return ok1 | ok2, (ok1 & bad1) | (ok2 & bad2)
