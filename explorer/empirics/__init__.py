"""The paper's empirical half: its published probit tables as data, what they imply, a
fast probit for a researcher's own data (``fit``), and Figures 3 and 4.

``fit`` and ``regression_table`` load on first use (pandas, xarray and the kernel are
slow to import for commands that do not need them).
"""

from explorer.empirics.published import EmpiricsError, load

__all__ = ["EmpiricsError", "fit", "load", "regression_table"]


def __getattr__(name: str):
    if name in ("fit", "regression_table"):
        from explorer.empirics import fitting

        return getattr(fitting, name)
    raise AttributeError(name)
