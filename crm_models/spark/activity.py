"""Small aggregates of a Spark transaction table: activity over time, key figures, tracking counts.

The Spark counterparts of :func:`crm_models.data.activity.customer_activity`,
:func:`crm_models.data.activity.key_figures` and :func:`crm_models.clv.tracking_counts`:
same results, computed where the data are.  Only the aggregates come back to the driver
(one row per period, or one row), never the transactions.

How (the recipe of :mod:`crm_models.spark.summary`): the statistics that need one customer's
whole history (her first purchase period, her second distinct purchase period) are computed
by the pandas code on customer-disjoint buckets (a hash of the customer id,
``groupBy(bucket).applyInPandas``), giving per-period partial counts; counts of disjoint sets
of customers add up, so a Spark ``groupBy(period).sum`` of the partial counts is the count of
the whole table, exactly.  Periods are pandas periods (any pandas alias: "D", "W", "W-MON",
"M", "Q", "Y"), computed by pandas in the buckets, so calendar rules cannot drift apart.
Sums of amounts are the one thing that is not bit for bit the pandas number: the order of the
floating-point additions differs (relative differences of the order of 1e-15).

The input is a transaction table as :func:`crm_models.spark.read_transactions` returns it:
columns ``customer_id``, ``date`` (date or timestamp; days are days in the session time zone)
and optionally ``amount``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from crm_models.clv.validation import COUNT_COLUMNS, cohort_period_counts
from crm_models.errors import CRMDataError
from crm_models.spark._checks import check_spark_frame, date_kind, timestamp_literal, to_timestamp
from crm_models.spark.summary import ROWS_PER_BUCKET

__all__ = ["customer_activity", "key_figures", "tracking_counts"]

_ACTIVITY_COUNTS = ("active", "new", "repeat", "orders", "repeaters")


def _check_input(sdf: Any, amount: bool = True) -> bool:
    """Check the canonical columns; return whether there is an amount column."""
    has_amount = amount and hasattr(sdf, "columns") and "amount" in sdf.columns
    check_spark_frame(sdf, {"customer_id": "customer_id", "date": "date",
                            "amount": "amount" if has_amount else None},
                      "transactions (from crm_models.spark.read_transactions)")
    return has_amount


def _check_freq(freq: str, what: str) -> None:
    try:
        pd.Period("2000-01-01", freq=freq)
    except (ValueError, TypeError) as exc:
        raise CRMDataError(f"unknown {what} {freq!r} (use a pandas period alias: 'D', 'W', 'M', 'Q', 'Y'): "
                           f"{exc}") from exc


def _n_buckets(sdf: Any, n_buckets: int | None) -> int:
    """Default: ``spark.sql.shuffle.partitions``, raised to keep ~1,000,000 rows per bucket."""
    if n_buckets is not None:
        if int(n_buckets) < 1:
            raise CRMDataError(f"n_buckets must be a positive integer, got {n_buckets!r}")
        return int(n_buckets)
    try:
        partitions = int(sdf.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    except (TypeError, ValueError):  # e.g. "auto" on Databricks
        partitions = 200
    return max(partitions, math.ceil(sdf.count() / ROWS_PER_BUCKET))


def _bucketed(sdf: Any, columns: list[str], n_buckets: int):
    """The transactions (dates as timestamps) grouped by a hash of the customer id."""
    from pyspark.sql import functions as F

    cols = [F.col("date").cast("timestamp").alias("date") if c == "date" and date_kind(sdf, "date") == "date"
            else F.col(c) for c in columns]
    bucket = F.pmod(F.xxhash64(F.col("customer_id")), F.lit(n_buckets)).alias("__crm_bucket")
    return sdf.select(*cols).groupBy(bucket)


def _datetimes(values: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(values).to_numpy(dtype="datetime64[ns]"))


# --- activity over time --------------------------------------------------------------------

def _activity_parts(pdf: pd.DataFrame, freq: str, purchase_period: str, has_amount: bool) -> pd.DataFrame:
    """Per-``freq``-period counts of one bucket's customers (runs on the workers).

    As in :func:`crm_models.data.activity.customer_activity`, whose transactions are sorted
    by customer and date: a customer's distinct purchase periods are represented by their
    earliest purchase.
    """
    columns = ["period", *_ACTIVITY_COUNTS, "revenue"]
    if len(pdf) == 0:
        return pd.DataFrame({c: [] for c in columns})
    dates = _datetimes(pdf["date"])
    codes, _ = pd.factorize(pdf["customer_id"].to_numpy())
    frame = pd.DataFrame({"c": codes, "date": dates, "day": dates.to_period(purchase_period).asi8,
                          "bucket": dates.to_period(freq).asi8,
                          "amount": pdf["amount"].to_numpy(dtype=float) if has_amount else 0.0})
    frame = frame.sort_values(["c", "date"], kind="stable")
    first = frame.groupby("c")["bucket"].transform("min").to_numpy()
    pairs = frame.assign(new=frame["bucket"].to_numpy() == first).drop_duplicates(["c", "bucket"])
    distinct = frame.drop_duplicates(["c", "day"])
    second = distinct.groupby("c")["bucket"].nth(1)
    parts = {
        "active": pairs.groupby("bucket").size(),
        "new": pairs.loc[pairs["new"]].groupby("bucket").size(),
        "repeat": pairs.loc[~pairs["new"]].groupby("bucket").size(),
        "orders": distinct.groupby("bucket").size(),
        "repeaters": second.value_counts(),
    }
    index = parts["active"].index
    out = pd.DataFrame({k: v.reindex(index, fill_value=0).astype("int64") for k, v in parts.items()},
                       index=index)
    out["revenue"] = frame.groupby("bucket")["amount"].sum().reindex(index).to_numpy(dtype=float)
    return out.rename_axis("period").reset_index()[columns]


def customer_activity(sdf: Any, freq: str = "M", purchase_period: str = "D", *,
                      n_buckets: int | None = None) -> pd.DataFrame:
    """New vs repeat customers, orders and revenue per period of a Spark transaction table.

    Equal to :func:`crm_models.data.activity.customer_activity` of the same transactions
    (the counts exactly; ``revenue`` up to the order of the floating-point additions):
    per ``freq`` period, ``active_customers``, ``new_customers`` (first purchase in it),
    ``repeat_customers``, ``orders`` (distinct customer-``purchase_period`` purchases),
    ``revenue``, ``repeat_share``, ``cumulative_customers`` and ``repeat_buyer_rate``
    (customers acquired so far who bought in two different ``purchase_period``\\ s).

    Parameters
    ----------
    sdf:
        Spark DataFrame with ``customer_id``, ``date`` and (optionally) ``amount``, e.g. from
        :func:`crm_models.spark.read_transactions`.
    freq, purchase_period:
        pandas period aliases, as in the pandas function.
    n_buckets:
        Customer-disjoint groups handed to pandas; default ``spark.sql.shuffle.partitions``,
        raised to keep about 1,000,000 transactions per bucket (which costs a count job).

    Returns
    -------
    pandas DataFrame indexed by period start (``period``), one row per period from the first
    to the last purchase: the pandas function's frame.
    """
    from pyspark.sql import functions as F

    has_amount = _check_input(sdf)
    _check_freq(freq, "freq")
    _check_freq(purchase_period, "purchase_period")
    n = _n_buckets(sdf, n_buckets)
    columns = ["customer_id", "date"] + (["amount"] if has_amount else [])
    schema = ("period long, active long, new long, repeat long, orders long, repeaters long, revenue double")

    def parts(pdf: pd.DataFrame) -> pd.DataFrame:
        return _activity_parts(pdf, freq, purchase_period, has_amount)

    counts = _bucketed(sdf, columns, n).applyInPandas(parts, schema)
    agg = (counts.groupBy("period").agg(*[F.sum(c).alias(c) for c in (*_ACTIVITY_COUNTS, "revenue")])
           .toPandas().set_index("period").sort_index())
    if len(agg) == 0:
        raise CRMDataError("no transactions (the table is empty)", source="transactions")
    ends = pd.PeriodIndex.from_ordinals(agg.index[[0, -1]].to_numpy(dtype=np.int64), freq=freq)
    full = pd.period_range(ends[0], ends[1], freq=freq)
    agg = agg.reindex(full.asi8, fill_value=0)
    out = pd.DataFrame(index=full)
    out["active_customers"] = agg["active"].to_numpy(dtype=np.int64)
    out["new_customers"] = agg["new"].to_numpy(dtype=np.int64)
    out["repeat_customers"] = agg["repeat"].to_numpy(dtype=np.int64)
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


# --- headline numbers ------------------------------------------------------------------------

def key_figures(sdf: Any, summary: Any = None) -> pd.Series:
    """Headline numbers of a Spark transaction table (and of its RFM summary, when given).

    Equal to :func:`crm_models.data.activity.key_figures`: ``customers``, ``transactions``,
    ``first_date``, ``last_date`` and, with amounts, ``revenue``, ``average_order_value`` and
    ``revenue_per_customer`` (sums up to the order of the additions); with ``summary`` (the
    pandas summary, e.g. from :func:`crm_models.spark.to_pandas_summary`, or the Spark one)
    ``repeat_buyer_share`` and ``mean_repeat_purchases``.  One aggregate job per frame.
    """
    from pyspark.sql import functions as F

    has_amount = _check_input(sdf)
    aggs = [F.count_distinct("customer_id").alias("customers"), F.count(F.lit(1)).alias("transactions"),
            F.date_format(F.min("date"), "yyyy-MM-dd").alias("first_date"),
            F.date_format(F.max("date"), "yyyy-MM-dd").alias("last_date")]
    if has_amount:
        aggs += [F.sum("amount").alias("revenue"), F.avg("amount").alias("average_order_value")]
    row = sdf.agg(*aggs).first().asDict()
    if row["transactions"] == 0:
        raise CRMDataError("no transactions (the table is empty)", source="transactions")
    figures: dict[str, Any] = {k: row[k] for k in ("customers", "transactions", "first_date", "last_date")}
    figures["customers"], figures["transactions"] = int(figures["customers"]), int(figures["transactions"])
    if has_amount:
        figures["revenue"] = float(row["revenue"])
        figures["average_order_value"] = float(row["average_order_value"])
        figures["revenue_per_customer"] = figures["revenue"] / figures["customers"]
    if summary is not None:
        if isinstance(summary, pd.DataFrame):
            if "frequency" not in summary.columns:
                raise CRMDataError("missing column", source="summary", column="frequency")
            figures["repeat_buyer_share"] = float((summary["frequency"] > 0).mean())
            figures["mean_repeat_purchases"] = float(summary["frequency"].mean())
        else:
            if "frequency" not in summary.columns:
                raise CRMDataError("missing column", source="summary", column="frequency")
            s = summary.agg(F.avg((F.col("frequency") > 0).cast("int")).alias("share"),
                            F.avg("frequency").alias("mean")).first()
            figures["repeat_buyer_share"] = float(s["share"])
            figures["mean_repeat_purchases"] = float(s["mean"])
    return pd.Series(figures, dtype=object)


# --- counts for the CLV tracking plot ----------------------------------------------------------

def _cohort(sdf: Any, summary: Any):
    """The summary's customer ids as a one-column Spark DataFrame of the transactions' id type."""
    from pyspark.sql import functions as F

    id_type = sdf.schema["customer_id"].dataType
    if isinstance(summary, pd.DataFrame):
        ids = pd.DataFrame({"customer_id": summary.index.astype(str).to_numpy(dtype=object)})
        if len(ids) == 0:
            raise CRMDataError("the summary has no customers", source="summary")
        cohort = sdf.sparkSession.createDataFrame(ids, "customer_id string")
    else:
        if not hasattr(summary, "columns") or "customer_id" not in summary.columns:
            raise CRMDataError("missing column; pass the summary of crm_models.spark.rfm_summary",
                               source="summary", column="customer_id")
        cohort = summary.select("customer_id")
    return cohort.select(F.col("customer_id").cast(id_type).alias("customer_id"))


def tracking_counts(sdf: Any, summary: Any, observation_end: str | pd.Timestamp, period: str = "D", *,
                    n_buckets: int | None = None) -> pd.DataFrame:
    """Per-period first and repeat purchases of the summary's customers, for the tracking plot.

    Equal, exactly, to :func:`crm_models.clv.tracking_counts` of the same transactions: pass
    it to ``crm.clv.tracking(model, counts, summary, observation_end, period, ...)`` instead
    of the transactions.

    Parameters
    ----------
    sdf:
        Spark DataFrame with ``customer_id`` and ``date`` (e.g. from
        :func:`crm_models.spark.read_transactions`).
    summary:
        The calibration summary whose customers form the cohort: the Spark DataFrame of
        :func:`crm_models.spark.rfm_summary` (joined in Spark; cache it if it is used
        again) or its pandas version (its ids are sent to the cluster).
    observation_end, period:
        As for the summary; purchases after ``observation_end`` are left out.
    n_buckets:
        As in :func:`customer_activity`.

    Returns
    -------
    pandas DataFrame indexed by the ``period`` ordinal with ``first_purchases`` and
    ``repeat_purchases`` (int64); ``attrs`` ``period`` and ``first_date``.
    """
    from pyspark.sql import functions as F

    _check_input(sdf, amount=False)
    end = to_timestamp(observation_end, "observation_end")
    _check_freq(period, "period")
    n = _n_buckets(sdf, n_buckets)  # counted on the input, not on the join (which would run the summary)
    tx = (sdf.where(F.col("date") <= timestamp_literal(end, date_kind(sdf, "date")))
          .join(_cohort(sdf, summary), "customer_id", "left_semi"))

    def parts(pdf: pd.DataFrame) -> pd.DataFrame:
        if len(pdf) == 0:
            return pd.DataFrame({c: [] for c in ("period", *COUNT_COLUMNS, "first_date")})
        c = cohort_period_counts(pdf["customer_id"].to_numpy(), _datetimes(pdf["date"]), period)
        return c.reset_index().assign(first_date=c.attrs["first_date"])

    schema = "period long, first_purchases long, repeat_purchases long, first_date string"
    counts = _bucketed(tx, ["customer_id", "date"], n).applyInPandas(parts, schema)
    agg = (counts.groupBy("period").agg(F.sum("first_purchases").alias("first_purchases"),
                                        F.sum("repeat_purchases").alias("repeat_purchases"),
                                        F.min("first_date").alias("first_date"))
           .toPandas().sort_values("period"))
    if len(agg) == 0:
        raise CRMDataError("no transactions of the summary's customers before observation_end",
                           source="transactions")
    out = pd.DataFrame({c: agg[c].to_numpy(dtype=np.int64) for c in COUNT_COLUMNS},
                       index=pd.Index(agg["period"].to_numpy(dtype=np.int64), name="period"))
    out.attrs.update({"period": period, "first_date": str(agg["first_date"].min())})
    return out
