"""MBG/NBD: the modified BG/NBD model.

Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for
customer base analysis", Int. J. Research in Marketing 24(3), 201-209; expressions as in
Wagner & Hoppe (2008).

As the BG/NBD, but a customer may also drop out right after the first purchase, so a
customer without repeat purchases is not certainly alive:

    L = B(a, b+x+1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + B(a+1, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

    P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))

    E[X(T, T+t) | x, t_x, T] = (a+b+x)/(a-1)
        * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] * P(alive)
"""

from __future__ import annotations

import numpy as np
from scipy import special

from crm_models.clv._bgbase import BetaGeoFamilyModel
from crm_models.clv._bgfamily import guard_a, hyp_bracket
from crm_models.clv.base import check_time

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(BetaGeoFamilyModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007) fitted by maximum likelihood."""

    dropout_shift = 1

    @staticmethod
    def _terms(params, x, tx, T):
        r, alpha, a, b = params
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        A2 = (special.gammaln(a + b) + special.gammaln(b + x + 1) - special.gammaln(b)
              - special.gammaln(a + b + x + 1))
        A3 = -(r + x) * np.log(alpha + T)
        A4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
        return A1, A2, A3, A4

    def _expected_if_alive(self, frequency, T, t):
        r, alpha, a, b = self._fitted_params()
        a = guard_a(a)
        return (a + b + frequency) / (a - 1) * hyp_bracket(r, alpha, a, b, frequency, T, t, m=1)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]."""
        r, alpha, a, b = self._fitted_params()
        a = guard_a(a)
        out = b / (a - 1) * hyp_bracket(r, alpha, a, b, 0.0, 0.0, check_time(t), m=1)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray) -> float | np.ndarray:
        """P(X(t) = n) = B(a,b+n+1)/B(a,b) NBD(n) + B(a+1,b+n)/B(a,b) P(NBD >= n)."""
        r, alpha, a, b = self._fitted_params()
        t = check_time(t)
        t, n = np.broadcast_arrays(t, np.asarray(n, dtype=float))
        q = t / (alpha + t)
        log_nb = (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                  + r * np.log1p(-q) + special.xlogy(n, q))
        first = np.exp(special.betaln(a, b + n + 1) - special.betaln(a, b) + log_nb)
        tail = np.where(n > 0, special.betainc(np.maximum(n, 1), r, q), 1.0)
        out = first + np.exp(special.betaln(a + 1, b + n) - special.betaln(a, b)) * tail
        return float(out) if np.ndim(out) == 0 else out
