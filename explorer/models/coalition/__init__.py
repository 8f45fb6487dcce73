"""The paper's game, declared for the engine: Wolford and Ritter (2016).

Leader l may start a crisis (the revisionist game) or is already in one (the status-quo
game); she acts alone or offers partner P a coalition in which she keeps a share s of the
spoils; P joins or rejects. The point solver (``kernels.coalition``) decides every move by
comparing payoffs with the paper's tie-breaking, and reports the paper's closed forms
(eqs. 1-3) and their theta-derivatives beside the exact answer.
"""

from __future__ import annotations

from pathlib import Path

from explorer.models.coalition import analysis, claims
from explorer.models.coalition.presets import FIGURE2
from explorer.models.declaration import (
    Checks,
    Model,
    Output,
    Overlay,
    Parameter,
    Regions,
    Sensitivity,
    Variant,
    Workload,
    interval,
)
from kernels.coalition import FLAG_NAMES, OUTCOME_LABELS, OUTPUT_NAMES, point_solver
from kernels.rho import RHO_FORMS

PARAMETERS = (
    Parameter("alpha", "α", interval("(0, 1)"), "weight l puts on staying in office"),
    Parameter("theta", "θ", interval("(0, 1)"), "l's baseline job security"),
    Parameter("rho", "ρ", interval("(0, 1)"), "scale of rho(theta), l's survival after failure"),
    Parameter("p_l", "p_L", interval("(0, 1)"), "chance l prevails alone"),
    Parameter("p_lp", "p_LP", interval("(0, 1)"), "chance l prevails with P (needs p_lp >= p_l)"),
    Parameter("c_l", "c_L", interval("(0, inf)"), "public cost of acting alone"),
    Parameter("c_lp", "c_LP", interval("[0, inf)"), "public cost with P (needs c_lp <= c_l)"),
    Parameter("c_p", "c_P", interval("[0, inf)"), "P's cost of joining"),
    Parameter("beta", "β", interval("[0, 1]"), "P's bias toward l"),
    Parameter("q", "q", interval("[0, 1]"), "value of the status quo to l"),
)
_ALL = tuple(p.name for p in PARAMETERS)
_BETA_LP_INPUTS = ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p")
# Colour-blind-safe (Okabe-Ito); -2 marks points no run has written yet.
OUTCOME_COLORS = {-2: "#ffffff", -1: "#d9d9d9", 0: "#999999", 1: "#e69f00", 2: "#0072b2"}

OUTPUTS = (
    Output(
        "outcome", "int8", "equilibrium path", _ALL, labels=OUTCOME_LABELS, colors=OUTCOME_COLORS
    ),
    Output(
        "s_star",
        "float64",
        "share l keeps in the offer that buys P; NaN if none does",
        ("p_lp", "c_p", "beta"),
        symbol="s*",
    ),
    Output("beta_lp", "float64", "paper's eq. 1 threshold on beta", _BETA_LP_INPUTS, symbol="β_LP"),
    Output(
        "q_l",
        "float64",
        "paper's eq. 2 initiation threshold, acting alone",
        ("alpha", "theta", "rho", "p_l", "c_l"),
        symbol="q_L",
    ),
    Output(
        "q_lp",
        "float64",
        "paper's eq. 3 initiation threshold, with P",
        ("alpha", "theta", "rho", "p_lp", "c_lp", "c_p", "beta"),
        symbol="q_LP",
    ),
    Output("eu_leader", "float64", "l's equilibrium expected utility", _ALL),
    Output("eu_partner", "float64", "P's equilibrium expected utility", _ALL),
    Output("p_win", "float64", "chance l's side prevails; NaN without a crisis", _ALL),
    Output("p_survive", "float64", "chance l stays in office", _ALL),
    Output("dbeta_lp_dtheta", "float64", "d beta_lp / d theta (analytic)", _BETA_LP_INPUTS),
    Output(
        "dq_l_dtheta", "float64", "d q_l / d theta (analytic)", ("alpha", "theta", "rho", "p_l")
    ),
    Output(
        "dq_lp_dtheta", "float64", "d q_lp / d theta (analytic)", ("alpha", "theta", "rho", "p_lp")
    ),
    Output("paper_agrees", "bool", "Proposition 1 read literally gives the exact outcome", _ALL),
    Output(
        "flags", "uint16", "bitmask of broken assumptions and paper gaps", _ALL, bits=FLAG_NAMES
    ),
)
assert tuple(o.name for o in OUTPUTS) == OUTPUT_NAMES  # the solver's return order

VARIANTS = (
    Variant(
        "game",
        ("revisionist", "status_quo"),
        "revisionist",
        "revisionist: l chooses whether to start a crisis (needs q); status_quo: she is in one",
        drops={"status_quo": ("q",)},
        phrase="the {} game",
    ),
    Variant(
        "rho_form",
        tuple(RHO_FORMS),
        "linear",
        "the form of rho(theta): " + "; ".join(f"{k} {f.formula}" for k, f in RHO_FORMS.items()),
        phrase="the {} rho form",
    ),
)

# The paper's boundaries: beta_LP(theta) on planes with a beta axis; q_L and q_LP on planes
# with a q axis, each only where the paper has l act alone or build a coalition.
OVERLAYS = (
    Overlay("beta_lp", "beta", "β_LP (paper's boundary)", "black", "dashed"),
    Overlay(
        "q_l",
        "q",
        "q_L (paper's boundary)",
        "#d55e00",
        "dashed",
        where=lambda v: ~(v["beta"] > v["beta_lp"]),
        needs=("beta_lp",),
    ),
    Overlay(
        "q_lp",
        "q",
        "q_LP (paper's boundary)",
        "#cc79a7",
        "dashdot",
        where=lambda v: v["beta"] > v["beta_lp"],
        needs=("beta_lp",),
    ),
)

MODEL = Model(
    name="coalition",
    title="Political security and coalition building (Wolford and Ritter 2016)",
    citation=(
        "Wolford, S. and Ritter, E. H. (2016). National leaders, political security, and "
        "the formation of military coalitions. International Studies Quarterly 60(3)."
    ),
    parameters=PARAMETERS,
    outputs=OUTPUTS,
    point_solver=point_solver,
    variants=VARIANTS,
    presets={"figure2": FIGURE2},
    # `explorer solve` with no values: the paper's Figure 2 plane, coarsely, in a crisis.
    default_axes={"theta": "0.1,0.3,0.5,0.7,0.9", "beta": "0.1,0.2,0.3,0.4,0.5"},
    default_choices={"game": "status_quo"},
    plane=("theta", "beta"),
    overlays=OVERLAYS,
    # `explorer solve`'s table: every output but P's utility, p_win and the derivatives.
    table_columns=tuple(
        o for o in OUTPUT_NAMES if o not in ("eu_partner", "p_win") and not o.startswith("d")
    ),
    tally=analysis.TALLY,
    checks=Checks(
        claims=claims.CLAIMS,
        outputs=claims.NEEDED,
        title="The paper's statements",
        whole_axes=("theta", "beta"),
        example_outputs=claims.EXAMPLE_OUTPUTS,
        valid=lambda values: values["outcome"] >= 0,
        summarise=analysis.summarise,
        describe=analysis.describe,
    ),
    regions=Regions(count=analysis.regions, causes=analysis.gap_causes),
    sensitivity=Sensitivity(targets=analysis.TARGETS, outputs=analysis.SENSITIVITY_OUTPUTS),
    workload=Workload(
        ranges={
            "alpha": (0.05, 0.95),
            "theta": (0.001, 0.999),
            "beta": (0.0, 1.0),
            "q": (0.0, 1.0),
        },
        fixed={k: v for k, v in FIGURE2.items() if k not in ("alpha", "theta", "beta", "q")},
        outputs=("outcome", "s_star", "beta_lp", "q_l", "q_lp", "eu_leader"),
        choices={"game": "revisionist", "rho_form": "linear"},
        description="the revisionist game, the paper's six outputs",
    ),
    baselines="explorer.models.coalition.baselines:CASES",
    empirics=str(Path(__file__).with_name("published.toml")),
    default=True,
)
