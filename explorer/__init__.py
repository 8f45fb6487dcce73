"""Coalition Explorer: exact equilibria of a crisis-bargaining model over parameter grids."""

from __future__ import annotations

__all__ = ["solve"]


def __getattr__(name: str):
    # Lazy, so `import explorer` (and the CLI's --help) stays fast.
    if name == "solve":
        from explorer.solving import solve

        globals()["solve"] = solve
        return solve
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
