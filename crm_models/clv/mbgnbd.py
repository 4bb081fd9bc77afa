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
import pandas as pd
from scipy import special

from crm_models.clv._bgfamily import BGData, bg_loglik_total, dert_alive, guard_a, hyp_bracket
from crm_models.clv._data import Compressed, resolve_weights
from crm_models.clv.base import SummaryModel, check_time, discount_to_continuous

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(SummaryModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007) fitted by maximum likelihood."""

    param_names = ("r", "alpha", "a", "b")
    analytic_gradient = True

    def fit(self, summary: pd.DataFrame, weights: str | np.ndarray | None = None) -> ModifiedBetaGeoModel:
        """Fit on a summary with columns frequency, recency, T (optional ``weights``)."""
        w = resolve_weights(summary, weights)
        d = self._compress_summary(summary, "summary", require_repeat=True, weights=w)
        return self._fit_compressed(d)

    def _initial_params(self, d: Compressed) -> np.ndarray:
        x, T = d.columns["frequency"], d.columns["T"]
        rate = np.average(x, weights=d.weights) / max(np.average(T, weights=d.weights), 1e-12)
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])

    @staticmethod
    def _terms(params, x, tx, T):
        r, alpha, a, b = params
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        A2 = (special.gammaln(a + b) + special.gammaln(b + x + 1) - special.gammaln(b)
              - special.gammaln(a + b + x + 1))
        A3 = -(r + x) * np.log(alpha + T)
        A4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
        return A1, A2, A3, A4

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        A1, A2, A3, A4 = self._terms(params, d.columns["frequency"], d.columns["recency"], d.columns["T"])
        return A1 + A2 + np.logaddexp(A3, A4)

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        # special functions once per distinct frequency, value and gradient in one pass
        return bg_loglik_total(params, self._prepared(d, lambda c: BGData.build(c, m=1)), 1, need_grad)

    def _p_alive(self, frequency, recency, T):
        _, _, A3, A4 = self._terms(self._check_fitted(), frequency, recency, T)
        return np.exp(A3 - np.logaddexp(A3, A4))

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive at T | x, t_x, T); below 1 even without repeat purchases."""
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def _expected_if_alive(self, frequency, T, t):
        r, alpha, a, b = self._check_fitted()
        a = guard_a(a)
        return (a + b + frequency) / (a - 1) * hyp_bracket(r, alpha, a, b, frequency, T, t, m=1)

    def _cond_expected(self, frequency, recency, T, t):
        return self._expected_if_alive(frequency, T, t) * self._p_alive(frequency, recency, T)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t] given each customer's history."""
        return self._per_customer(summary, self._cond_expected, "expected_purchases", t=t)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]."""
        r, alpha, a, b = self._check_fitted()
        a = guard_a(a)
        out = b / (a - 1) * hyp_bracket(r, alpha, a, b, 0.0, 0.0, check_time(t), m=1)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray) -> float | np.ndarray:
        """P(X(t) = n) = B(a,b+n+1)/B(a,b) NBD(n) + B(a+1,b+n)/B(a,b) P(NBD >= n)."""
        r, alpha, a, b = self._check_fitted()
        t = check_time(t)
        t, n = np.broadcast_arrays(t, np.asarray(n, dtype=float))
        q = t / (alpha + t)
        log_nb = (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                  + r * np.log1p(-q) + special.xlogy(n, q))
        first = np.exp(special.betaln(a, b + n + 1) - special.betaln(a, b) + log_nb)
        tail = np.where(n > 0, special.betainc(np.maximum(n, 1), r, q), 1.0)
        out = first + np.exp(special.betaln(a + 1, b + n) - special.betaln(a, b)) * tail
        return float(out) if np.ndim(out) == 0 else out

    def _dert(self, frequency, recency, T, delta):
        r, alpha, a, b = self._check_fitted()
        return self._p_alive(frequency, recency, T) * dert_alive(r, alpha, a, b, frequency, T, delta, m=1)

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions (as for the BG/NBD, with p ~ Beta(a, b+x+1)
        a posteriori for an alive customer), continuous discounting at log(1 + d)."""
        delta = discount_to_continuous(discount_rate)
        return self._per_customer(summary, lambda **c: self._dert(**c, delta=delta), "dert")
