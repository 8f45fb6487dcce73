"""Coalition Explorer: exact solutions of formal models over parameter grids.

``explorer.solve`` solves a model at given points; ``explorer.open_sweep`` (also
``explorer.open``) opens a stored sweep; ``explorer.make_slice`` (also ``explorer.slice``)
cuts a 2-D plane from a store, a config or a parameter set; ``explorer.plot`` draws a
plane as ``explorer plot`` does (in a notebook); ``explorer.get_model`` and
``explorer.register`` reach the models. ``from explorer import *`` takes only the names
that shadow no builtin.
"""

from __future__ import annotations

__all__ = ["solve", "open_sweep", "make_slice", "plot", "get_model", "register"]

# Public name -> (module, attribute); imported on first use so `import explorer` (and the
# CLI's --help) stays fast.
_LAZY = {
    "solve": ("explorer.engine.solve", "solve"),
    "open_sweep": ("explorer.views.slicing", "open_sweep"),
    "open": ("explorer.views.slicing", "open_sweep"),
    "make_slice": ("explorer.views.slicing", "make_slice"),
    "slice": ("explorer.views.slicing", "make_slice"),
    "plot": ("explorer.views.figures", "plot"),
    "get_model": ("explorer.models", "get_model"),
    "register": ("explorer.models", "register"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
