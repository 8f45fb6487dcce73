"""The models the engine can solve, by name.

Three ways in: a package inside this one that declares ``MODEL`` (the models shipped
here), an installed package that names its model in the ``explorer.models`` entry point
group (``[project.entry-points."explorer.models"] mine = "my_package:MODEL"``), or
``register(model)`` from code. See the README's "Adding a model". Shipped models are read
when asked for by name, installed ones when a name is not shipped or the list is wanted.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from functools import cache
from importlib import metadata

from explorer.models.declaration import Model

ENTRY_POINTS = "explorer.models"
_MODELS: dict[str, Model] = {}
_found = False  # every shipped and installed model read


def register(model: Model) -> Model:
    """Make ``model`` available by its name (replacing one registered under that name)."""
    _MODELS[_checked(model).name] = model
    return model


def _checked(model) -> Model:
    if not isinstance(model, Model):
        raise TypeError(f"{model!r} is not an explorer.models.declaration.Model")
    return model


def get_model(name: str) -> Model:
    if name not in _MODELS and name in _shipped_packages():
        _load_shipped(name)  # (only the one asked for: each costs imports and kernels)
    if name not in _MODELS:
        _discover()
    try:
        return _MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {available()}") from None


def available() -> list[str]:
    _discover()
    return sorted(_MODELS)


def default_model() -> Model:
    """The model a config or command means when it names none: the first declared
    ``default``, looking at models registered from code, then shipped, then installed."""
    shipped = iter(_shipped_packages())
    while (found := next((m for m in _MODELS.values() if m.default), None)) is None:
        package = next(shipped, None)
        if package is None:
            _discover()
            return next(m for m in _MODELS.values() if m.default)
        _load_shipped(package)
    return found


@cache
def _shipped_packages() -> tuple[str, ...]:
    return tuple(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def _load_shipped(package: str) -> None:
    found = getattr(importlib.import_module(f"{__name__}.{package}"), "MODEL", None)
    if isinstance(found, Model):
        _MODELS.setdefault(found.name, found)


def _discover() -> None:
    """Read every shipped model, then the installed ones, once per process. A name keeps
    the model it first had (registered from code, shipped, then installed)."""
    global _found
    if _found:
        return
    _found = True
    for package in _shipped_packages():
        _load_shipped(package)
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        loaded = entry.load()
        model = _checked(loaded() if callable(loaded) and not isinstance(loaded, Model) else loaded)
        if _MODELS.setdefault(model.name, model) is not model:
            warnings.warn(
                f"the installed model {model.name!r} ({entry.value}) is not used: a model "
                "of that name is already there; give yours another name",
                stacklevel=2,
            )
