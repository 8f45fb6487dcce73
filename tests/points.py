"""Seeded random parameter points inside the model's assumptions, with edge values mixed in."""

from __future__ import annotations

import numpy as np

GAME_PARAMS = {
    "revisionist": ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p", "beta", "q"),
    "status_quo": ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p", "beta"),
}


def _open_unit(rng, n):
    return rng.uniform(np.nextafter(0.0, 1.0), 1.0, n)


def random_points(seed: int, n: int, game: str = "revisionist", edge_share: float = 0.05) -> dict:
    """``n`` valid points; about ``edge_share`` of each edge value (c_p = 0, beta = 0,
    beta = 1, p_lp = p_l, c_lp = c_l, c_lp = 0, q = 0, q = 1) so ties are exercised."""
    rng = np.random.default_rng(seed)
    p = {
        "alpha": _open_unit(rng, n),
        "theta": _open_unit(rng, n),
        "rho": _open_unit(rng, n),
        "p_l": _open_unit(rng, n),
        "c_l": rng.uniform(1e-3, 0.6, n),
        "c_p": rng.uniform(0.0, 0.4, n),
        "beta": rng.uniform(0.0, 1.0, n),
        "q": rng.uniform(0.0, 1.0, n),
    }
    p["p_lp"] = p["p_l"] + (1.0 - p["p_l"]) * rng.uniform(0.0, 1.0, n)
    p["p_lp"] = np.minimum(p["p_lp"], np.nextafter(1.0, 0.0))
    p["c_lp"] = p["c_l"] * rng.uniform(0.0, 1.0, n)

    def some():
        return rng.random(n) < edge_share

    p["c_p"][some()] = 0.0
    p["beta"][some()] = 0.0
    p["beta"][some()] = 1.0
    same = some()
    p["p_lp"][same] = p["p_l"][same]
    same = some()
    p["c_lp"][same] = p["c_l"][same]
    p["c_lp"][some()] = 0.0
    p["q"][some()] = 0.0
    p["q"][some()] = 1.0
    return {k: p[k] for k in GAME_PARAMS[game]}


def point(params: dict, i: int) -> dict:
    return {k: float(v[i]) for k, v in params.items()}
