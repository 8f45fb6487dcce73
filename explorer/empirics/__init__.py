"""The empirical half of a model's paper: its published probit tables as data, what they
imply, a fast probit for a researcher's own data (``fit``), and the rebuilt figures.

Names load on first use (pydantic, pandas, xarray and the kernel are slow to import for
commands that do not need them).
"""

__all__ = ["EmpiricsError", "fit", "load", "regression_table"]

_HOMES = {
    "EmpiricsError": "explorer.empirics.published",
    "load": "explorer.empirics.published",
    "fit": "explorer.empirics.fitting",
    "regression_table": "explorer.empirics.fitting",
}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(name)
