"""``explorer.empirics.fit``: eq. 4's probit (or any probit) on a researcher's own data,
with the numba estimator, as an xarray Dataset along ``term``."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from explorer.empirics.derived import Z975
from explorer.empirics.published import EmpiricsError
from kernels import probit

READERS = {".csv": pd.read_csv, ".dta": pd.read_stata}
CONSTANT = "constant"


def read_data(data) -> pd.DataFrame:
    """A DataFrame as given, or a CSV / Stata .dta file read with pandas."""
    if isinstance(data, pd.DataFrame):
        return data
    path = Path(data)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise EmpiricsError(
            f"cannot read {str(path)!r}: give a .csv or Stata .dta file, or a pandas DataFrame"
        )
    if not path.is_file():
        raise EmpiricsError(f"data file {str(path)!r} does not exist; check the path")
    try:
        return reader(path)
    except (ValueError, OSError, UnicodeDecodeError, struct.error) as err:
        raise EmpiricsError(
            f"cannot read {str(path)!r} as {path.suffix} ({err}); "
            "check that the file is what its name says"
        ) from None


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        shown = ", ".join(map(str, frame.columns[:12])) + (" ..." if frame.shape[1] > 12 else "")
        raise EmpiricsError(
            f"{role} column {name!r} is not in the data (columns: {shown}); check the spelling"
        )
    return frame[name]


def _numeric(series: pd.Series, role: str) -> np.ndarray:
    try:
        return series.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise EmpiricsError(
            f"{role} column {series.name!r} is not numeric (e.g. "
            f"{series.iloc[0]!r}); encode it as numbers"
        ) from None


def design(frame: pd.DataFrame, y: str, x: list[str], cluster: str | None, constant: bool):
    """The checked outcome, design (n, k; Fortran order) and cluster labels."""
    if not x:
        raise EmpiricsError("no covariates: give x=[...] (--x a,b,c), one or more columns")
    if len(set(x)) != len(x) or y in x:
        raise EmpiricsError(
            f"x={x} repeats a column or includes the outcome {y!r}; name each covariate once"
        )
    outcome = _numeric(_column(frame, y, "outcome"), "outcome")
    columns = [_numeric(_column(frame, name, "covariate"), "covariate") for name in x]
    groups = None if cluster is None else _column(frame, cluster, "cluster").to_numpy()
    missing = np.isnan(outcome) | np.isnan(np.column_stack(columns)).any(axis=1)
    if groups is not None:
        missing |= pd.isna(groups)
    if missing.any():
        bad = [c for c in [y, *x, *([cluster] if cluster else [])] if frame[c].isna().any()]
        raise EmpiricsError(
            f"{int(missing.sum())} rows have missing values (in {', '.join(bad)}); drop them "
            f"first, e.g. data.dropna(subset={bad!r}), as Stata's listwise deletion would"
        )
    values = set(np.unique(outcome))
    if not values <= {0.0, 1.0}:
        odd = sorted(values - {0.0, 1.0})[0]
        raise EmpiricsError(
            f"outcome {y!r} takes the value {odd:g}; a probit needs 0/1: "
            f"recode it, e.g. (data[{y!r}] > 0).astype(int)"
        )
    if len(values) < 2:
        raise EmpiricsError(
            f"outcome {y!r} is always {values.pop():g}; a probit needs both 0s and 1s"
        )
    if groups is not None and len(pd.unique(groups)) < 2:
        raise EmpiricsError(
            f"cluster column {cluster!r} has one group ({groups[0]!r}); clustered SEs need at "
            "least two: cluster by another column, or leave cluster out for model-based SEs"
        )
    names = [*x, CONSTANT] if constant else list(x)
    if constant:
        columns.append(np.ones_like(outcome))
    return outcome, np.asfortranarray(np.column_stack(columns)), groups, names


def fit(
    data,
    y: str,
    x: list[str],
    cluster: str | None = None,
    *,
    constant: bool = True,
    factor: str = "stata",
) -> xr.Dataset:
    """Fit ``Pr(y = 1) = Phi(x b + constant)`` by maximum likelihood; SEs clustered by
    ``cluster`` with the small-sample ``factor`` (``stata``: G/(G-1), the paper's;
    ``statsmodels``: also (N-1)/(N-k); ``none``), model-based without ``cluster``.

    ``data``: a pandas DataFrame, or a path to a .csv or Stata .dta file. Returns
    estimate, se, z, p, ci_low, ci_high and cov along ``term``, with the log likelihood,
    N, clusters and flags (their names, "; "-separated) as attributes;
    ``explorer.empirics.regression_table`` prints it.
    """
    if factor not in probit.FACTORS:
        raise EmpiricsError(f"unknown factor {factor!r}; choose one of {', '.join(probit.FACTORS)}")
    frame = read_data(data)
    outcome, X, groups, names = design(frame, y, list(x), cluster, constant)
    result = probit.fit(X, outcome, groups, factor=factor)
    se = np.sqrt(np.diag(result.cov))
    z = result.beta / se
    flags = [label for bit, label in probit.FLAG_NAMES.items() if int(result.flags) & bit]
    term = ("term", names)
    return xr.Dataset(
        {
            "estimate": (term[0], result.beta),
            "se": (term[0], se),
            "z": (term[0], z),
            "p": (term[0], 2 * stats.norm.sf(np.abs(z))),
            "ci_low": (term[0], result.beta - Z975 * se),
            "ci_high": (term[0], result.beta + Z975 * se),
            "cov": (("term", "term_"), result.cov),
        },
        coords={"term": names, "term_": names},
        attrs={
            "outcome": y,
            "loglik": float(result.loglik),
            "n": int(result.n),
            "clusters": int(result.clusters),
            "cluster": cluster or "",
            "covariance": f"clustered by {cluster}, factor {factor}" if cluster else "model-based",
            "iterations": int(result.iterations),
            "flags": "; ".join(flags),  # text, so that any NetCDF writer keeps it
        },
    )


def regression_table(fitted: xr.Dataset) -> str:
    """The fit as a regression table: estimate, SE, z, p and 95% interval per term."""
    from tabulate import tabulate

    rows = [
        [str(t), f"{e:.4f}", f"{s:.4f}", f"{z:.2f}", f"{p:.3g}", f"[{lo:.3f}, {hi:.3f}]"]
        for t, e, s, z, p, lo, hi in zip(
            fitted.term.values,
            fitted.estimate.values,
            fitted.se.values,
            fitted.z.values,
            fitted.p.values,
            fitted.ci_low.values,
            fitted.ci_high.values,
            strict=True,
        )
    ]
    a = fitted.attrs
    body = tabulate(
        rows,
        ["term", "estimate", "SE", "z", "p", "95% CI"],
        tablefmt="simple",
        disable_numparse=True,
    )
    footer = (
        f"Probit of {a['outcome']}: N {a['n']}, log likelihood {a['loglik']:.3f}, SEs "
        f"{a['covariance']}" + (f" ({a['clusters']} clusters)" if a["clusters"] else "") + "."
    )
    if a["flags"]:
        footer += f" Warning: {a['flags']}."
    return f"{body}\n{footer}"
