"""Probit maximum likelihood in numba: Newton-Raphson with the analytic gradient and
Hessian, log Phi and the inverse Mills ratio stable far into the tails, and the
cluster-robust sandwich. One fit or many in one call (spread over numba's threads, the
GIL released); problems are flags on the fit, never exceptions, so a sweep of a million
fits never stops on one.

The design is column-major: ``X`` is (k, n), each variable one contiguous row, so every
pass over the observations streams memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

NOT_CONVERGED = 1
PERFECT_SEPARATION = 2  # every observation's fitted probability rounds to its outcome
QUASI_SEPARATION = 4  # some do: coefficients run off towards infinity
RANK_DEFICIENT = 8  # aliased columns were dropped (their coefficients are NaN)
FLAG_NAMES = {
    NOT_CONVERGED: "not converged",
    PERFECT_SEPARATION: "perfect separation",
    QUASI_SEPARATION: "quasi separation",
    RANK_DEFICIENT: "rank deficient",
}

# Small-sample factors of the clustered covariance: Stata's G/(G-1) (the paper's), also
# times (N-1)/(N-k) as statsmodels does, or none.
FACTORS = {"stata": 0, "statsmodels": 1, "none": 2}

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
LN2 = math.log(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT_HALF = math.sqrt(0.5)
# Phi(8.3) is 1 in double precision: an observation this far on its own side is fitted
# exactly, which a finite maximum likelihood estimate does not do.
SEPARATED_INDEX = 8.3
FINAL_STEP = 1e-10  # relative size of a Newton step taken as the last, with no new pass
# A step that moves no index by more than this, in the quadratic phase, is the last, and
# its pass the one before carried along it to second order (exact to 1e-12).
CARRIED_INDEX_STEP = 1e-4
FINAL_INDEX_STEP = 1e-10  # how far the step after the last may move an index
ALIAS_TOLERANCE = 1e-10  # a column whose Gram residual is below this share of its norm
PRODUCT = 12  # Phi(-10)^12 > 1e-280: twelve probabilities multiply without underflow


@njit(nogil=True, cache=True)
def log_ndtr(z):
    """log Phi(z), accurate to rounding for every z (scipy's ``log_ndtr`` scheme)."""
    if z > 0.0:
        return math.log1p(-0.5 * math.erfc(z * SQRT_HALF))
    if z > -20.0:
        return math.log(0.5 * math.erfc(-z * SQRT_HALF))
    # Phi's asymptotic series; at z <= -20 twelve terms leave 1e-20.
    z2 = z * z
    total = 1.0
    term = 1.0
    for n in range(1, 12):
        term *= -(2.0 * n - 1.0) / z2
        total += term
    return -0.5 * z2 - math.log(-z) - LOG_SQRT_2PI + math.log(total)


@njit(nogil=True, cache=True)
def inverse_mills(z):
    """phi(z) / Phi(z); below z = -10 from the continued fraction of Mills' ratio, where
    both would underflow or lose their digits."""
    if z > -10.0:
        return math.exp(-0.5 * z * z - LOG_SQRT_2PI) / (0.5 * math.erfc(-z * SQRT_HALF))
    x = -z
    t = x
    for n in range(60, 0, -1):
        t = x + n / t
    return t


# Cephes' rational forms for erf and erfc (|x| <= 8), as scipy's ndtr uses them
# (highest power first; the denominators' leading 1 is implied).
ERF_TOP = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
ERF_BOTTOM = (
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
ERFC_TOP = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
ERFC_BOTTOM = (
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)


@njit(inline="always")
def _horner(z, coefficients, leading):
    value = leading
    for c in coefficients:
        value = value * z + c
    return value


@njit(inline="always")
def _erfc_parts(z):
    """erfc(z) * exp(z^2) for 1 <= z <= 8 as (numerator, denominator) (beyond 8, Phi is
    1 to rounding on the side that reaches here)."""
    return _horner(z, ERFC_TOP[1:], ERFC_TOP[0]), _horner(z, ERFC_BOTTOM, 1.0)


@njit(nogil=True, cache=True)
def _normal_quantile(p):
    """Phi^-1(p) for 0 < p < 1 by Newton's method from 0 (Phi is convex left of 0 and
    concave right of it, so the iterates close in from one side)."""
    x = 0.0
    for _ in range(100):
        step = (0.5 * math.erfc(-x * SQRT_HALF) - p) / math.exp(-0.5 * x * x - LOG_SQRT_2PI)
        x -= step
        if abs(step) < 1e-12 * (1.0 + abs(x)):
            break
    return x


@njit(nogil=True, cache=True)
def _intercept_start(X, y, current):
    """Without a warm start: a constant column's coefficient at the base rate's
    quantile (one or two Newton steps fewer than from zeros). Returns the index this
    gives every observation (0 without such a column)."""
    n = X.shape[1]
    share = 0.0
    for i in range(n):
        share += y[i]
    share /= n
    if not 0.0 < share < 1.0:
        return 0.0
    for j in range(X.shape[0]):
        row = X[j]
        constant = row[0] != 0.0
        for i in range(n):
            if row[i] != row[0]:
                constant = False
                break
        if constant:
            current[j] = _normal_quantile(share) / row[0]
            return current[j] * row[0]
    return 0.0


@njit(nogil=True, cache=True)
def _cholesky(a, m, chol):
    """Lower Cholesky factor of a's leading m x m block into ``chol``; False if a is not
    positive definite."""
    for j in range(m):
        s = a[j, j]
        for p in range(j):
            s -= chol[j, p] * chol[j, p]
        if not s > 0.0:
            return False
        d = math.sqrt(s)
        chol[j, j] = d
        for i in range(j + 1, m):
            s = a[i, j]
            for p in range(j):
                s -= chol[i, p] * chol[j, p]
            chol[i, j] = s / d
        for i in range(j):
            chol[i, j] = 0.0
    return True


@njit(nogil=True, cache=True)
def _solve(chol, m, b, out):
    """out = (L L')^-1 b."""
    for i in range(m):
        s = b[i]
        for p in range(i):
            s -= chol[i, p] * out[p]
        out[i] = s / chol[i, i]
    for i in range(m - 1, -1, -1):
        s = out[i]
        for p in range(i + 1, m):
            s -= chol[p, i] * out[p]
        out[i] = s / chol[i, i]


@njit(nogil=True, cache=True)
def _independent(gram, k):
    """Indices of the columns kept in order, each dropped if it is (numerically) a
    combination of those before it: Gram-Schmidt on a Gram matrix (here the information
    X'WX, whose weights are all positive, so its null space is X's)."""
    keep = np.empty(k, dtype=np.int64)
    chol = np.zeros((k, k))
    row = np.empty(k)
    m = 0
    for j in range(k):
        norm = gram[j, j]
        residual = norm
        for p in range(m):
            s = gram[j, keep[p]]
            for r in range(p):
                s -= row[r] * chol[p, r]
            row[p] = s / chol[p, p]
            residual -= row[p] * row[p]
        if norm > 0.0 and residual > ALIAS_TOLERANCE * norm:
            for p in range(m):
                chol[m, p] = row[p]
            chol[m, m] = math.sqrt(residual)
            keep[m] = j
            m += 1
    return keep[:m]


# exp(y) as 2^n e^r (Cody and Waite): n rounded by adding 1.5 * 2^52, whose bits then hold
# n; ln 2 in two parts so that n ln 2 is exact; e^r by its Taylor series to r^13, exact to
# rounding on |r| <= ln(2)/2. Written out so that the loops over observations vectorize
# (numba has no vector exp here).
LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
SHIFTER = 6755399441055744.0
SHIFTER_BITS = int(np.array(SHIFTER).view(np.int64))
EXP_TAYLOR = tuple(1.0 / math.factorial(j) for j in range(13, -1, -1))


@njit(inline="always")
def exp_split(y, out, scratch, i):
    """exp(y), y clamped to [-708, 708], as two factors by loops that vectorize: the
    polynomial part goes to ``out[i]``; ``scratch[i]`` holds the power of two, once
    ``exp_powers`` has run."""
    y = y if y > -708.0 else -708.0
    y = y if y < 708.0 else 708.0
    shifted = y * LOG2E + SHIFTER
    whole = shifted - SHIFTER
    r = (y - whole * LN2_HI) - whole * LN2_LO
    out[i] = _horner(r, EXP_TAYLOR[1:], EXP_TAYLOR[0])
    scratch[i] = shifted


@njit(inline="always")
def exp_powers(scratch, n):
    """Turn ``exp_split``'s shifted exponents in ``scratch[:n]`` into powers of two."""
    bits = scratch.view(np.int64)
    for i in range(n):
        bits[i] = (bits[i] - SHIFTER_BITS + 1023) << 52


@njit(inline="always")
def _log_of_product(values):
    """The sum of the logs of ``values``, each at least Phi(-10): products of PRODUCT of
    them (none underflows), four at a time so that their multiplications overlap, kept
    as a mantissa and a power of two, and one logarithm at the end."""
    n = values.shape[0]
    block = 4 * PRODUCT
    whole = n - n % block
    mantissa, power = 1.0, 0
    for start in range(0, whole, block):
        chunk = values[start : start + block]
        p0 = p1 = p2 = p3 = 1.0
        for r in range(0, block, 4):
            p0 *= chunk[r]
            p1 *= chunk[r + 1]
            p2 *= chunk[r + 2]
            p3 *= chunk[r + 3]
        m0, e0 = math.frexp(p0)
        m1, e1 = math.frexp(p1)
        m2, e2 = math.frexp(p2)
        m3, e3 = math.frexp(p3)
        mantissa, e = math.frexp(mantissa * (m0 * m1) * (m2 * m3))
        power += e0 + e1 + e2 + e3 + e
    for start in range(whole, n, PRODUCT):
        product = 1.0
        for i in range(start, min(start + PRODUCT, n)):
            product *= values[i]
        mantissa, e = math.frexp(mantissa * product)
        power += e
    return math.log(mantissa) + power * LN2


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})
def _normal_terms(sign, eta, lam, weight, scratch):
    """log L and the number of observations fitted exactly (beyond SEPARATED_INDEX on
    their own side), and each observation's signed inverse Mills ratio (``lam``) and
    information weight, from the index ``eta``. Observations with t = sign * eta > -10
    go through branch-free loops that vectorize; the rare ones further out are redone
    exactly. Phi(t) is worked out as a fraction (numerator over denominator) whichever
    form applies, so that one division gives both it and the Mills ratio."""
    n = eta.shape[0]
    for i in range(n):
        t = sign[i] * eta[i]
        t = t if t > -10.0 else -10.0
        exp_split(-0.5 * t * t, lam, scratch, i)
    exp_powers(scratch, n)
    separated = 0
    wrong_side = 0  # observations with t <= -10, redone below
    for i in range(n):
        exact = sign[i] * eta[i]
        separated += exact > SEPARATED_INDEX
        wrong_side += exact <= -10.0
        t = exact if exact > -10.0 else -10.0
        gauss = lam[i] * scratch[i]  # exp(-t^2 / 2)
        x = t * SQRT_HALF
        # |x| < 1: Phi = 1/2 + erf(x) / 2 = (bottom + x top) / (2 bottom), erf's form
        inner = x if x < 1.0 else 1.0
        inner = inner if inner > -1.0 else -1.0
        z = inner * inner
        erf_bottom = _horner(z, ERF_BOTTOM, 1.0)
        near_top = erf_bottom + inner * _horner(z, ERF_TOP[1:], ERF_TOP[0])
        # beyond: the tail erfc(|x|) / 2 = gauss top / (2 bottom), erfc's form, is Phi
        # for x < 0 and 1 - Phi for x > 0
        ax = abs(x)
        ax = ax if ax > 1.0 else 1.0
        ax = ax if ax < 8.0 else 8.0  # beyond, Phi is 1 to rounding or redone below
        erfc_top, erfc_bottom = _erfc_parts(ax)
        tail_top = gauss * erfc_top
        far_top = tail_top if x < 0.0 else 2.0 * erfc_bottom - tail_top
        near = abs(x) < 1.0
        top = near_top if near else far_top
        bottom = 2.0 * (erf_bottom if near else erfc_bottom)
        reciprocal = 1.0 / (top * bottom)
        mills = gauss * INV_SQRT_2PI * bottom * bottom * reciprocal
        lam[i] = sign[i] * mills
        weight[i] = mills * (mills + t)
        scratch[i] = top * top * reciprocal if exact > -10.0 else 1.0  # (counted below)
    ll = _log_of_product(scratch)
    if wrong_side:
        for i in range(n):
            t = sign[i] * eta[i]
            if t <= -10.0:
                ll += log_ndtr(t)
                mills = inverse_mills(t)
                lam[i] = sign[i] * mills
                weight[i] = mills * (mills + t)
    return ll, separated


@njit(inline="always")
def _store(info, p, q, r, with_p, with_q):
    info[p, r] = info[r, p] = with_p
    info[q, r] = info[r, q] = with_q


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _score_and_information(X, keep, lam, weight, u, v, grad, info):
    """The gradient X'lam and the information X'WX of the kept columns. Columns go in
    pairs (p, q): their weighted rows (into ``u`` and ``v``, n long each) meet up to four
    other rows per sweep, eight sums from six loads a step, eight accumulators and
    six loaded vectors being what the registers hold."""
    m = keep.shape[0]
    n = X.shape[1]
    for p in range(0, m, 2):
        q = min(p + 1, m - 1)  # an odd last column pairs with itself
        row_p, row_q = X[keep[p]], X[keep[q]]
        grad_p = grad_q = 0.0
        for i in range(n):
            grad_p += lam[i] * row_p[i]
            grad_q += lam[i] * row_q[i]
            u[i] = weight[i] * row_p[i]
            v[i] = weight[i] * row_q[i]
        grad[p] = grad_p
        grad[q] = grad_q
        r = 0
        while r <= q:  # rows 0..q against both
            if q - r >= 3:
                a, b, c, d = X[keep[r]], X[keep[r + 1]], X[keep[r + 2]], X[keep[r + 3]]
                ua = ub = uc = ud = va = vb = vc = vd = 0.0
                for i in range(n):
                    e, f = u[i], v[i]
                    ua += e * a[i]
                    ub += e * b[i]
                    uc += e * c[i]
                    ud += e * d[i]
                    va += f * a[i]
                    vb += f * b[i]
                    vc += f * c[i]
                    vd += f * d[i]
                _store(info, p, q, r, ua, va)
                _store(info, p, q, r + 1, ub, vb)
                _store(info, p, q, r + 2, uc, vc)
                _store(info, p, q, r + 3, ud, vd)
                r += 4
            elif q - r >= 1:
                a, b = X[keep[r]], X[keep[r + 1]]
                ua = ub = va = vb = 0.0
                for i in range(n):
                    e, f = u[i], v[i]
                    ua += e * a[i]
                    ub += e * b[i]
                    va += f * a[i]
                    vb += f * b[i]
                _store(info, p, q, r, ua, va)
                _store(info, p, q, r + 1, ub, vb)
                r += 2
            else:
                a = X[keep[r]]
                ua = va = 0.0
                for i in range(n):
                    ua += u[i] * a[i]
                    va += v[i] * a[i]
                _store(info, p, q, r, ua, va)
                r += 1


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _index(X, keep, beta, eta):
    """eta = X'beta over the kept columns, four rows per sweep (a quarter of the loads
    and stores of eta)."""
    n = X.shape[1]
    m = keep.shape[0]
    for i in range(n):
        eta[i] = 0.0
    p = 0
    while p + 4 <= m:
        a, b, c, d = X[keep[p]], X[keep[p + 1]], X[keep[p + 2]], X[keep[p + 3]]
        ba, bb = beta[keep[p]], beta[keep[p + 1]]
        bc, bd = beta[keep[p + 2]], beta[keep[p + 3]]
        for i in range(n):
            eta[i] += ba * a[i] + bb * b[i] + bc * c[i] + bd * d[i]
        p += 4
    for rest in range(p, m):
        row = X[keep[rest]]
        b = beta[keep[rest]]
        for i in range(n):
            eta[i] += b * row[i]


@njit(nogil=True, cache=True)
def _information_norm(info, m, vector):
    """vector' info vector: the sum of w_i (x_i' vector)^2, a step's size in the index
    weighted as the likelihood's curvature weighs it."""
    total = 0.0
    for p in range(m):
        for q in range(m):
            total += vector[p] * info[p, q] * vector[q]
    return total


@njit(nogil=True, cache=True)
def _index_step(X, keep, m, step, by_column, delta):
    """delta = the index's change along ``step`` (by kept column); returns its largest
    size."""
    for p in range(m):
        by_column[keep[p]] = step[p]
    _index(X, keep, by_column, delta)
    moved = 0.0
    for i in range(delta.shape[0]):
        moved = max(moved, abs(delta[i]))
    return moved


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _third_order(X, keep, eta, lam, weight, delta, scratch, out):
    """The gradient's second-order change along a step that moves the index by
    ``delta``: out = sum_i w'_i delta_i^2 x_i over the kept columns (w' = lam - w (2 lam
    + eta), the information weight's derivative in the index)."""
    n = eta.shape[0]
    for i in range(n):
        scratch[i] = (lam[i] - weight[i] * (2.0 * lam[i] + eta[i])) * delta[i] * delta[i]
    for p in range(keep.shape[0]):
        row = X[keep[p]]
        total = 0.0
        for i in range(n):
            total += scratch[i] * row[i]
        out[p] = total


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _pass(X, sign, keep, eta, lam, weight, u, v, grad, info):
    """One pass over the observations at the index ``eta``: log likelihood, inverse Mills
    ratios, gradient and information (minus the Hessian), ``u`` and ``v`` scratch.
    Returns the log likelihood and how many observations are fitted exactly."""
    ll, separated = _normal_terms(sign, eta, lam, weight, u)
    _score_and_information(X, keep, lam, weight, u, v, grad, info)
    return ll, separated


@njit(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})
def _carried_pass(X, keep, eta, delta, lam, weight, u, v, grad, info):
    """``_pass`` after a step that moves no index by more than CARRIED_INDEX_STEP, from
    the last pass's terms carried along the step by their Taylor series to the square
    (exact to the step's cube): per observation, in the index, lam' = -w,
    w' = lam - w (2 lam + eta) and w'' = 2 w (w - 1) - w' (2 lam + eta). ``eta`` moves
    by ``delta``; returns the change of the log likelihood less its first two terms
    (-sum w' delta^3 / 6)."""
    cubic = 0.0
    for i in range(eta.shape[0]):
        d = delta[i]
        lam_i, w = lam[i], weight[i]
        twice = 2.0 * lam_i + eta[i]
        slope = lam_i - w * twice
        bend = 2.0 * w * (w - 1.0) - slope * twice
        lam[i] = lam_i - d * (w + 0.5 * d * slope)
        weight[i] = w + d * (slope + 0.5 * d * bend)
        eta[i] += d
        cubic -= slope * d * d * d
    _score_and_information(X, keep, lam, weight, u, v, grad, info)
    return cubic / 6.0


@njit(nogil=True, cache=True, error_model="numpy")
def _constant_index_pass(X, sign, keep, index, eta, lam, weight, u, v, grad, info):
    """``_pass`` where every observation's index is ``index`` (a cold start: zeros, or a
    constant column at the base rate's quantile): the normal terms take two values, so
    they are worked out twice rather than once per observation."""
    n = X.shape[1]
    events = 0
    for i in range(n):
        events += sign[i] > 0.0
    ll = events * log_ndtr(index) + (n - events) * log_ndtr(-index)
    separated = (events if index > SEPARATED_INDEX else 0) + (
        n - events if -index > SEPARATED_INDEX else 0
    )
    mills_event = inverse_mills(index)
    mills_none = inverse_mills(-index)
    weight_event = mills_event * (mills_event + index)
    weight_none = mills_none * (mills_none - index)
    for i in range(n):
        event = sign[i] > 0.0
        lam[i] = mills_event if event else -mills_none
        weight[i] = weight_event if event else weight_none
        eta[i] = index
    _score_and_information(X, keep, lam, weight, u, v, grad, info)
    return ll, separated


@njit(nogil=True, cache=True, error_model="numpy")
def _cluster_scores(X, keep, lam, groups, n_groups):
    """Each cluster's score, (kept columns, clusters): four columns per sweep, which
    quarters the reads of the codes and the Mills ratios."""
    m = keep.shape[0]
    n = X.shape[1]
    scores = np.zeros((m, n_groups))
    p = 0
    while p + 4 <= m:
        a, b, c, d = X[keep[p]], X[keep[p + 1]], X[keep[p + 2]], X[keep[p + 3]]
        to_a, to_b, to_c, to_d = scores[p], scores[p + 1], scores[p + 2], scores[p + 3]
        for i in range(n):
            g = groups[i]
            share = lam[i]
            to_a[g] += share * a[i]
            to_b[g] += share * b[i]
            to_c[g] += share * c[i]
            to_d[g] += share * d[i]
        p += 4
    for rest in range(p, m):
        a, to_a = X[keep[rest]], scores[rest]
        for i in range(n):
            to_a[groups[i]] += lam[i] * a[i]
    return scores


@njit(nogil=True, cache=True, error_model="numpy")
def fit_one(X, y, groups, n_groups, start, tol, max_iter, factor, beta, cov):
    """Fit one probit: ``X`` (k, n), ``y`` 0/1, ``groups`` cluster codes 0..n_groups-1
    (n_groups 0: model-based covariance), ``start`` a warm start (all NaN: a constant
    column at the base rate's quantile, the rest zeros). Writes
    ``beta`` (k) and ``cov`` (k, k), NaN for dropped columns; returns (log likelihood,
    iterations, flags)."""
    k, n = X.shape
    flags = 0
    sign = np.empty(n)
    for i in range(n):
        sign[i] = 2.0 * y[i] - 1.0
    every = np.arange(k)
    current = np.zeros(k)
    warm = False
    for j in range(k):
        if not math.isnan(start[j]):
            current[j] = start[j]
            warm = True
    index = 0.0 if warm else _intercept_start(X, y, current)
    eta = np.empty(n)  # the index at ``current``
    trial_eta = np.empty(n)
    delta = np.empty(n)  # a step's change of the index
    lam = np.empty(n)
    weight = np.empty(n)
    u = np.empty(n)
    v = np.empty(n)
    grad = np.empty(k)
    info = np.empty((k, k))
    chol = np.zeros((k, k))
    step = np.empty(k)
    by_column = np.zeros(k)  # the step by column, zero for dropped ones
    third = np.empty(k)
    correction = np.empty(k)
    trial = np.empty(k)
    if warm:
        _index(X, every, current, eta)
        ll, separated = _pass(X, sign, every, eta, lam, weight, u, v, grad, info)
    else:
        ll, separated = _constant_index_pass(
            X, sign, every, index, eta, lam, weight, u, v, grad, info
        )
    keep = _independent(info, k)
    m = keep.shape[0]
    if m < k:  # aliased columns: drop them and start again without them
        flags |= RANK_DEFICIENT
        kept = np.zeros(k, dtype=np.bool_)
        for p in range(m):
            kept[keep[p]] = True
        for j in range(k):
            if not kept[j]:
                current[j] = 0.0
        _index(X, keep, current, eta)
        ll, separated = _pass(X, sign, keep, eta, lam, weight, u, v, grad, info)
    iterations = 0
    converged = False
    moved_before = np.inf  # the largest change of an index in the step before
    while iterations < max_iter:
        iterations += 1
        if not _cholesky(info, m, chol):
            break
        _solve(chol, m, grad, step)
        size = 0.0
        largest = 0.0
        for p in range(m):
            size = max(size, abs(step[p]))
            largest = max(largest, abs(current[keep[p]]))
        if size <= FINAL_STEP * (1.0 + largest):
            # The last step, taken without another pass: the estimate is then exact to
            # rounding, and the information (so the covariance) is that of a point this
            # close to it.
            for p in range(m):
                current[keep[p]] += step[p]
            converged = True
            break
        moved = _index_step(X, keep, m, step, by_column, delta)
        # Chebyshev's third-order step: the Newton step less half the information's
        # inverse times the gradient's second-order change along it (cubic convergence
        # for two more indices and k sums: a pass fewer in most fits). Taken only while
        # the correction is at most half the Newton step, measured by the information.
        _third_order(X, keep, eta, lam, weight, delta, u, third)
        _solve(chol, m, third, correction)
        if _information_norm(info, m, correction) <= _information_norm(info, m, step):
            for p in range(m):
                step[p] -= 0.5 * correction[p]
            moved = _index_step(X, keep, m, step, by_column, delta)
        if moved <= CARRIED_INDEX_STEP and moved**3 <= FINAL_INDEX_STEP * moved_before**2:
            # The steps shrink at least quadratically here (each about c times the square
            # of the one before), so the next would move no index by FINAL_INDEX_STEP:
            # this step is the last, and the pass after it is the last one's carried
            # along the step. The log likelihood changes by its Taylor series in the
            # step: the gradient's and the information's terms, then a cubic one.
            gain = 0.0
            for p in range(m):
                gain += grad[p] * step[p]
                for q in range(m):
                    gain -= 0.5 * step[p] * info[p, q] * step[q]
            for p in range(m):
                current[keep[p]] += step[p]
            ll += gain + _carried_pass(X, keep, eta, delta, lam, weight, u, v, grad, info)
            converged = True
            break
        scale = 1.0
        for _ in range(40):  # halve the step until the likelihood does not fall
            for j in range(k):
                trial[j] = current[j]
            for p in range(m):
                trial[keep[p]] = current[keep[p]] + scale * step[p]
            for i in range(n):
                trial_eta[i] = eta[i] + scale * delta[i]
            new_ll, separated = _pass(X, sign, keep, trial_eta, lam, weight, u, v, grad, info)
            if new_ll >= ll - 1e-12 * abs(ll):
                break
            scale *= 0.5
        eta, trial_eta = trial_eta, eta
        moved_before = scale * moved
        largest_step = 0.0
        largest = 0.0
        for p in range(m):
            largest_step = max(largest_step, abs(scale * step[p]))
            largest = max(largest, abs(trial[keep[p]]))
        for j in range(k):
            current[j] = trial[j]
        ll = new_ll
        if largest_step <= tol * (1.0 + largest):
            converged = True
            break
        if largest > 1e10:
            break
    if not converged:
        flags |= NOT_CONVERGED
    # (counted on the last pass; a last step taken without one moves no index this far)
    if separated == n:
        flags |= PERFECT_SEPARATION
    elif separated > 0:
        flags |= QUASI_SEPARATION
    for j in range(k):
        beta[j] = np.nan
        for r in range(k):
            cov[j, r] = np.nan
    for p in range(m):
        beta[keep[p]] = current[keep[p]]
    if not _cholesky(info, m, chol):
        return ll, iterations, flags | NOT_CONVERGED
    inverse = np.empty((m, m))
    unit = np.zeros(m)
    column = np.empty(m)
    for r in range(m):
        unit[r] = 1.0
        _solve(chol, m, unit, column)
        unit[r] = 0.0
        for p in range(m):
            inverse[p, r] = column[p]
    if n_groups == 0:
        for p in range(m):
            for r in range(m):
                cov[keep[p], keep[r]] = inverse[p, r]
        return ll, iterations, flags
    # Cluster-robust sandwich: inverse (sum_g s_g s_g') inverse, s_g a cluster's score.
    scores = _cluster_scores(X, keep, lam, groups, n_groups)
    meat = np.empty((m, m))
    for p in range(m):
        for r in range(p + 1):
            s = 0.0
            for g in range(n_groups):
                s += scores[p, g] * scores[r, g]
            meat[p, r] = meat[r, p] = s
    adjust = 1.0
    if factor != 2 and n_groups > 1:
        adjust = n_groups / (n_groups - 1.0)
        if factor == 1:
            adjust *= (n - 1.0) / (n - m)
    # inverse meat inverse, in loops: BLAS on a k x k product costs more than it does
    half = np.zeros((m, m))
    for p in range(m):
        for q in range(m):
            for r in range(m):
                half[p, r] += inverse[p, q] * meat[q, r]
    for p in range(m):
        for r in range(m):
            total = 0.0
            for q in range(m):
                total += half[p, q] * inverse[q, r]
            cov[keep[p], keep[r]] = adjust * total
    return ll, iterations, flags


@njit(nogil=True, cache=True, parallel=True)
def fit_many(designs, y, groups, bounds, n_groups, starts, tol, max_iter, factor, beta, cov, out):
    """Fit dataset ``d`` = ``designs[d]`` (n_d, k), observations ``bounds[d]:bounds[d+1]``
    of ``y`` and ``groups`` (codes within each dataset, ``n_groups[d]`` of them), for
    every d, spread over numba's threads. Each thread transposes a design just before it
    fits it, so it is still in cache (the same machine code as one fit, so the same
    numbers). ``out[d]`` = (log likelihood, iterations, flags)."""
    k = beta.shape[1]
    for d in prange(bounds.shape[0] - 1):
        lo = bounds[d]
        hi = bounds[d + 1]
        X = np.empty((k, hi - lo))
        _transpose_into(designs[np.int64(d)], X)
        ll, iterations, flags = fit_one(
            X,
            y[lo:hi],
            groups[lo:hi],
            n_groups[d],
            starts[d],
            tol,
            max_iter,
            factor,
            beta[d],
            cov[d],
        )
        out[d, 0] = ll
        out[d, 1] = iterations
        out[d, 2] = flags


@dataclass(frozen=True)
class ProbitFit:
    """One fit, or many along a leading dataset axis."""

    beta: np.ndarray  # (k,); NaN where a column was dropped
    cov: np.ndarray  # (k, k)
    loglik: np.ndarray
    iterations: np.ndarray
    flags: np.ndarray  # bits of FLAG_NAMES
    n: np.ndarray
    clusters: np.ndarray  # 0: model-based covariance


@njit(nogil=True, cache=True)
def _count_codes(labels, codes, limit):
    """Integer labels in [0, limit) as codes 0..G-1 in label order; returns G, or -1 if a
    label is outside (then they are sorted instead)."""
    low, high = labels[0], labels[0]
    for label in labels:
        low = min(low, label)
        high = max(high, label)
    if low < 0 or high >= limit:
        return -1
    present = np.zeros(high + 1, dtype=np.int64)
    for label in labels:
        present[label] = 1
    total = 0
    for label in range(present.shape[0]):
        if present[label]:
            present[label] = total
            total += 1
    for i in range(labels.shape[0]):
        codes[i] = present[labels[i]]
    return total


def cluster_codes(groups, n: int, out=None) -> tuple[np.ndarray, int]:
    """Cluster labels of any kind as codes 0..G-1 in sorted label order (into ``out`` if
    given), and G (0 without clusters). Small non-negative integers (leader ids) are
    counted, not sorted."""
    codes = np.empty(n, dtype=np.int64) if out is None else out
    if groups is None:
        codes[:] = 0
        return codes, 0
    labels = np.asarray(groups).ravel()
    if labels.size != n:
        raise ValueError(f"{labels.size} cluster labels for {n} observations: give one each")
    if labels.dtype.kind in "iu" and labels.size:
        count = _count_codes(labels.astype(np.int64, copy=False), codes, 4 * n)
        if count >= 0:
            return codes, count
    names, inverse = np.unique(labels, return_inverse=True)
    codes[:] = inverse.ravel()
    return codes, len(names)


@njit(nogil=True, cache=True)
def _transpose_into(design, out):
    """``out`` (k, n) = ``design`` (n, k) transposed: numpy's strided copy of a narrow
    matrix is several times slower."""
    n, k = design.shape
    for i in range(n):
        for j in range(k):
            out[j, i] = design[i, j]


def column_major(X, out=None) -> np.ndarray:
    """The (k, n) design the kernels take, from an (n, k) one: a Fortran-ordered float
    ``X`` as a view, anything else copied (into ``out`` if given)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"a design is a 2-d (observations, terms) array, not {X.ndim}-d")
    if out is None and X.flags.f_contiguous:
        return X.T
    if out is None:
        out = np.empty((X.shape[1], X.shape[0]))
    elif out.shape != X.shape[::-1]:
        raise ValueError(f"a design of shape {X.shape} where ({out.shape[1]}, {out.shape[0]}) fits")
    _transpose_into(X, out)
    return out


def _factor_code(factor: str) -> int:
    if factor not in FACTORS:
        raise ValueError(f"factor {factor!r}: choose one of {', '.join(FACTORS)}")
    return FACTORS[factor]


def fit(X, y, groups=None, *, factor="stata", start=None, tol=1e-8, max_iter=50) -> ProbitFit:
    """Fit ``y`` (n, 0/1) on ``X`` (n, k), clustered by ``groups`` (any labels; None:
    model-based covariance). A Fortran-ordered ``X`` is used without a copy."""
    design = column_major(X)
    outcome = np.ascontiguousarray(y, dtype=np.float64)
    codes, clusters = cluster_codes(groups, len(outcome))
    k = design.shape[0]
    warm = np.full(k, np.nan) if start is None else np.asarray(start, dtype=np.float64)
    beta = np.empty(k)
    cov = np.empty((k, k))
    ll, iterations, flags = fit_one(
        design, outcome, codes, clusters, warm, tol, max_iter, _factor_code(factor), beta, cov
    )
    return ProbitFit(
        beta,
        cov,
        np.float64(ll),
        np.int64(iterations),
        np.int64(flags),
        np.int64(len(outcome)),
        np.int64(clusters),
    )


def fit_batch(
    designs, outcomes, groups=None, *, factor="stata", starts=None, tol=1e-8, max_iter=50
) -> ProbitFit:
    """Fit many datasets (sequences of (n_d, k) designs, 0/1 outcomes and cluster labels,
    one k) in one call spread over numba's threads."""
    from numba.typed import List

    sizes = np.array([len(o) for o in outcomes], dtype=np.int64)
    k = np.shape(designs[0])[1]
    by_rows = List()
    for design, size in zip(designs, sizes, strict=True):
        design = np.ascontiguousarray(design, dtype=np.float64)
        if design.shape != (size, k):
            raise ValueError(f"a design of shape {design.shape} where ({size}, {k}) fits")
        by_rows.append(design)
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    codes = np.empty(bounds[-1], dtype=np.int64)
    clusters = np.zeros(len(sizes), dtype=np.int64)
    for d in range(len(sizes)):
        lo, hi = bounds[d], bounds[d + 1]
        labels = None if groups is None else groups[d]
        _, clusters[d] = cluster_codes(labels, hi - lo, codes[lo:hi])
    y = np.concatenate([np.asarray(o, dtype=np.float64) for o in outcomes])
    warm = np.full((len(sizes), k), np.nan)
    if starts is not None:
        warm[:] = starts
    beta = np.empty((len(sizes), k))
    cov = np.empty((len(sizes), k, k))
    out = np.empty((len(sizes), 3))
    code = _factor_code(factor)
    fit_many(by_rows, y, codes, bounds, clusters, warm, tol, max_iter, code, beta, cov, out)
    return ProbitFit(
        beta,
        cov,
        out[:, 0],
        out[:, 1].astype(np.int64),
        out[:, 2].astype(np.int64),
        sizes,
        clusters,
    )
