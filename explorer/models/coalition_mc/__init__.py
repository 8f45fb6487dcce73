"""Theory meets data: the paper's probit run on datasets the formal model generates.

Each point of this model is a Monte Carlo: ``replicates`` datasets shaped like the paper's
(``leaders`` leaders with ``partners`` potential partners each), every dyad's coalition
decided by the exact equilibrium of the coalition model, fitted with the Table 1 and
Table 2 probits (leader-clustered SEs, Stata's factor). Its outputs say how often the
paper's Hypotheses 1-3 would come out, how close the estimates come to the published
table, and how the estimated marginal effects compare with the model's true ones. The
kernel is ``kernels.montecarlo``; the mapping from primitives to variables is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from explorer.analysis.claims import pointwise
from explorer.models.declaration import (
    Checks,
    Claim,
    Model,
    Output,
    Parameter,
    Variant,
    interval,
)
from kernels import montecarlo as mc
from kernels.rho import RHO_FORMS

PUBLISHED = Path(__file__).parent.parent / "coalition" / "published.toml"
PARAMETERS = (
    Parameter("alpha_mean", "E[α]", interval("(0, 1)"), "mean weight leaders put on office"),
    Parameter("alpha_sd", "sd[α]", interval("[0, 0.5)"), "spread of α across leaders (Beta)"),
    Parameter("theta_mean", "E[θ]", interval("(0, 1)"), "mean job security across leaders"),
    Parameter("theta_sd", "sd[θ]", interval("[0, 0.5)"), "spread of θ across leaders (Beta)"),
    Parameter("rho", "ρ", interval("(0, 1)"), "scale of rho(theta), survival after failure"),
    Parameter("p_l", "p_L", interval("(0, 1)"), "chance a leader prevails alone"),
    Parameter(
        "power_gain",
        "g",
        interval("[0, 1]"),
        "what a partner adds: p_LP - p_L = g (1 - Relative Power)(1 - p_L)",
    ),
    Parameter("c_l", "c_L", interval("(0, inf)"), "public cost of acting alone"),
    Parameter("c_lp", "c_LP", interval("[0, inf)"), "public cost with P (needs c_lp <= c_l)"),
    Parameter(
        "cost_location",
        "μ_c",
        interval("(-inf, inf)"),
        "ln of P's typical cost (sets the base rate)",
    ),
    Parameter(
        "cost_spread",
        "σ_c",
        interval("(0, inf)"),
        "sd of the dyad's unobservable (in ln c_P, c_P or beta: see unobservable)",
    ),
    Parameter(
        "contiguity_effect", "γ_c", interval("[0, inf)"), "how much contiguity lowers ln c_P"
    ),
    Parameter("kappa", "κ", interval("[0, inf)"), "steepness of beta = h(Pref. Divergence)"),
    Parameter("q", "q", interval("[0, 1]"), "value of the status quo to an initiator"),
    Parameter(
        "initiators",
        "s_I",
        interval("[0, 1]"),
        "share of leaders who are initiators, in the data only if they start the crisis",
    ),
    Parameter("js_noise", "σ_JS", interval("[0, inf)"), "measurement noise (sd) in Job Security"),
    Parameter("pd_noise", "σ_PD", interval("[0, inf)"), "measurement noise (sd) in Pref. Div."),
    Parameter("leaders", "L", interval("[2, 100000]"), "leaders per dataset", integer=True),
    Parameter(
        "partners", "M", interval("[1, 10000]"), "potential partners per leader", integer=True
    ),
    Parameter("replicates", "R", interval("[2, 1e6]"), "datasets per point", integer=True),
    Parameter("seed", "seed", interval("[0, 1e15]"), "the sweep's random seed", integer=True),
)
_ALL = tuple(p.name for p in PARAMETERS)
_THEORY_ONLY = (
    "alpha_mean",
    "alpha_sd",
    "rho",
    "p_l",
    "power_gain",
    "c_l",
    "c_lp",
    "cost_location",
    "cost_spread",
    "contiguity_effect",
    "kappa",
    "q",
    "initiators",
)
assert mc.OUTPUT_NAMES[:7] == (
    "supported",
    "flags",
    "base_rate",
    "n_obs",
    "not_converged",
    "separated",
    "dropped",
)

TERMS = {
    "js": "Job Security (Table 1)",
    "pd": "Pref. Divergence (Table 1)",
    "t2_js": "Job Security (Table 2)",
    "t2_pd": "Pref. Divergence (Table 2)",
    "js_x_pd": "the interaction (Table 2)",
}
assert tuple(TERMS) == tuple(short for short, _, _ in mc.FOCAL)
STATISTIC_MEANINGS = {
    "mean": "mean estimate of {}",
    "sd": "sampling SD of the estimate of {}",
    "se": "mean clustered SE of {}",
    "se_sd": "mean SE / sampling SD of {} (1: honest SEs)",
    "z": "mean z of {}",
    "neg": "share of replicates with {} significantly negative (z < -1.96)",
    "pos": "share of replicates with {} significantly positive (z > 1.96)",
    "cover": "share of replicates whose 95% interval of {} covers the published estimate",
}


def _outputs() -> tuple[Output, ...]:
    outputs = [
        Output(
            "supported",
            "uint8",
            "what most replicates support (bits); 'matches' is every focal mean within "
            "1.96 published SEs of the published estimate",
            _ALL,
            bits=mc.SUPPORT_NAMES,
        ),
        Output("flags", "uint8", "bitmask of problems at the point", _ALL, bits=mc.FLAG_NAMES),
        Output("base_rate", "float64", "share of dyads with a coalition", _ALL),
        Output("n_obs", "float64", "dyads in a dataset (mean over replicates)", _ALL, symbol="N"),
        Output("not_converged", "float64", "share of fits that did not converge", _ALL),
        Output("separated", "float64", "share of fits with (quasi-)separation", _ALL),
        Output("dropped", "float64", "share of dyads dropped for breaking the model", _ALL),
    ]
    for short, term in TERMS.items():
        for stat, meaning in STATISTIC_MEANINGS.items():
            outputs.append(Output(f"{short}_{stat}", "float64", meaning.format(term), _ALL))
    outputs += [
        Output("support_joint", "float64", "share of replicates supporting H1-H3 at once", _ALL),
        Output(
            "distance",
            "float64",
            "root mean square distance of the five focal means from the published "
            "estimates, in published SEs",
            _ALL,
        ),
    ]
    effects = {
        "me": "estimated average marginal effect of Job Security on Pr(coalition) at "
        "Pref. Divergence {:g} (Table 2)",
        "me_neg": "share of replicates where Job Security's effect at Pref. Divergence {:g} "
        "is significantly negative (index scale, as Figure 4)",
        "true_me": "the model's true d Pr(coalition) / d theta at Pref. Divergence {:g} "
        "(dyads in a crisis, first replicate's sample)",
    }
    for kind, meaning in effects.items():
        for name, at in zip(mc.ME_NAMES, mc.ME_AT):
            outputs.append(Output(f"{kind}_{name}", "float64", meaning.format(at), _ALL))
    outputs += [
        Output("corr_js_pd", "float64", "sampling correlation, Table 2 JS and PD", _ALL),
        Output("corr_js_x", "float64", "sampling correlation, Table 2 JS and interaction", _ALL),
        Output("corr_pd_x", "float64", "sampling correlation, Table 2 PD and interaction", _ALL),
    ]
    return tuple(outputs)


OUTPUTS = _outputs()
assert tuple(o.name for o in OUTPUTS) == mc.OUTPUT_NAMES


def _variant(name: str, choices: dict[str, str], default: str, lead: str, **options) -> Variant:
    """A variant whose choices are described by a dict (choice -> what it means)."""
    meaning = lead + "; ".join(f"{k}: {f}" for k, f in choices.items())
    return Variant(name, tuple(choices), default, meaning, **options)


VARIANTS = (
    _variant(
        "rho_form",
        {k: f.formula for k, f in RHO_FORMS.items()},
        "linear",
        "the form of rho(theta): ",
        phrase="the {} rho form",
    ),
    _variant(
        "bias_form",
        mc.BIAS_FORMS,
        "exp",
        "P's bias from Pref. Divergence: ",
        phrase="the {} bias form",
    ),
    _variant(
        "unobservable",
        mc.UNOBSERVABLES,
        "log_cost",
        "what carries the dyad's unobservable: ",
        phrase="the unobservable in {}",
    ),
    _variant(
        "outcome",
        mc.OUTCOME_MODELS,
        "equilibrium",
        "how coalitions are decided: ",
        drops={"probit": _THEORY_ONLY},
        phrase="the {} outcome model",
    ),
)


@cache
def published_numbers() -> tuple[float, ...]:
    """(estimate, SE) of the kernel's FOCAL terms as published (Model 1 of each table),
    then Table 2 Model 1's coefficients in the kernel's TABLE2 order."""
    from explorer.empirics.derived import term_stats
    from explorer.empirics.published import load

    tables = load(PUBLISHED)
    focal = []
    for _, table, term in mc.FOCAL:
        stats = term_stats(tables.model(f"table{table}.model1").term(term))
        focal += [stats.estimate.value, stats.se.value]
    table2 = tables.model("table2.model1")
    return tuple(focal) + tuple(table2.term(t).estimate for t in mc.TABLE2)


def point_solver(
    rho_form: str = "linear",
    bias_form: str = "exp",
    unobservable: str = "log_cost",
    outcome: str = "equilibrium",
):
    return mc.replicate_solver(rho_form, bias_form, unobservable, outcome, published_numbers())


def seconds_per_point(values: Mapping[str, float]) -> float:
    """About 0.3 us per dyad and replicate on one core (a replicate of the paper's shape
    took 2.0 ms here in `explorer bench --model coalition_mc`)."""
    dyads = values.get("leaders", 148) * values.get("partners", 45)
    return 0.3e-6 * dyads * values.get("replicates", 100)


def _supported(bit: int):
    return lambda v: pointwise(v, (v["supported"] & bit) != 0)


CLAIMS = (
    Claim(
        "Hypothesis 1",
        "most replicates find Job Security < 0 (Table 1)",
        "simulated",
        _supported(mc.H1),
    ),
    Claim(
        "Hypothesis 2",
        "most replicates find Pref. Divergence < 0 (Table 1)",
        "simulated",
        _supported(mc.H2),
    ),
    Claim(
        "Hypothesis 3",
        "most replicates find the interaction < 0 (Table 2)",
        "simulated",
        _supported(mc.H3),
    ),
    Claim(
        "H1-H3 jointly", "most replicates find all three at once", "simulated", _supported(mc.JOINT)
    ),
    Claim(
        "Published table",
        "each focal mean within 1.96 published SEs of the estimate",
        "simulated",
        _supported(mc.MATCH),
    ),
)

PILOT = {
    "alpha_mean": 0.5,
    "alpha_sd": 0.1,
    "theta_mean": 0.5,
    "theta_sd": 0.2,
    "rho": 0.5,
    "p_l": 0.4,
    "power_gain": 0.5,
    "c_l": 0.3,
    "c_lp": 0.1,
    "cost_location": 0.5,
    "cost_spread": 1.0,
    "contiguity_effect": 0.5,
    "kappa": 1.0,
    "q": 0.3,
    "initiators": 0.3,
    "js_noise": 0.05,
    "pd_noise": 0.05,
    "leaders": 148.0,
    "partners": 45.0,
    "replicates": 100.0,
    "seed": 1.0,
}

MODEL = Model(
    name="coalition_mc",
    title="Theory meets data: the paper's probit on data from the coalition model",
    citation=(
        "Monte Carlo of Wolford, S. and Ritter, E. H. (2016), International Studies "
        "Quarterly 60(3): its eq. 4 probit (Tables 1-2) fitted to datasets generated by "
        "the exact equilibrium of its model."
    ),
    parameters=PARAMETERS,
    outputs=OUTPUTS,
    point_solver=point_solver,
    variants=VARIANTS,
    presets={"pilot": PILOT},
    default_axes={"kappa": "0.5,1,2", "initiators": "0,0.5"},
    plane=("kappa", "initiators"),
    table_columns=(
        "supported",
        "base_rate",
        "js_mean",
        "js_neg",
        "pd_mean",
        "pd_neg",
        "js_x_pd_mean",
        "js_x_pd_neg",
        "distance",
    ),
    checks=Checks(
        claims=CLAIMS,
        outputs=("supported", "flags"),
        title="Where the paper's hypotheses come out",
        example_outputs=("js_x_pd_neg", "base_rate"),
        valid=lambda v: (v["flags"] & (mc.SPREAD_TOO_WIDE | mc.TOO_FEW_FITS)) == 0,
        profiles=True,
    ),
    cost_per_point=seconds_per_point,
    bench="explorer.models.coalition_mc.bench",
)
