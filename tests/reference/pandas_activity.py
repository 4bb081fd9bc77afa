"""The pandas/numpy activity aggregates, as they were before the Ibis port: the equality oracle.

Copies of ``crm_models.data.activity.customer_activity`` / ``key_figures`` and
``crm_models.clv.validation.tracking_counts`` / ``cohort_period_counts``; the period
ordinals and the transaction check come from the copied pandas summary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError
from reference.pandas_summary import _check_transactions, period_ordinals

__all__ = ["customer_activity", "key_figures", "tracking_counts", "cohort_period_counts", "COUNT_COLUMNS"]


def customer_activity(tx: pd.DataFrame, freq: str = "M", purchase_period: str = "D") -> pd.DataFrame:
    """Activity per ``freq`` period (pandas period alias: "M", "Q", "W").

    Returns a DataFrame indexed by period start (Timestamp) with ``active_customers``,
    ``new_customers``, ``repeat_customers``, ``orders`` (distinct customer-``purchase_period``
    purchases), ``revenue``, ``repeat_share``, ``cumulative_customers``, ``repeat_buyer_rate``.
    """
    _check_transactions(tx, need_amount=False)
    customer = tx["customer_id"].to_numpy()
    day = tx["date"].dt.to_period(purchase_period)
    bucket = tx["date"].dt.to_period(freq)
    amount = tx["amount"] if "amount" in tx.columns else pd.Series(0.0, index=tx.index)
    frame = pd.DataFrame({"customer_id": customer, "day": day, "bucket": bucket, "amount": amount})
    first = frame.groupby("customer_id")["bucket"].transform("min")
    frame["is_new"] = frame["bucket"] == first

    grouped = frame.groupby("bucket")
    active = grouped["customer_id"].nunique()
    new = frame.loc[frame["is_new"]].groupby("bucket")["customer_id"].nunique()
    repeat = frame.loc[~frame["is_new"]].groupby("bucket")["customer_id"].nunique()
    orders = frame.drop_duplicates(["customer_id", "day"]).groupby("bucket").size()
    revenue = grouped["amount"].sum()

    full = pd.period_range(bucket.min(), bucket.max(), freq=freq)
    out = pd.DataFrame(index=full)
    out["active_customers"] = active.reindex(full, fill_value=0)
    out["new_customers"] = new.reindex(full, fill_value=0)
    out["repeat_customers"] = repeat.reindex(full, fill_value=0)
    out["orders"] = orders.reindex(full, fill_value=0)
    out["revenue"] = revenue.reindex(full, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["repeat_share"] = np.where(out["active_customers"] > 0,
                                       out["repeat_customers"] / out["active_customers"], 0.0)
    out["cumulative_customers"] = out["new_customers"].cumsum()

    # date of each customer's second distinct purchase period -> repeat buyers so far
    distinct = frame.drop_duplicates(["customer_id", "day"]).sort_values(["customer_id", "day"])
    second = distinct.groupby("customer_id")["bucket"].nth(1)
    repeaters = second.value_counts().reindex(full, fill_value=0).cumsum()
    out["repeat_buyer_rate"] = repeaters.to_numpy() / np.maximum(out["cumulative_customers"], 1)
    out.index = full.to_timestamp()
    out.index.name = "period"
    return out


def key_figures(tx: pd.DataFrame, summary: pd.DataFrame | None = None) -> pd.Series:
    """Headline numbers of a transaction log (and its RFM summary, when given)."""
    _check_transactions(tx, need_amount=False)
    figures = {
        "customers": tx["customer_id"].nunique(),
        "transactions": len(tx),
        "first_date": tx["date"].min().date().isoformat(),
        "last_date": tx["date"].max().date().isoformat(),
    }
    if "amount" in tx.columns:
        figures["revenue"] = float(tx["amount"].sum())
        figures["average_order_value"] = float(tx["amount"].mean())
        figures["revenue_per_customer"] = figures["revenue"] / figures["customers"]
    if summary is not None:
        figures["repeat_buyer_share"] = float((summary["frequency"] > 0).mean())
        figures["mean_repeat_purchases"] = float(summary["frequency"].mean())
    return pd.Series(figures, dtype=object)


#: Columns of the per-period purchase counts that :func:`tracking` accepts instead of transactions.
COUNT_COLUMNS = ("first_purchases", "repeat_purchases")


def cohort_period_counts(customer_ids: np.ndarray, dates: pd.Series | np.ndarray,
                         period: str) -> pd.DataFrame:
    """Per-period purchase counts of a set of customers' transactions (no filtering).

    Rows: the ordinals of ``period`` (:func:`crm_models.data.summary.period_ordinals`) in
    which something happened, sorted; ``first_purchases`` = customers whose first purchase
    period it is, ``repeat_purchases`` = customers buying in it after their first period
    (distinct customer-periods: several purchases of one customer in one period count once).
    ``attrs``: ``period`` and ``first_date`` (the day of the earliest purchase).  Counts of
    customer-disjoint sets of transactions add up (the Spark version relies on it).
    """
    dates = pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[ns]"))
    p = period_ordinals(dates, period)
    codes, _ = pd.factorize(np.asarray(customer_ids))
    # distinct (customer, period) purchases; the first one of each customer is the trial
    key = np.unique(np.column_stack([codes, p]), axis=0)
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, key[:, 0], key[:, 1])
    births, n_births = np.unique(first, return_counts=True)
    repeats, n_repeats = np.unique(key[:, 1][key[:, 1] > first[key[:, 0]]], return_counts=True)
    index = np.union1d(births, repeats)
    out = pd.DataFrame({"first_purchases": np.zeros(index.size, dtype=np.int64),
                        "repeat_purchases": np.zeros(index.size, dtype=np.int64)},
                       index=pd.Index(index.astype(np.int64), name="period"))
    out.iloc[np.searchsorted(index, births), 0] = n_births
    out.iloc[np.searchsorted(index, repeats), 1] = n_repeats
    out.attrs.update({"period": period, "first_date": str(dates.min().date())})
    return out


def tracking_counts(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    period: str = "D",
) -> pd.DataFrame:
    """What :func:`tracking` needs from the transactions: per-period counts of the cohort.

    The cohort is the summary's customers; purchases after ``observation_end`` are left out.
    Returns the frame of :func:`cohort_period_counts` (columns ``first_purchases`` and
    ``repeat_purchases`` by ``period`` ordinal); ``tracking(model, counts, summary, ...)``
    gives exactly what ``tracking(model, transactions, summary, ...)`` gives.  On Spark:
    :func:`crm_models.spark.activity.tracking_counts` (only these counts leave the cluster).
    """
    for col in ("customer_id", "date"):
        if not isinstance(transactions, pd.DataFrame) or col not in transactions.columns:
            raise CRMDataError("missing column; pass the table through crm.data.load_transactions",
                               source="transactions", column=col)
    end = pd.Timestamp(observation_end)
    tx = transactions.loc[transactions["date"] <= end]
    tx = tx.loc[tx["customer_id"].isin(summary.index)]
    if len(tx) == 0:
        raise CRMDataError("no transactions of the summary's customers before observation_end",
                           source="transactions")
    return cohort_period_counts(tx["customer_id"].to_numpy(), tx["date"], period)
