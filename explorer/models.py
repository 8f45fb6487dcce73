"""The registry of models the engine can solve; a new model adds one line here."""

from __future__ import annotations

from kernels.coalition import MODEL as COALITION
from kernels.spec import ModelSpec

MODELS: dict[str, ModelSpec] = {COALITION.name: COALITION}


def get_model(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}") from None
