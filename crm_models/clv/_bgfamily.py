"""Expressions shared by the BG/NBD and MBG/NBD models (both: Poisson purchases while
alive, a coin flip with probability p of dropping out after purchases).

With ``m = 0`` (BG/NBD) the customer may drop out after each repeat purchase; with
``m = 1`` (MBG/NBD) also right after the first purchase.
"""

from __future__ import annotations

import numpy as np

from crm_models.clv._special import beta_nodes, hyp2f1_shared_ab, phi


def guard_a(a: float) -> float:
    """a = 1 makes (1 - ...)/(a - 1) a 0/0 limit; evaluate next to it (relative error ~1e-10)."""
    return 1.0 + 1e-10 if abs(a - 1.0) < 1e-10 else a


def hyp_bracket(r: float, alpha: float, a: float, b: float, x, T, t, m: int) -> np.ndarray:
    """1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+m; a+b+x+m-1; z), z = t/(alpha+T+t).

    Evaluated after Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z),
    which cancels the power in front: the bracket becomes
    1 - (1-z)^(a-1) 2F1(a+b+m-1-r, a-1; a+b+x+m-1; z), whose series is short and never
    overflows even for customers with hundreds of purchases (Fader & Hardie 2013, "Overcoming
    the BG/NBD model's #NUM! error problem").
    """
    x, T, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(T, float), np.asarray(t, float))
    z = t / (alpha + T + t)
    f = hyp2f1_shared_ab(a + b + m - 1 - r, a - 1, a + b + x + m - 1, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_f = np.where(f > 0, np.log(f), np.nan)
    return -np.expm1((a - 1) * np.log1p(-z) + log_f)


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
