"""Shifted-beta-geometric (sBG) model of contractual retention.

Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1);
Fader & Hardie (2010), "Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity", Marketing Science 29(1) (DEL, DERL).

Each customer renews at the end of every period with probability 1 - theta until she
cancels; theta ~ Beta(gamma, delta) across customers.  With T the period in which a
customer cancels:

    P(T = t) = B(gamma+1, delta+t-1) / B(gamma, delta),      t = 1, 2, ...
    S(t) = P(T > t) = B(gamma, delta+t) / B(gamma, delta)
    retention rate r_t = S(t)/S(t-1) = (delta+t-1)/(gamma+delta+t-1)   (rising with t)

Fit either from **cohort survival counts** (customers still active at the start of periods
0, 1, ..., k; the cohort size first) or from **per-customer durations** (periods completed
and whether the customer has cancelled; active customers are right-censored).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from crm_models.base import check_is_fitted
from crm_models.clv._data import Compressed, compress, summary_columns
from crm_models.clv._special import log_hyp2f1_unit
from crm_models.clv.base import MLEModel
from crm_models.errors import CRMDataError, ModelSpecificationError, describe_rows

__all__ = ["ShiftedBetaGeoModel"]


def _cohort_rows(survivors: Sequence[float]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    n = np.asarray(survivors, dtype=float).ravel()
    if n.size < 2:
        raise CRMDataError("need the cohort size and at least one later survivor count", source="survivors")
    if not np.all(np.isfinite(n)) or np.any(n < 0):
        raise CRMDataError(f"survivor counts must be finite and >= 0, got {list(n)}", source="survivors")
    rise = np.nonzero(np.diff(n) > 0)[0]
    if rise.size:
        raise CRMDataError(f"survivor counts must not increase; they rise at period {int(rise[0]) + 1} "
                           f"({n[rise[0]]:g} -> {n[rise[0] + 1]:g})", source="survivors")
    if n[0] == n[-1]:
        raise CRMDataError("nobody cancelled (the survivor counts are constant); the churn rate cannot "
                           "be estimated", source="survivors")
    k = n.size - 1
    lost = n[:-1] - n[1:]
    dur = np.concatenate([np.arange(1, k + 1, dtype=float), [float(k)]])
    churned = np.concatenate([np.ones(k), [0.0]])
    weights = np.concatenate([lost, [n[-1]]])
    keep = weights > 0
    return {"duration": dur[keep], "churned": churned[keep]}, weights[keep]


def _duration_rows(data: pd.DataFrame, duration_col: str, event_col: str) -> dict[str, np.ndarray]:
    summary_columns(data, [duration_col, event_col], "durations")
    dur = pd.to_numeric(data[duration_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ev = data[event_col]
    if ev.isna().any():
        raise CRMDataError(f"missing values for customers {describe_rows(data.index[ev.isna().to_numpy()])}",
                           source="durations", column=event_col)
    ev = ev.astype(bool).to_numpy()
    bad = ~np.isfinite(dur) | (dur < 0) | (dur != np.round(dur))
    if bad.any():
        raise CRMDataError("durations must be whole numbers of periods >= 0; not for customers "
                           f"{describe_rows(data.index[bad], data[duration_col][bad].tolist())}",
                           source="durations", column=duration_col)
    zero = ev & (dur < 1)
    if zero.any():
        raise CRMDataError("a cancelled customer must have stayed at least 1 period; not customers "
                           f"{describe_rows(data.index[zero])}", source="durations", column=duration_col)
    if not ev.any():
        raise CRMDataError("no customer has cancelled; the churn rate cannot be estimated",
                           source="durations", column=event_col)
    return {"duration": dur, "churned": ev.astype(float)}


class ShiftedBetaGeoModel(MLEModel):
    """sBG model of contractual retention (Fader & Hardie 2007), by maximum likelihood."""

    param_names = ("gamma", "delta")
    analytic_gradient = True
    unit_keys = ("time_unit",)  # of per-customer durations (attrs["crm_churn"]); counts carry none

    def fit(self, data: pd.DataFrame | Sequence[float], duration_col: str = "duration",
            event_col: str = "churned") -> ShiftedBetaGeoModel:
        """Fit from survivor counts or from per-customer durations.

        ``data`` is either a sequence (list, array, Series) of the number of customers still
        active at the start of periods 0, 1, ..., k (first: the cohort size), or a DataFrame
        with one row per customer: ``duration_col`` (periods completed, integer) and
        ``event_col`` (True if the customer cancelled at the end of that period, False if
        still active: right-censored).
        """
        self._check_settings()
        if isinstance(data, pd.DataFrame):
            cols, w = _duration_rows(data, duration_col, event_col), None
        else:
            cols, w = _cohort_rows(data)
        self._fit_compressed(compress(cols, w))
        self._remember_units(data)
        return self

    def _initial_params(self, d: Compressed) -> np.ndarray:
        return np.array([1.0, 1.0])

    def _loglik(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        g, de = params
        t, churned = d.columns["duration"], d.columns["churned"] > 0
        base = special.betaln(g, de)
        return np.where(churned, special.betaln(g + 1, de + t - 1), special.betaln(g, de + t)) - base

    def _loglik_grad(self, params: np.ndarray, d: Compressed) -> np.ndarray:
        g, de = params
        t, churned = d.columns["duration"], d.columns["churned"] > 0
        dg = special.digamma
        common_g, common_d = -(dg(g) - dg(g + de)), -(dg(de) - dg(g + de))
        d_g = np.where(churned, dg(g + 1) - dg(g + de + t), dg(g) - dg(g + de + t)) + common_g
        d_d = np.where(churned, dg(de + t - 1) - dg(g + de + t), dg(de + t) - dg(g + de + t)) + common_d
        return np.column_stack([d_g, d_d])

    # -------------------------------------------------------------- predictions
    def survival(self, t: int | np.ndarray) -> float | np.ndarray:
        """S(t): share of a new cohort still active after t periods."""
        g, de = self._fitted_params()
        t = _periods(t)
        out = np.exp(special.betaln(g, de + t) - special.betaln(g, de))
        return float(out) if np.ndim(out) == 0 else out

    def churn_probability(self, t: int | np.ndarray) -> float | np.ndarray:
        """P(T = t): probability that a new customer cancels in period t (t >= 1)."""
        g, de = self._fitted_params()
        t = _periods(t)
        if np.any(t < 1):
            raise ModelSpecificationError("periods start at 1")
        out = np.exp(special.betaln(g + 1, de + t - 1) - special.betaln(g, de))
        return float(out) if np.ndim(out) == 0 else out

    def retention_rate(self, t: int | np.ndarray) -> float | np.ndarray:
        """r_t = S(t)/S(t-1) = (delta+t-1)/(gamma+delta+t-1): renewal rate at the end of period t."""
        g, de = self._fitted_params()
        t = _periods(t)
        out = (de + t - 1) / (g + de + t - 1)
        return float(out) if np.ndim(out) == 0 else out

    def project(self, periods: int | np.ndarray, cohort_size: float = 1.0) -> pd.Series:
        """Expected survivors of a cohort at the start of each period (S(t) * cohort_size)."""
        t = np.atleast_1d(_periods(periods)) if np.ndim(periods) else np.arange(int(periods) + 1)
        return pd.Series(cohort_size * np.atleast_1d(self.survival(t)),
                         index=pd.Index(t.astype(int), name="period"), name="survivors")

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL = sum_{t>=0} S(t)/(1+d)^t = 2F1(1, delta; gamma+delta; 1/(1+d)) (Fader & Hardie 2010):

        expected discounted number of payments of a new customer, the first (now) undiscounted.
        """
        g, de = self._fitted_params()
        d = _rate(discount_rate)
        return float(np.exp(log_hyp2f1_unit(de, g + de, 1.0 / (1.0 + d))))

    def derl(self, periods_completed: int | np.ndarray, discount_rate: float) -> float | np.ndarray:
        """Discounted expected residual lifetime of a customer still active after k periods.

        DERL = sum_{t>k} S(t)/S(k) (1+d)^-(t-k-1)
             = (delta+k)/(gamma+delta+k) 2F1(1, delta+k+1; gamma+delta+k+1; 1/(1+d))
        (Fader & Hardie 2010, eq. 6, with n - 1 = k renewals): the expected number of future
        payments, the next renewal counted at full value and later ones discounted at d per
        period.
        """
        g, de = self._fitted_params()
        k = _periods(periods_completed)
        d = _rate(discount_rate)
        out = (de + k) / (g + de + k) * np.exp(log_hyp2f1_unit(de + k + 1, g + de + k + 1, 1.0 / (1.0 + d)))
        return float(out) if np.ndim(out) == 0 else out

    def dert(self, data: pd.DataFrame, discount_rate: float, duration_col: str = "duration",
             event_col: str = "churned") -> pd.Series:
        """Per-customer DERL for a table of durations: 0 for cancelled customers."""
        check_is_fitted(self)
        self._check_units(data, "data")
        cols = _duration_rows_any(data, duration_col, event_col)
        c = compress(cols)
        vals = np.where(c.columns["churned"] > 0, 0.0, self.derl(c.columns["duration"], discount_rate))
        return pd.Series(c.expand(vals), index=data.index, name="derl")


def _duration_rows_any(data: pd.DataFrame, duration_col: str, event_col: str) -> dict[str, np.ndarray]:
    """Like _duration_rows but without requiring any cancellation (for predictions)."""
    summary_columns(data, [duration_col, event_col], "durations")
    dur = pd.to_numeric(data[duration_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(dur) | (dur < 0) | (dur != np.round(dur))
    if bad.any() or data[event_col].isna().any():
        raise CRMDataError("durations must be whole numbers >= 0 with a cancellation flag; not for customers "
                           f"{describe_rows(data.index[bad | data[event_col].isna().to_numpy()])}",
                           source="durations", column=duration_col)
    return {"duration": dur, "churned": data[event_col].astype(bool).to_numpy().astype(float)}


def _periods(t) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ModelSpecificationError(f"periods must be whole numbers >= 0, got {t!r}")
    return arr


def _rate(d: float) -> float:
    if not np.isfinite(d) or d <= 0:
        raise ModelSpecificationError(f"discount_rate must be > 0 per period, got {d!r}")
    return float(d)
