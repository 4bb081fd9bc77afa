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

from crm_models.base import check_is_fitted
from crm_models.clv._bgbase import BetaGeoFamilyModel
from crm_models.clv._bgfamily import guard_a, hyp_bracket
from crm_models.clv._covariates import CovariateMixin
from crm_models.clv._data import check_summary
from crm_models.clv.base import check_time

__all__ = ["BetaGeoModel"]


#: -log(odds) given to customers without repeat purchases: expit(40) is exactly 1.0 in double
#: precision (an infinite value would be exact too, but takes the ufuncs' slow path)
_CERTAIN = 40.0


def _frequency_tables(params: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Per customer: r + x and log(b - 1 + x) - log(a), looked up per distinct whole frequency.

    For x = 0 (P(alive) = 1): 0 and :data:`_CERTAIN`.  None when ``x`` is not whole numbers of
    a sane size (then the formula is evaluated element by element).
    """
    r, _, a, b = params
    if x.ndim == 0 or x.size == 0:
        return None
    top = float(x.max())
    if not (0 <= top <= 4 * x.size + 1000):
        return None
    xi = x.astype(np.intp)
    if not np.array_equal(xi, x):
        return None
    k = np.arange(int(top) + 1, dtype=float)
    weight = r + k
    offset = np.log(b - 1 + np.maximum(k, 1)) - np.log(a)
    weight[0], offset[0] = 0.0, _CERTAIN
    return weight.take(xi), offset.take(xi)


def _bgnbd_rows(r: float, alpha: np.ndarray, a: np.ndarray, b: np.ndarray, x: np.ndarray, tx: np.ndarray,
                T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row BG/NBD log-likelihood with per-row (alpha, a, b) and its gradient w.r.t.
    (r, alpha_i, a_i, b_i), shape (n, 4) (used by the fit with covariates).

    ll = A1 + A2 + log(e^A3 + e^A4) (module notes); with p4 = e^A4 / (e^A3 + e^A4),
    d ll = dA1 + dA2 + (1 - p4) dA3 + p4 dA4.
    """
    n = len(x)
    alpha, a, b = (np.broadcast_to(v, (n,)).astype(float) for v in (alpha, a, b))
    A1, A2, A3, A4 = BetaGeoModel._terms((r, alpha, a, b), x, tx, T)
    lse = np.logaddexp(A3, A4)
    p4 = np.exp(A4 - lse)
    dg = special.digamma
    bx1 = b + np.maximum(x, 1) - 1
    d_r = dg(r + x) - dg(r) + np.log(alpha) - (1 - p4) * np.log(alpha + T) - p4 * np.log(alpha + tx)
    d_alpha = r / alpha - (1 - p4) * (r + x) / (alpha + T) - p4 * (r + x) / (alpha + tx)
    d_a = dg(a + b) - dg(a + b + x) + p4 / a
    d_b = dg(a + b) + dg(b + x) - dg(b) - dg(a + b + x) - p4 / bx1
    return A1 + A2 + lse, np.column_stack([d_r, d_alpha, d_a, d_b])


class BetaGeoModel(CovariateMixin, BetaGeoFamilyModel):
    """BG/NBD model (Fader, Hardie & Lee 2005) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer:
        L2 penalty on the base parameters (r, alpha, a, b) added to the mean negative
        log-likelihood (``lifetimes`` convention). 0 (default) is plain maximum likelihood.
    covariate_penalty:
        L2 penalty ``covariate_penalty * sum(gamma**2)`` on the covariate coefficients, added
        to the mean negative log-likelihood per customer (does not touch the base parameters).

    Notes
    -----
    **Time-invariant covariates** (``fit(..., purchase_covariates=, dropout_covariates=,
    constrained_covariates=)``), the parameterisation of R CLVTools (``bgnbd()`` with
    ``SetStaticCovariates``):

        alpha_i = alpha exp(-gamma_p' x_i),  a_i = a exp(gamma_d' x_i),  b_i = b exp(gamma_d' x_i),

    a positive purchase coefficient raises the mean purchase rate r/alpha_i by exp(gamma_p);
    the dropout coefficient scales a and b together, which keeps the mean dropout probability
    a/(a+b) and changes its concentration a+b (CLVTools' choice).  A constrained covariate has
    one coefficient in both.  Customer i's likelihood is the BG/NBD likelihood with
    (r, alpha_i, a_i, b_i); predictions use each customer's parameters.

    Examples
    --------
    >>> m = BetaGeoModel().fit(summary)              # summary from crm.data.rfm_summary
    >>> m.summary                                    # r, alpha, a, b with SEs and 95% CIs
    >>> m.expected_purchases(summary, t=52)          # next 52 time units, per customer
    """

    dropout_shift = 0
    covariate_links = {"alpha": ("purchase", -1), "a": ("dropout", 1), "b": ("dropout", 1)}

    def _row_loglik(self, rows, columns, need_grad):
        r, alpha, a, b = rows
        return _bgnbd_rows(float(r), alpha, a, b, columns["frequency"], columns["recency"], columns["T"])

    def _loglik_total(self, params: np.ndarray, d, need_grad: bool):
        if self._has_covariates():
            return self._covariate_loglik_total(params, d, need_grad)
        return super()._loglik_total(params, d, need_grad)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t] given each customer's history (FHL 2005, eq. 10)."""
        if self._has_covariates():
            return self._by_profile(summary, "expected_purchases", t, per_row=True)
        return super().expected_purchases(summary, t)

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions (see :class:`BetaGeoFamilyModel`)."""
        if self._has_covariates():
            return self._by_profile(summary, "dert", discount_rate)
        return super().dert(summary, discount_rate)

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

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        """1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), the odds in log space.

        The same value as the likelihood terms give (exp(A3 - logaddexp(A3, A4)), to 1e-14)
        without the gamma functions the odds do not need: one logarithm and one logistic
        function per customer (log(b+x-1) - log(a) is looked up per whole frequency), cheap
        enough to evaluate per customer.
        """
        params = self._fitted_params()
        r, alpha, a, b = params
        x = np.asarray(frequency, dtype=float)
        with np.errstate(all="ignore"):
            log_ratio = np.asarray(alpha + np.asarray(T, dtype=float), dtype=float)
            log_ratio /= alpha + np.asarray(recency, dtype=float)
            np.log(log_ratio, out=log_ratio)
            tables = _frequency_tables(params, x)
            if tables is not None:  # x = 0: weight 0, offset 40, expit(40) = 1.0
                weight, neg_log_odds = tables
                log_ratio *= weight
                neg_log_odds -= log_ratio
                return special.expit(neg_log_odds, out=neg_log_odds)
            neg_log_odds = np.log(b - 1 + np.maximum(x, 1)) - np.log(a) - (r + x) * log_ratio
            return np.where(x > 0, special.expit(neg_log_odds), 1.0)

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(customer still alive at T | frequency, recency, T); 1 without repeat purchases.

        The closed form costs less than finding a million customers' distinct rows: it is
        evaluated per customer (after the same checks of the summary).
        """
        check_is_fitted(self)
        if self._has_covariates():
            return self._by_profile(summary, "prob_alive")
        self._check_units(summary)
        cols = check_summary(summary, "summary", columns=self.summary_columns)
        p = self._p_alive(cols["frequency"], cols["recency"], cols["T"])
        return pd.Series(p, index=summary.index, name="prob_alive")

    def _expected_if_alive(self, frequency, T, t):
        r, alpha, a, b = self._fitted_params()
        a = guard_a(a)
        return (a + b + frequency - 1) / (a - 1) * hyp_bracket(r, alpha, a, b, frequency, T, t, m=0)

    def expected_purchases_new_customer(self, t: float | np.ndarray, covariates=None) -> float | np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a new customer (FHL 2005, eq. 9).

        A model with covariates needs the new customer's ``covariates`` (dict, Series or
        one-row DataFrame).
        """
        if self._has_covariates() or covariates is not None:
            return self._new_customer("expected_purchases_new_customer", covariates, t)
        r, alpha, a, b = self._fitted_params()
        a = guard_a(a)
        t = check_time(t)
        out = (a + b - 1) / (a - 1) * hyp_bracket(r, alpha, a, b, 0.0, 0.0, t, m=0)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int | np.ndarray,
                                   covariates=None) -> float | np.ndarray:
        """P(X(t) = n): probability that a new customer makes exactly n repeat purchases in (0, t]

        (FHL 2005, eq. 8); ``t`` and ``n`` broadcast against each other.  With covariates: of
        the given ``covariates`` profile.
        """
        if self._has_covariates() or covariates is not None:
            return self._new_customer("probability_of_n_purchases", covariates, t, n)
        r, alpha, a, b = self._fitted_params()
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
