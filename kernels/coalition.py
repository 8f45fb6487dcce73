"""Exact subgame-perfect equilibrium of the political-security coalition game.

Wolford and Ritter's crisis game (see README): leader l may start a crisis (revisionist
game only), then acts alone or offers partner P a coalition in which l keeps share s;
P joins or rejects. Payoffs are in ``MODEL`` below and in the repository's MODEL notes.

The kernel decides every move by comparing payoffs (backward induction with the
paper's tie-breaking: P accepts when indifferent, l changes course only when strictly
better off). The paper's closed forms (eqs. 1-3) and their theta-derivatives are
reported beside the exact outcome, never used to decide it.

Layers: ``point_solver`` builds a scalar ``@njit`` solver for one (game, rho form);
``build_kernel`` wraps it in an explicit-signature ``@guvectorize`` writing only the
requested outputs, so unused work is compiled away.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import guvectorize, njit, prange

from kernels.numerics import ratio
from kernels.rho import RHO_FORMS
from kernels.spec import ModelSpec, Output, Parameter, interval

NO_CRISIS, UNILATERAL, COALITION, INVALID = 0, 1, 2, -1
OUTCOME_LABELS = {
    INVALID: "invalid point",
    NO_CRISIS: "no crisis",
    UNILATERAL: "unilateral crisis",
    COALITION: "coalition crisis",
}

# Flag bits. Those in INVALID_FLAGS break the model's assumptions: the point's
# equilibrium outputs are -1/NaN/False. The others are reported, not fatal.
P_LP_BELOW_P_L = 1 << 0  # p_lp < p_l
C_LP_ABOVE_C_L = 1 << 1  # c_lp > c_l
RHO_NOT_POSITIVE = 1 << 2  # rho(theta) <= 0
RHO_ABOVE_THETA = 1 << 3  # rho(theta) > theta
RHO_EQUALS_THETA = 1 << 4  # rho(theta) == theta (allowed, against the text's strict <)
RHO_SLOPE_NOT_POSITIVE = 1 << 5  # rho'(theta) <= 0
RHO_SLOPE_AT_LEAST_ONE = 1 << 6  # rho'(theta) >= 1 (the paper's footnote 8 fails)
PARTNER_UNAFFORDABLE = 1 << 7  # beta*p_lp < c_p: no share in [0, 1] buys P
NO_COALITION_GAIN = 1 << 8  # D == 0: p_lp == p_l and c_lp == c_l
FREE_PARTNER_ZERO_BETA = 1 << 9  # c_p == 0 and beta == 0: P joins for nothing
INVALID_FLAGS = (
    P_LP_BELOW_P_L | C_LP_ABOVE_C_L | RHO_NOT_POSITIVE | RHO_ABOVE_THETA | RHO_SLOPE_NOT_POSITIVE
)
# Where Proposition 1 read literally can give the wrong outcome (see MODEL notes).
PROPOSITION_1_GAPS = PARTNER_UNAFFORDABLE | NO_COALITION_GAIN | FREE_PARTNER_ZERO_BETA
FLAG_NAMES = {
    P_LP_BELOW_P_L: "p_lp < p_l",
    C_LP_ABOVE_C_L: "c_lp > c_l",
    RHO_NOT_POSITIVE: "rho(theta) <= 0",
    RHO_ABOVE_THETA: "rho(theta) > theta",
    RHO_EQUALS_THETA: "rho(theta) == theta",
    RHO_SLOPE_NOT_POSITIVE: "rho'(theta) <= 0",
    RHO_SLOPE_AT_LEAST_ONE: "rho'(theta) >= 1",
    PARTNER_UNAFFORDABLE: "beta*p_lp < c_p (no share buys P)",
    NO_COALITION_GAIN: "D == 0 (no gain from P)",
    FREE_PARTNER_ZERO_BETA: "c_p == 0 and beta == 0",
}

GAMES = {
    "revisionist": ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p", "beta", "q"),
    "status_quo": ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p", "beta"),
}

_ALL = GAMES["revisionist"]
_BETA_LP_INPUTS = ("alpha", "theta", "rho", "p_l", "p_lp", "c_l", "c_lp", "c_p")

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

OUTPUTS = (
    Output("outcome", "int8", "equilibrium path", _ALL, labels=OUTCOME_LABELS),
    Output(
        "s_star",
        "float64",
        "share l keeps in the offer that buys P; NaN if none does",
        ("p_lp", "c_p", "beta"),
    ),
    Output("beta_lp", "float64", "paper's eq. 1 threshold on beta", _BETA_LP_INPUTS),
    Output(
        "q_l",
        "float64",
        "paper's eq. 2 initiation threshold, acting alone",
        ("alpha", "theta", "rho", "p_l", "c_l"),
    ),
    Output(
        "q_lp",
        "float64",
        "paper's eq. 3 initiation threshold, with P",
        ("alpha", "theta", "rho", "p_lp", "c_lp", "c_p", "beta"),
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
    Output("flags", "uint16", "bitmask of broken assumptions and paper gaps", _ALL),
)
OUTPUT_NAMES = tuple(o.name for o in OUTPUTS)
_NUMBA_TYPES = {"int8": "int8", "float64": "float64", "bool": "boolean", "uint16": "uint16"}


@cache
def point_solver(game: str, rho_form: str):
    """Scalar ``@njit`` solver ``f(alpha, ..., beta, q) -> tuple`` in ``OUTPUT_NAMES`` order.

    ``q`` is ignored in the status-quo game. Never raises: broken assumptions come back
    as flags, undefined closed forms as NaN (and +-inf where the formula diverges).
    """
    revisionist = game == "revisionist"
    form = RHO_FORMS[rho_form]
    rho_value, rho_slope = form.value, form.slope
    nan = np.nan

    @njit(inline="always", error_model="numpy")
    def solve_point(alpha, theta, rho, p_l, p_lp, c_l, c_lp, c_p, beta, q):
        rv = rho_value(theta, rho)
        rs = rho_slope(theta, rho)
        flags = 0
        if p_lp < p_l:
            flags |= P_LP_BELOW_P_L
        if c_lp > c_l:
            flags |= C_LP_ABOVE_C_L
        if not rv > 0.0:
            flags |= RHO_NOT_POSITIVE
        if rv > theta:
            flags |= RHO_ABOVE_THETA
        elif rv == theta:
            flags |= RHO_EQUALS_THETA
        if not rs > 0.0:
            flags |= RHO_SLOPE_NOT_POSITIVE
        elif rs >= 1.0:
            flags |= RHO_SLOPE_AT_LEAST_ONE
        # P accepts s iff p_lp*beta*(1-s) - c_p >= 0, so some s in [0, 1] works iff
        # P accepts s = 0.
        affordable = beta * p_lp >= c_p
        if not affordable:
            flags |= PARTNER_UNAFFORDABLE
        gain = (1.0 - alpha) * (c_l - c_lp) + (p_lp - p_l) * (1.0 - alpha * rv)  # D
        if gain == 0.0:
            flags |= NO_COALITION_GAIN
        if c_p == 0.0 and beta == 0.0:
            flags |= FREE_PARTNER_ZERO_BETA

        # The largest share P accepts (P is indifferent there).
        if c_p == 0.0:
            s_star = 1.0
        elif affordable:
            s_star = 1.0 - c_p / (beta * p_lp)
        else:
            s_star = nan

        # The paper's closed forms, reported as written (IEEE semantics off-domain).
        beta_lp = ratio((1.0 - alpha) * c_p, gain)
        q_l = ratio(
            (1.0 - alpha * rv) * p_l - alpha * (theta - rv) - (1.0 - alpha) * c_l, 1.0 - alpha
        )
        q_lp = ratio(
            beta * p_lp * (1.0 - alpha * rv)
            - alpha * beta * (theta - rv)
            - (1.0 - alpha) * (beta * c_lp + c_p),
            (1.0 - alpha) * beta,
        )
        dbeta_lp = ratio((1.0 - alpha) * alpha * c_p * (p_lp - p_l) * rs, gain * gain)
        dq_l = ratio(-alpha * (1.0 - (1.0 - p_l) * rs), 1.0 - alpha)
        dq_lp = ratio(-alpha * (1.0 - (1.0 - p_lp) * rs), 1.0 - alpha)

        # Backward induction over the payoffs.
        eu_alone = alpha * (p_l + (1.0 - p_l) * rv) + (1.0 - alpha) * (p_l - c_l)
        coalition = False
        eu_with = nan
        if affordable:
            eu_with = alpha * (p_lp + (1.0 - p_lp) * rv) + (1.0 - alpha) * (p_lp * s_star - c_lp)
            coalition = eu_with > eu_alone
        if coalition:
            code = COALITION
            eu_leader = eu_with
            eu_partner = p_lp * beta * (1.0 - s_star) - c_p
            p_win = p_lp
        else:
            code = UNILATERAL
            eu_leader = eu_alone
            eu_partner = 0.0
            p_win = p_l
        p_survive = p_win + (1.0 - p_win) * rv
        if revisionist:
            eu_status_quo = alpha * theta + (1.0 - alpha) * q
            if not eu_leader > eu_status_quo:
                code = NO_CRISIS
                eu_leader = eu_status_quo
                eu_partner = 0.0
                p_win = nan
                p_survive = theta

        # Proposition 1 read literally.
        if beta > beta_lp:
            paper = COALITION if (not revisionist or q < q_lp) else NO_CRISIS
        else:
            paper = UNILATERAL if (not revisionist or q < q_l) else NO_CRISIS
        agrees = paper == code

        # Masked at the end rather than returned early: a loop with one exit vectorises.
        if flags & INVALID_FLAGS:
            code = INVALID
            eu_leader = eu_partner = p_win = p_survive = nan
            agrees = False
        return (
            np.int8(code),
            s_star,
            beta_lp,
            q_l,
            q_lp,
            eu_leader,
            eu_partner,
            p_win,
            p_survive,
            dbeta_lp,
            dq_l,
            dq_lp,
            agrees,
            np.uint16(flags),
        )

    return solve_point


def _check_choice(game: str, rho_form: str, outputs: tuple[str, ...]) -> None:
    if game not in GAMES:
        raise ValueError(f"unknown game {game!r}; choose one of {sorted(GAMES)}")
    if rho_form not in RHO_FORMS:
        raise ValueError(f"unknown rho_form {rho_form!r}; choose one of {sorted(RHO_FORMS)}")
    unknown = [o for o in outputs if o not in OUTPUT_NAMES]
    if unknown or not outputs:
        raise ValueError(f"unknown outputs {unknown}; choose from {list(OUTPUT_NAMES)}")


def _numba_type(output: str) -> str:
    return _NUMBA_TYPES[OUTPUTS[OUTPUT_NAMES.index(output)].dtype]


def _compile(game: str, rho_form: str, source: str):
    """Compile generated source that calls ``solve``, the (game, form) point solver.

    Source is generated so that each variant is one specialised loop with no runtime
    dispatch; LLVM then drops whatever the unrequested outputs needed.
    """
    namespace = {"solve": point_solver(game, rho_form), "prange": prange, "np": np}
    exec(compile(source, f"<coalition kernel {game}/{rho_form}>", "exec"), namespace)
    return namespace["kernel"]


def _solve_call(game: str) -> str:
    return f"solve({', '.join(p if p in GAMES[game] else '0.0' for p in _ALL)})"


@cache
def build_kernel(
    game: str = "revisionist",
    rho_form: str = "linear",
    outputs: tuple[str, ...] = OUTPUT_NAMES,
    parallel: bool = False,
) -> np.ufunc:
    """A gufunc over the game's parameters (float64, broadcast like numpy) to ``outputs``.

    The general path: any broadcastable arrays. ``build_grid_kernel`` is faster on
    Cartesian grids. ``parallel=False`` gives a serial kernel that releases the GIL (for
    dask threads); ``parallel=True`` splits the loop over numba's threads. Never both.
    """
    _check_choice(game, rho_form, outputs)
    params = GAMES[game]
    out_args = [f"out_{o}" for o in outputs]
    stores = "".join(
        f"    {a}[0] = r[{OUTPUT_NAMES.index(o)}]\n" for a, o in zip(out_args, outputs)
    )
    source = (
        f"def kernel({', '.join(params + tuple(out_args))}):\n    r = {_solve_call(game)}\n{stores}"
    )
    signature = (
        f"void({', '.join(['float64'] * len(params) + [f'{_numba_type(o)}[:]' for o in outputs])})"
    )
    layout = ",".join(["()"] * len(params)) + "->" + ",".join(["()"] * len(outputs))
    return guvectorize(
        [signature], layout, target="parallel" if parallel else "cpu", nopython=True
    )(_compile(game, rho_form, source))


@cache
def build_grid_kernel(
    game: str,
    rho_form: str,
    axes: tuple[str, ...],
    outputs: tuple[str, ...] = OUTPUT_NAMES,
    parallel: bool = False,
):
    """A jitted loop over the Cartesian grid spanned by ``axes`` (parameter names).

    Call as ``kernel(*axis_values, *fixed_values, *outs)``: one 1-D float64 array per
    axis in ``axes`` order, one float scalar per other game parameter in game order, and
    one C-contiguous array of shape ``(len(axis_values[0]), ...)`` per output. Writes
    ``outs`` in place and releases the GIL. ``parallel=True`` splits the outermost axis
    over numba's threads.
    """
    _check_choice(game, rho_form, outputs)
    params = GAMES[game]
    if not axes or len(set(axes)) != len(axes) or not set(axes) <= set(params):
        raise ValueError(f"axes {axes} must be distinct parameters of {game}: {params}")
    fixed = tuple(p for p in params if p not in axes)
    out_args = [f"out_{o}" for o in outputs]
    lines = [f"def kernel({', '.join([f'axis_{a}' for a in axes] + list(fixed) + out_args)}):"]
    for depth, axis in enumerate(axes):
        loop = "prange" if parallel and depth == 0 else "range"
        pad = "    " * (depth + 1)
        lines.append(f"{pad}for i{depth} in {loop}(axis_{axis}.shape[0]):")
        lines.append(f"{pad}    {axis} = axis_{axis}[i{depth}]")
    pad = "    " * (len(axes) + 1)
    index = ", ".join(f"i{d}" for d in range(len(axes)))
    lines.append(f"{pad}r = {_solve_call(game)}")
    lines += [f"{pad}{a}[{index}] = r[{OUTPUT_NAMES.index(o)}]" for a, o in zip(out_args, outputs)]
    contiguous = ", ".join([":"] * (len(axes) - 1) + ["::1"])
    signature = (
        f"void({', '.join(['float64[::1]'] * len(axes) + ['float64'] * len(fixed))}, "
        f"{', '.join(f'{_numba_type(o)}[{contiguous}]' for o in outputs)})"
    )
    return njit(signature, nogil=True, parallel=parallel, error_model="numpy")(
        _compile(game, rho_form, "\n".join(lines) + "\n")
    )


# Joint counts of (outcome + 1, paper_agrees, flags): every share the analyses report
# (outcomes, Proposition 1 gaps by cause, assumption breaks) is a sum over this table.
TALLY_SHAPE = (4, 2, 1 << len(FLAG_NAMES))


TALLY_DESIGNS = ("grid", "sample", "unit", "random")


@cache
def build_tally_kernel(game: str, rho_form: str, axes: tuple[str, ...], design: str = "grid"):
    """A jitted loop that solves points and counts them into ``tally`` (``TALLY_SHAPE``,
    int64, added to in place) without storing any output. Serial and GIL-free: dask runs
    many at once. ``axes`` are the varying parameters; the others come as scalars
    (``fixed``, in game order). Call as:

    - ``grid``: ``kernel(*axis_values, *fixed, tally)``, the Cartesian grid of 1-D axes;
    - ``sample``: ``kernel(*axis_values, *fixed, tally)``, point ``i`` taking element
      ``i`` of every 1-D array;
    - ``unit``: ``kernel(unit, low, high, *fixed, tally)``, points ``unit`` (n x d, in the
      unit cube) scaled to the box ``[low, high]`` on the fly;
    - ``random``: ``kernel(seed, n, low, high, *fixed, tally)``, ``n`` uniform points of
      the box drawn inside the loop from numba's generator seeded with ``seed`` (the same
      seed gives the same points: one task runs on one thread from start to end).
    """
    _check_choice(game, rho_form, ("outcome",))
    params = GAMES[game]
    if len(set(axes)) != len(axes) or not set(axes) <= set(params):
        raise ValueError(f"axes {axes} must be distinct parameters of {game}: {params}")
    if design not in TALLY_DESIGNS:
        raise ValueError(f"unknown design {design!r}; choose one of {TALLY_DESIGNS}")
    fixed = tuple(p for p in params if p not in axes)
    inputs, types = {
        "grid": ([f"axis_{a}" for a in axes], ["float64[::1]"] * len(axes)),
        "sample": ([f"axis_{a}" for a in axes], ["float64[::1]"] * len(axes)),
        "unit": (["unit", "low", "high"], ["float64[:, ::1]", "float64[::1]", "float64[::1]"]),
        "random": (["seed", "n", "low", "high"], ["int64", "int64"] + ["float64[::1]"] * 2),
    }[design]
    lines = [f"def kernel({', '.join(inputs + list(fixed) + ['tally'])}):"]
    if design == "grid":
        for depth, axis in enumerate(axes):
            pad = "    " * (depth + 1)
            lines.append(f"{pad}for i{depth} in range(axis_{axis}.shape[0]):")
            lines.append(f"{pad}    {axis} = axis_{axis}[i{depth}]")
        pad = "    " * (len(axes) + 1)
    else:
        pad = "        "
        if design == "random":
            lines += ["    np.random.seed(seed)", "    for i in range(n):"]
            draws = ["np.random.random()"] * len(axes)
        elif design == "unit":
            lines.append("    for i in range(unit.shape[0]):")
            draws = [f"unit[i, {k}]" for k in range(len(axes))]
        else:
            lines.append(f"    for i in range(axis_{axes[0]}.shape[0]):")
        if design == "sample":
            lines += [f"{pad}{a} = axis_{a}[i]" for a in axes]
        else:
            lines += [
                f"{pad}{a} = low[{k}] + (high[{k}] - low[{k}]) * {u}"
                for k, (a, u) in enumerate(zip(axes, draws))
            ]
    lines.append(f"{pad}r = {_solve_call(game)}")
    outcome, agrees, flags = (OUTPUT_NAMES.index(o) for o in ("outcome", "paper_agrees", "flags"))
    lines.append(f"{pad}tally[r[{outcome}] + 1, np.int64(r[{agrees}]), r[{flags}]] += 1")
    signature = f"void({', '.join(types + ['float64'] * len(fixed))}, int64[:, :, ::1])"
    return njit(signature, nogil=True, error_model="numpy")(
        _compile(game, rho_form, "\n".join(lines) + "\n")
    )


MODEL = ModelSpec(
    name="coalition",
    citation=(
        "Wolford, S. and Ritter, E. H. (2016). National leaders, political security, and "
        "the formation of military coalitions. International Studies Quarterly 60(3)."
    ),
    parameters=PARAMETERS,
    outputs=OUTPUTS,
    games=GAMES,
    forms=tuple(RHO_FORMS),
    build_kernel=build_kernel,
    build_grid_kernel=build_grid_kernel,
    build_tally_kernel=build_tally_kernel,
    tally_shape=TALLY_SHAPE,
    flag_names=FLAG_NAMES,
)
