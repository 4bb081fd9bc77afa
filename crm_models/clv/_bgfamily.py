"""Expressions shared by the BG/NBD and MBG/NBD models (both: Poisson purchases while
alive, a coin flip with probability p of dropping out after purchases).

With ``m = 0`` (BG/NBD) the customer may drop out after each repeat purchase; with
``m = 1`` (MBG/NBD) also right after the first purchase.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

from crm_models.clv._special import beta_nodes, hyp2f1_shared_ab, phi


def guard_a(a: float) -> float:
    """a = 1 makes (1 - ...)/(a - 1) a 0/0 limit; evaluate next to it (relative error ~1e-10)."""
    return 1.0 + 1e-10 if abs(a - 1.0) < 1e-10 else a


_Z_SERIES = 0.99  # beyond this the series needs thousands of terms: use quadrature instead


def hyp_bracket(r: float, alpha: float, a: float, b: float, x, T, t, m: int) -> np.ndarray:
    """1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+m; a+b+x+m-1; z), z = t/(alpha+T+t).

    Evaluated after Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z),
    which cancels the power in front: the bracket becomes
    1 - (1-z)^(a-1) 2F1(a+b+m-1-r, a-1; a+b+x+m-1; z), whose series is short and never
    overflows even for customers with hundreds of purchases (Fader & Hardie 2013, "Overcoming
    the BG/NBD model's #NUM! error problem").  For z > 0.99 (horizons a hundred times the
    customer's age plus alpha) the series would need thousands of terms; those elements are
    computed from the equivalent integral over p instead (:func:`_expected_alive_quad`).
    """
    x, T, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(T, float), np.asarray(t, float))
    z = t / (alpha + T + t)
    far = z > _Z_SERIES
    zs = np.where(far, 0.0, z)
    f = hyp2f1_shared_ab(a + b + m - 1 - r, a - 1, a + b + x + m - 1, zs)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_f = np.where(f > 0, np.log(f), np.nan)
    out = -np.expm1((a - 1) * np.log1p(-zs) + log_f)
    if np.any(far):
        pre = (a + b + x[far] + m - 1) / (a - 1)
        out = np.array(out, dtype=float)
        out[far] = _expected_alive_quad(r, alpha, a, b, x[far], T[far], t[far], m) / pre
    return out


def _expected_alive_quad(r, alpha, a, b, x, T, t, m):
    """E[X(T, T+t) | alive] = E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p], p ~ Beta(a, b+x+m).

    (An alive customer with rates (lambda, p) makes (1 - exp(-lambda p t))/p purchases in
    expectation; lambda ~ Gamma(r+x, alpha+T) a posteriori.)  Adaptive quadrature, one
    element at a time: only used for the rare elements with z > 0.99.
    """
    out = np.empty(len(x))
    key = {}
    for i, (xi, Ti, ti) in enumerate(zip(x, T, t, strict=True)):
        if (xi, Ti, ti) in key:
            out[i] = key[(xi, Ti, ti)]
            continue
        k, bp, bb = r + xi, alpha + Ti, b + xi + m
        log_norm = special.betaln(a, bb)

        def f(p, k=k, bp=bp, ti=ti, bb=bb, log_norm=log_norm):
            if p <= 0.0:
                return 0.0
            dens = np.exp((a - 1) * np.log(p) + (bb - 1) * np.log1p(-p) - log_norm)
            return dens * -np.expm1(-k * np.log1p(p * ti / bp)) / p

        scale = bp / ti
        pts = sorted({min(max(v, 1e-12), 1 - 1e-12) for v in (scale, 10 * scale, 100 * scale, a / (a + bb))})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, _ = integrate.quad(f, 0.0, 1.0, points=pts, limit=500, epsabs=0.0, epsrel=1e-12)
        out[i] = key[(xi, Ti, ti)] = val
    return out


def dert_alive(r: float, alpha: float, a: float, b: float, x, T, delta: float, m: int,
               n_nodes: int = 64) -> np.ndarray:
    """Discounted expected residual transactions of a customer known to be alive at T.

    Given alive, lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x+m) a posteriori, and an
    alive customer with (lambda, p) makes sum_k (lambda/(lambda+delta))^k (1-p)^(k-1) =
    lambda / (delta + p lambda) discounted purchases (purchase k at a Gamma(k, lambda) time,
    alive for it with probability (1-p)^(k-1)).  Over lambda, with k = r+x and
    beta' = alpha+T, E[lambda/(delta + p lambda)] = k/(beta' delta) * phi(k+1, delta beta'/p)
    (phi = z^m U(m, m, z), Tricomi's function); the expectation over p is a Gauss-Jacobi
    quadrature, exact up to the smoothness of that function.
    """
    x, T = np.broadcast_arrays(np.asarray(x, float), np.asarray(T, float))
    k = r + x
    bp = alpha + T
    nodes, weights = beta_nodes(a, b + x + m, n_nodes)
    h = (k / (bp * delta))[..., None] * phi((k + 1)[..., None], (delta * bp)[..., None] / nodes)
    return (weights * h).sum(axis=-1)


# ---------------------------------------------------------------------------- likelihood
def wsum(w: np.ndarray, v: np.ndarray) -> float:
    """sum(w * v) without a temporary and without BLAS: OpenBLAS's threaded ddot can be 50x
    slower than this single-threaded loop on a busy machine."""
    return float(np.einsum("i,i->", w, v))


def distinct_index(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and, per element, the position of its value among them."""
    u, inv = np.unique(values, return_inverse=True)
    return u, inv.astype(np.intp)


@dataclass(frozen=True)
class BGData:
    """The compressed rows of a BG/NBD or MBG/NBD fit, arranged for fast evaluation.

    The special functions of the likelihood depend on a row only through its (integer)
    frequency, which takes at most a few hundred distinct values even on millions of
    customers, so they are evaluated on ``x_u`` and summed with the weights ``w_u`` of each
    value.  Only the two-branch part needs the rows: the "mixed" rows (every row for the
    MBG/NBD; those with x > 0 for the BG/NBD, since a customer without repeat purchases
    cannot have dropped out), sorted by frequency so that per-frequency sums are
    ``np.add.reduceat`` over contiguous blocks.  Their logs of alpha + T and alpha + t_x are
    also taken on the distinct values of T and t_x (a few hundred or thousand: whole
    periods) and gathered by index.  The BG/NBD's x = 0 rows contribute -r log(alpha + T)
    only (``T0``, ``w0``).
    """

    x_u: np.ndarray       # distinct frequencies (all rows)
    w_u: np.ndarray       # total weight of each
    x: np.ndarray         # mixed rows, sorted by frequency
    w: np.ndarray
    wx: np.ndarray        # w * x
    T_u: np.ndarray       # distinct T of the mixed rows, and each row's position among them
    T_i: np.ndarray
    tx_u: np.ndarray
    tx_i: np.ndarray
    xm_u: np.ndarray      # distinct frequencies of the mixed rows
    xm_start: np.ndarray  # first mixed row of each
    xm_count: np.ndarray
    T0: np.ndarray        # BG/NBD rows with x = 0
    w0: np.ndarray

    @classmethod
    def build(cls, d, m: int) -> BGData:
        x, tx, T, w = d.columns["frequency"], d.columns["recency"], d.columns["T"], d.weights
        x_u, inv = np.unique(x, return_inverse=True)
        w_u = np.bincount(inv, weights=w, minlength=len(x_u))
        mixed = np.ones(len(x), dtype=bool) if m == 1 else x > 0
        order = np.flatnonzero(mixed)
        order = order[np.argsort(x[order], kind="stable")]
        xs, ws = x[order], w[order]
        xm_u, xm_start, xm_count = np.unique(xs, return_index=True, return_counts=True)
        T_u, T_i = distinct_index(T[order])
        tx_u, tx_i = distinct_index(tx[order])
        return cls(x_u=x_u, w_u=w_u, x=xs, w=ws, wx=ws * xs, T_u=T_u, T_i=T_i, tx_u=tx_u, tx_i=tx_i,
                   xm_u=xm_u, xm_start=xm_start, xm_count=xm_count, T0=T[~mixed], w0=w[~mixed])


def bg_loglik_total(params: np.ndarray, g: BGData, m: int,
                    need_grad: bool) -> tuple[float, np.ndarray | None]:
    """Total weighted log-likelihood of the BG/NBD (m = 0) or MBG/NBD (m = 1) and its gradient
    with respect to (r, alpha, a, b), in one pass.

    Per row  ll = A(x) + log(e^A3 + e^A4) with
    A(x) = log Gamma(r+x) - log Gamma(r) + r log alpha + log B(a, b+x+m) - log B(a, b),
    A3 = -(r+x) log(alpha+T), A4 = log a - log(b+x+m-1) - (r+x) log(alpha+t_x);
    log(e^A3 + e^A4) = A3 + softplus(D), D = A4 - A3, and the share of the A4 branch is
    p4 = expit(D); softplus(D) = max(D, 0) - log(expit(|D|)), so one expit and one log per
    row give both.
    """
    r, alpha, a, b = (float(v) for v in params)
    gl, dg = special.gammaln, special.digamma
    xu, wu = g.x_u, g.w_u
    W = float(wu.sum())
    # ---- terms of the frequency only: once per distinct value
    const = gl(a + b) - gl(b) - gl(r) + r * np.log(alpha)
    # ---- two-branch rows
    lT = np.log(alpha + g.T_u).take(g.T_i)
    gap = lT - np.log(alpha + g.tx_u).take(g.tx_i)  # log((alpha+T)/(alpha+t_x)) >= 0
    rx = g.x + r
    D = rx * gap
    D += np.repeat(np.log(a) - np.log(b + g.xm_u + m - 1), g.xm_count)
    p4 = special.expit(D)                            # share of the "dropped out after t_x" branch
    s = np.where(D >= 0, p4, 1.0 - p4)               # expit(|D|), in [1/2, 1]
    # the per-row log-likelihood itself, summed pairwise (np.sum): splitting the total into
    # large sums of opposite signs, or summing sequentially, makes the value noisy at the
    # 1e-14 level, and BFGS's line search then stalls near the optimum
    ll = np.maximum(D, 0.0)                          # softplus(D) = max(D, 0) - log(expit(|D|))
    ll -= np.log(s)
    ll -= rx * lT                                    # + A3
    ll += np.repeat(gl(r + g.xm_u) + gl(b + g.xm_u + m) - gl(a + b + g.xm_u + m) + const, g.xm_count)
    ll *= g.w
    total = float(np.sum(ll))
    # ---- BG/NBD rows without repeat purchases: A(0) + A3 only
    lT0 = np.log(alpha + g.T0)
    total += float(np.sum(g.w0 * (gl(r) + gl(b + m) - gl(a + b + m) + const - r * lT0)))
    if not need_grad:
        return total, None
    w_lT = wsum(g.w, lT)
    w0_lT0 = float(np.dot(g.w0, lT0))
    wp4 = g.w * p4
    inv_T_u = 1.0 / (alpha + g.T_u)
    inv_T = inv_T_u.take(g.T_i)
    d_inv = (1.0 / (alpha + g.tx_u)).take(g.tx_i)
    d_inv -= inv_T                                   # 1/(alpha+t_x) - 1/(alpha+T)
    d_inv *= rx
    d_r = (float(np.dot(wu, dg(r + xu))) + W * (np.log(alpha) - dg(r))
           - w_lT - w0_lT0 + wsum(wp4, gap))
    d_alpha = (W * r / alpha - r * wsum(g.w, inv_T) - wsum(g.wx, inv_T) - wsum(wp4, d_inv)
               - r * float(np.dot(g.w0, 1.0 / (alpha + g.T0))))
    dg_abx = dg(a + b + xu + m)
    p4_u = np.add.reduceat(wp4, g.xm_start) if len(wp4) else np.zeros(0)
    d_a = W * dg(a + b) - float(np.dot(wu, dg_abx)) + float(p4_u.sum()) / a
    d_b = (W * (dg(a + b) - dg(b)) + float(np.dot(wu, dg(b + xu + m) - dg_abx))
           - float(np.dot(p4_u, 1.0 / (b + g.xm_u + m - 1))))
    return total, np.array([d_r, d_alpha, d_a, d_b])
