"""One table per current customer: churn risk, risk tier, remaining lifetime and survival-based value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crm_models.churn.value import survival_value

__all__ = ["score_customers", "value_by_tier"]


def score_customers(model: Any, df: pd.DataFrame, horizon: float, *, margin: Any = 1.0, periods: int = 24,
                    discount_rate: float = 0.01, thresholds: Sequence[float] = (0.2, 0.5),
                    quantiles: Sequence[float] | None = None, keep: Sequence[str] | None = None,
                    survived: Any = None) -> pd.DataFrame:
    """Score customers (normally the active ones) and sort them riskiest first.

    Columns: ``keep`` (e.g. the id and a few covariates), ``churn_probability`` (within
    ``horizon``), ``risk_tier``, ``risk_rank``, ``expected_remaining_lifetime`` (restricted
    to ``periods`` time units), ``value``, ``value_at_risk`` (over ``periods`` periods of
    one time unit, discounted at ``discount_rate`` per period; see :func:`survival_value`).
    """
    tiers = model.risk_tiers(df, horizon, thresholds=thresholds, quantiles=quantiles, survived=survived)
    rmrl = model.expected_remaining_lifetime(df, periods, survived=survived)
    val = survival_value(model, df, margin, periods, discount_rate, survived=survived)
    parts = [df[list(keep)]] if keep else []
    out = pd.concat([*parts, tiers, rmrl, val[["value", "value_at_risk"]]], axis=1)
    return out.sort_values("risk_rank")


def value_by_tier(scored: pd.DataFrame) -> pd.DataFrame:
    """Customers, expected churners, value and value at risk per risk tier (from :func:`score_customers`)."""
    g = scored.groupby("risk_tier", observed=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "mean_churn_probability": g["churn_probability"].mean(),
        "expected_churners": g["churn_probability"].sum(),
        "value": g["value"].sum(),
        "value_at_risk": g["value_at_risk"].sum(),
    })
    total = out.sum(numeric_only=True)
    total["mean_churn_probability"] = scored["churn_probability"].mean()
    out.loc["total"] = total
    out["share_of_value_at_risk"] = out["value_at_risk"] / out.loc["total", "value_at_risk"]
    return out
