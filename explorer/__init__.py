"""Coalition Explorer: exact equilibria of a crisis-bargaining model over parameter grids."""

from __future__ import annotations

__all__ = ["solve", "open", "slice"]

# Public name -> (module, attribute); imported on first use so `import explorer` (and the
# CLI's --help) stays fast.
_LAZY = {
    "solve": ("explorer.solving", "solve"),
    "open": ("explorer.slicing", "open_sweep"),
    "slice": ("explorer.slicing", "make_slice"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
