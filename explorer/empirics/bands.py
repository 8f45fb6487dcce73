"""The published figures rebuilt from the printed numbers: predicted probabilities over
one variable (Clarify-style simulation of the coefficients; the paper's Figure 3) and the
marginal effect of one interacted variable over the other (Brambor, Clark & Golder: delta
method and simulation; its Figure 4).

Papers rarely publish the coefficients' covariance V or the covariates' means, so each
curve says what it assumed: V is ``independent`` (the derived SEs, no correlations), an
``envelope`` over every correlation, or read from a ``file``; the profile's linear
predictor is given (``offset``) or bounded by the published figure's printed axes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import stats

from explorer.empirics.derived import Z975, term_stats
from explorer.empirics.published import EmpiricsError, Published, PublishedModel

COVARIANCES = ("independent", "envelope", "file", "simulated")
STEP = 0.01  # the paper's grid over each variable
INDEX_SCALE = (
    "on the index (linear predictor) scale: the probability-scale effect is this times "
    "phi(index) at the profile, which needs the unpublished covariate means"
)


@dataclass(frozen=True)
class Covariance:
    """V over some terms and how it was obtained."""

    terms: tuple[str, ...]
    matrix: np.ndarray
    kind: str
    assumption: str

    def block(self, names: tuple[str, ...]) -> np.ndarray:
        missing = [n for n in names if n not in self.terms]
        if missing:
            raise EmpiricsError(
                f"the covariance has no term {missing[0]!r}; give a matrix over "
                f"{', '.join(names)} (terms as in `explorer empirics tables`)"
            )
        at = [self.terms.index(n) for n in names]
        return self.matrix[np.ix_(at, at)]


def independent(model: PublishedModel) -> Covariance:
    terms = tuple(t.name for t in model.terms if t.numeric)
    ses = [term_stats(model.term(n)).se.value for n in terms]
    return Covariance(
        terms,
        np.diag(np.square(ses)),
        "independent",
        "V diagonal: the derived SEs with every correlation set to zero",
    )


def read_covariance(path: str | Path) -> Covariance:
    """A user's V: the NetCDF of ``explorer empirics fit --netcdf`` (its ``cov``), JSON
    ``{"terms": [...], "matrix": [[...]]}``, or a CSV with the term names as header row
    and first column (e.g. ``pd.DataFrame(fit.cov).to_csv``)."""
    path = Path(path)
    if not path.is_file():
        raise EmpiricsError(
            f"covariance file {str(path)!r} does not exist; give a .nc (from `explorer "
            "empirics fit --netcdf`), JSON or CSV file of the coefficients' covariance"
        )
    try:
        if path.suffix.lower() == ".json":
            raw = json.loads(path.read_text())
            terms, matrix = tuple(raw["terms"]), np.asarray(raw["matrix"], dtype=float)
        elif path.suffix.lower() == ".nc":
            with xr.open_dataset(path) as fitted:
                cov = fitted["cov"].load()
            kept = ~np.isnan(np.diag(cov.values))  # a fit's aliased terms are NaN
            terms = tuple(str(t) for t in cov["term"].values[kept])
            matrix = cov.values[np.ix_(kept, kept)]
        else:
            import pandas as pd

            frame = pd.read_csv(path, index_col=0)
            terms, matrix = tuple(frame.columns), frame.to_numpy(dtype=float)
    except (ValueError, KeyError, TypeError, OSError) as err:
        raise EmpiricsError(
            f"cannot read a covariance from {str(path)!r} ({err}); give the .nc of "
            '`explorer empirics fit --netcdf`, JSON {"terms": [...], "matrix": [[...]]} or a '
            "CSV with term names as header and index"
        ) from None
    if matrix.shape != (len(terms), len(terms)) or not np.allclose(matrix, matrix.T):
        raise EmpiricsError(
            f"{str(path)!r}: the covariance must be a symmetric "
            f"{len(terms)} x {len(terms)} matrix over its named terms"
        )
    if np.linalg.eigvalsh(matrix).min() < -1e-12 * max(1.0, np.abs(matrix).max()):
        raise EmpiricsError(
            f"{str(path)!r}: the covariance is not positive semi-definite; "
            "give the estimated V of a fit"
        )
    return Covariance(terms, matrix, "file", f"V read from {path.name}")


def simulated_covariance(
    tables: Published, model: PublishedModel, store: str, at: dict[str, float]
) -> Covariance:
    """V with the published SEs and the correlations a Monte Carlo store found at one
    point (its outputs named in the published file's ``simulated_correlations``)."""
    from explorer.views.slicing import open_sweep

    ds = open_sweep(store)
    wanted = tables.simulated_correlations
    missing = [o for o in wanted.values() if o not in ds.data_vars]
    if not wanted or missing:
        raise EmpiricsError(
            f"{store} holds no simulated correlations ({', '.join(missing or ['none named'])}); "
            "give a Monte Carlo store made with those outputs"
        )
    point = ds[list(wanted.values())]
    for name, value in at.items():
        if name not in point.dims:
            raise EmpiricsError(
                f"--at {name}: {store} is not swept over it; give one of {', '.join(point.dims)}"
            )
        grid = point[name].values
        if not np.isclose(grid, value, rtol=0, atol=1e-12).any():
            raise EmpiricsError(
                f"--at {name}={value:g} is not on the store's grid; choose one of "
                + ", ".join(f"{v:g}" for v in grid)
            )
        point = point.sel({name: value}, method="nearest")
    open_dims = [d for d in point.dims if point.sizes[d] > 1]
    if open_dims:
        raise EmpiricsError(
            f"say which point of {store}: give --at NAME=VALUE for " + ", ".join(open_dims)
        )
    point = point.squeeze(drop=False).load()
    terms = tuple(dict.fromkeys(t for pair in wanted for t in pair.split(",")))
    ses = np.array([term_stats(model.term(t)).se.value for t in terms])
    corr = np.eye(len(terms))
    for pair, output in wanted.items():
        i, j = (terms.index(t) for t in pair.split(","))
        corr[i, j] = corr[j, i] = float(point[output])
    if not np.isfinite(corr).all():
        raise EmpiricsError(
            f"the store's point {_point(point)} has no correlations (too few clean fits); "
            "choose another point"
        )
    return Covariance(
        terms,
        corr * np.outer(ses, ses),
        "simulated",
        f"V: published SEs with the correlations of the estimates over the datasets "
        f"simulated at {_point(point)} (store {Path(store).name})",
    )


def _point(point: xr.Dataset) -> str:
    return ", ".join(f"{d}={float(point[d]):g}" for d in point.coords if point[d].ndim == 0)


def covariance(
    model: PublishedModel,
    kind: str,
    path: str | None,
    tables: Published | None = None,
    at: dict[str, float] | None = None,
) -> Covariance:
    if kind not in COVARIANCES:
        raise EmpiricsError(f"unknown covariance {kind!r}; choose one of {', '.join(COVARIANCES)}")
    if kind == "file":
        if not path:
            raise EmpiricsError("--cov file needs --cov-file PATH (JSON or CSV)")
        return read_covariance(path)
    if kind == "simulated":
        if not path:
            raise EmpiricsError("--cov simulated needs --from STORE (a Monte Carlo store)")
        return simulated_covariance(tables, model, path, at or {})
    return independent(model)  # the envelope widens the independent band afterwards


def _grid(tables: Published, name: str) -> np.ndarray:
    lo, hi = tables.ranges[name]
    return np.round(np.arange(lo, hi + STEP / 2, STEP), 10)


def _draws(mean: np.ndarray, cov: np.ndarray, draws: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).multivariate_normal(mean, cov, size=draws, method="eigh")


def margins(
    tables: Published,
    key: str,
    effect_of: str,
    cov_kind: str = "independent",
    cov_file: str | None = None,
    draws: int = 1000,
    seed: int = 0,
    at: dict[str, float] | None = None,
) -> xr.Dataset:
    """The index-scale marginal effect of ``effect_of`` (b + b_int * other) over the other
    interacted variable, with delta-method and simulation 95% bands. ``cov_file`` is the
    covariance's file, or with ``simulated`` the Monte Carlo store (its point at ``at``)."""
    model = tables.model(key)
    if not model.interacted:
        raise EmpiricsError(
            f"{key} has no interaction term; marginal effects over the other variable need "
            "a column with it: " + ", ".join(k for k, m in tables.models.items() if m.interacted)
        )
    other = tables.interaction.other(tables.variable(effect_of))
    names = (effect_of, tables.interaction.term)
    beta = np.array([model.term(n).estimate for n in names])
    V = covariance(model, cov_kind, cov_file, tables, at)
    block = V.block(names)
    x = _grid(tables, other)
    weights = np.stack([np.ones_like(x), x], axis=1)  # d index / d effect_of = (1, x) . b
    effect = weights @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", weights, block, weights))
    sims = _draws(beta, block, draws, seed) @ weights.T
    data = {
        "effect": ("x", effect, {"long_name": "marginal effect (point estimate)"}),
        "delta_low": ("x", effect - Z975 * se),
        "delta_high": ("x", effect + Z975 * se),
        "sim_low": ("x", np.percentile(sims, 2.5, axis=0)),
        "sim_high": ("x", np.percentile(sims, 97.5, axis=0)),
        "sim_mean": ("x", sims.mean(axis=0)),
    }
    assumptions = [V.assumption, f"{draws} simulated coefficient draws (seed {seed})"]
    if cov_kind == "envelope":
        s1, s3 = np.sqrt(np.diag(block))
        widest = np.abs(weights[:, 0]) * s1 + np.abs(weights[:, 1]) * s3
        narrowest = np.abs(np.abs(weights[:, 0]) * s1 - np.abs(weights[:, 1]) * s3)
        data |= {
            "envelope_low": ("x", effect - Z975 * widest),
            "envelope_high": ("x", effect + Z975 * widest),
            "narrowest_low": ("x", effect - Z975 * narrowest),
            "narrowest_high": ("x", effect + Z975 * narrowest),
        }
        assumptions[0] = (
            "V unknown: the band's edges range between the narrowest and "
            "widest over every correlation of the two coefficients (r = -1..1); "
            "the delta and simulation bands shown take r = 0"
        )
    label = tables.labels
    ds = xr.Dataset(data, coords={"x": ("x", x, {"long_name": label[other]})})
    ds.attrs = {
        "title": f"Marginal effect of {label[effect_of]} over {label[other]} ({key})",
        "effect_of": effect_of,
        "over": other,
        "model": key,
        "scale": INDEX_SCALE,
        "provenance": {"file": "derived from the given V", "simulated": "simulated"}.get(
            cov_kind, "approximate"
        ),
        "assumptions": assumptions,
        "zero_at": float(-beta[0] / beta[1]),
    }
    return ds


def offset_bounds(tables: Published, over: str) -> tuple[float, float]:
    """The profile's linear predictor (everything but ``over``'s own term) that keeps the
    published curve over ``over`` inside its printed axis. A panel whose lowest tick is 0
    bounds it only from above; the other panel's bound then closes it, the two offsets
    differing by b_JS * mean(JS) - b_PD * mean(PD) with each mean inside its range."""
    own = _axis_bounds(tables, over)
    if math.isfinite(own[0]):
        return own
    other = tables.interaction.other(over)
    lo_other, hi_other = _axis_bounds(tables, other)
    model = tables.model(tables.axes[over].model)
    b_over_mean = [model.term(over).estimate * v for v in tables.ranges[over]]
    b_other_mean = [model.term(other).estimate * v for v in tables.ranges[other]]
    # offset(over) = c + b_other * mean(other); offset(other) = c + b_over * mean(over).
    shift_lo = min(b_other_mean) - max(b_over_mean)
    shift_hi = max(b_other_mean) - min(b_over_mean)
    return max(own[0], lo_other + shift_lo), min(own[1], hi_other + shift_hi)


def _axis_bounds(tables: Published, over: str) -> tuple[float, float]:
    axis = tables.axes[over]
    b = tables.model(axis.model).term(over).estimate
    ends = [b * v for v in axis.over]
    low, high = stats.norm.ppf(axis.ticks[0]), stats.norm.ppf(axis.ticks[1])
    return low - min(ends), high - max(ends)


def predict(
    tables: Published,
    over: str,
    offset: float | None = None,
    cov_kind: str = "independent",
    cov_file: str | None = None,
    draws: int = 1000,
    seed: int = 0,
) -> xr.Dataset:
    """The predicted probability over ``over`` (in the published figure's model): the point
    estimate Phi(offset + b x) and Clarify's mean of simulated probabilities with its 95%
    band, the coefficient drawn from V. Without ``offset``, curves at the ends and the
    middle of the bound the published figure's axes put on it."""
    key = tables.axes[tables.variable(over)].model
    model = tables.model(key)
    V = covariance(model, cov_kind, cov_file)
    b = model.term(over).estimate
    var = float(V.block((over,))[0, 0])
    x = _grid(tables, over)
    bounded = offset is None
    lo, hi = offset_bounds(tables, over)
    offsets = np.array([lo, (lo + hi) / 2, hi]) if bounded else np.array([float(offset)])
    sims = _draws(np.array([b]), np.array([[var]]), draws, seed)[:, 0]
    index = offsets[:, None, None] + sims[None, :, None] * x[None, None, :]
    probability = stats.norm.cdf(index)
    label = tables.labels
    ds = xr.Dataset(
        {
            "estimate": (
                ("offset", "x"),
                stats.norm.cdf(offsets[:, None] + b * x[None, :]),
                {"long_name": "point estimate: Phi(offset + b x)"},
            ),
            "clarify_mean": (
                ("offset", "x"),
                probability.mean(axis=1),
                {"long_name": "mean of simulated probabilities (Clarify)"},
            ),
            "low": (("offset", "x"), np.percentile(probability, 2.5, axis=1)),
            "high": (("offset", "x"), np.percentile(probability, 97.5, axis=1)),
        },
        coords={"x": ("x", x, {"long_name": label[over]}), "offset": offsets},
    )
    drawn_from = V.assumption
    if cov_kind == "envelope":
        drawn_from += " (one coefficient is drawn, so no correlation enters: the envelope is this)"
    fixed = tables.profile
    offset_note = (
        f"the profile's linear predictor (unpublished) bounded to [{lo:.3f}, {hi:.3f}] by "
        "the published figure's printed axes: curves at both ends and the middle"
        if bounded
        else f"the profile's linear predictor set to {float(offset):g} (--offset)"
    )
    ds.attrs = {
        "title": f"Predicted Pr({tables.outcome}) over {label[over]} ({key})",
        "ylabel": f"Pr({tables.outcome})",
        "over": over,
        "model": key,
        "provenance": "approximate",
        "assumptions": [
            fixed,
            offset_note,
            f"only {label[over]}'s coefficient is drawn ({draws} draws, seed {seed}, "
            f"variance from: {drawn_from}); the offset is held fixed",
        ],
        "offset_bounds": [float(lo), float(hi)],
    }
    return ds
