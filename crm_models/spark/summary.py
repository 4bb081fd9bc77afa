"""RFM / calibration-holdout summaries of a Spark transaction table, and their compression.

``rfm_summary`` gives, per customer, exactly what :func:`crm_models.data.rfm_summary` gives
for the same transactions (Fader, Hardie & Lee 2005: frequency x = repeat purchase periods,
recency t_x and age T from the first purchase, mean repeat-period value; with a calibration
end the holdout columns), as a Spark DataFrame, without collecting transactions:

1. One aggregate job validates the data (missing ids/dates/amounts, every purchase after
   the observation end, calibration end before the first purchase) and counts the rows.
2. Transactions are spread over customer-disjoint buckets (a hash of the customer id);
   ``applyInPandas`` runs the pandas implementation on each bucket, in the input row order.
   Every statistic depends on one customer's purchases only, so the union of the bucket
   summaries *is* the summary of the whole table: same periods, same same-period merging,
   and the same floating-point sums, in the same order, to the last bit.

``compress_summary`` then reduces the summary to its distinct (frequency, recency, T) rows
with a ``weight`` (number of customers): the sufficient statistics of the BG/NBD, Pareto/NBD
and BG/BB likelihoods, small enough to fit on the driver (times on a daily grid give at
most a few hundred thousand distinct rows whatever the number of customers).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from crm_models.data.summary import period_length_in, period_ordinals
from crm_models.data.summary import rfm_summary as pandas_rfm_summary
from crm_models.errors import CRMDataError
from crm_models.spark._checks import (
    ROW,
    check_spark_frame,
    date_kind,
    timestamp_literal,
    to_timestamp,
)

__all__ = ["rfm_summary", "to_pandas_summary", "compress_summary", "SUMMARY_METADATA_KEY"]

#: Key of the column metadata (on ``T``) recording how a Spark summary was built.
SUMMARY_METADATA_KEY = "crm_summary"
#: Transactions per bucket aimed at by the default number of buckets (one pandas frame each).
ROWS_PER_BUCKET = 1_000_000


def _check_period(period: str, time_unit: str | None, end: pd.Timestamp) -> None:
    """Unknown periods / units, or a calendar period in a fixed unit, raise here on the driver."""
    period_length_in(period, time_unit)
    try:
        period_ordinals(np.array([end.to_datetime64()]), period)
    except ValueError as exc:
        if isinstance(exc, CRMDataError):
            raise
        raise CRMDataError(f"unknown period {period!r} (use a pandas period: 'D', 'W', 'W-MON', 'M', "
                           f"'Q', 'Y', 'h'): {exc}") from exc


def _validate(sdf: Any, cid: str, date: str, amount: str | None, kind: str, end: pd.Timestamp,
              cal_end: pd.Timestamp | None, source: str) -> int:
    """One aggregate pass: refuse missing values and windows without data; return the row count."""
    from pyspark.sql import functions as F

    d = F.col(date)
    aggs = [
        F.count(F.lit(1)).alias("n"),
        F.count_if(F.col(cid).isNull()).alias("null_id"),
        F.count_if(d.isNull()).alias("null_date"),
        F.count_if(d > timestamp_literal(end, kind)).alias("after_end"),
        F.date_format(F.min(d), "yyyy-MM-dd").alias("first"),
    ]
    if amount is not None:
        aggs.append(F.count_if(F.col(amount).isNull() | F.isnan(F.col(amount).cast("double")))
                    .alias("null_amount"))
    if cal_end is not None:
        aggs.append(F.count_if(d <= timestamp_literal(cal_end, kind)).alias("in_calibration"))
    row = sdf.agg(*aggs).first().asDict()
    if row["n"] == 0:
        raise CRMDataError("no transactions (the table is empty)", source=source)
    for key, col in (("null_id", cid), ("null_date", date), ("null_amount", amount)):
        if row.get(key):
            raise CRMDataError(f"{row[key]:,} rows with a missing value; drop or fill them first",
                               source=source, column=col)
    if row["after_end"] == row["n"]:
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=source, column=date)
    if cal_end is not None and row["in_calibration"] == 0:
        raise CRMDataError(f"calibration_end {cal_end.date()} is before the first transaction "
                           f"{row['first']}", source=source, column=date)
    return int(row["n"])


def _output_schema(id_field: Any, has_amount: bool, holdout: bool, metadata: dict) -> Any:
    from pyspark.sql import types as T

    fields = [T.StructField(id_field.name, id_field.dataType, False),
              T.StructField("frequency", T.LongType(), False),
              T.StructField("recency", T.DoubleType(), False),
              T.StructField("T", T.DoubleType(), False, metadata={SUMMARY_METADATA_KEY: metadata})]
    if has_amount:
        fields.append(T.StructField("monetary_value", T.DoubleType(), False))
    if holdout:
        fields.append(T.StructField("frequency_holdout", T.LongType(), False))
        if has_amount:
            fields.append(T.StructField("monetary_value_holdout", T.DoubleType(), False))
        fields.append(T.StructField("duration_holdout", T.DoubleType(), False))
    return T.StructType(fields)


def _summarise_bucket(pdf: pd.DataFrame, *, cid: str, date: str, amount: str | None,
                      end: pd.Timestamp, period: str, time_unit: str | None,
                      cal_end: pd.Timestamp | None, columns: list[str]) -> pd.DataFrame:
    """The pandas summary of one bucket's customers (runs on the workers)."""
    # load_transactions' order (by date, ties in input order) within each customer, so a
    # day's orders are summed in time order as the pandas summary of the loaded table sums them
    pdf = pdf.assign(**{date: pd.to_datetime(pdf[date])}).sort_values([date, ROW], kind="stable")
    tx = pd.DataFrame({"customer_id": pdf[cid].to_numpy(),
                       "date": pdf[date].to_numpy(dtype="datetime64[ns]")})
    if amount is not None:
        tx["amount"] = pdf[amount].to_numpy(dtype="float64")
    keep = tx["date"].to_numpy() <= end.to_datetime64()
    if cal_end is not None:
        # customers first seen after the calibration end are not in the cohort (pandas
        # drops them too); dropping them here keeps pandas' whole-table checks valid
        first = tx.loc[keep].groupby("customer_id", sort=False)["date"].transform("min")
        keep[np.flatnonzero(keep)[(first > cal_end).to_numpy()]] = False
    tx = tx.loc[keep]
    if len(tx) == 0:
        return pd.DataFrame({c: [] for c in columns})
    s = pandas_rfm_summary(tx, observation_end=end, period=period, time_unit=time_unit,
                           calibration_end=cal_end)
    out = s.reset_index()
    out.columns = [cid, *s.columns]
    return out[columns]


def rfm_summary(
    spark_df: Any,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    time_unit: str | None = None,
    calibration_end: str | pd.Timestamp | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    *,
    n_buckets: int | None = None,
) -> Any:
    """Frequency, recency, T and monetary value per customer of a Spark transaction table.

    Same semantics and columns as :func:`crm_models.data.rfm_summary`:

    * purchases in the same ``period`` ("D", "W" = weeks ending Sunday as pandas' W-SUN,
      "W-MON"..., "M", "Q", "Y", "h": any pandas period) count once, their values summed;
    * ``frequency`` = number of repeat purchase periods; ``recency`` = last minus first
      purchase period and ``T`` = observation (or calibration) end minus first purchase
      period, both in ``time_unit`` (default: the period; e.g. daily purchases in weeks);
    * ``monetary_value`` = mean value of the repeat periods (0 without repeats);
    * purchases after ``observation_end`` are left out;
    * with ``calibration_end``: the summary covers purchases up to it, plus
      ``frequency_holdout`` (purchase periods after it, up to the observation end),
      ``monetary_value_holdout`` (their mean value, same-period purchases summed) and
      ``duration_holdout``; customers first seen after it are not in the cohort.

    Parameters
    ----------
    spark_df:
        One row per purchase.  Dates are date or timestamp columns; timestamps are read
        in the session time zone (``spark.sql.session.timeZone``), so a day is a day there.
    observation_end, period, time_unit, calibration_end:
        As in :func:`crm_models.data.rfm_summary`.
    customer_id, date, amount:
        Column names; ``amount=None`` for data without order values (no monetary columns).
    n_buckets:
        Number of customer-disjoint groups handed to pandas (each one a pandas frame on a
        worker).  Default: ``spark.sql.shuffle.partitions``, raised to keep about
        1,000,000 transactions per bucket.

    Returns
    -------
    Spark DataFrame (lazy): the ``customer_id`` column (its own name and type) and
    ``frequency`` (long), ``recency``, ``T``, ``monetary_value`` and the holdout columns
    (double).  One validation job runs now; the summary is computed when the result is
    used.  :func:`to_pandas_summary` collects it as the pandas frame.

    Raises
    ------
    CRMDataError
        Not a Spark DataFrame, a missing column, dates that are not dates, non-numeric
        amounts, an unknown period or a period/time_unit pair without a fixed ratio, missing
        values, an empty table, every purchase after the observation end, a calibration end
        not before the observation end or before the first purchase.
    """
    from pyspark.sql import functions as F

    source = "Spark DataFrame"
    check_spark_frame(spark_df, {"customer_id": customer_id, "date": date, "amount": amount}, source)
    end = to_timestamp(observation_end, "observation_end")
    cal_end = None if calibration_end is None else to_timestamp(calibration_end, "calibration_end")
    if cal_end is not None and cal_end >= end:
        raise CRMDataError(f"calibration_end {cal_end.date()} must be before observation_end {end.date()}")
    _check_period(period, time_unit, end)
    if n_buckets is not None and int(n_buckets) < 1:
        raise CRMDataError(f"n_buckets must be a positive integer, got {n_buckets!r}")

    kind = date_kind(spark_df, date)
    n_rows = _validate(spark_df, customer_id, date, amount, kind, end, cal_end, source)
    spark = spark_df.sparkSession
    if n_buckets is None:
        try:
            partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))
        except (TypeError, ValueError):  # e.g. "auto" on Databricks
            partitions = 200
        n_buckets = max(partitions, math.ceil(n_rows / ROWS_PER_BUCKET))

    d = F.col(date).cast("timestamp") if kind == "date" else F.col(date)
    cols = [F.col(customer_id), d.alias(date)] + ([F.col(amount).cast("double").alias(amount)]
                                                    if amount is not None else [])
    tx = spark_df.select(*cols, F.monotonically_increasing_id().alias(ROW))
    bucket = F.pmod(F.xxhash64(F.col(customer_id)), F.lit(int(n_buckets))).alias("__crm_bucket")
    metadata = {"observation_end": str(end.date()), "period": period, "time_unit": time_unit or period,
                "calibration_end": None if cal_end is None else str(cal_end.date())}
    schema = _output_schema(spark_df.schema[customer_id], amount is not None, cal_end is not None, metadata)
    columns = schema.fieldNames()

    def summarise(pdf: pd.DataFrame) -> pd.DataFrame:
        return _summarise_bucket(pdf, cid=customer_id, date=date, amount=amount, end=end, period=period,
                                 time_unit=time_unit, cal_end=cal_end, columns=columns)

    return tx.groupBy(bucket).applyInPandas(summarise, schema)


def _metadata(sdf: Any, column: str, key: str) -> dict:
    try:
        meta = sdf.schema[column].metadata.get(key)
    except (KeyError, AttributeError):
        return {}
    if isinstance(meta, str):
        meta = json.loads(meta)
    return dict(meta or {})


def to_pandas_summary(summary_sdf: Any, customer_id: str = "customer_id") -> pd.DataFrame:
    """Collect a Spark summary as the pandas frame of :func:`crm_models.data.rfm_summary`.

    Indexed by ``customer_id`` (sorted; text ids as ``string[pyarrow]`` like
    ``load_transactions``), ``frequency`` as int64; ``attrs`` record the observation end,
    period and time unit.  Only for summaries that fit in the driver's memory (the point
    of :func:`compress_summary` and :mod:`crm_models.spark.scoring` is not to need this).
    """
    if customer_id not in summary_sdf.columns:
        raise CRMDataError("customer id column not in the summary", column=customer_id)
    pdf = summary_sdf.toPandas()
    ids = pdf[customer_id]
    if ids.dtype == object or pd.api.types.is_string_dtype(ids):
        ids = ids.astype("string[pyarrow]")
    out = pdf.drop(columns=customer_id).set_index(pd.Index(ids, name=customer_id)).sort_index()
    for col in ("frequency", "frequency_holdout"):
        if col in out.columns:
            out[col] = out[col].astype("int64")
    meta = _metadata(summary_sdf, "T", SUMMARY_METADATA_KEY)
    out.attrs.update({k: v for k, v in meta.items() if k in ("observation_end", "period", "time_unit")})
    return out


def compress_summary(summary_sdf: Any, columns: tuple[str, ...] = ("frequency", "recency", "T")
                     ) -> pd.DataFrame:
    """Distinct ``columns`` rows of a Spark summary with their count ``weight``, on the driver.

    The BG/NBD, Pareto/NBD, MBG/NBD and BG/BB likelihoods depend on a customer only through
    (frequency, recency, T), so fitting on the distinct rows with weights gives the same
    estimates as fitting on every customer.  Pass the result to a model that takes weights,
    e.g. ``crm.clv.BetaGeoModel().fit(c, weights="weight")`` (models that do not: expand it
    with ``c.loc[c.index.repeat(c["weight"])]``).  Gamma-Gamma depends on (frequency,
    monetary_value), which rarely repeat: fit it on the repeat buyers' two columns
    (``summary_sdf.where("frequency > 0").select("frequency", "monetary_value").toPandas()``)
    or a sample of them.

    Returns
    -------
    pandas DataFrame: ``columns`` and ``weight`` (int64), sorted by ``columns``.
    """
    from pyspark.sql import functions as F

    missing = [c for c in columns if c not in summary_sdf.columns]
    if missing:
        raise CRMDataError("column not in the summary (pass the output of crm.spark.rfm_summary)",
                           column=missing[0])
    if "weight" in columns:
        raise CRMDataError("'weight' is the output column; it cannot be a grouping column", column="weight")
    pdf = summary_sdf.groupBy(*columns).agg(F.count(F.lit(1)).alias("weight")).toPandas()
    pdf = pdf.sort_values(list(columns), kind="stable").reset_index(drop=True)
    pdf["weight"] = pdf["weight"].astype("int64")
    if "frequency" in pdf.columns:
        pdf["frequency"] = pdf["frequency"].astype("int64")
    return pdf
