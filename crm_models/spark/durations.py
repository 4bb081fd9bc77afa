"""Non-contractual survival data (churn = no purchase for an inactivity window) on Spark.

Same semantics, columns and numbers as ``crm_models.churn.durations_from_transactions``
(the pandas version): purchases are counted per day; the default window ``w`` is the
``quantile`` (numpy's "higher" method) of the pooled gaps between a customer's consecutive
purchase days; a spell is a run of purchase days without a gap longer than ``w``; a spell
ended by a gap > w, or whose last purchase is more than ``w`` before the observation end,
is a churn (``event = 1``), otherwise it is right-censored.

Computed natively in Spark with one shuffle (transactions are partitioned by customer;
the per-day table, the gaps, the spells and their summaries all reuse that partitioning):

* the window's quantile comes from a histogram of the gaps (whole days, so a few hundred
  distinct values) collected to the driver and read with numpy's index rule
  ``ceil((n - 1) q)``: the same observed gap numpy picks from the full array;
* same-day order values are summed in input row order with Kahan compensation, as
  pandas' ``groupby().sum()`` does, so ``first_amount`` is bit-identical;
* features come from the day's first order in input row order (as pandas' stable sort).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.churn._checks import TIME_UNITS  # days in one time unit (a month is 365.25/12 days)
from crm_models.churn.durations import _window_days
from crm_models.errors import CRMDataError
from crm_models.spark._checks import (
    ROW,
    check_spark_frame,
    day_literal,
    describe_examples,
    to_timestamp,
)

__all__ = ["durations_from_transactions", "to_pandas_durations", "window_from_gap_counts",
           "CHURN_METADATA_KEY"]

#: Key of the column metadata (on ``duration``) holding what pandas keeps in ``attrs["crm_churn"]``.
CHURN_METADATA_KEY = "crm_churn"
NS_PER_DAY = 86_400_000_000_000
OUTPUT = ["spell", "first_purchase", "last_purchase", "n_purchase_days", "churn_date", "duration", "event",
          "inactivity_window", "first_amount"]


def window_from_gap_counts(gaps: np.ndarray, counts: np.ndarray, quantile: float = 0.9) -> float:
    """``np.quantile(all_gaps, quantile, method="higher")`` from a histogram (gap value, count).

    numpy's "higher" rule takes the sorted sample at index ``ceil((n - 1) * quantile)``;
    that is the smallest gap whose cumulative count exceeds the index.
    """
    if not 0 < quantile < 1:
        raise CRMDataError(f"quantile must be in (0, 1), got {quantile!r}")
    order = np.argsort(gaps, kind="stable")
    gaps, counts = np.asarray(gaps, dtype=float)[order], np.asarray(counts, dtype=np.int64)[order]
    n = int(counts.sum())
    if n == 0:
        raise CRMDataError("cannot derive an inactivity window: no customer bought twice; "
                           "pass inactivity_window= (in days)")
    index = min(int(math.ceil((n - 1) * float(quantile))), n - 1)
    return float(gaps[np.searchsorted(np.cumsum(counts), index + 1)])


def _kahan_sum(values: Any, amount: str) -> Any:
    """Sum of ``values`` (an array of structs sorted by row) with pandas' Kahan compensation."""
    from pyspark.sql import functions as F

    def step(acc: Any, x: Any) -> Any:
        y = x[amount] - acc["c"]
        t = acc["s"] + y
        c = (t - acc["s"]) - y
        return F.struct(t.alias("s"), F.when(F.isnan(c), F.lit(0.0)).otherwise(c).alias("c"))

    start = F.struct(F.lit(0.0).alias("s"), F.lit(0.0).alias("c"))
    return F.aggregate(values, start, step, lambda acc: acc["s"])


def _validate(sdf: Any, cid: str, date: str, amount: str | None, obs_end: pd.Timestamp) -> None:
    from pyspark.sql import functions as F

    late_cond = F.to_date(F.col(date)) > day_literal(obs_end)
    aggs = [F.count(F.lit(1)).alias("n"), F.count_if(F.col(cid).isNull()).alias("null_id"),
            F.count_if(F.col(date).isNull()).alias("null_date"), F.count_if(late_cond).alias("late")]
    bad_amount = None
    if amount is not None:
        bad_amount = F.col(amount).isNull() | F.isnan(F.col(amount).cast("double"))
        aggs.append(F.count_if(bad_amount).alias("null_amount"))
    row = sdf.agg(*aggs).first().asDict()
    if row["n"] == 0:
        raise CRMDataError("no transactions (the table is empty)")
    if row["null_id"]:
        raise CRMDataError(f"missing customer ids in {row['null_id']:,} rows", column=cid)
    if row["null_date"]:
        shown = describe_examples(sdf, F.col(date).isNull(), [cid, date], row["null_date"])
        raise CRMDataError(f"missing dates in {shown}", column=date)
    if row["late"]:
        shown = describe_examples(sdf, late_cond, [cid, date], row["late"])
        raise CRMDataError(f"purchases after the observation end {obs_end.date()} in {shown}", column=date)
    if row.get("null_amount"):
        shown = describe_examples(sdf, bad_amount, [cid, amount], row["null_amount"])
        raise CRMDataError(f"non-numeric or missing amounts in {shown}", column=amount)


def durations_from_transactions(
    spark_df: Any,
    observation_end: Any,
    inactivity_window: Any = None,
    *,
    quantile: float = 0.9,
    time_unit: Literal["D", "W", "M", "Y"] = "D",
    spells: Literal["first", "all"] = "first",
    churn_date: Literal["window_end", "last_purchase"] = "window_end",
    features: Sequence[str] | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> Any:
    """Survival data (duration, event) per customer spell from a Spark purchase table.

    Parameters, semantics and output columns are those of
    ``crm_models.churn.durations_from_transactions``:

    * ``inactivity_window`` ``w`` in days (number, ``pd.Timedelta`` or "90D"); ``None``: the
      ``quantile`` of the pooled gaps between consecutive purchase days (numpy "higher");
    * a spell with last purchase day ``L`` churned (``event = 1``) if a later purchase comes
      after a gap > w, or ``observation_end - L > w``; otherwise it is censored;
    * ``churn_date="window_end"``: the churn is dated ``L + w`` and censored spells run to
      the observation end; ``"last_purchase"``: both end at ``L``;
    * ``spells="first"``: one row per customer (time to first churn); ``"all"``: every spell;
    * ``features``: columns taken from the first order of each spell's first day.

    Dates are read as days in the session time zone.  Columns of the result:
    ``customer_id`` (its own name), ``spell``, ``first_purchase``, ``last_purchase``
    (timestamp_ntz, midnight), ``n_purchase_days``, ``churn_date`` (timestamp_ntz, null when
    censored; microsecond precision), ``duration`` (in ``time_unit``), ``event`` (byte),
    ``inactivity_window`` (w in ``time_unit``), ``first_amount`` (spend on the spell's first
    day, with ``amount``) and the features.  The settings pandas keeps in
    ``attrs["crm_churn"]`` are in the metadata of ``duration``;
    :func:`to_pandas_durations` restores them.

    Runs a validation job and, when ``w`` is derived, a histogram job; the result is lazy.

    Raises
    ------
    CRMDataError
        Not a Spark DataFrame, missing columns, bad settings, an empty table, missing ids,
        dates or amounts, purchases after the observation end, no repeat purchase to derive
        ``w`` from.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    features_ = [] if features is None else list(features)
    roles: dict[str, str | None] = {"customer_id": customer_id, "date": date, "amount": amount}
    check_spark_frame(spark_df, roles)
    for col in features_:
        check_spark_frame(spark_df, {"feature": col})
        if col in (customer_id, *OUTPUT):
            raise CRMDataError(f"feature column name {col!r} is reserved for the output", column=col)
    if spells not in ("first", "all"):
        raise CRMDataError(f"spells must be 'first' or 'all', got {spells!r}")
    if churn_date not in ("window_end", "last_purchase"):
        raise CRMDataError(f"churn_date must be 'window_end' or 'last_purchase', got {churn_date!r}")
    if time_unit not in TIME_UNITS:
        raise CRMDataError(f"unknown time_unit {time_unit!r}; use one of {', '.join(TIME_UNITS)}")
    unit_days = TIME_UNITS[time_unit]
    obs_end = to_timestamp(observation_end, "observation_end").normalize()
    w_given = None if inactivity_window is None else _window_days(inactivity_window)
    if w_given is None and not 0 < quantile < 1:
        raise CRMDataError(f"quantile must be in (0, 1), got {quantile!r}")
    _validate(spark_df, customer_id, date, amount, obs_end)

    # one row per purchase day, partitioned by customer once for every later step
    cols = [F.col(customer_id), F.to_date(F.col(date)).alias("__day"),
            F.monotonically_increasing_id().alias(ROW)]
    if amount is not None:
        cols.append(F.col(amount).cast("double").alias("__amount"))
    cols += [F.col(c) for c in features_]
    tx = spark_df.select(*cols).repartition(F.col(customer_id))
    day_aggs = []
    if amount is not None:
        orders = F.array_sort(F.collect_list(F.struct(F.col(ROW), F.col("__amount"))))
        day_aggs.append(_kahan_sum(orders, "__amount").alias("__amount"))
    if features_:
        day_aggs.append(F.min_by(F.struct(*[F.col(c) for c in features_]), F.col(ROW)).alias("__features"))
    if not day_aggs:
        day_aggs.append(F.count(F.lit(1)).alias("__orders"))
    days = tx.groupBy(customer_id, "__day").agg(*day_aggs)
    by_day = Window.partitionBy(customer_id).orderBy("__day")
    days = days.withColumn("__gap", F.datediff(F.col("__day"), F.lag("__day").over(by_day)))

    if w_given is None:
        hist = days.where(F.col("__gap").isNotNull()).groupBy("__gap").count().toPandas()
        w_days = window_from_gap_counts(hist["__gap"].to_numpy(), hist["count"].to_numpy(), quantile)
        n_gaps = int(hist["count"].sum())
        rule = f"{quantile:g} quantile of {n_gaps:,} inter-purchase gaps (days between purchase days)"
    else:
        w_days, rule = w_given, "given"

    new_spell = (F.col("__gap").isNull() | (F.col("__gap") > F.lit(w_days))).cast("long")
    days = days.withColumn("spell", F.sum(new_spell).over(
        by_day.rowsBetween(Window.unboundedPreceding, Window.currentRow)))
    spell_aggs = [F.min("__day").alias("__first"), F.max("__day").alias("__last"),
                  F.count(F.lit(1)).alias("n_purchase_days")]
    if amount is not None:
        spell_aggs.append(F.min_by("__amount", "__day").alias("first_amount"))
    if features_:
        spell_aggs.append(F.min_by("__features", "__day").alias("__features"))
    tab = days.groupBy(customer_id, "spell").agg(*spell_aggs).withColumn(
        "__is_last", F.col("spell") == F.max("spell").over(Window.partitionBy(customer_id)))
    is_last = F.col("__is_last")

    first, last, end = F.col("__first"), F.col("__last"), day_literal(obs_end)
    churned = ~is_last | (F.datediff(end, last) > F.lit(w_days))
    w_ns = int(pd.Timedelta(days=w_days).value)
    last_ts = last.cast("timestamp_ntz")
    if churn_date == "window_end":
        span_ns = F.when(churned, F.datediff(last, first).cast("long") * NS_PER_DAY + F.lit(w_ns)) \
            .otherwise(F.datediff(end, first).cast("long") * NS_PER_DAY)
        # SQL timestampadd (Spark >= 3.3; F.timestamp_add only exists from pyspark 4.0)
        churn_ts = F.expr(f"timestampadd(MICROSECOND, {w_ns // 1000}L, CAST(__last AS TIMESTAMP_NTZ))")
    else:
        span_ns = F.datediff(last, first).cast("long") * NS_PER_DAY
        churn_ts = last_ts
    meta = {
        "setting": "non-contractual", "duration_col": "duration", "event_col": "event",
        "time_unit": time_unit, "observation_end": obs_end.isoformat(),
        "inactivity_window_days": w_days, "inactivity_window": w_days / unit_days,
        "window_quantile": quantile if inactivity_window is None else None, "window_rule": rule,
        "churn_date": churn_date, "spells": spells,
        "non_covariates": [customer_id, "spell", "first_purchase", "last_purchase", "churn_date",
                           "n_purchase_days", "inactivity_window"],
    }
    out = tab.select(
        F.col(customer_id), F.col("spell"),
        first.cast("timestamp_ntz").alias("first_purchase"), last_ts.alias("last_purchase"),
        F.col("n_purchase_days"),
        F.when(churned, churn_ts).alias("churn_date"),
        ((span_ns.cast("double") / F.lit(float(NS_PER_DAY))) / F.lit(unit_days))
        .alias("duration", metadata={CHURN_METADATA_KEY: meta}),
        churned.cast("byte").alias("event"),
        F.lit(w_days / unit_days).alias("inactivity_window"),
        *([F.col("first_amount")] if amount is not None else []),
        *[F.col("__features")[c].alias(c) for c in features_],
    )
    if spells == "first":
        out = out.where(F.col("spell") == 1)
    return out


def to_pandas_durations(durations_sdf: Any, customer_id: str = "customer_id") -> pd.DataFrame:
    """Collect Spark survival data as the pandas frame of the pandas version.

    Rows sorted by customer and spell, dates as ``datetime64[ns]``, and
    ``attrs["crm_churn"]`` restored (so ``crm.churn.ChurnModel().fit(d)`` knows which
    columns are bookkeeping rather than covariates).
    """
    if customer_id not in durations_sdf.columns:
        raise CRMDataError("customer id column not in the survival data", column=customer_id)
    meta = durations_sdf.schema["duration"].metadata.get(CHURN_METADATA_KEY) \
        if "duration" in durations_sdf.columns else None
    pdf = durations_sdf.toPandas()
    pdf = pdf.sort_values([customer_id, "spell"], kind="stable").reset_index(drop=True)
    for col in ("first_purchase", "last_purchase", "churn_date"):
        if col in pdf.columns:
            pdf[col] = pdf[col].astype("datetime64[ns]")
    for col in ("spell", "n_purchase_days"):
        if col in pdf.columns:
            pdf[col] = pdf[col].astype("int64")
    if "event" in pdf.columns:
        pdf["event"] = pdf["event"].astype("int8")
    if meta:
        pdf.attrs[CHURN_METADATA_KEY] = dict(meta)
    return pdf
