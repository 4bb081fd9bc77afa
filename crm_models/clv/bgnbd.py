"""BG/NBD: the beta-geometric / negative binomial distribution model.

Fader, Hardie & Lee (2005), "'Counting your customers' the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2), 275-284.

While alive, a customer buys as a Poisson process with rate lambda; after each repeat
purchase she becomes inactive with probability p.  Across customers
lambda ~ Gamma(r, alpha) and p ~ Beta(a, b).  For a customer with x repeat purchases, the
last at t_x, observed for T since the first purchase:

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

    P(alive) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

    E[X(T, T+t) | x, t_x, T] = (a+b+x-1)/(a-1)
        * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] * P(alive)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from crm_models.clv._bgfamily import BGData, bg_loglik_total, dert_alive, guard_a, hyp_bracket
from crm_models.clv._data import Compressed, resolve_weights
from crm_models.clv.base import SummaryModel, check_time, discount_to_continuous

__all__ = ["BetaGeoModel"]


class BetaGeoModel(SummaryModel):
    """BG/NBD model (Fader, Hardie & Lee 2005) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer:
        L2 penalty on the parameters added to the mean negative log-likelihood
        (``lifetimes`` convention). 0 (default) is plain maximum likelihood.

    Examples
    --------
    >>> m = BetaGeoModel().fit(summary)              # summary from crm.data.rfm_summary
    >>> m.summary                                    # r, alpha, a, b with SEs and 95% CIs
    >>> m.expected_purchases(summary, t=52)          # next 52 time units, per customer
    """

    param_names = ("r", "alpha", "a", "b")
    analytic_gradient = True

    def fit(self, summary: pd.DataFrame, weights: str | np.ndarray | None = None) -> BetaGeoModel:
        """Fit on a summary with columns frequency, recency, T (one row per customer).

        ``weights`` (optional column name or array): number of customers each row stands
        for, for data that are already aggregated.
        """
        w = resolve_weights(summary, weights)
        d = self._compress_summary(summary, "summary", require_repeat=True, weights=w)
        return self._fit_compressed(d)

    def _initial_params(self, d: Compressed) -> np.ndarray:
        x, T = d.columns["frequency"], d.columns["T"]
        rate = np.average(x, weights=d.weights) / max(np.average(T, weights=d.weights), 1e-12)
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])

    # -------------------------------------------------------------- likelihood
    @staticmethod
    def _terms(params, x, tx, T):
        r, alpha, a, b = params
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        A2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
        A3 = -(r + x) * np.log(alpha + T)
        A4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx),
                      -np.inf)
        return A1, A2, A3, A4

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        x, tx, T = d.columns["frequency"], d.columns["recency"], d.columns["T"]
        A1, A2, A3, A4 = self._terms(params, x, tx, T)
        return A1 + A2 + np.logaddexp(A3, A4)

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        # special functions once per distinct frequency, value and gradient in one pass
        return bg_loglik_total(params, self._prepared(d, lambda c: BGData.build(c, m=0)), 0, need_grad)

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        A1, A2, A3, A4 = self._terms(self._check_fitted(), frequency, recency, T)
        return np.exp(A3 - np.logaddexp(A3, A4))

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(customer still alive at T | frequency, recency, T); 1 for customers with x = 0."""
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def _expected_if_alive(self, frequency, T, t):
        r, alpha, a, b = self._check_fitted()
        a = guard_a(a)
        return (a + b + frequency - 1) / (a - 1) * hyp_bracket(r, alpha, a, b, frequency, T, t, m=0)

    def _cond_expected(self, frequency, recency, T, t):
        return self._expected_if_alive(frequency, T, t) * self._p_alive(frequency, recency, T)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t] given each customer's history (FHL 2005, eq. 10)."""
        return self._per_customer(summary, self._cond_expected, "expected_purchases", t=t)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a new customer (FHL 2005, eq. 9)."""
        r, alpha, a, b = self._check_fitted()
        a = guard_a(a)
        t = check_time(t)
        out = (a + b - 1) / (a - 1) * hyp_bracket(r, alpha, a, b, 0.0, 0.0, t, m=0)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray) -> float | np.ndarray:
        """P(X(t) = n): probability that a new customer makes exactly n repeat purchases in (0, t]

        (FHL 2005, eq. 8); ``t`` and ``n`` broadcast against each other.
        """
        r, alpha, a, b = self._check_fitted()
        t = check_time(t)
        n = np.asarray(n, dtype=float)
        t, n = np.broadcast_arrays(t, n)
        q = t / (alpha + t)
        log_nb = (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                  + r * np.log1p(-q) + special.xlogy(n, q))
        first = np.exp(special.betaln(a, b + n) - special.betaln(a, b) + log_nb)
        nn = np.maximum(n, 1)
        second = np.where(n > 0, np.exp(special.betaln(a + 1, b + nn - 1) - special.betaln(a, b))
                          * special.betainc(nn, r, q), 0.0)
        out = first + second
        return float(out) if np.ndim(out) == 0 else out

    def _dert(self, frequency, recency, T, delta):
        r, alpha, a, b = self._check_fitted()
        return self._p_alive(frequency, recency, T) * dert_alive(r, alpha, a, b, frequency, T, delta, m=0)

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions, continuous discounting at log(1 + d).

        The literature gives no closed form for the BG/NBD; this is the exact expectation of
        lambda / (delta + p lambda) (the discounted purchases of an alive customer) over the
        posterior of (lambda, p), with the lambda-integral in closed form (Tricomi's U) and
        the p-integral by 64-point Gauss-Jacobi quadrature. ``discount_rate`` is per time unit
        of the summary.
        """
        delta = discount_to_continuous(discount_rate)
        return self._per_customer(summary, lambda **c: self._dert(**c, delta=delta), "dert")

