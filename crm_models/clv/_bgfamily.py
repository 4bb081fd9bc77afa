"""Expressions shared by the BG/NBD and MBG/NBD models (both: Poisson purchases while
alive, a coin flip with probability p of dropping out after purchases).

With ``m = 0`` (BG/NBD) the customer may drop out after each repeat purchase; with
``m = 1`` (MBG/NBD) also right after the first purchase.
"""

from __future__ import annotations

import warnings

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
