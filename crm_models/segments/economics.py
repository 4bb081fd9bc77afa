"""Retention economics: what keeping customers is worth compared with winning new ones.

Two facts of the CRM material made computable:

* winning a new customer costs 5-10 times as much as keeping one (the ratio is a
  parameter): :func:`acquisition_vs_retention`;
* a few points more retention raise customer value a lot (Reichheld & Sasser 1990,
  "Zero defections", HBR: +5 points retention, +25 % to +85 % profit).  With a constant
  retention rate ``r`` per period, margin ``m`` per period and discount rate ``i``, the
  expected value of a customer is (Gupta & Lehmann 2003, "Customers as assets", J.
  Interactive Marketing 17(1))

      CLV = sum_{t>=1} m r^t / (1 + i)^t = m r / (1 + i - r)        (margin at period ends)

  or ``m r (1 - q^H) / (1 + i - r)`` with ``q = r / (1 + i)`` over a finite horizon of
  ``H`` periods.  :func:`retention_uplift_value` compares the CLV at ``r`` and
  ``r + uplift``; :func:`retention_uplift_by_customer` does it per customer from a churn
  model's retention probabilities and a margin, or a CLV model's values (the margin is
  then implied by the formula: ``m = CLV (1 + i - r) / r``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._checks import numeric_series
from crm_models.segments._queries import as_table, input_attrs, per_customer, retention_windows

__all__ = [
    "acquisition_vs_retention",
    "clv_constant_retention",
    "retention_uplift_value",
    "retention_uplift_by_customer",
    "observed_retention_rate",
    "check_retention_periods",
    "recent_spend",
    "retention_flags",
    "retention_from_flags",
]


def _check_rate(name: str, value: float, lo: float, hi: float, closed_hi: bool = True) -> float:
    v = float(value)
    ok = np.isfinite(v) and lo <= v and (v <= hi if closed_hi else v < hi)
    if not ok:
        raise CRMDataError(f"{name} must lie in [{lo}, {hi}{']' if closed_hi else ')'}, got {value!r}",
                           source="retention economics", column=name)
    return v


def clv_constant_retention(margin: float | np.ndarray, retention_rate: float | np.ndarray,
                           discount_rate: float = 0.1, horizon: int | None = None) -> float | np.ndarray:
    """Expected discounted margin of a customer retained with probability ``r`` each period.

    ``m r / (1 + i - r)`` (infinite horizon) or ``m r (1 - q^H) / (1 + i - r)``, ``q = r/(1+i)``
    (``H`` periods); margins arrive at the end of each period the customer stays.
    """
    i = _check_rate("discount_rate", discount_rate, 0.0, np.inf, closed_hi=False)
    r = np.asarray(retention_rate, dtype=float)
    if ((r < 0) | (r > 1) | ~np.isfinite(r)).any():
        raise CRMDataError("retention rates must lie in [0, 1]", source="retention economics",
                           column="retention_rate")
    if i == 0 and horizon is None and (r == 1).any():
        raise CRMDataError("with retention 1 and no discounting the value is infinite: give a horizon "
                           "or a positive discount_rate", source="retention economics")
    m = np.asarray(margin, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if horizon is None:
            out = m * r / (1 + i - r)
        else:
            if int(horizon) != horizon or horizon < 1:
                raise CRMDataError(f"horizon must be a whole number of periods >= 1, got {horizon!r}",
                                   source="retention economics")
            q = r / (1 + i)
            geometric = np.where(np.isclose(q, 1.0), horizon, q * (1 - q**horizon) / np.where(
                np.isclose(q, 1.0), 1.0, 1 - q))
            out = m * geometric
    return float(out) if np.ndim(out) == 0 else out


def acquisition_vs_retention(n_customers: float, retention_cost: float,
                             ratios: Sequence[float] = (5, 10)) -> pd.DataFrame:
    """Cost of keeping ``n_customers`` vs replacing them with new ones, for each cost ratio.

    Returns a DataFrame indexed by ``ratio`` with ``cost_to_retain`` (= n x retention
    cost per customer), ``cost_to_acquire`` (= ratio x that) and ``saving`` (the
    difference: what retention saves compared with replacing the lost customers).
    """
    n = _check_rate("n_customers", n_customers, 0.0, np.inf, closed_hi=False)
    c = _check_rate("retention_cost", retention_cost, 0.0, np.inf, closed_hi=False)
    rs = [float(x) for x in ratios]
    if not rs or any(not np.isfinite(x) or x <= 0 for x in rs):
        raise CRMDataError(f"ratios must be positive numbers, got {list(ratios)}",
                           source="retention economics")
    retain = n * c
    out = pd.DataFrame({"cost_to_retain": retain, "cost_to_acquire": [retain * x for x in rs]},
                       index=pd.Index(rs, name="ratio"))
    out["saving"] = out["cost_to_acquire"] - out["cost_to_retain"]
    return out


def retention_uplift_value(retention_rate: float, margin: float, uplift: float = 0.05,
                           discount_rate: float = 0.1, n_customers: float = 1.0,
                           horizon: int | None = None) -> pd.Series:
    """Value of raising retention from ``r`` to ``r + uplift`` (capped at 1).

    Returns ``clv_before``, ``clv_after``, ``gain_per_customer``, ``total_gain`` (x
    ``n_customers``) and ``percent_gain`` (e.g. r = 0.8, i = 0.1: +5 points = +27.5 %).
    """
    r = _check_rate("retention_rate", retention_rate, 0.0, 1.0)
    u = _check_rate("uplift", uplift, -1.0, 1.0)
    n = _check_rate("n_customers", n_customers, 0.0, np.inf, closed_hi=False)
    r_new = min(max(r + u, 0.0), 1.0)
    before = clv_constant_retention(margin, r, discount_rate, horizon)
    after = clv_constant_retention(margin, r_new, discount_rate, horizon)
    gain = after - before
    return pd.Series({
        "retention_before": r, "retention_after": r_new, "clv_before": before, "clv_after": after,
        "gain_per_customer": gain, "total_gain": gain * n,
        "percent_gain": 100 * gain / before if before != 0 else np.inf,
    }, name="retention_uplift")


def retention_uplift_by_customer(retention: pd.Series, margin: pd.Series | float | None = None,
                                 clv: pd.Series | None = None, uplift: float = 0.05,
                                 discount_rate: float = 0.1) -> pd.DataFrame:
    """Per-customer value of ``uplift`` more retention, from a churn or CLV model.

    Parameters
    ----------
    retention:
        Probability of staying one more period per customer, e.g. ``1 - churn_probability``
        from :class:`crm_models.churn.ChurnModel` over one period.
    margin:
        Margin per period (Series by customer or one number), or
    clv:
        Each customer's CLV from a CLV model: the margin is implied by
        ``m = CLV (1 + i - r) / r`` so that the constant-retention formula reproduces it.

    Returns
    -------
    DataFrame by customer: ``retention``, ``margin``, ``clv_before``, ``clv_after``, ``gain``.
    The total is ``gain.sum()``; sort by ``gain`` to find whom a retention campaign pays for.
    """
    r = numeric_series(retention, "retention")
    bad = (r < 0) | (r > 1)
    if bad.any():
        raise CRMDataError("retention outside [0, 1] for customers "
                           f"{describe_rows(r.index[bad], r[bad].tolist())}", source="retention")
    if (margin is None) == (clv is None):
        raise CRMDataError("give either margin or clv (not both)", source="retention economics")
    i = _check_rate("discount_rate", discount_rate, 0.0, np.inf, closed_hi=False)
    u = _check_rate("uplift", uplift, -1.0, 1.0)
    if clv is not None:
        v = numeric_series(clv, "clv")
        missing = r.index.difference(v.index)
        if len(missing):
            raise CRMDataError(f"no CLV for customers {describe_rows(missing)}", source="clv")
        v = v.reindex(r.index)
        zero_r = (r == 0) & (v != 0)
        if zero_r.any():
            raise CRMDataError(f"retention 0 but CLV not 0 (no margin reproduces it) for customers "
                               f"{describe_rows(r.index[zero_r])}", source="clv")
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.where(r > 0, v * (1 + i - r) / r, 0.0)
    elif isinstance(margin, pd.Series):
        ms = numeric_series(margin, "margin")
        missing = r.index.difference(ms.index)
        if len(missing):
            raise CRMDataError(f"no margin for customers {describe_rows(missing)}", source="margin")
        m = ms.reindex(r.index).to_numpy()
    else:
        m = np.full(len(r), float(margin))
    rv = r.to_numpy()
    r_new = np.clip(rv + u, 0.0, 1.0)
    before = clv_constant_retention(m, rv, i)
    after = clv_constant_retention(m, r_new, i)
    return pd.DataFrame({"retention": rv, "margin": m, "clv_before": before, "clv_after": after,
                         "gain": after - before}, index=r.index)


def observed_retention_rate(tx: pd.DataFrame | TransactionTable, observation_end: str | pd.Timestamp,
                            period_days: int = 365) -> pd.Series:
    """Retention seen in the data: of the customers who bought in the period before last,
    the share who bought again in the last period.

    Periods are ``period_days`` long and end on ``observation_end``: previous period
    ``(end - 2p, end - p]``, last period ``(end - p, end]``.  Returns ``customers_before``,
    ``retained`` and ``retention_rate``; both periods must lie inside the data.  ``tx``: a
    validated pandas frame or a :class:`~crm_models.data.tables.TransactionTable`; whether
    each customer bought in each period is found, and counted, in one query on its engine.
    """
    tt = as_table(tx, need_amount=False)
    _check_period_days(period_days)
    end = pd.Timestamp(observation_end)
    t = tt.expr
    previous, last = retention_windows(t, end, period_days)
    flags = t.group_by("customer_id").aggregate(previous=previous.any(), last=last.any(), first=t.date.min())
    counts = flags.aggregate(first=flags.first.min(), before=flags.previous.ifelse(1, 0).sum(),
                             kept=(flags.previous & flags.last).ifelse(1, 0).sum())
    row = tt.execute(counts).iloc[0]
    check_retention_periods(row["first"], end, period_days, source=tt.source)
    return _retention_series(int(row["before"]), int(row["kept"]))


def _check_period_days(period_days: int) -> None:
    if not isinstance(period_days, int | np.integer) or period_days < 1:
        raise CRMDataError(f"period_days must be a whole number >= 1, got {period_days!r}")


def _retention_series(n_before: int, kept: int) -> pd.Series:
    if n_before == 0:
        raise CRMDataError("nobody bought in the previous period", source="transactions")
    return pd.Series({"customers_before": n_before, "retained": kept,
                      "retention_rate": kept / n_before}, name="observed_retention")


def check_retention_periods(first_date: pd.Timestamp, observation_end: str | pd.Timestamp,
                            period_days: int = 365, source: str = "transactions") -> None:
    """The whole-table check of :func:`observed_retention_rate`: ``period_days`` a whole
    number and both periods after the first transaction of the table (``first_date``)."""
    if not isinstance(period_days, int | np.integer) or period_days < 1:
        raise CRMDataError(f"period_days must be a whole number >= 1, got {period_days!r}")
    end = pd.Timestamp(observation_end)
    p = pd.Timedelta(days=period_days)
    first = pd.Timestamp(first_date)
    if end - 2 * p + pd.Timedelta(days=1) < first.normalize():
        raise CRMDataError(f"two periods of {period_days} days before {end.date()} start before the data "
                           f"(first transaction {first.date()}): the window is longer than the data",
                           source=source, column="date")


def retention_flags(tx: pd.DataFrame, observation_end: str | pd.Timestamp,
                    period_days: int = 365) -> pd.DataFrame:
    """Per customer who bought in either period of :func:`observed_retention_rate`: ``previous``
    (bought in ``(end - 2p, end - p]``) and ``last`` (bought in ``(end - p, end]``), booleans.

    The per-customer part of :func:`observed_retention_rate` (no whole-table checks).
    """
    end = pd.Timestamp(observation_end)
    p = pd.Timedelta(days=period_days)
    d = tx["date"]
    previous = ((d > end - 2 * p) & (d <= end - p)).to_numpy()
    last = ((d > end - p) & (d <= end)).to_numpy()
    either = previous | last
    ids = tx["customer_id"][either]
    flags = pd.DataFrame({"previous": previous[either], "last": last[either]}, index=ids.index)
    out = flags.groupby(ids, sort=True).any()
    out.index.name = "customer_id"
    return out


def retention_from_flags(flags: pd.DataFrame) -> pd.Series:
    """:func:`observed_retention_rate` from :func:`retention_flags` (customers x previous, last)."""
    before = flags["previous"].to_numpy(dtype=bool)
    kept = int((before & flags["last"].to_numpy(dtype=bool)).sum())
    return _retention_series(int(before.sum()), kept)


def recent_spend(tx: pd.DataFrame | TransactionTable, observation_end: str | pd.Timestamp,
                 period_days: int = 365) -> pd.Series:
    """Spend per customer in the last ``period_days`` days up to ``observation_end``
    (``(end - p, end]``), for the customers who bought then; its mean is the margin base of
    the report's retention economics.  One query on the transactions' engine."""
    tt = as_table(tx)
    _check_period_days(period_days)
    end = pd.Timestamp(observation_end)
    t = tt.expr
    _, last = retention_windows(t, end, period_days)
    spend = per_customer(tt, t.filter(last), {"spend": t.amount.sum()})["spend"].astype("float64")
    # as the pandas group-by did: the transactions' attrs (source, load log) carry over
    spend.attrs.update(input_attrs(tx, tt))
    return spend
