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
