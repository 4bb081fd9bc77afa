"""NBD: the negative binomial distribution benchmark model (no dropout).

Ehrenberg (1959), "The pattern of consumer purchases", Applied Statistics 8(1), 26-41; as
in BTYDplus (``nbd.EstimateParameters``, ``nbd.ConditionalExpectedTransactions``;
Platzer & Reutterer 2016) and Fader, Hardie & Lee (2005) as the benchmark that ignores
dropout.

Every customer stays active for ever and buys as a Poisson process with rate lambda;
across customers lambda ~ Gamma(r, alpha) (shape r, rate alpha).  For a customer with x
repeat purchases observed for T since the first purchase (the timing of the purchases and
so the recency carry no information: the rate is constant):

    L = Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))

    E[X(T, T+t) | x, T] = (r+x)/(alpha+T) t          (posterior lambda ~ Gamma(r+x, alpha+T))

    P(X(t) = n) = Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n,
    E[X(t)] = r t / alpha,  P(alive) = 1,  DERT = (r+x)/((alpha+T) delta).

Up to terms free of the parameters, the likelihood is that of a negative binomial (NB2)
regression of x on a constant with exposure T (mean r T/alpha, dispersion 1/r): the tests
check the fit against statsmodels' NB2 estimator, the predictions against numerical
integration over the gamma mixing distribution and the estimator against simulated data
with known parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from crm_models.clv._data import Compressed, compress, resolve_weights
from crm_models.clv.base import SummaryModel, check_time, discount_to_continuous

__all__ = ["NBDModel"]


class NBDModel(SummaryModel):
    """NBD model (Ehrenberg 1959): gamma-Poisson purchases without dropout, by maximum likelihood.

    Parameters
    ----------
    penalizer:
        L2 penalty on the parameters added to the mean negative log-likelihood. 0 (default)
        is plain maximum likelihood.

    Examples
    --------
    >>> m = NBDModel().fit(summary)                  # summary from crm.data.rfm_summary
    >>> m.summary                                    # r, alpha with SEs and 95% CIs
    >>> m.expected_purchases(summary, t=52)          # next 52 time units, per customer
    """

    param_names = ("r", "alpha")
    analytic_gradient = True

    def fit(self, summary: pd.DataFrame, weights: str | np.ndarray | None = None) -> NBDModel:
        """Fit on a summary with columns frequency, recency, T (recency is checked, not used).

        ``weights`` (optional column name or array): number of customers each row stands
        for, for data that are already aggregated.
        """
        self._check_settings()
        w = resolve_weights(summary, weights)
        d = self._compress_summary(summary, "summary", require_repeat=True, weights=w)
        d = _drop_recency(d)
        self._fit_compressed(d)
        self._remember_units(summary)
        return self

    def _initial_params(self, d: Compressed) -> np.ndarray:
        x, T = d.columns["frequency"], d.columns["T"]
        rate = np.average(x, weights=d.weights) / max(np.average(T, weights=d.weights), 1e-12)
        return np.array([1.0, 1.0 / max(rate, 1e-6)])

    # -------------------------------------------------------------- likelihood
    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        r, alpha = params
        x, T = d.columns["frequency"], d.columns["T"]
        return (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
                - (r + x) * np.log(alpha + T))

    def _loglik_grad(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        r, alpha = params
        x, T = d.columns["frequency"], d.columns["T"]
        d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - np.log(alpha + T)
        d_alpha = r / alpha - (r + x) / (alpha + T)
        return np.column_stack([d_r, d_alpha])

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        return np.ones(np.broadcast(np.asarray(frequency), np.asarray(T)).shape)

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive) = 1 for every customer: the NBD has no dropout."""
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def _expected_if_alive(self, frequency, T, t):
        r, alpha = self._fitted_params()
        return (r + frequency) / (alpha + T) * t

    def _cond_expected(self, frequency, recency, T, t):
        return self._expected_if_alive(frequency, T, t)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t]: (r+x)/(alpha+T) t (the posterior mean rate times t)."""
        return self._per_customer(summary, self._cond_expected, "expected_purchases", t=t)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> float | np.ndarray:
        """E[X(t)] = r t / alpha: expected repeat purchases in (0, t] of a new customer."""
        r, alpha = self._fitted_params()
        out = r * check_time(t) / alpha
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray) -> float | np.ndarray:
        """P(X(t) = n): the negative binomial distribution NB(r, alpha/(alpha+t)) of a new customer."""
        r, alpha = self._fitted_params()
        t = check_time(t)
        n = np.asarray(n, dtype=float)
        t, n = np.broadcast_arrays(t, n)
        q = t / (alpha + t)
        out = np.exp(special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                     + r * np.log1p(-q) + special.xlogy(n, q))
        return float(out) if np.ndim(out) == 0 else out

    def _dert(self, frequency, recency, T, delta):
        r, alpha = self._fitted_params()
        return (r + frequency) / (alpha + T) / delta

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions: (r+x)/((alpha+T) delta), delta = log(1 + d).

        The integral of the posterior mean rate discounted continuously for ever (no dropout).
        """
        delta = discount_to_continuous(discount_rate)
        return self._per_customer(summary, lambda **c: self._dert(**c, delta=delta), "dert")


def _drop_recency(d: Compressed) -> Compressed:
    """The likelihood depends on (x, T) only: merge rows that differ in recency alone."""
    c = compress({"frequency": d.columns["frequency"], "T": d.columns["T"]}, d.weights)
    return Compressed(columns=c.columns, weights=c.weights, inverse=c.inverse[d.inverse])
