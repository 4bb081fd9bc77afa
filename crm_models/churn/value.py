r"""Survival-based customer value and the value of retention improvements.

For a current customer ``i`` who has been a customer for ``s_i`` time units, with margin
``m_i`` per period of length :math:`\Delta` (one time unit by default) and discount rate
``d`` per period, the value of the next ``K`` periods is

.. math::

    V_i = \sum_{k=1}^{K} m_i \; S_i(k\Delta \mid s_i) \; (1 + d)^{-k},
    \qquad S_i(u \mid s_i) = \frac{S(s_i + u \mid x_i)}{S(s_i \mid x_i)}

(margin collected at the end of each period the customer is still there; ``timing="start"``
collects it at the start instead, :math:`k = 0..K-1`, undiscounted first payment).  This is
the discrete survival-based CLV of Gupta & Lehmann (2003) / Fader & Hardie's "expected
residual lifetime value", with the survival curve of the fitted :class:`ChurnModel`.

*Value if retained* is the same sum with :math:`S = 1` and *value at risk* the difference:
what churn is expected to cost over the horizon.

**Retention improvement.** Lowering every hazard by a fraction ``x`` (a retention
programme that makes leaving ``x`` less likely at every moment) turns the conditional
survival into :math:`S(u\mid s)^{1-x}`, since :math:`S = \exp(-H)` and the cumulative
hazard scales with the hazard.  This holds for every kind of model (for Cox it is a
multiplication of the hazard ratio by ``1 - x``).  The gain is the difference in value; the
gain per targeted customer is the most the programme may cost per customer to break even.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = ["retention_improvement", "survival_value"]


def _margin(df: pd.DataFrame, margin: Any) -> np.ndarray:
    if isinstance(margin, str):
        if margin not in df.columns:
            raise CRMDataError("margin column not found", column=margin)
        values = pd.to_numeric(df[margin], errors="coerce")
        bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            raise CRMDataError(f"missing or non-numeric margins in "
                               f"{describe_rows(df.index[bad], df[margin][bad].tolist())}", column=margin)
        return values.to_numpy(dtype=float)
    arr = np.asarray(margin, dtype=float)
    if arr.ndim == 0:
        arr = np.full(len(df), float(arr))
    if arr.shape != (len(df),):
        raise CRMDataError(f"margin must be a number, a column name or one value per row; "
                           f"got shape {arr.shape}")
    if np.any(~np.isfinite(arr)):
        raise CRMDataError("margin has missing or infinite values")
    return arr


def _schedule(periods: int, discount_rate: float, period_length: float,
              timing: str) -> tuple[np.ndarray, np.ndarray]:
    if int(periods) != periods or periods < 1:
        raise CRMDataError(f"periods must be a positive whole number, got {periods!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise CRMDataError(f"discount_rate must be > -1 (per period), got {discount_rate!r}")
    if not np.isfinite(period_length) or period_length <= 0:
        raise CRMDataError(f"period_length must be positive, got {period_length!r}")
    if timing not in ("end", "start"):
        raise CRMDataError(f"timing must be 'end' or 'start', got {timing!r}")
    k = np.arange(1, periods + 1) if timing == "end" else np.arange(0, periods)
    return k * period_length, (1.0 + discount_rate) ** (-k.astype(float))


def _conditional_survival(model: Any, df: pd.DataFrame, times: np.ndarray, survived: Any) -> np.ndarray:
    return model.survival_function(df, times, survived=survived).to_numpy()  # (K, n)


def survival_value(model: Any, df: pd.DataFrame, margin: Any, periods: int, discount_rate: float, *,
                   period_length: float = 1.0, timing: Literal["end", "start"] = "end",
                   survived: Any = None) -> pd.DataFrame:
    """Survival-based value of each customer over the next ``periods`` periods (formula in the module doc).

    Parameters
    ----------
    model:
        A fitted :class:`~crm_models.churn.ChurnModel`.
    df:
        Customers to value (covariates and, unless ``survived`` is given, the duration
        column = time already survived).
    margin:
        Margin per period: a number, a column name (e.g. ``"MonthlyCharges"``) or an array.
    periods, discount_rate:
        Number of future periods ``K`` and discount rate per period ``d`` (e.g. 0.01 a month).
    period_length:
        Length of a period in the model's time unit (1: periods are the time unit).
    timing:
        ``"end"`` (default) or ``"start"`` of each period.

    Returns
    -------
    DataFrame (index of ``df``): ``value``, ``value_if_retained``, ``value_at_risk``,
    ``expected_periods`` (sum of the survival probabilities: expected number of paid
    periods), ``churn_probability`` (by the end of the horizon).
    """
    m = _margin(df, margin)
    times, disc = _schedule(periods, discount_rate, period_length, timing)
    S = _conditional_survival(model, df, times, survived)
    value = m * (disc @ S)
    retained = m * disc.sum()
    horizon = periods * period_length
    p_churn = 1.0 - _conditional_survival(model, df, np.array([horizon]), survived)[0]
    return pd.DataFrame({"value": value, "value_if_retained": retained, "value_at_risk": retained - value,
                         "expected_periods": S.sum(axis=0), "churn_probability": np.clip(p_churn, 0, 1)},
                        index=df.index)


def retention_improvement(model: Any, df: pd.DataFrame, margin: Any, periods: int, discount_rate: float,
                          improvements: Sequence[float] = (0.05, 0.10, 0.20), *,
                          target: Any = None, period_length: float = 1.0,
                          timing: Literal["end", "start"] = "end", survived: Any = None) -> pd.DataFrame:
    """What lowering the churn hazard by each fraction in ``improvements`` is worth.

    ``target``: optional boolean mask (array or column name) of the customers the
    programme reaches (e.g. the high-risk tier); the others keep their hazard.

    Returns one row per improvement: ``improvement``, ``customers_targeted``,
    ``value_base``, ``value_improved``, ``gain``, ``gain_pct``, ``gain_per_targeted``
    (break-even cost per targeted customer), ``churners_base`` / ``churners_improved``
    (expected churners by the end of the horizon among all customers in ``df``),
    ``churners_avoided``.
    """
    imps = np.asarray(list(improvements), dtype=float)
    if imps.size == 0 or np.any(~np.isfinite(imps)) or np.any(imps < 0) or np.any(imps > 1):
        raise CRMDataError("improvements must be fractions in [0, 1] (0.1 = hazard lowered by 10 %)")
    m = _margin(df, margin)
    if target is None:
        mask = np.ones(len(df), dtype=bool)
    else:
        raw = df[target] if isinstance(target, str) else target
        mask = np.asarray(raw, dtype=bool)
        if mask.shape != (len(df),):
            raise CRMDataError("target must be one boolean per row of df")
    times, disc = _schedule(periods, discount_rate, period_length, timing)
    horizon = periods * period_length
    all_times = np.union1d(times, [horizon])
    S_all = _conditional_survival(model, df, all_times, survived)
    pos = np.searchsorted(all_times, times)
    S = S_all[pos]
    S_h = S_all[np.searchsorted(all_times, horizon)]
    base_value = float(np.sum(m * (disc @ S)))
    base_churn = float(np.sum(1 - S_h))
    rows = []
    with np.errstate(divide="ignore"):
        for x in imps:
            power = np.where(mask, 1.0 - x, 1.0)
            S_new = S ** power[None, :]
            value = float(np.sum(m * (disc @ S_new)))
            churn = float(np.sum(1 - S_h ** power))
            n_t = int(mask.sum())
            rows.append({"improvement": x, "customers_targeted": n_t, "value_base": base_value,
                         "value_improved": value, "gain": value - base_value,
                         "gain_pct": (value - base_value) / base_value * 100 if base_value else np.nan,
                         "gain_per_targeted": (value - base_value) / n_t if n_t else np.nan,
                         "churners_base": base_churn, "churners_improved": churn,
                         "churners_avoided": base_churn - churn})
    return pd.DataFrame(rows)
