r"""Held-out evaluation of churn models: concordance, IPCW Brier score, calibration at a horizon.

* **Concordance** (Harrell et al. 1982): among comparable pairs (the shorter duration is
  an observed churn), the share the model ranks correctly (lifelines'
  ``concordance_index``; ties in prediction count 1/2).  0.5 = random, 1 = perfect.
* **Brier score with inverse-probability-of-censoring weights** (Graf, Schmoor,
  Sauerbrei & Schumacher 1999, Statistics in Medicine 18):

  .. math::

      BS(t) = \frac1n \sum_i \Big[ \frac{\hat S(t\mid x_i)^2\, 1\{T_i \le t, \delta_i = 1\}}{\hat G(T_i-)}
              + \frac{(1 - \hat S(t\mid x_i))^2\, 1\{T_i > t\}}{\hat G(t)} \Big]

  with :math:`\hat G` the Kaplan-Meier estimate of the *censoring* distribution (censoring
  treated as the event).  Customers censored before ``t`` contribute zero; the weights
  make up for them.  The integrated Brier score is
  :math:`IBS = \frac{1}{t_{max}-t_{min}} \int_{t_{min}}^{t_{max}} BS(t)\,dt` (trapezoid rule).
  The same score of the covariate-free Kaplan-Meier curve is reported as a reference: a
  useful model scores below it.
* **Calibration at a horizon**: customers grouped by predicted risk (deciles); in each
  group the mean predicted churn probability by ``h`` against the observed one,
  ``1 - KM(h)`` with its CI.

Predictions here are from time 0 (``survived=0``): the held-out customers' durations are
the outcome being predicted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.churn._checks import check_columns, check_durations, check_events
from crm_models.errors import CRMDataError

__all__ = [
    "brier_score",
    "calibration_table",
    "censoring_survival",
    "concordance_index",
    "integrated_brier_score",
    "train_test_split",
]


def train_test_split(df: pd.DataFrame, test_size: float = 0.25, *, seed: int = 0,
                     stratify: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random (seeded) split into training and held-out rows; ``stratify`` keeps a column's shares.

    Rows keep their index and order; ``attrs`` (how the durations were built) are kept.
    """
    if not 0 < test_size < 1:
        raise CRMDataError(f"test_size must be in (0, 1), got {test_size!r}")
    n = len(df)
    if n < 2:
        raise CRMDataError("need at least two rows to split")
    rng = np.random.default_rng(seed)
    is_test = np.zeros(n, dtype=bool)
    if stratify is None:
        k = max(1, int(round(test_size * n)))
        is_test[rng.permutation(n)[:k]] = True
    else:
        check_columns(df, [stratify])
        codes, _ = pd.factorize(df[stratify], use_na_sentinel=False)
        for c in np.unique(codes):
            idx = np.flatnonzero(codes == c)
            k = int(round(test_size * len(idx)))
            is_test[rng.permutation(idx)[:k]] = True
    train, test = df.iloc[~is_test], df.iloc[is_test]
    train.attrs = dict(df.attrs)
    test.attrs = dict(df.attrs)
    return train, test


def _outcome(model: Any, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    check_is_fitted(model)
    check_columns(df, [model.duration_col_, model.event_col_])
    T = check_durations(df[model.duration_col_], model.duration_col_)
    E = check_events(df[model.event_col_], model.event_col_)
    return T, E


def concordance_index(model: Any, df: pd.DataFrame) -> float:
    """Harrell's C on (held-out) data: does the model rank who churns first correctly?

    Scores: for Cox the negative partial hazard, for AFT kinds the predicted median
    lifetime (both: higher = expected to stay longer), as lifelines does on training data.
    With strata, pairs are compared within a stratum only (as lifelines does).
    """
    from lifelines.utils import concordance_index as ll_concordance
    from lifelines.utils.concordance import _concordance_summary_statistics  # as lifelines' own strata code

    T, E = _outcome(model, df)
    X = model.design_matrix(df).reset_index(drop=True)
    if model.kind == "cox":
        score = -model.fitter_.predict_partial_hazard(X).to_numpy()
        if model._strata:
            num, den = 0.0, 0
            keys = X[model._strata].astype(str).agg("|".join, axis=1).to_numpy()
            for k in np.unique(keys):
                m = keys == k
                if m.sum() < 2 or E[m].sum() == 0:
                    continue
                correct, tied, pairs = _concordance_summary_statistics(T[m], score[m], E[m])
                num += correct + 0.5 * tied
                den += pairs
            return float(num / den)
    else:
        score = model.fitter_.predict_median(X).to_numpy()
    return float(ll_concordance(T, score, E))


def censoring_survival(durations: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier of the censoring distribution: (times, G(times)), a right-continuous step function.

    Censoring is the "event" here; at tied times churn is taken to precede censoring, the
    usual convention, so a customer who churns at ``t`` is still at risk of censoring at
    ``t`` only if censored there.
    """
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(durations, 1 - np.asarray(events))
    sf = kmf.survival_function_.iloc[:, 0]
    return sf.index.to_numpy(dtype=float), sf.to_numpy(dtype=float)


def _step(times: np.ndarray, values: np.ndarray, at: np.ndarray, *, left: bool) -> np.ndarray:
    """Evaluate a right-continuous step function (value 1 before the first time); ``left``: G(t-)."""
    side = "left" if left else "right"
    idx = np.searchsorted(times, at, side=side) - 1
    out = np.where(idx >= 0, values[np.clip(idx, 0, None)], 1.0)
    return out


def brier_score(model: Any, df: pd.DataFrame, times: Sequence[float] | np.ndarray, *,
                censoring_data: pd.DataFrame | None = None) -> pd.DataFrame:
    """IPCW Brier score at each of ``times`` (Graf et al. 1999), with the Kaplan-Meier reference.

    ``censoring_data``: rows to estimate the censoring distribution G from (default ``df``
    itself; pass the training data to follow scikit-survival).  Times where G is 0 (no one
    left uncensored) are refused.  Returns a frame indexed by ``time`` with ``brier`` and
    ``brier_km`` (the same score of the covariate-free Kaplan-Meier curve fitted on
    ``censoring_data`` or ``df``).
    """
    from lifelines import KaplanMeierFitter

    T, E = _outcome(model, df)
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if times.size == 0 or np.any(~np.isfinite(times)) or np.any(times < 0):
        raise CRMDataError("times must be finite numbers >= 0")
    Tc, Ec = (T, E) if censoring_data is None else _outcome(model, censoring_data)
    g_times, g_vals = censoring_survival(Tc, Ec)
    G_t = _step(g_times, g_vals, times, left=False)
    if np.any(G_t <= 0):
        raise CRMDataError(f"no uncensored customers left at time {times[G_t <= 0][0]:g}: the censoring "
                           f"weights are undefined there; use earlier times")
    G_Ti = _step(g_times, g_vals, T, left=True)
    S = model.survival_function(df, times, survived=0).to_numpy()  # (len(times), n)
    km = KaplanMeierFitter().fit(Tc, Ec)
    S_km = km.survival_function_at_times(times).to_numpy()[:, None]

    def score(pred: np.ndarray) -> np.ndarray:
        died = (T[None, :] <= times[:, None]) & (E[None, :] == 1)
        alive = T[None, :] > times[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            w_died = np.where(died, 1.0 / np.where(G_Ti > 0, G_Ti, np.inf)[None, :], 0.0)
        terms = pred**2 * w_died + (1 - pred) ** 2 * alive / G_t[:, None]
        return terms.mean(axis=1)

    return pd.DataFrame({"brier": score(S), "brier_km": score(np.broadcast_to(S_km, S.shape))},
                        index=pd.Index(times, name="time"))


def integrated_brier_score(model: Any, df: pd.DataFrame, times: Sequence[float] | np.ndarray | None = None,
                           *, censoring_data: pd.DataFrame | None = None) -> pd.Series:
    """Integrated Brier score over ``times`` (trapezoid rule, divided by the time span).

    ``times`` default: 50 points from the 5th to the 80th percentile of the observed
    durations (late times have too few customers left for stable weights).  Returns
    ``ibs`` and ``ibs_km`` (the Kaplan-Meier reference).
    """
    if times is None:
        T, _ = _outcome(model, df)
        lo, hi = np.quantile(T, [0.05, 0.8])
        times = np.linspace(max(lo, 1e-9), hi, 50)
    times = np.sort(np.asarray(times, dtype=float))
    if times.size < 2 or times[-1] <= times[0]:
        raise CRMDataError("the integrated Brier score needs at least two distinct times")
    bs = brier_score(model, df, times, censoring_data=censoring_data)
    span = times[-1] - times[0]
    return pd.Series({"ibs": float(np.trapezoid(bs["brier"], times) / span),
                      "ibs_km": float(np.trapezoid(bs["brier_km"], times) / span)}, name="integrated_brier")


def calibration_table(model: Any, df: pd.DataFrame, horizon: float, *, bins: int = 10,
                      alpha: float = 0.05) -> pd.DataFrame:
    """Predicted vs observed churn by ``horizon`` in groups of predicted risk (deciles by default).

    Columns: ``n``, ``predicted`` (mean predicted probability of churn by ``horizon``,
    from time 0), ``observed`` (``1 - KM(horizon)`` in the group), ``observed_lower`` /
    ``observed_upper`` (from the KM band), ``difference`` (predicted - observed).  A group
    whose customers are all censored before ``horizon`` gets NaN observed values.
    """
    from lifelines import KaplanMeierFitter

    T, E = _outcome(model, df)
    horizon = float(horizon)
    if not np.isfinite(horizon) or horizon <= 0:
        raise CRMDataError(f"horizon must be a positive number, got {horizon!r}")
    if bins < 1:
        raise CRMDataError("bins must be >= 1")
    pred = model.churn_probability(df, horizon, survived=0).to_numpy()
    groups = pd.qcut(pd.Series(pred).rank(method="first"), q=min(bins, len(pred)), labels=False).to_numpy()
    rows = []
    for g in np.unique(groups):
        m = groups == g
        kmf = KaplanMeierFitter(alpha=alpha).fit(T[m], E[m])
        if horizon > T[m].max():
            obs = lo = hi = np.nan
        else:
            obs = 1 - float(kmf.survival_function_at_times(horizon).iloc[0])
            ci = kmf.confidence_interval_survival_function_
            k = np.searchsorted(ci.index.to_numpy(), horizon, side="right") - 1
            lo, hi = 1 - float(ci.iloc[k, 1]), 1 - float(ci.iloc[k, 0])
        rows.append({"group": int(g) + 1, "n": int(m.sum()), "predicted": float(pred[m].mean()),
                     "observed": obs, "observed_lower": lo, "observed_upper": hi})
    out = pd.DataFrame(rows).set_index("group")
    out["difference"] = out["predicted"] - out["observed"]
    return out
