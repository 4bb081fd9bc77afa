"""The customer base over time: new vs repeat customers, orders and revenue per month.

Definitions (per calendar period, default months):

* ``new_customers``: customers whose first purchase falls in the period;
* ``repeat_customers``: customers buying in the period whose first purchase was earlier;
* ``repeat_share`` = repeat / active customers of the period;
* ``cumulative_customers``: customers acquired so far;
* ``repeat_buyer_rate``: share of the customers acquired so far who have bought in at
  least two different periods of ``purchase_period`` (the BTYD notion: frequency > 0).

The computation is one query on the transactions' engine (DuckDB for pandas frames, Spark
for Spark tables, any Ibis backend, see :mod:`crm_models.data.backends`): purchases are
grouped by customer and period, then by period; only one row per period (or one row for
:func:`key_figures`) leaves the engine.  Periods are integer ordinals inside the query
(:func:`~crm_models.data.periods.period_ordinal_expr`); their calendar starts are computed
by pandas afterwards, so the calendar rules are pandas' own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.data.periods import check_engine_period, ordinal_offset, pandas_freq, period_ordinal_expr
from crm_models.data.tables import TransactionTable, transaction_table
from crm_models.errors import CRMDataError

__all__ = ["customer_activity", "key_figures"]

def _empty(tt: TransactionTable) -> CRMDataError:
    return CRMDataError("no transactions (the table is empty)", source=tt.source)


def _activity_query(tt: TransactionTable, freq: str, purchase_period: str) -> Any:
    """Per ``freq`` ordinal: active, new, orders, repeaters (second purchase period), revenue."""
    import ibis

    t = tt.expr
    amount = t.amount if tt.has_amount else ibis.literal(0.0, type="float64")
    base = t.select(customer_id=t.customer_id, bucket=period_ordinal_expr(t.date, freq),
                    day=period_ordinal_expr(t.date, purchase_period), amount=amount)

    # one row per customer, purchase period and bucket (a purchase period may span buckets,
    # e.g. months of weeks); windows over the customer's rows then mark her first bucket, the
    # first row of each of her buckets, the earliest bucket of each purchase period (where
    # the order is counted) and the rank of the purchase period (1, counted from 0: the
    # second one makes her a repeat buyer).  One pass, partitioned by customer.
    g = base.group_by(["customer_id", "day", "bucket"]).aggregate(revenue=base.amount.sum())
    g = g.mutate(
        first=g.bucket.min().over(group_by=g.customer_id),
        pair_row=ibis.row_number().over(group_by=[g.customer_id, g.bucket], order_by=g.day),
        day_bucket=g.bucket.min().over(group_by=[g.customer_id, g.day]),
        day_rank=ibis.dense_rank().over(group_by=g.customer_id, order_by=g.day),
    )
    pair = g.pair_row == 0
    order = g.bucket == g.day_bucket
    return g.group_by("bucket").aggregate(
        active=pair.cast("int64").sum(),
        new=(pair & (g.bucket == g["first"])).cast("int64").sum(),
        orders=order.cast("int64").sum(),
        repeaters=(order & (g.day_rank == 1)).cast("int64").sum(),
        revenue=g.revenue.sum(),
    ).order_by("bucket")


def customer_activity(tx: pd.DataFrame | TransactionTable, freq: str = "M",
                      purchase_period: str = "D") -> pd.DataFrame:
    """Activity per ``freq`` period (pandas period alias: "M", "Q", "W").

    Parameters
    ----------
    tx:
        Validated transactions (``customer_id``, ``date``, optional ``amount``): the frame of
        :func:`crm_models.data.load_transactions` or a
        :class:`~crm_models.data.tables.TransactionTable` on any engine.
    freq:
        The periods of the rows: one of :data:`~crm_models.data.periods.ENGINE_PERIODS`
        ("M", "Q", "Y", "W", "W-MON" ..., "D", ...).
    purchase_period:
        Purchases of a customer within one such period count as one order ("D": days).

    Returns
    -------
    DataFrame indexed by period start (Timestamp, ``period``), one row per period from the
    first to the last purchase, with ``active_customers``, ``new_customers``,
    ``repeat_customers``, ``orders`` (distinct customer-``purchase_period`` purchases, each in
    the period of its earliest purchase), ``revenue``, ``repeat_share``,
    ``cumulative_customers``, ``repeat_buyer_rate``.

    Notes
    -----
    One query on the transactions' engine: the transactions are grouped by customer,
    purchase period and period; window functions over each customer's rows mark her first
    period, her distinct periods, the period of each order and her second purchase period;
    these marks are counted per period.
    """
    tt = transaction_table(tx)
    check_engine_period(freq)
    check_engine_period(purchase_period)
    agg = tt.execute(_activity_query(tt, freq, purchase_period))
    if len(agg) == 0:
        raise _empty(tt)

    offset = ordinal_offset(freq)
    ordinals = agg["bucket"].to_numpy(dtype=np.int64)
    ends = pd.PeriodIndex.from_ordinals(ordinals[[0, -1]] + offset, freq=pandas_freq(freq))
    full = pd.period_range(ends[0], ends[1], freq=pandas_freq(freq))
    agg = agg.set_index(ordinals + offset).reindex(full.asi8, fill_value=0)

    out = pd.DataFrame(index=full)
    active = agg["active"].to_numpy(dtype=np.int64)
    new = agg["new"].to_numpy(dtype=np.int64)
    out["active_customers"] = active
    out["new_customers"] = new
    out["repeat_customers"] = active - new
    out["orders"] = agg["orders"].to_numpy(dtype=np.int64)
    out["revenue"] = agg["revenue"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["repeat_share"] = np.where(out["active_customers"] > 0,
                                       out["repeat_customers"] / out["active_customers"], 0.0)
    out["cumulative_customers"] = out["new_customers"].cumsum()
    repeaters = np.cumsum(agg["repeaters"].to_numpy(dtype=np.int64))
    out["repeat_buyer_rate"] = repeaters / np.maximum(out["cumulative_customers"], 1)
    out.index = full.to_timestamp()
    out.index.name = "period"
    return out


def _summary_figures(summary: Any) -> dict[str, float]:
    """Repeat buyer share and mean repeat purchases of a summary (pandas or Ibis table)."""
    if not hasattr(summary, "columns") or "frequency" not in summary.columns:
        raise CRMDataError("missing column; pass the summary of crm.data.rfm_summary",
                           source="summary", column="frequency")
    if isinstance(summary, pd.DataFrame):
        return {"repeat_buyer_share": float((summary["frequency"] > 0).mean()),
                "mean_repeat_purchases": float(summary["frequency"].mean())}
    import ibis

    if not isinstance(summary, ibis.Table):
        raise CRMDataError(f"cannot read a summary of type {type(summary).__name__}; pass the pandas "
                           "summary of crm.data.rfm_summary or an Ibis table", source="summary")
    f = summary.frequency
    row = summary.aggregate(share=(f > 0).cast("float64").mean(), mean=f.cast("float64").mean()).execute()
    return {"repeat_buyer_share": float(row["share"].iloc[0]),
            "mean_repeat_purchases": float(row["mean"].iloc[0])}


def key_figures(tx: pd.DataFrame | TransactionTable, summary: Any = None) -> pd.Series:
    """Headline numbers of a transaction log (and its RFM summary, when given).

    ``customers``, ``transactions``, ``first_date``, ``last_date`` and, with amounts,
    ``revenue``, ``average_order_value`` and ``revenue_per_customer``: one aggregate on the
    transactions' engine.  With ``summary`` (the frame of :func:`crm_models.data.rfm_summary`,
    or an Ibis table with its ``frequency`` column) also ``repeat_buyer_share`` and
    ``mean_repeat_purchases``.
    """
    tt = transaction_table(tx)
    t = tt.expr
    metrics = {"customers": t.customer_id.nunique(), "transactions": t.count(),
               "first": t.date.min(), "last": t.date.max()}
    if tt.has_amount:
        metrics.update(revenue=t.amount.sum(), mean=t.amount.mean())
    row = tt.execute(t.aggregate(**metrics)).iloc[0]
    if int(row["transactions"]) == 0:
        raise _empty(tt)
    figures: dict[str, Any] = {
        "customers": int(row["customers"]),
        "transactions": int(row["transactions"]),
        "first_date": pd.Timestamp(row["first"]).date().isoformat(),
        "last_date": pd.Timestamp(row["last"]).date().isoformat(),
    }
    if tt.has_amount:
        figures["revenue"] = float(row["revenue"])
        figures["average_order_value"] = float(row["mean"])
        figures["revenue_per_customer"] = figures["revenue"] / figures["customers"]
    if summary is not None:
        figures.update(_summary_figures(summary))
    return pd.Series(figures, dtype=object)
