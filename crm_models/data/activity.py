"""The customer base over time: new vs repeat customers, orders and revenue per month.

Definitions (per calendar period, default months):

* ``new_customers``: customers whose first purchase falls in the period;
* ``repeat_customers``: customers buying in the period whose first purchase was earlier;
* ``repeat_share`` = repeat / active customers of the period;
* ``cumulative_customers``: customers acquired so far;
* ``repeat_buyer_rate``: share of the customers acquired so far who have bought in at
  least two different periods of ``purchase_period`` (the BTYD notion: frequency > 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_models.data.tables import check_transaction_frame as _check_transactions

__all__ = ["customer_activity", "key_figures"]


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
