"""What follows exactly from the printed numbers: standard errors from the Wald
intervals, z and p, AIC/BIC, the likelihood-ratio test for adding the interaction, a
lower bound on the base rate, and where the interaction's marginal effects cross zero."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict
from scipy import optimize, stats

from explorer.empirics.published import (
    EmpiricsError,
    Interaction,
    Published,
    PublishedModel,
    Term,
    Value,
)

Z975 = float(stats.norm.ppf(0.975))
PRINTED = 0.0005  # half a unit in the tables' third decimal


def derived(value: float | None) -> Value:
    return Value(value=value, provenance="derived")


def published(value: float | None) -> Value:
    return Value(value=value, provenance="published")


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class TermStats(_Row):
    name: str
    label: str
    estimate: Value
    interval: tuple[str, str]  # as printed
    se: Value
    z: Value
    p: Value
    rebuilt: tuple[Value, Value]  # estimate -/+ 1.96 SE
    note: str = ""


def term_stats(term: Term) -> TermStats:
    """A term's SE, z and p from its printed interval (a Wald interval: symmetric)."""
    printed = {
        "name": term.name,
        "label": term.label,
        "estimate": published(term.estimate),
        "interval": term.printed,
    }
    if not term.numeric:
        bound = abs(term.estimate) / Z975
        side = "below" if term.estimate < 0 else "above"
        unknown = derived(None)
        return TermStats(
            **printed,
            se=unknown,
            z=unknown,
            p=unknown,
            rebuilt=(unknown, unknown),
            note=(
                f"interval printed as {term.printed[0]}..{term.printed[1]}: only the sign and "
                f"significance are known (the interval lies {side} zero, so SE < "
                f"|estimate|/1.96 = {bound:.3g} and p < 0.05)"
            ),
        )
    se = (term.high - term.low) / (2 * Z975)
    z = term.estimate / se
    return TermStats(
        **printed,
        se=derived(se),
        z=derived(z),
        p=derived(2 * stats.norm.sf(abs(z))),
        rebuilt=(derived(term.estimate - Z975 * se), derived(term.estimate + Z975 * se)),
    )


def base_rate_bound(loglik: float, n: int) -> float:
    """The smallest share of ones a sample can have given its fitted log likelihood: a
    constant-only model fits no better than the full one, so the per-observation
    Bernoulli entropy of the base rate is at least -loglik/n."""
    entropy = -loglik / n

    def excess(p: float) -> float:
        return -(p * math.log(p) + (1 - p) * math.log1p(-p)) - entropy

    if entropy >= math.log(2):
        raise EmpiricsError(f"log likelihood {loglik} is below a coin's for n = {n}")
    return optimize.brentq(excess, 1e-15, 0.5, xtol=1e-14)


class ModelStats(_Row):
    key: str
    measure: str
    n: Value
    loglik: Value
    chi2: Value
    k: Value
    chi2_p: Value
    aic: Value
    bic: Value
    base_rate_min: Value
    terms: tuple[TermStats, ...]
    crossings: dict[str, Value] = {}


def model_stats(model: PublishedModel, interaction: Interaction | None = None) -> ModelStats:
    k = model.k
    crossings = {}
    if model.interacted and interaction is not None:
        a, b = interaction.of
        ba, bb, bab = (model.term(t).estimate for t in (a, b, interaction.term))
        # d index / d a = b_a + b_ab * b is zero at b = -b_a / b_ab; likewise for b.
        crossings = {
            f"{a}_effect_zero_at_{b}": derived(-ba / bab),
            f"{b}_effect_zero_at_{a}": derived(-bb / bab),
        }
    return ModelStats(
        key=model.key,
        measure=model.measure,
        n=published(model.n),
        loglik=published(model.loglik),
        chi2=published(model.chi2),
        k=derived(k),
        chi2_p=derived(float(stats.chi2.sf(model.chi2, k - 1))),
        aic=derived(-2 * model.loglik + 2 * k),
        bic=derived(-2 * model.loglik + k * math.log(model.n)),
        base_rate_min=derived(base_rate_bound(model.loglik, model.n)),
        terms=tuple(term_stats(t) for t in model.terms),
        crossings=crossings,
    )


class InteractionTest(_Row):
    column: str  # "model1"
    lr: Value
    df: int
    p: Value
    wald_z: Value  # the interaction's clustered Wald z in Table 2
    wald_p: Value
    note: str


def interaction_test(tables: Published, column: str) -> InteractionTest:
    """The likelihood-ratio test of Table 2's interaction against Table 1 (same sample,
    one more term): model-based, beside the clustered Wald z the paper reports."""
    restricted = tables.model(f"table1.{column}")
    full = tables.model(f"table2.{column}")
    if restricted.n != full.n:
        raise EmpiricsError(f"{column}: Tables 1 and 2 differ in N; no likelihood-ratio test")
    lr = 2 * (full.loglik - restricted.loglik)
    wald = term_stats(full.term(tables.interaction.term))
    p = float(stats.chi2.sf(lr, 1))
    verdict = (
        "the clustered Wald test rejects no interaction at 5% where the model-based LR test "
        "does not"
        if wald.p.value < 0.05 <= p
        else "neither rejects at 5%"
        if min(wald.p.value, p) >= 0.05
        else "both reject at 5%"
    )
    return InteractionTest(
        column=column,
        lr=derived(lr),
        df=1,
        p=derived(p),
        wald_z=wald.z,
        wald_p=wald.p,
        note=(
            f"model-based LR {lr:.3f} (p {p:.3f}) against the clustered Wald z "
            f"{wald.z.value:.2f} (p {wald.p.value:.4f}): {verdict}"
        ),
    )
