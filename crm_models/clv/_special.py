"""Special functions the "buy till you die" models need, evaluated stably and vectorised.

* :func:`log_hyp2f1` sums the Gauss hypergeometric series in log space (signed terms, a
  running log-sum-exp), so a value like 1e400 or 1e-400 is returned as its logarithm
  instead of overflowing or underflowing.  It is used for ``0 <= z < 1`` only, after the
  callers have applied Euler's transformation so that the series is short.
* :func:`log_hyp2f1_unit` is the special case 2F1(1, p; c; w) with c > p > 0 and
  0 <= w < 1: positive, decreasing terms, bounded by 1/(1 - w).  It carries the Pareto/NBD
  likelihood, the BG/BB DERT and the sBG discounted expected residual lifetime.  Very slow
  series (w within 1e-5 of 1) fall back to adaptive quadrature of Euler's integral.
* :func:`phi` is z**m U(m, m, z) = E[z / (z + G)], G ~ Gamma(m, 1) (Tricomi's confluent
  hypergeometric function), the discounting term of DERT: a continued fraction where
  scipy's ``hyperu`` loses accuracy (large m, small z), ``hyperu`` elsewhere.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import integrate, linalg, special

__all__ = ["beta_nodes", "log1mexp", "log_hyp2f1", "log_hyp2f1_unit", "log_hyp2f1_unit_grad",
           "log_hyp2f1_unit_quad", "phi"]

_FIRST_CHUNK = 32
_MAX_TERMS = 2**20
_MAX_UNIT_TERMS = 2**17


def log1mexp(u: np.ndarray) -> np.ndarray:
    """log(1 - exp(u)) for u <= 0, accurate near 0 and for very negative u."""
    u = np.minimum(np.asarray(u, dtype=float), 0.0)
    with np.errstate(divide="ignore"):
        return np.where(u > -np.log(2.0), np.log(-np.expm1(u)), np.log1p(-np.exp(u)))


def _series(a, b, c, z, rtol: float, max_terms: int):
    """Sum sum_n (a)_n (b)_n / ((c)_n n!) z^n for each element; returns log|S|, sign, converged."""
    a, b, c, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(a, b, c, z))
    shape = a.shape
    a, b, c, z = a.ravel(), b.ravel(), c.ravel(), z.ravel()
    m = a.size
    with np.errstate(divide="ignore"):
        log_z = np.log(z)
    # state per element: log|t_n| and sign of the next term to produce, reference M, scaled sum
    log_t = np.zeros(m)
    sign_t = np.ones(m)
    ref = np.zeros(m)
    acc = np.ones(m)  # the n = 0 term
    n0 = 0
    done = np.zeros(m, dtype=bool)
    active = np.arange(m)
    chunk = _FIRST_CHUNK
    while active.size and n0 < max_terms:
        n = n0 + np.arange(chunk, dtype=float)
        aa, bb, cc = a[active, None] + n, b[active, None] + n, c[active, None] + n
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (np.log(np.abs(aa)) + np.log(np.abs(bb)) - np.log(np.abs(cc)) - np.log1p(n)
                         + log_z[active, None])
        sign_ratio = np.sign(aa) * np.sign(bb) * np.sign(cc)
        logs = log_t[active, None] + np.cumsum(log_ratio, axis=1)
        logs = np.where(np.isnan(logs), -np.inf, logs)  # a terminating series (a or b = -k)
        signs = sign_t[active, None] * np.cumprod(np.where(sign_ratio == 0, 1.0, sign_ratio), axis=1)
        chunk_max = logs.max(axis=1)
        new_ref = np.maximum(ref[active], chunk_max)
        with np.errstate(invalid="ignore"):
            scaled = (acc[active] * np.exp(ref[active] - new_ref)
                      + (signs * np.exp(logs - new_ref[:, None])).sum(axis=1))
        ref[active], acc[active] = new_ref, scaled
        log_t[active], sign_t[active] = logs[:, -1], signs[:, -1]
        # tail bound: later ratios are at most max(|last ratio|, z) once they are below 1
        last_ratio = np.exp(log_ratio[:, -1])
        rho = np.maximum(np.where(np.isfinite(last_ratio), last_ratio, 0.0), z[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.exp(logs[:, -1] - new_ref) * rho / (1.0 - rho)
        ok = (rho < 1.0) & (tail <= rtol * np.abs(scaled))
        ok |= ~np.isfinite(logs[:, -1])  # terminated
        done[active[ok]] = True
        active = active[~ok]
        n0 += chunk
        chunk = min(chunk * 2, 4096)
    with np.errstate(divide="ignore"):
        log_abs = ref + np.log(np.abs(acc))
    return log_abs.reshape(shape), np.sign(acc).reshape(shape), done.reshape(shape)


def _series_linear(a, b, c, z, rtol: float, max_terms: int):
    """The same sum in linear space (fast path); flags elements whose terms grow too large."""
    a, b, c, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(a, b, c, z))
    shape = a.shape
    a, b, c, z = a.ravel(), b.ravel(), c.ravel(), z.ravel()
    m = a.size
    t_last = np.ones(m)
    acc = np.ones(m)
    big = np.zeros(m, dtype=bool)
    done = np.zeros(m, dtype=bool)
    active = np.arange(m)
    n0 = 0
    chunk = _FIRST_CHUNK
    while active.size and n0 < max_terms:
        n = n0 + np.arange(chunk, dtype=float)
        ratio = ((a[active, None] + n) * (b[active, None] + n) / ((c[active, None] + n) * (n + 1.0))
                 * z[active, None])
        with np.errstate(over="ignore", invalid="ignore"):
            terms = t_last[active, None] * np.cumprod(ratio, axis=1)
            too_big = ~np.all(np.abs(terms) < 1e250, axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            acc[active] += terms.sum(axis=1)
        t_last[active] = terms[:, -1]
        rho = np.maximum(np.abs(ratio[:, -1]), z[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.abs(terms[:, -1]) * rho / (1.0 - rho)
        ok = ((rho < 1.0) & (tail <= rtol * np.abs(acc[active]))) | (terms[:, -1] == 0.0)
        big[active[too_big]] = True
        ok |= too_big
        done[active[ok & ~too_big]] = True
        active = active[~ok]
        n0 += chunk
        chunk = min(chunk * 2, 4096)
    return acc.reshape(shape), done.reshape(shape), big.reshape(shape)


def log_hyp2f1(a, b, c, z, rtol: float = 1e-15) -> tuple[np.ndarray, np.ndarray]:
    """log|2F1(a, b; c; z)| and its sign by direct summation, for 0 <= z < 1 (vectorised).

    Terms are summed in linear space (fast); elements whose terms would exceed 1e250 are
    summed again in log space.  Intended for series that converge in at most a few thousand
    terms (callers keep z away from 1 by Euler's transformation).  Raises
    ``FloatingPointError`` if a series does not converge in 2**20 terms.
    """
    a, b, c, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(a, b, c, z))
    shape = a.shape
    a, b, c, z = (np.atleast_1d(v).ravel() for v in (a, b, c, z))
    acc, done, big = _series_linear(a, b, c, z, rtol, _MAX_TERMS)
    with np.errstate(divide="ignore"):
        log_abs, sign = np.log(np.abs(acc)), np.sign(acc)
    if np.any(big):
        la, sg, dn = _series(a[big], b[big], c[big], z[big], rtol, _MAX_TERMS)
        log_abs[big], sign[big], done[big] = la, sg, dn
    if not np.all(done):
        raise FloatingPointError("hypergeometric series did not converge (argument too close to 1)")
    return log_abs.reshape(shape), sign.reshape(shape)


def hyp2f1_shared_ab(a: float, b: float, c, z, rtol: float = 1e-16) -> np.ndarray:
    """2F1(a, b; c_i; z_i) for scalar a, b and many (c, z) pairs, 0 <= z < 1 (vectorised).

    The series is a power series in z whose coefficients (a)_n (b)_n / ((c)_n n!) depend on c
    only, so they are built once per distinct c and every element is evaluated by Horner's
    rule: much cheaper than summing each element's series when, as for the expected purchases
    over a grid of horizons, thousands of elements share a few c values.  Falls back to
    :func:`log_hyp2f1` when coefficients grow beyond 1e250.
    """
    c, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(c, z))
    shape = c.shape
    c, z = c.ravel(), z.ravel()
    if c.size == 0:
        return np.zeros(shape)
    cu, inv = np.unique(c, return_inverse=True)
    zmax = float(z.max())
    blocks = [np.ones((len(cu), 1))]
    last = np.ones(len(cu))
    peak = 1.0
    n0, chunk = 0, 64
    while True:
        n = n0 + np.arange(chunk, dtype=float)
        ratio = (a + n) * (b + n) / ((cu[:, None] + n) * (n + 1.0))
        with np.errstate(over="ignore", invalid="ignore"):
            block = last[:, None] * np.cumprod(ratio, axis=1)
            mags = np.max(np.abs(block), axis=0) * zmax ** (n + 1.0)
        if not np.all(np.isfinite(mags)) or mags.max() > 1e250 or n0 > _MAX_TERMS:
            log_abs, sign = log_hyp2f1(a, b, c, z, rtol)
            return (sign * np.exp(log_abs)).reshape(shape)
        blocks.append(block)
        last = block[:, -1]
        n0 += chunk
        peak = max(peak, float(mags.max()))
        rho = float(np.max(np.abs(ratio[:, -1]))) * zmax
        if zmax == 0.0 or (rho < 1.0 and mags[-1] / (1.0 - rho) <= rtol * peak):
            break
        chunk = min(2 * chunk, 4096)
    coef = np.concatenate(blocks, axis=1)
    acc = coef[inv, -1]
    for k in range(coef.shape[1] - 2, -1, -1):
        acc = acc * z + coef[inv, k]
    return acc.reshape(shape)


def _log_hyp2f1_unit_quad(p: float, c: float, w: float) -> float:
    """log 2F1(1, p; c; w) = log E[1/(1 - w U)], U ~ Beta(p, c - p), by QUADPACK's QAWS.

    QAWS integrates the algebraic end-point weight t^(p-1) (1-t)^(c-p-1) exactly, so the
    near-singular behaviour at t = 1 when w is close to 1 is handled.
    """
    w = min(w, 1.0 - 2.0**-52)
    try:
        val, _ = integrate.quad(lambda t: 1.0 / (1.0 - w * t), 0.0, 1.0, weight="alg",
                                wvar=(p - 1.0, c - p - 1.0), limit=500, epsabs=0.0, epsrel=1e-12)
    except (ZeroDivisionError, OverflowError, ValueError):
        return float("inf")
    return float(np.log(val) - special.betaln(p, c - p)) if val > 0 else float("inf")


def _unit_series(p: np.ndarray, c: np.ndarray, w: np.ndarray, want_grad: bool, rtol: float):
    """S = sum_n t_n, t_n = (p)_n/(c)_n w^n, in linear space (every term lies in [0, 1]).

    With ``want_grad`` also sum t_n sum_{k<n} 1/(p+k), sum t_n sum_{k<n} 1/(c+k) and
    sum n t_n.  Returns the sums and a "converged" mask.
    """
    m = p.size
    t_last = np.ones(m)
    cum_p = np.zeros(m)
    cum_c = np.zeros(m)
    acc = np.ones(m)
    acc_p = np.zeros(m)
    acc_c = np.zeros(m)
    acc_w = np.zeros(m)
    done = np.zeros(m, dtype=bool)
    active = np.arange(m)
    n0 = 0
    # first chunk long enough for most elements: terms decay at least like w^n
    w_hi = float(np.quantile(w, 0.9)) if m else 0.0
    chunk = int(np.clip(np.ceil(np.log(rtol) / np.log(max(min(w_hi, 0.999), 1e-300))) + 4, 8, 512))
    while active.size and n0 < _MAX_UNIT_TERMS:
        k = n0 + np.arange(chunk, dtype=float)
        pa, ca = p[active, None] + k, c[active, None] + k
        ratio = pa / ca * w[active, None]
        terms = t_last[active, None] * np.cumprod(ratio, axis=1)
        acc[active] += terms.sum(axis=1)
        if want_grad:
            dps = cum_p[active, None] + np.cumsum(1.0 / pa, axis=1)
            dcs = cum_c[active, None] + np.cumsum(1.0 / ca, axis=1)
            acc_p[active] += (terms * dps).sum(axis=1)
            acc_c[active] += (terms * dcs).sum(axis=1)
            acc_w[active] += (terms * (k + 1.0)).sum(axis=1)
            cum_p[active], cum_c[active] = dps[:, -1], dcs[:, -1]
        t_last[active] = terms[:, -1]
        rho = np.maximum(ratio[:, -1], w[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = terms[:, -1] / (1.0 - rho)
            if want_grad:
                tail = tail / (1.0 - rho) * (n0 + chunk + cum_p[active] + 1.0)
        ok = (rho < 1.0) & (tail <= rtol * acc[active])
        ok |= terms[:, -1] == 0.0
        done[active[ok]] = True
        active = active[~ok]
        n0 += chunk
        chunk = min(chunk * 2, 4096)
    return acc, acc_p, acc_c, acc_w, done


def _unit_series_shared(p: np.ndarray, c: np.ndarray, w: np.ndarray, want_grad: bool, rtol: float,
                        max_terms: int = 20_000, groups: tuple[np.ndarray, int] | None = None):
    """The sums of :func:`_unit_series` by Horner's rule when few distinct (p, c) pairs exist.

    In the Pareto/NBD likelihood (p, c) depend on the frequency only and w on the time, so
    thousands of elements share a few dozen coefficient sequences (p)_n/(c)_n: those are
    built once per pair and every element is evaluated by Horner's rule in w.  Since S >= 1
    and the coefficients decrease, stopping when g_N w^N / (1 - rho) < rtol bounds the
    relative error.  Returns None when more than ``max_terms`` terms would be needed.
    ``groups`` = (index of each element's (p, c) pair, number of pairs) when the caller knows
    them (e.g. the distinct frequencies), which saves sorting the pairs on every call.
    """
    if groups is None:
        uniq, inv = np.unique(np.column_stack([p, c]), axis=0, return_inverse=True)
        inv = inv.ravel()
        up, uc = uniq[:, 0], uniq[:, 1]
    else:
        inv, n_groups = groups
        up, uc = np.zeros(n_groups), np.ones(n_groups)
        up[inv], uc[inv] = p, c
    uniq = up
    w_max = np.zeros(len(uniq))
    np.maximum.at(w_max, inv, w)
    blocks_g, blocks_dp, blocks_dc = [np.ones((len(uniq), 1))], [np.zeros((len(uniq), 1))], \
        [np.zeros((len(uniq), 1))]
    last_g, last_dp, last_dc = np.ones(len(uniq)), np.zeros(len(uniq)), np.zeros(len(uniq))
    n0, chunk = 0, 64
    while True:
        k = n0 + np.arange(chunk, dtype=float)
        pa, ca = up[:, None] + k, uc[:, None] + k
        g = last_g[:, None] * np.cumprod(pa / ca, axis=1)
        blocks_g.append(g)
        last_g = g[:, -1]
        if want_grad:
            dp = last_dp[:, None] + np.cumsum(1.0 / pa, axis=1)
            dc = last_dc[:, None] + np.cumsum(1.0 / ca, axis=1)
            blocks_dp.append(dp)
            blocks_dc.append(dc)
            last_dp, last_dc = dp[:, -1], dc[:, -1]
        n0 += chunk
        rho = (up + n0) / (uc + n0) * w_max
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
            tail = last_g * w_max**n0 / (1.0 - rho) ** (2 if want_grad else 1) * (n0 + last_dp + 1.0)
        if np.all((rho < 1.0) & (tail <= rtol)) or np.all(w_max == 0):
            break
        if n0 >= max_terms:
            return None
        chunk = min(2 * chunk, 4096)
    G = np.concatenate(blocks_g, axis=1).T  # (terms, pairs)
    # terms needed per element: t_n <= w^n, so w^n (n + 1)/(1 - w)^2 < rtol is enough
    with np.errstate(divide="ignore"):
        need = np.ceil(np.log(rtol * (1.0 - w) ** 2 / (G.shape[0] + 1.0)) / np.log(np.maximum(w, 1e-300)))
    need = np.clip(np.where(w > 0, need, 1), 1, G.shape[0]).astype(int)
    N = int(need.max())
    if want_grad:  # one stacked coefficient array: value, d/dp and d/dc sums
        H = np.stack([G[:N], G[:N] * np.concatenate(blocks_dp, axis=1).T[:N],
                      G[:N] * np.concatenate(blocks_dc, axis=1).T[:N]], axis=1)  # (N, 3, pairs)
    else:
        H = G[:N, None, :]
    # elements sorted by the number of terms they need (a stable radix sort of small integers):
    # at step n the first ends[n] of them (need > n) are updated in place, each gathering its
    # pair's coefficients as one contiguous row of Ht[n]
    order = np.argsort(-need.astype(np.int16 if N < 2**15 else np.int64), kind="stable")
    need_sorted, w_s, inv_s = need[order], w[order], inv[order]
    ends = np.searchsorted(-need_sorted, -np.arange(N), side="left")
    Ht = np.ascontiguousarray(H.transpose(0, 2, 1))  # (N, pairs, sums)
    m = len(w)
    acc = np.zeros((m, H.shape[1]))
    gathered = np.empty_like(acc)
    d_w = np.zeros(m)
    w_col = w_s[:, None]
    for n in range(N - 1, -1, -1):
        k = int(ends[n])
        a = acc[:k]
        if want_grad:  # d_w <- d_w w + acc[0], with acc before this step's update
            dw = d_w[:k]
            np.multiply(dw, w_s[:k], out=dw)
            np.add(dw, a[:, 0], out=dw)
        np.multiply(a, w_col[:k], out=a)
        np.add(a, np.take(Ht[n], inv_s[:k], axis=0, out=gathered[:k]), out=a)
    back = np.empty(m, dtype=np.intp)
    back[order] = np.arange(m)
    acc = acc[back].T
    if not want_grad:
        return acc[0], None, None, None, np.ones(m, dtype=bool)
    # d_w holds sum n g_n w^(n-1); _unit_series returns sum n t_n (i.e. times w)
    return acc[0], acc[1], acc[2], d_w[back] * w, np.ones(m, dtype=bool)


def _unit_sums(p, c, w, want_grad: bool, rtol: float, groups: tuple[np.ndarray, int] | None = None):
    """Horner on shared coefficients when (p, c) pairs repeat a lot, else per-element series."""
    if p.size >= 64 and np.all(w < 0.999):
        if groups is None:
            uniq, inv = np.unique(np.column_stack([p, c]), axis=0, return_inverse=True)
            groups = (inv.ravel(), len(uniq))
        if groups[1] * 8 <= p.size:
            out = _unit_series_shared(p, c, w, want_grad, rtol, groups=groups)
            if out is not None:
                return out
    return _unit_series(p, c, w, want_grad, rtol)


def _prep_unit(p, c, w):
    p, c, w = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(p, c, w))
    return p.shape, p.ravel(), c.ravel(), w.ravel()


def log_hyp2f1_unit(p, c, w, rtol: float = 1e-16, groups: tuple[np.ndarray, int] | None = None) -> np.ndarray:
    """log 2F1(1, p; c; w) for c > p > 0 and 0 <= w < 1 (vectorised; always finite).

    The series terms (p)_n / (c)_n w^n are positive and decrease at least geometrically with
    ratio w, so they are summed in linear space without any risk of overflow and the value
    lies in [1, 1/(1 - w)].  Elements whose series would need more than 2**17 terms (w within
    about 1e-4 of 1) use adaptive quadrature of Euler's integral instead.
    """
    shape, p, c, w = _prep_unit(p, c, w)
    acc, _, _, _, done = _unit_sums(p, c, w, False, rtol, groups)
    out = np.log(acc)
    if not np.all(done):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            for i in np.nonzero(~done)[0]:
                out[i] = _log_hyp2f1_unit_quad(float(p[i]), float(c[i]), float(w[i]))
    return out.reshape(shape)


def log_hyp2f1_unit_grad(p, c, w, rtol: float = 1e-16,
                         groups: tuple[np.ndarray, int] | None = None) -> tuple[np.ndarray, ...]:
    """log S and its partial derivatives, S = 2F1(1, p; c; w) (c > p > 0, 0 <= w < 1).

    Returns ``(log S, dlogS/dp, dlogS/dc, dlogS/dw)`` from the term-wise derivatives of the
    series: with t_n = (p)_n/(c)_n w^n, d log t_n/dp = sum_{k<n} 1/(p+k),
    d log t_n/dc = -sum_{k<n} 1/(c+k) and d log t_n/dw = n/w.  The rare elements that need
    more than 2**17 terms use central differences of the quadrature value.  ``groups``: see
    :func:`_unit_series_shared` (flat arrays only).
    """
    shape, p, c, w = _prep_unit(p, c, w)
    acc, acc_p, acc_c, acc_w, done = _unit_sums(p, c, w, True, rtol, groups)
    log_s = np.log(acc)
    d_p = acc_p / acc
    d_c = -acc_c / acc
    with np.errstate(divide="ignore", invalid="ignore"):
        d_w = np.where(w > 0, acc_w / acc / np.where(w > 0, w, 1.0), p / c)
    if not np.all(done):
        f = _log_hyp2f1_unit_quad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            for i in np.nonzero(~done)[0]:
                pi, ci, wi = float(p[i]), float(c[i]), float(w[i])
                log_s[i] = f(pi, ci, wi)
                hp, hw = 1e-6 * max(pi, 1.0), max(1e-3 * (1.0 - wi), 1e-15)
                with np.errstate(all="ignore"):
                    d_p[i] = np.float64(f(pi + hp, ci, wi) - f(pi - hp, ci, wi)) / (2 * hp)
                    d_c[i] = np.float64(f(pi, ci + hp, wi) - f(pi, ci - hp, wi)) / (2 * hp)
                    d_w[i] = np.float64(f(pi, ci, wi + hw) - f(pi, ci, wi - hw)) / (2 * hw)
    return tuple(v.reshape(shape) for v in (log_s, d_p, d_c, d_w))


_QUAD_UNIFORM = 16    # panels before the bend t_k = log(w/(1-w)) of the log integrand
_QUAD_GEOMETRIC = 13  # panels after it, growing geometrically
_QUAD_NODES = 10
_QUAD_DROP = 46.0  # the window ends where the integrand is below exp(-46) ~ 1e-20 of its peak


def _unit_quad_g(p, c, w, t):
    """g(t) = -(c-1) t - p log(1 - w + w e^-t), the log integrand of :func:`log_hyp2f1_unit_quad`."""
    return -(c - 1.0) * t - p * np.log1p(-w * -np.expm1(-t))


def log_hyp2f1_unit_quad(p, c, w, want_grad: bool = False) -> tuple[np.ndarray, ...]:
    """log 2F1(1, p; c; w) for c > p > 0, 0 <= w < 1 by Gauss-Legendre quadrature (vectorised).

    Euler's integral with the substitution v = exp(-t) gives

        2F1(1, p; c; w) = (c-1) J,   J = int_0^inf exp(g(t)) dt,
        g(t) = -(c-1) t - p log(1 - w + w e^-t).

    g is concave (g'' = -p w (1-w) e^-t / (1 - w + w e^-t)^2 <= 0) with its maximum at
    t0 = max(0, log(w (1-q) / ((c-1)(1-w)))), q = c - p, so the integrand is unimodal: the
    window where it exceeds exp(-46) of the peak is found by bisection and covered by 16 uniform
    panels up to the bend t_k = log(w/(1-w)) and 13 geometrically growing ones after it, 10
    Gauss-Legendre nodes each (c > 1 is required).  Unlike the series (about 37 / (1-w)
    terms) the cost does not depend on how close w is to 1 or on p.  Returns ``(log S,)`` or,
    with ``want_grad``, ``(log S, dlogS/dp, dlogS/dc, dlogS/dw)`` by differentiating under the
    integral: dJ/dp = -int log(1-w+we^-t) e^g, dJ/dc = -int t e^g,
    dJ/dw = int p (1-e^-t)/(1-w+we^-t) e^g.  Checked against the series in
    tests/test_clv_special.py (agreement to about 1e-11 up to w = 0.999) and a brute-force
    log-gamma sum (1e-10 at w = 1 - 1e-5).
    """
    shape, p, c, w = _prep_unit(p, c, w)
    q = c - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.log(w * (1.0 - q) / ((c - 1.0) * (1.0 - w)))
    t0 = np.where((q < 1.0) & (w > 0) & np.isfinite(t0), np.maximum(t0, 0.0), 0.0)
    g_max = _unit_quad_g(p, c, w, t0)
    floor = g_max - _QUAD_DROP
    # right end: widen until below the floor, then bisect (g is concave, so it falls from t0 on)
    width = np.ones_like(t0)
    for _ in range(80):
        above = _unit_quad_g(p, c, w, t0 + width) > floor
        if not above.any():
            break
        width = np.where(above, 2.0 * width, width)
    lo, hi = t0.copy(), t0 + width
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = _unit_quad_g(p, c, w, mid) > floor
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    t_hi = hi
    # left end: 0 unless the integrand at 0 is already below the floor
    lo, hi = np.zeros_like(t0), t0.copy()
    need_left = _unit_quad_g(p, c, w, lo) < floor
    if need_left.any():
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = _unit_quad_g(p, c, w, mid) < floor
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    t_lo = np.where(need_left, lo, 0.0)
    # panels: g bends on a scale of about 1 in t around t_k = log(w/(1-w)), where
    # w e^-t = 1-w; before t_k uniform panels, after it panels growing geometrically from t_k
    # (the slope settles to -(c-1) and the tail may be long when c-1 is small)
    with np.errstate(divide="ignore"):
        t_k = np.clip(np.log(w) - np.log1p(-w), t_lo, t_hi)
    frac_a = np.linspace(0.0, 1.0, _QUAD_UNIFORM + 1)
    frac_b = np.concatenate([[0.0], 2.0 ** -np.arange(_QUAD_GEOMETRIC - 1, -1, -1.0)])
    edges = np.concatenate([t_lo[:, None] + (t_k - t_lo)[:, None] * frac_a[None, :-1],
                            t_k[:, None] + (t_hi - t_k)[:, None] * frac_b[None, :]], axis=1)
    x, wts = np.polynomial.legendre.leggauss(_QUAD_NODES)
    left, width = edges[:, :-1, None], np.diff(edges, axis=1)[:, :, None]
    t = (left + width * ((x + 1.0) / 2.0)).reshape(len(p), -1)
    wq = (width * (wts / 2.0)).reshape(len(p), -1)
    pp, cc, ww = p[:, None], c[:, None], w[:, None]
    e = np.exp(_unit_quad_g(pp, cc, ww, t) - g_max[:, None]) * wq
    J = e.sum(axis=1)
    log_s = np.log(c - 1.0) + g_max + np.log(J)
    if not want_grad:
        return (log_s.reshape(shape),)
    one_m = -np.expm1(-t)
    den = 1.0 - ww * one_m
    d_p = -(e * np.log(den)).sum(axis=1) / J
    d_c = 1.0 / (c - 1.0) - (e * t).sum(axis=1) / J
    d_w = (e * (pp * one_m / den)).sum(axis=1) / J
    return tuple(v.reshape(shape) for v in (log_s, d_p, d_c, d_w))


def _phi_cf(m: np.ndarray, z: np.ndarray, maxit: int = 10_000) -> np.ndarray:
    """z e^z E_m(z) by the continued fraction of the generalised exponential integral."""
    tiny = 1e-300
    b = z + m
    c = np.full_like(b, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, maxit):
        an = -i * (m - 1.0 + i)
        b = b + 2.0
        d = 1.0 / (an * d + b)
        c = b + an / c
        delta = c * d
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-16):
            break
    return z * h


def phi(m, z) -> np.ndarray:
    """z**m U(m, m, z) = E[z / (z + G)] with G ~ Gamma(m, 1), for m > 0, z > 0 (vectorised).

    With G = lambda * (rate) this is the discount factor of DERT: for lambda ~ Gamma(m, beta),
    E[delta / (delta + lambda)] = phi(m, delta * beta).
    """
    m, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(m, z))
    out = np.empty(m.shape)
    use_cf = (m + z) > 2.0
    if np.any(use_cf):
        out[use_cf] = _phi_cf(m[use_cf], z[use_cf])
    if np.any(~use_cf):
        mm, zz = m[~use_cf], z[~use_cf]
        out[~use_cf] = zz * special.hyperu(1.0, 2.0 - mm, zz)
    return out


def beta_nodes(a: float, b: np.ndarray, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes and weights for E[f(p)], p ~ Beta(a, b_i), one row per element of b.

    ``sum(w[i] * f(p[i]))`` integrates f against the Beta(a, b_i) density exactly for
    polynomials of degree < 2n; the weight's end-point behaviour is built into the nodes.
    """
    b = np.asarray(b, dtype=float)
    uniq, inv = np.unique(b, return_inverse=True)
    nodes = np.empty((len(uniq), n))
    weights = np.empty((len(uniq), n))
    for k, bk in enumerate(uniq):
        u, w = _gauss_jacobi(n, bk - 1.0, a - 1.0)  # weight (1-u)^(b-1) (1+u)^(a-1)
        nodes[k] = (1.0 + u) / 2.0
        weights[k] = w
    return nodes[inv.ravel()].reshape(*b.shape, n), weights[inv.ravel()].reshape(*b.shape, n)


def _gauss_jacobi(n: int, al: float, be: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi rule for (1-u)^al (1+u)^be on [-1, 1], weights normalised to sum 1.

    Golub-Welsch on the Jacobi recurrence; unlike ``scipy.special.roots_jacobi`` it never
    forms the total mass 2^(al+be+1) B(al+1, be+1), which overflows for al in the hundreds
    (a customer with hundreds of purchases).
    """
    k = np.arange(n, dtype=float)
    s = 2 * k + al + be
    with np.errstate(divide="ignore", invalid="ignore"):
        diag = np.where(s == 0, (be - al) / (al + be + 2), (be**2 - al**2) / (s * (s + 2)))
    diag[0] = (be - al) / (al + be + 2)
    j = k[:-1] + 1.0
    sj = 2 * j + al + be
    off = np.sqrt(4 * j * (j + al) * (j + be) * (j + al + be) / ((sj - 1) * sj**2 * (sj + 1)))
    u, vec = linalg.eigh_tridiagonal(diag, off)
    w = vec[0] ** 2
    return u, w / w.sum()
