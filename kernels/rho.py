"""Functional forms of rho(theta), the leader's survival chance after a failed crisis.

A form is a pair of jitted functions, value and slope d rho / d theta, both taking
``(theta, rho)`` where ``rho`` is the form's scale parameter. Adding a form is one
``@njit`` pair and one line in ``RHO_FORMS``; kernels are compiled per form.
The model requires 0 < rho(theta) <= theta and rho'(theta) > 0; the kernel flags points
where a form breaks that rather than assuming it.
"""

from __future__ import annotations

from typing import NamedTuple

from numba import njit

from kernels.numerics import ratio


class RhoForm(NamedTuple):
    value: object  # jitted (theta, rho) -> rho(theta)
    slope: object  # jitted (theta, rho) -> rho'(theta)
    formula: str


@njit(inline="always")
def _linear(theta, rho):
    return rho * theta


@njit(inline="always")
def _linear_slope(theta, rho):
    return rho


@njit(inline="always")
def _quadratic(theta, rho):
    return rho * theta * theta


@njit(inline="always")
def _quadratic_slope(theta, rho):
    # exceeds 1 for theta > 1/(2 rho): the paper's footnote 8 fails there
    return 2.0 * rho * theta


@njit(inline="always")
def _sqrt(theta, rho):
    return rho * theta**0.5


@njit(inline="always")
def _sqrt_slope(theta, rho):
    # rho(theta) > theta for theta < rho**2: those points break the model's domain
    return ratio(0.5 * rho, theta**0.5)


RHO_FORMS: dict[str, RhoForm] = {
    "linear": RhoForm(_linear, _linear_slope, "rho*theta (the paper's)"),
    "quadratic": RhoForm(_quadratic, _quadratic_slope, "rho*theta**2"),
    "sqrt": RhoForm(_sqrt, _sqrt_slope, "rho*sqrt(theta)"),
}
