"""A model's published probit tables as typed data, every number tagged with where it
comes from: ``published`` (printed in the paper), ``derived`` (exact arithmetic on printed
numbers) or ``approximate`` (needs an assumption, which is named).

The model names a TOML file (``Model.empirics``) with: ``outcome``; ``[terms]`` (name =
label); ``[measures]`` (column = what distinguishes it); ``[tableN.columnM]`` with ``n``,
``loglik``, ``chi2`` and each term as ``[estimate, low, high]`` (the printed 95% interval)
or ``{estimate, ci_printed}`` where the interval printed as zeros; ``interaction`` (the
product term and its two variables), their ``ranges``, ``margins_model``, the predicted
profile's description (``profile``) and ``[figureN.variable]`` axes (``model``, ``over``,
``ticks``) that bound its unpublished linear predictor; ``[[errata]]``.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Provenance = Literal["published", "derived", "approximate"]


class EmpiricsError(ValueError):
    """A user's request the published results cannot answer; the message says the fix."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Value(_Frozen):
    """One number and its provenance."""

    value: float | None
    provenance: Provenance
    assumption: str | None = None

    @model_validator(mode="after")
    def _assumption_named(self) -> Value:
        if (self.provenance == "approximate") != (self.assumption is not None):
            raise ValueError("an approximate value names its assumption, and only it does")
        return self


class Term(_Frozen):
    name: str
    label: str
    estimate: float
    low: float | None = None  # the printed 95% interval; None where it printed as 0.000
    high: float | None = None
    printed: tuple[str, str]  # the interval's text as printed

    @property
    def numeric(self) -> bool:
        return self.low is not None


class PublishedModel(_Frozen):
    key: str  # "table2.model1"
    n: int
    loglik: float
    chi2: float
    measure: str
    terms: tuple[Term, ...]
    interaction: str | None = None  # the product term, where this column has it

    def term(self, name: str) -> Term:
        for term in self.terms:
            if term.name == name:
                return term
        raise EmpiricsError(
            f"{self.key} has no term {name!r}; its terms: {', '.join(t.name for t in self.terms)}"
        )

    @property
    def k(self) -> int:
        return len(self.terms)

    @property
    def interacted(self) -> bool:
        return self.interaction is not None


class Erratum(_Frozen):
    where: str
    text: str


class FigureAxis(_Frozen):
    model: str
    over: tuple[float, float]
    ticks: tuple[float, float]


class Interaction(_Frozen):
    term: str
    of: tuple[str, str]

    def other(self, name: str) -> str:
        return self.of[1] if name == self.of[0] else self.of[0]


class Published(_Frozen):
    source: str
    outcome: str
    models: dict[str, PublishedModel]
    errata: tuple[Erratum, ...]
    axes: dict[str, FigureAxis]  # the predicted-probability figure's, by variable
    labels: dict[str, str]
    interaction: Interaction
    ranges: dict[str, tuple[float, float]]
    margins_model: str
    profile: str
    # "term,term" -> the Monte Carlo output holding their estimates' sampling correlation
    simulated_correlations: dict[str, str] = {}

    def variable(self, name: str) -> str:
        if name not in self.ranges:
            raise EmpiricsError(
                f"unknown variable {name!r}; choose one of: {', '.join(self.ranges)}"
            )
        return name

    def model(self, key: str) -> PublishedModel:
        if key not in self.models:
            raise EmpiricsError(f"unknown model {key!r}; choose one of: {', '.join(self.models)}")
        return self.models[key]


def _term(name: str, raw, label: str) -> Term:
    if isinstance(raw, dict):
        low, high = raw["ci_printed"]
        return Term(name=name, label=label, estimate=raw["estimate"], printed=(low, high))
    estimate, low, high = raw
    return Term(
        name=name,
        label=label,
        estimate=estimate,
        low=low,
        high=high,
        printed=(f"{low:.3f}", f"{high:.3f}"),
    )


def load(path: str | Path | None = None) -> Published:
    """The published tables of ``path``, or of the default model."""
    if path is None:
        from explorer.models import default_model

        model = default_model()
        if not model.empirics:
            raise EmpiricsError(f"model {model.name!r} declares no published results (empirics)")
        path = model.empirics
    return _load(str(path))


@cache
def _load(path: str) -> Published:
    raw = tomllib.loads(Path(path).read_text())
    labels = raw["terms"]
    interaction = Interaction(**raw["interaction"])
    models = {}
    tables = sorted(k for k in raw if k.startswith("table"))
    for table in tables:
        for column, entries in raw[table].items():
            key = f"{table}.{column}"
            terms = tuple(_term(n, v, labels[n]) for n, v in entries.items() if n in labels)
            models[key] = PublishedModel(
                key=key,
                n=entries["n"],
                loglik=entries["loglik"],
                chi2=entries["chi2"],
                measure=raw["measures"][column],
                terms=terms,
                interaction=interaction.term if interaction.term in entries else None,
            )
    figure = next(k for k in raw if k.startswith("figure"))
    return Published(
        source=path,
        outcome=raw["outcome"],
        models=models,
        errata=tuple(Erratum(**e) for e in raw["errata"]),
        axes={k: FigureAxis(**v) for k, v in raw[figure].items()},
        labels=labels,
        interaction=interaction,
        ranges={k: tuple(v) for k, v in raw["ranges"].items()},
        margins_model=raw["margins_model"],
        profile=raw["profile"],
        simulated_correlations=raw.get("simulated_correlations", {}),
    )
