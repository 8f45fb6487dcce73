"""The paper's empirical test run on data the formal model generates: one grid point of the
Monte Carlo is ``replicates`` datasets of leader-partner dyads, each decided by the exact
equilibrium kernel (``kernels.coalition``) and fitted with the paper's Table 1 and Table 2
probits (``kernels.probit.fit_one``), summarised into the declared outputs.

The mapping from the model's primitives to the paper's variables (see the model's
declaration for every parameter):

- Job Security is the leader's theta (Beta across leaders; observed with normal noise,
  clipped to [0, 1]); alpha also varies across leaders (Beta), unobserved.
- Preference Divergence is uniform on [0, 2] per dyad (observed with noise, clipped) and
  sets P's bias beta = h(PD), decreasing: exp(-kappa PD) or (1 - PD/2)**kappa.
- Relative Power is uniform on [0, 1]; the partner adds p_LP - p_L = gain (1 - RP)(1 - p_L).
- Contiguity (a share CONTIGUOUS of dyads) lowers P's cost, centred at
  ``exp(cost_location - contiguity_effect * contiguity)``. The dyad's unobservable (normal,
  sd ``cost_spread``) is carried by ln c_P, by c_P or by beta (UNOBSERVABLES).
- Dyads are in a crisis (the status-quo game); a share ``initiators`` of leaders are
  initiators instead, kept only when starting the crisis beats the status quo q with
  their best option (the revisionist game's selection).

Each point's random stream is seeded from the bits of all its parameter values (the
config's ``seed`` among them), so a point's results do not depend on which task, worker or
run computes it.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from numba import njit

from kernels import rng
from kernels.coalition import COALITION, INVALID, point_solver
from kernels.probit import (
    NOT_CONVERGED,
    PERFECT_SEPARATION,
    QUASI_SEPARATION,
    exp_powers,
    exp_split,
    fit_one,
)
from kernels.rho import RHO_FORMS

CONTIGUOUS = 0.15  # share of contiguous dyads
ME_AT = (0.0, 0.5, 1.0, 1.5, 2.0)  # Preference Divergence values of the marginal effects
Z975 = 1.959963984540054
BIAS_FORMS = {"exp": "beta = exp(-kappa PD)", "power": "beta = (1 - PD/2)**kappa"}
UNOBSERVABLES = {  # what carries the dyad's unobservable (normal, sd cost_spread)
    "log_cost": "ln c_P = cost_location - contiguity_effect * Contiguity + noise",
    "cost": "c_P = exp(cost_location - contiguity_effect * Contiguity) + noise, at least 0",
    "bias": "beta = h(PD) + noise, kept in [0, 1]; c_P at its centre",
}
LOG_COST, COST, BIAS = range(3)
OUTCOME_MODELS = {
    "equilibrium": "coalitions decided by the exact equilibrium",
    "probit": "a known probit (the published Table 2 Model 1 coefficients) instead",
}
TABLE2 = ("constant", "job_security", "pref_divergence", "js_x_pd", "contiguity", "relative_power")
TABLE1_IN_TABLE2 = (0, 1, 2, 4, 5)  # where each Table 1 term is in Table 2
# The coefficients summarised: (output prefix, table, term). H1 and H2 read Table 1's Job
# Security and Preference Divergence, H3 Table 2's interaction.
FOCAL = (
    ("js", 1, "job_security"),
    ("pd", 1, "pref_divergence"),
    ("t2_js", 2, "job_security"),
    ("t2_pd", 2, "pref_divergence"),
    ("js_x_pd", 2, "js_x_pd"),
)
JS, PD, T2_JS, T2_PD, INTERACTION = range(len(FOCAL))
STATISTICS = ("mean", "sd", "se", "se_sd", "z", "neg", "pos", "cover")
FAILED = NOT_CONVERGED | PERFECT_SEPARATION | QUASI_SEPARATION

# Point flags
SPREAD_TOO_WIDE = 1 << 0  # a Beta's sd at or above sqrt(mean (1 - mean))
TOO_FEW_FITS = 1 << 1  # fewer than two clean fits of a table: no sampling SD
NO_VARIATION = 1 << 2  # some replicate had no coalitions, or only coalitions
INVALID_DYADS = 1 << 3  # some dyads broke the model's assumptions and were dropped
FLAG_NAMES = {
    SPREAD_TOO_WIDE: "a Beta's sd is too large for its mean",
    TOO_FEW_FITS: "fewer than two clean fits",
    NO_VARIATION: "a replicate without variation in coalitions",
    INVALID_DYADS: "dyads outside the model's assumptions dropped",
}
# Support bits: a hypothesis is supported where most replicates find it significant.
H1, H2, H3, JOINT, MATCH = 1, 2, 4, 8, 16
SUPPORT_NAMES = {
    H1: "H1 (Job Security < 0)",
    H2: "H2 (Pref. Divergence < 0)",
    H3: "H3 (interaction < 0)",
    JOINT: "H1-H3 jointly",
    MATCH: "matches the published table",
}
ME_NAMES = tuple(f"pd{v:g}".replace(".", "") for v in ME_AT)  # pd0, pd05, ...
OUTPUT_NAMES = (
    ("supported", "flags", "base_rate", "n_obs", "not_converged", "separated", "dropped")
    + tuple(f"{short}_{stat}" for short, _, _ in FOCAL for stat in STATISTICS)
    + ("support_joint", "distance")
    + tuple(f"{kind}_{at}" for kind in ("me", "me_neg", "true_me") for at in ME_NAMES)
    + ("corr_js_pd", "corr_js_x", "corr_pd_x")  # Table 2's estimates, over replicates
)
N_STATS = len(OUTPUT_NAMES) - 7


@njit(nogil=True, cache=True)
def beta_draw(stream, mean, sd):
    """One draw of a Beta with this mean and sd (sd 0: the mean itself)."""
    if sd == 0.0:
        return mean
    concentration = mean * (1.0 - mean) / (sd * sd) - 1.0
    return rng.beta(stream, mean * concentration, (1.0 - mean) * concentration)


@njit(inline="always")
def _table2_index(b, js, contig, rp, at):
    """Table 2's index for one dyad at Pref. Divergence ``at``."""
    return b[0] + b[1] * js + (b[2] + b[3] * js) * at + b[4] * contig + b[5] * rp


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def average_effect(b, at, js, contig, rp, density, scratch):
    """Job Security's average marginal effect on Pr(coalition) at Pref. Divergence ``at``
    under Table 2's coefficients ``b``: the mean of phi(index) (b1 + b3 at), in loops that
    vectorize (``density`` and ``scratch``: work space as long as the data)."""
    n = js.shape[0]
    for i in range(n):
        index = _table2_index(b, js[i], contig[i], rp[i], at)
        exp_split(-0.5 * index * index, density, scratch, i)
    exp_powers(scratch, n)
    total = 0.0
    for i in range(n):
        total += density[i] * scratch[i]
    return (b[1] + b[3] * at) * total * 0.3989422804014327 / n


ME_STEP = ME_AT[1] - ME_AT[0]
# average_effects relies on these: five values, evenly spaced.
assert len(ME_AT) == 5 and all(abs(v - ME_AT[0] - j * ME_STEP) < 1e-12 for j, v in enumerate(ME_AT))
SAFE_INDEX, SAFE_STEP = 30.0, 10.0  # where every exponent below stays within +-708


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def average_effects(b, js, contig, rp, out, work):
    """``average_effect`` at every ME_AT into ``out``, with two exponentials an
    observation instead of one per value: the values are evenly spaced, so with the index
    a + v h at the v-th, phi's factor exp(-(a + v h)^2 / 2) follows from the one before
    times exp(-h a - h^2 / 2) exp(-h^2)^v, the last the same for a leader's dyads.
    ``work``: five rows as long as the data.
    Coefficients that put some index beyond SAFE_INDEX (or its step beyond SAFE_STEP)
    take one exponential per value instead, where no factor can overflow."""
    n = js.shape[0]
    widest, steepest = 0.0, 0.0
    for i in range(n):
        widest = max(widest, abs(_table2_index(b, js[i], contig[i], rp[i], ME_AT[0])))
        steepest = max(steepest, abs((b[2] + b[3] * js[i]) * ME_STEP))
    if not (widest <= SAFE_INDEX and steepest <= SAFE_STEP):
        for v in range(len(ME_AT)):
            out[v] = average_effect(b, ME_AT[v], js, contig, rp, work[0, :n], work[1, :n])
        return
    first, first_power = work[0, :n], work[1, :n]
    ratio, ratio_power = work[2, :n], work[3, :n]
    growth = work[4, :n]
    for i in range(n):
        a = _table2_index(b, js[i], contig[i], rp[i], ME_AT[0])
        h = (b[2] + b[3] * js[i]) * ME_STEP
        exp_split(-0.5 * a * a, first, first_power, i)
        exp_split(-h * a - 0.5 * h * h, ratio, ratio_power, i)
    exp_powers(first_power, n)
    exp_powers(ratio_power, n)
    # exp(-h^2) depends on Job Security alone, which a leader's dyads share: one
    # exponential per run of equal values.
    seen, factor = np.nan, 0.0
    for i in range(n):
        if js[i] != seen:
            seen = js[i]
            h = (b[2] + b[3] * seen) * ME_STEP
            factor = math.exp(-h * h)
        growth[i] = factor
    t0 = t1 = t2 = t3 = t4 = 0.0
    for i in range(n):
        d = first[i] * first_power[i]
        r = ratio[i] * ratio_power[i]
        g = growth[i]
        t0 += d
        d *= r
        t1 += d
        r *= g
        d *= r
        t2 += d
        r *= g
        d *= r
        t3 += d
        r *= g
        d *= r
        t4 += d
    for v, total in enumerate((t0, t1, t2, t3, t4)):
        out[v] = (b[1] + b[3] * ME_AT[v]) * total * 0.3989422804014327 / n


@njit(nogil=True, cache=True)
def normal_pdf(z):
    return math.exp(-0.5 * z * z) * 0.3989422804014327


@njit(nogil=True, cache=True)
def _summarise(estimates, ses, ok, published, out, at):
    """Eight statistics (STATISTICS order) of one coefficient over the clean replicates,
    written to ``out[at:at + 8]``; NaN with fewer than two."""
    n, total, squares, se_sum, z_sum, neg, pos, cover = 0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0
    for r in range(estimates.shape[0]):
        if not ok[r]:
            continue
        b, s = estimates[r], ses[r]
        n += 1
        total += b
        se_sum += s
        z = b / s
        z_sum += z
        neg += z < -Z975
        pos += z > Z975
        cover += abs(b - published) <= Z975 * s
    if n < 2:
        out[at : at + 8] = np.nan
        return
    mean = total / n
    for r in range(estimates.shape[0]):
        if ok[r]:
            squares += (estimates[r] - mean) ** 2
    sd = math.sqrt(squares / (n - 1))
    out[at] = mean
    out[at + 1] = sd
    out[at + 2] = se_sum / n
    out[at + 3] = (se_sum / n) / sd
    out[at + 4] = z_sum / n
    out[at + 5] = neg / n
    out[at + 6] = pos / n
    out[at + 7] = cover / n


@njit(nogil=True, cache=True)
def _correlation(a, b, ok):
    n, ma, mb = 0, 0.0, 0.0
    for r in range(a.shape[0]):
        if ok[r]:
            n += 1
            ma += a[r]
            mb += b[r]
    if n < 2:
        return np.nan
    ma /= n
    mb /= n
    sab, saa, sbb = 0.0, 0.0, 0.0
    for r in range(a.shape[0]):
        if ok[r]:
            sab += (a[r] - ma) * (b[r] - mb)
            saa += (a[r] - ma) ** 2
            sbb += (b[r] - mb) ** 2
    return sab / math.sqrt(saa * sbb)


@cache
def replicate_solver(
    rho_form: str, bias_form: str, unobservable_name: str, outcome: str, published: tuple
):
    """Scalar ``@njit`` solver of one Monte Carlo point for these choices.

    ``published`` is (estimate, se) of each FOCAL term (Model 1 of its table), then the
    six Table 2 Model 1 coefficients in TABLE2 order (the known truth of the ``probit``
    outcome model).
    Returns ``(flags, supported, base_rate, n_obs, not_converged, separated, dropped,
    *statistics)`` in the declaration's order.
    """
    solve = point_solver("status_quo", rho_form)
    rho_value, rho_slope = RHO_FORMS[rho_form].value, RHO_FORMS[rho_form].slope
    exponential = bias_form == "exp"
    unobservable = tuple(UNOBSERVABLES).index(unobservable_name)
    simulated_probit = outcome == "probit"
    pub = np.array(published[: 2 * len(FOCAL)])
    truth = np.array(published[2 * len(FOCAL) :])
    me_at = np.array(ME_AT)
    n_me = len(ME_AT)

    @njit(inline="always")
    def bias(pd, kappa):
        if exponential:
            return math.exp(-kappa * pd)
        return max(1.0 - 0.5 * pd, 0.0) ** kappa

    @njit(inline="always")
    def true_index(js, pd, contig, rp):
        """The known probit's index (the ``probit`` outcome model)."""
        slope_pd = truth[2] + truth[3] * js
        return truth[0] + truth[1] * js + slope_pd * pd + truth[4] * contig + truth[5] * rp

    @njit(inline="always")
    def true_effect(
        alpha,
        theta,
        rho,
        p_l,
        p_lp,
        c_l,
        c_lp,
        contig,
        js,
        pd,
        rp,
        location,
        spread,
        contiguity_effect,
        kappa,
    ):
        """d Pr(coalition) / d theta for one dyad at this PD. The payoffs give a
        coalition iff c_P < beta m, m = min(D / (1 - alpha), p_LP) and D the gain from P,
        so with a normal unobservable the probability is a normal CDF."""
        if simulated_probit:
            index = true_index(js, pd, contig, rp)
            return normal_pdf(index) * (truth[1] + truth[3] * pd)
        rv = rho_value(theta, rho)
        gain = (1.0 - alpha) * (c_l - c_lp) + (p_lp - p_l) * (1.0 - alpha * rv)
        if not gain > 0.0:
            return 0.0
        m = gain / (1.0 - alpha)
        slope = 0.0  # dm / dtheta
        if m < p_lp:  # the gain binds: it falls as theta rises
            slope = -(p_lp - p_l) * alpha * rho_slope(theta, rho) / (1.0 - alpha)
        else:
            m = p_lp
        h = bias(pd, kappa)
        center = math.exp(location - contiguity_effect * contig)
        if unobservable == LOG_COST:
            z = (math.log(h * m) - math.log(center)) / spread
            dz = slope / m / spread
        elif unobservable == COST:
            z = (h * m - center) / spread
            dz = h * slope / spread
        else:  # beta = h + noise, kept in [0, 1]: beta above center / m
            if center >= m:
                return 0.0
            z = (h - center / m) / spread
            dz = center * slope / (m * m) / spread
        return normal_pdf(z) * dz

    @njit(nogil=True, error_model="numpy")
    def replicates_of(values):
        (
            alpha_mean,
            alpha_sd,
            theta_mean,
            theta_sd,
            rho,
            p_l,
            power_gain,
            c_l,
            c_lp,
            cost_location,
            cost_spread,
            contiguity_effect,
            kappa,
            q,
            initiators,
            js_noise,
            pd_noise,
            leaders,
            partners,
            replicates,
            seed,
        ) = values
        stream = rng.seeded(np.array(values))
        n_leaders, n_partners, n_rep = int(leaders), int(partners), int(replicates)
        stats = np.full(N_STATS, np.nan)
        flags = 0
        alpha_too_wide = alpha_sd**2 >= alpha_mean * (1.0 - alpha_mean)
        if (alpha_too_wide and not simulated_probit) or theta_sd**2 >= theta_mean * (
            1.0 - theta_mean
        ):
            flags |= SPREAD_TOO_WIDE
            return (np.uint8(flags), np.uint8(0), np.nan, np.nan, np.nan, np.nan, np.nan, stats)
        most = n_leaders * n_partners
        # One replicate's dyads, kept ones first (observed covariates and truth)
        js = np.empty(most)
        pd = np.empty(most)
        contig = np.empty(most)
        rp = np.empty(most)
        y = np.empty(most)
        group = np.empty(most, dtype=np.int64)
        leader_alpha = np.empty(most)
        leader_theta = np.empty(most)
        dyad_p_lp = np.empty(most)
        work = np.empty((5, most))
        effects = np.empty(n_me)
        far_center = math.exp(cost_location)  # P's typical cost, and a contiguous P's
        near_center = math.exp(cost_location - contiguity_effect)
        start1 = np.full(5, np.nan)
        start2 = np.full(6, np.nan)
        start2_base = np.full(5, np.nan)  # Table 1's estimate beside start2's
        trial2 = np.empty(6)
        beta1 = np.empty(5)
        cov1 = np.empty((5, 5))
        beta2 = np.empty(6)
        cov2 = np.empty((6, 6))
        est = np.empty((len(FOCAL), n_rep))
        se = np.empty((len(FOCAL), n_rep))
        ok1 = np.zeros(n_rep, dtype=np.bool_)
        ok2 = np.zeros(n_rep, dtype=np.bool_)
        me = np.empty((n_me, n_rep))
        me_neg = np.zeros((n_me, n_rep))
        true_me = np.zeros(n_me)
        rates = 0.0
        sizes = 0.0
        failed, separated, dropped, offered = 0, 0, 0, 0
        for r in range(n_rep):
            n = 0
            groups = 0
            for _ in range(n_leaders):
                alpha = beta_draw(stream, alpha_mean, alpha_sd)
                theta = beta_draw(stream, theta_mean, theta_sd)
                initiator = rng.uniform(stream) < initiators
                observed = min(max(theta + js_noise * rng.normal(stream), 0.0), 1.0)
                first = n
                best = -np.inf
                for _ in range(n_partners):
                    divergence = 2.0 * rng.uniform(stream)
                    power = rng.uniform(stream)
                    near = 1.0 if rng.uniform(stream) < CONTIGUOUS else 0.0
                    shock = rng.normal(stream)
                    seen_pd = divergence + pd_noise * rng.normal(stream)
                    p_lp = p_l + power_gain * (1.0 - power) * (1.0 - p_l)
                    offered += 1
                    if simulated_probit:
                        index = true_index(theta, divergence, near, power)
                        joins = index + shock > 0.0
                    else:
                        center = near_center if near > 0.0 else far_center
                        bias_lp = bias(divergence, kappa)
                        if unobservable == LOG_COST:
                            c_p = math.exp(
                                cost_location - contiguity_effect * near + cost_spread * shock
                            )
                        elif unobservable == COST:
                            c_p = max(center + cost_spread * shock, 0.0)
                        else:
                            c_p = center
                            bias_lp = min(max(bias_lp + cost_spread * shock, 0.0), 1.0)
                        result = solve(alpha, theta, rho, p_l, p_lp, c_l, c_lp, c_p, bias_lp, 0.0)
                        if result[0] == INVALID:
                            dropped += 1
                            continue
                        joins = result[0] == COALITION
                        best = max(best, result[5])
                    js[n] = observed
                    pd[n] = min(max(seen_pd, 0.0), 2.0)
                    contig[n] = near
                    rp[n] = power
                    y[n] = 1.0 if joins else 0.0
                    group[n] = groups
                    if r == 0:  # (for the model's own effect, below)
                        leader_alpha[n] = alpha
                        leader_theta[n] = theta
                        dyad_p_lp[n] = p_lp
                    n += 1
                # An initiator is in the data only if she starts the crisis.
                if (
                    initiator
                    and not simulated_probit
                    and not best > alpha * theta + (1.0 - alpha) * q
                ):
                    n = first
                if n > first:
                    groups += 1
            positives = 0.0
            for i in range(n):
                positives += y[i]
            sizes += n
            rates += positives / n if n > 0 else np.nan
            if r == 0:  # the model's own effect, over the first replicate's dyads
                for v in range(n_me):
                    total = 0.0
                    for i in range(n):
                        total += true_effect(
                            leader_alpha[i],
                            leader_theta[i],
                            rho,
                            p_l,
                            dyad_p_lp[i],
                            c_l,
                            c_lp,
                            contig[i],
                            leader_theta[i],
                            me_at[v],
                            rp[i],
                            cost_location,
                            cost_spread,
                            contiguity_effect,
                            kappa,
                        )
                    true_me[v] = total / n if n > 0 else np.nan
            if positives == 0.0 or positives == n or groups < 2:
                flags |= NO_VARIATION
                continue
            X1 = np.empty((5, n))
            X2 = np.empty((6, n))
            for i in range(n):
                X1[0, i] = X2[0, i] = 1.0
                X1[1, i] = X2[1, i] = js[i]
                X1[2, i] = X2[2, i] = pd[i]
                X2[3, i] = js[i] * pd[i]
                X1[3, i] = X2[4, i] = contig[i]
                X1[4, i] = X2[5, i] = rp[i]
            outcome = y[:n]
            codes = group[:n]
            # Warm starts from the last clean fits (each replicate is the same design).
            # Table 2's also moves its shared coefficients as Table 1's moved since:
            # both fit the same data, so their sampling errors go together, and the
            # start lands about a Newton step nearer.
            _, _, f1 = fit_one(X1, outcome, codes, groups, start1, 1e-8, 50, 0, beta1, cov1)
            ok1[r] = (f1 & FAILED) == 0 and not math.isnan(beta1[1] + beta1[2])
            trial2[:] = start2
            if ok1[r]:
                for j in range(5):
                    trial2[TABLE1_IN_TABLE2[j]] += beta1[j] - start2_base[j]
                if math.isnan(trial2.sum()):
                    trial2[:] = start2
            _, _, f2 = fit_one(X2, outcome, codes, groups, trial2, 1e-8, 50, 0, beta2, cov2)
            ok2[r] = (f2 & FAILED) == 0 and not math.isnan(beta2[1] + beta2[2] + beta2[3])
            for f in (f1, f2):
                failed += (f & NOT_CONVERGED) != 0
                separated += (f & (PERFECT_SEPARATION | QUASI_SEPARATION)) != 0
            if ok1[r]:
                start1[:] = beta1
            if ok2[r]:
                start2[:] = beta2
                if ok1[r]:
                    start2_base[:] = beta1
                else:
                    start2_base[:] = np.nan
            est[JS, r], se[JS, r] = beta1[1], math.sqrt(cov1[1, 1])
            est[PD, r], se[PD, r] = beta1[2], math.sqrt(cov1[2, 2])
            for t, j in ((T2_JS, 1), (T2_PD, 2), (INTERACTION, 3)):
                est[t, r], se[t, r] = beta2[j], math.sqrt(cov2[j, j])
            average_effects(beta2, js[:n], contig[:n], rp[:n], effects, work)
            for v in range(n_me):
                at = me_at[v]
                slope = beta2[1] + beta2[3] * at
                var = cov2[1, 1] + 2.0 * at * cov2[1, 3] + at * at * cov2[3, 3]
                me_neg[v, r] = 1.0 if slope / math.sqrt(var) < -Z975 else 0.0
                me[v, r] = effects[v]
        if dropped:
            flags |= INVALID_DYADS
        for t in range(len(FOCAL)):
            ok = ok1 if t < T2_JS else ok2
            _summarise(est[t], se[t], ok, pub[2 * t], stats, 8 * t)
        clean1 = 0
        clean2 = 0
        for r in range(n_rep):
            clean1 += ok1[r]
            clean2 += ok2[r]
        if clean1 < 2 or clean2 < 2:
            flags |= TOO_FEW_FITS
        both = ok1 & ok2
        joint, n_both = 0, 0
        for r in range(n_rep):
            if both[r]:
                n_both += 1
                joint += (
                    est[JS, r] / se[JS, r] < -Z975
                    and est[PD, r] / se[PD, r] < -Z975
                    and est[INTERACTION, r] / se[INTERACTION, r] < -Z975
                )
        at = 8 * len(FOCAL)
        stats[at] = joint / n_both if n_both else np.nan
        distance = 0.0
        close = True  # every focal mean within 1.96 published SEs of the published value
        for t in range(len(FOCAL)):
            distance += ((stats[8 * t] - pub[2 * t]) / pub[2 * t + 1]) ** 2
            close = close and abs(stats[8 * t] - pub[2 * t]) <= Z975 * pub[2 * t + 1]
        stats[at + 1] = math.sqrt(distance / len(FOCAL))
        at += 2
        for v in range(n_me):
            m, neg, k = 0.0, 0.0, 0
            for r in range(n_rep):
                if ok2[r]:
                    k += 1
                    m += me[v, r]
                    neg += me_neg[v, r]
            stats[at + v] = m / k if k else np.nan
            stats[at + n_me + v] = neg / k if k else np.nan
            stats[at + 2 * n_me + v] = true_me[v]
        at += 3 * n_me
        stats[at] = _correlation(est[T2_JS], est[T2_PD], ok2)
        stats[at + 1] = _correlation(est[T2_JS], est[INTERACTION], ok2)
        stats[at + 2] = _correlation(est[T2_PD], est[INTERACTION], ok2)
        supported = 0
        for t, bit in ((JS, H1), (PD, H2), (INTERACTION, H3)):
            if stats[8 * t + 5] >= 0.5:  # the share significantly negative
                supported |= bit
        if stats[8 * len(FOCAL)] >= 0.5:
            supported |= JOINT
        if close:
            supported |= MATCH
        fits = 2.0 * n_rep
        return (
            np.uint8(flags),
            np.uint8(supported),
            rates / n_rep,
            sizes / n_rep,
            failed / fits,
            separated / fits,
            dropped / offered if offered else 0.0,
            stats,
        )

    @njit(nogil=True, error_model="numpy")
    def solve_point(*values):
        """The point's outputs from its parameters' values, in the declaration's order."""
        flags, supported, rate, n, nc, sep, drop, x = replicates_of(values)
        # One scalar per declared output (the engine's loops store a tuple of scalars).
        # fmt: off
        return (supported, flags, rate, n, nc, sep, drop,
                x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9],
                x[10], x[11], x[12], x[13], x[14], x[15], x[16], x[17], x[18], x[19],
                x[20], x[21], x[22], x[23], x[24], x[25], x[26], x[27], x[28], x[29],
                x[30], x[31], x[32], x[33], x[34], x[35], x[36], x[37], x[38], x[39],
                x[40], x[41], x[42], x[43], x[44], x[45], x[46], x[47], x[48], x[49],
                x[50], x[51], x[52], x[53], x[54], x[55], x[56], x[57], x[58], x[59])
        # fmt: on

    return solve_point
