"""Shared machinery of the BG/NBD and MBG/NBD models.

The two models differ only in whether a customer can drop out right after the first
purchase: the MBG/NBD shifts the dropout process by one purchase (``dropout_shift`` m = 1),
which changes the beta-function terms of the likelihood (``_terms``) and the prefactor of
the conditional expectation (``_expected_if_alive``).  Fitting, P(alive), conditional
expectations and DERT are the same code for both.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from crm_models.clv._bgfamily import BGData, bg_loglik_total, dert_alive
from crm_models.clv._data import Compressed
from crm_models.clv.base import SummaryModel, discount_to_continuous

__all__ = ["BetaGeoFamilyModel"]


class BetaGeoFamilyModel(SummaryModel):
    """Base of :class:`BetaGeoModel` (m = 0) and :class:`ModifiedBetaGeoModel` (m = 1)."""

    param_names = ("r", "alpha", "a", "b")
    analytic_gradient = True
    dropout_shift: ClassVar[int] = 0

    def fit(self, summary: pd.DataFrame, weights: str | np.ndarray | None = None):
        """Fit on a summary with columns frequency, recency, T (one row per customer).

        ``weights`` (optional column name or array): number of customers each row stands
        for, for data that are already aggregated.
        """
        return self._fit_summary(summary, weights)

    def _initial_params(self, d: Compressed) -> np.ndarray:
        x, T = d.columns["frequency"], d.columns["T"]
        rate = np.average(x, weights=d.weights) / max(np.average(T, weights=d.weights), 1e-12)
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])

    # -------------------------------------------------------------- likelihood
    @staticmethod
    def _terms(params, x, tx, T):  # pragma: no cover - defined by each model
        raise NotImplementedError

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        A1, A2, A3, A4 = self._terms(params, d.columns["frequency"], d.columns["recency"], d.columns["T"])
        return A1 + A2 + np.logaddexp(A3, A4)

    def _loglik_total(self, params: np.ndarray, d: Compressed,
                      need_grad: bool) -> tuple[float, np.ndarray | None]:
        # special functions once per distinct frequency, value and gradient in one pass
        m = self.dropout_shift
        return bg_loglik_total(params, self._prepared(d, lambda c: BGData.build(c, m=m)), m, need_grad)

    # -------------------------------------------------------------- predictions
    def _p_alive(self, frequency, recency, T):
        _, _, A3, A4 = self._terms(self._fitted_params(), frequency, recency, T)
        return np.exp(A3 - np.logaddexp(A3, A4))

    def prob_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(customer still alive at T | frequency, recency, T).

        BG/NBD: 1 for customers without repeat purchases; MBG/NBD: below 1 even then.
        """
        return self._per_customer(summary, self._p_alive, "prob_alive")

    def _expected_if_alive(self, frequency, T, t):  # pragma: no cover - defined by each model
        raise NotImplementedError

    def _cond_expected(self, frequency, recency, T, t):
        return self._expected_if_alive(frequency, T, t) * self._p_alive(frequency, recency, T)

    def expected_purchases(self, summary: pd.DataFrame, t: float | np.ndarray) -> pd.Series:
        """Expected repeat purchases in (T, T+t] given each customer's history (FHL 2005, eq. 10)."""
        return self._per_customer(summary, self._cond_expected, "expected_purchases", t=t)

    def _dert(self, frequency, recency, T, delta):
        r, alpha, a, b = self._fitted_params()
        return self._p_alive(frequency, recency, T) * dert_alive(r, alpha, a, b, frequency, T, delta,
                                                                  m=self.dropout_shift)

    def dert(self, summary: pd.DataFrame, discount_rate: float) -> pd.Series:
        """Discounted expected residual transactions, continuous discounting at log(1 + d).

        The literature gives no closed form for the BG/NBD family; this is the exact
        expectation of lambda / (delta + p lambda) (the discounted purchases of an alive
        customer) over the posterior of (lambda, p) (for the MBG/NBD p ~ Beta(a, b+x+1) a
        posteriori), with the lambda-integral in closed form (Tricomi's U) and the
        p-integral by 64-point Gauss-Jacobi quadrature. ``discount_rate`` is per time unit
        of the summary.
        """
        delta = discount_to_continuous(discount_rate)
        return self._per_customer(summary, lambda **c: self._dert(**c, delta=delta), "dert")
