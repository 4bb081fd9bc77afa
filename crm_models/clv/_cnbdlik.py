"""The BG/CNBD-k and MBG/CNBD-k log-likelihood summed over many customers, fast.

The per-row formula is :func:`crm_models.clv.cnbd.cnbd_rows` (the reference: the tests check
this sum and its gradient against it).  Here the work is arranged for a fit on hundreds of
thousands of distinct (x, t_x, T) rows:

* every special function depends on a row only through its whole frequency x, which takes
  a few hundred distinct values, so gammaln / betaln / digamma are evaluated on those and
  gathered (``take``) per row;
* the k terms of S2 = sum_{j<k} c_j(x) z^j, with c_j(x) = Gamma(R+j) / (Gamma(R) j!),
  R = r + kx, and z = (T - t_x) / (alpha + T) in [0, 1), form a polynomial in z evaluated by
  Horner's rule (c_0 = 1, so S2 >= 1 and log S2 is safe).  The gradient needs two more
  polynomials with the same z: sum_j c_j (psi(R+j) - psi(R)) z^j (for r) and
  sum_j j c_j z^j (for alpha);
* log(S1 + S2) = log S2 + softplus(D), D = log S1 - log S2, and P(alive) = expit(-D);
* log(alpha + T) and log(alpha + t_x) are taken on the distinct T and t_x and gathered.

With k = 1 the model is the BG/NBD (MBG/NBD), whose own fast sum
(:func:`crm_models.clv._bgfamily.bg_loglik_total`) is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from crm_models.clv._bgfamily import BGData, bg_loglik_total, distinct_index, wsum

__all__ = ["CNBDData", "Prepared", "cnbd_loglik_total"]

#: log S1 of a BG customer without repeat purchases (she cannot have dropped out): far enough
#: below any log S2 that softplus and expit give exactly 0, and finite (no slow path)
_NO_S1 = -1.0e4
#: rows per block of the per-row work
_ROWS = 8192


@dataclass(frozen=True)
class CNBDData:
    """Compressed rows arranged for :func:`cnbd_loglik_total` (independent of k and the
    parameters, so one build serves the whole search over k)."""

    x_u: np.ndarray   # distinct frequencies
    x_i: np.ndarray   # each row's position among them
    w_u: np.ndarray   # total weight per distinct frequency
    w: np.ndarray     # row weights
    gap: np.ndarray   # T - t_x per row
    T_u: np.ndarray
    T_i: np.ndarray
    tx_u: np.ndarray
    tx_i: np.ndarray

    @classmethod
    def build(cls, d) -> CNBDData:
        x, tx, T = d.columns["frequency"], d.columns["recency"], d.columns["T"]
        x_u, x_i = distinct_index(x)
        T_u, T_i = distinct_index(T)
        tx_u, tx_i = distinct_index(tx)
        return cls(x_u=x_u, x_i=x_i, w_u=np.bincount(x_i, weights=d.weights, minlength=len(x_u)),
                   w=np.asarray(d.weights, dtype=float), gap=np.maximum(T - tx, 0.0),
                   T_u=T_u, T_i=T_i, tx_u=tx_u, tx_i=tx_i)


class Prepared:
    """Both arrangements of one fit's rows, each built on first use: the BG/NBD's for k = 1
    and :class:`CNBDData` for k > 1 (a search over k needs both)."""

    def __init__(self, d) -> None:
        self._d = d
        self._bg: BGData | None = None
        self._cnbd: CNBDData | None = None

    def total(self, params: np.ndarray, k: int, d: int, need_grad: bool) -> tuple[float, np.ndarray | None]:
        """:func:`cnbd_loglik_total`, or for k = 1 the BG/NBD (MBG/NBD) sum it equals."""
        if k == 1:
            if self._bg is None:
                self._bg = BGData.build(self._d, m=d)
            return bg_loglik_total(params, self._bg, d, need_grad)
        if self._cnbd is None:
            self._cnbd = CNBDData.build(self._d)
        return cnbd_loglik_total(params, self._cnbd, k, d, need_grad)


def _horner(coef: np.ndarray, idx: np.ndarray, z: np.ndarray) -> np.ndarray:
    """sum_j coef[j, idx] z^j per row (coef: k x distinct frequencies)."""
    out = coef[-1].take(idx)
    for j in range(len(coef) - 2, -1, -1):
        out *= z
        out += coef[j].take(idx)
    return out


def cnbd_loglik_total(params: np.ndarray, g: CNBDData, k: int, d: int,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
    """Total weighted log-likelihood (without the litt term P1, constant in the parameters) of
    the BG/CNBD-k (d = 0) or MBG/CNBD-k (d = 1), and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = (float(v) for v in params)
    gl, dg = special.gammaln, special.digamma
    xu, xi = g.x_u, g.x_i
    # ---- per distinct frequency
    R_u = r + k * xu
    has_u = (xu > 0) | (d == 1)
    bb_u = np.where(has_u, b + xu - 1 + d, 1.0)
    base_u = (special.betaln(a, b + xu + d) - special.betaln(a, b) + gl(R_u) - gl(r) + r * np.log(alpha))
    ls1_u = np.where(has_u, np.log(a) - np.log(bb_u), _NO_S1)
    j = np.arange(k, dtype=float)[:, None]
    coef = np.exp(gl(R_u + j) - gl(R_u) - gl(j + 1))            # k x distinct, coef[0] = 1
    # ---- per row, in blocks small enough to stay in cache and in the allocator's heap (large
    # temporaries are mapped and unmapped on every call, and the page faults cost more than the
    # arithmetic)
    lT_u = np.log(alpha + g.T_u)
    inv_T_u = 1.0 / (alpha + g.T_u)
    ltx_u = np.log(alpha + g.tx_u)
    inv_tx_u = 1.0 / (alpha + g.tx_u)
    if k > 1 and need_grad:
        coef_r = coef * (dg(R_u + j) - dg(R_u))                 # c_j (psi(R+j) - psi(R))
        coef_j = coef * j
    totals = []
    acc = np.zeros(4)                                           # row parts of d_r, d_alpha; sum w w1
    w1_u = np.zeros(len(xu))
    for lo in range(0, len(xi), _ROWS):
        sl = slice(lo, lo + _ROWS)
        xb, wb = xi[sl], g.w[sl]
        lT = lT_u.take(g.T_i[sl])
        inv_T = inv_T_u.take(g.T_i[sl])
        z = g.gap[sl] * inv_T
        S2 = _horner(coef, xb, z)
        log_S2 = np.log(S2)
        R = R_u.take(xb)
        lratio = lT - ltx_u.take(g.tx_i[sl])                    # log((alpha+T)/(alpha+t_x)) >= 0
        D = ls1_u.take(xb)
        D += R * lratio
        D -= log_S2
        w1 = special.expit(D)                                   # share of S1 = 1 - P(alive)
        sp = np.where(D >= 0, w1, 1.0 - w1)                     # expit(|D|)
        ll = np.maximum(D, 0.0)                                 # softplus(D)
        ll -= np.log(sp)
        ll += log_S2
        ll -= R * lT
        ll += base_u.take(xb)
        ll *= wb
        totals.append(np.sum(ll))
        if not need_grad:
            continue
        ww1 = wb * w1
        wp = wb - ww1                                           # w * P(alive)
        acc[0] += wsum(ww1, lratio) - wsum(wb, lT)
        acc[1] += wsum(ww1 * R, inv_T - inv_tx_u.take(g.tx_i[sl])) - wsum(wb * R, inv_T)
        if k > 1:
            acc[0] += wsum(wp, _horner(coef_r, xb, z) / S2)
            acc[1] -= wsum(wp * inv_T, _horner(coef_j, xb, z) / S2)
        w1_u += np.bincount(xb, weights=ww1, minlength=len(xu))  # weighted S1 shares per frequency
    total = float(np.sum(totals))
    if not need_grad:
        return total, None
    W = float(g.w_u.sum())
    d_r = float(np.dot(g.w_u, dg(R_u))) + W * (np.log(alpha) - dg(r)) + acc[0]
    d_alpha = W * r / alpha + acc[1]
    dg_abx = dg(a + b + xu + d)
    d_a = W * dg(a + b) - float(np.dot(g.w_u, dg_abx)) + float(w1_u.sum()) / a
    d_b = (W * (dg(a + b) - dg(b)) + float(np.dot(g.w_u, dg(b + xu + d) - dg_abx))
           - float(np.dot(w1_u, np.where(has_u, 1.0 / bb_u, 0.0))))
    return total, np.array([d_r, d_alpha, d_a, d_b])
