"""The models the engine can solve, by name.

Three ways in: a package inside this one that declares ``MODEL`` (the models shipped
here), an installed package that names its model in the ``explorer.models`` entry point
group (``[project.entry-points."explorer.models"] mine = "my_package:MODEL"``), or
``register(model)`` from code. See the README's "Adding a model".
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib import metadata

from explorer.models.declaration import Model

ENTRY_POINTS = "explorer.models"
_MODELS: dict[str, Model] = {}
_found = False


def register(model: Model) -> Model:
    """Make ``model`` available by its name (replacing one registered under that name)."""
    if not isinstance(model, Model):
        raise TypeError(f"{model!r} is not an explorer.models.declaration.Model")
    _MODELS[model.name] = model
    return model


def get_model(name: str) -> Model:
    _discover()
    try:
        return _MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {available()}") from None


def available() -> list[str]:
    _discover()
    return sorted(_MODELS)


def default_model() -> Model:
    """The model a config or command means when it names none."""
    _discover()
    return next(m for m in _MODELS.values() if m.default)


def _discover() -> None:
    """Find the shipped models, then installed ones, once per process."""
    global _found
    if _found:
        return
    _found = True
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            found = getattr(importlib.import_module(f"{__name__}.{module.name}"), "MODEL", None)
            if isinstance(found, Model):
                _MODELS.setdefault(found.name, found)
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        loaded = entry.load()
        register(loaded() if callable(loaded) and not isinstance(loaded, Model) else loaded)
