"""The churn (and CSI) report inputs on Spark: a table name or a file path to the pandas frame of the report.

``crm.churn.load_churn_data(..., engine="spark")`` and ``crm.csi.load_survey(..., engine="spark")``
call these.  What runs where:

* **transactions** (non-contractual churn): read and checked by
  :func:`~crm_models.spark.read_transactions`; the survival data (one row per customer) are
  built in Spark by :func:`~crm_models.spark.durations_from_transactions` (the inactivity
  window, the 0.9 quantile of the pooled inter-purchase gaps, from a histogram of the gaps:
  the same observed gap numpy's "higher" rule picks); each customer's spend in the first spell
  is summed in Spark (:func:`spend_in_first_spell`).  Only one row per customer is collected.
* **subscriptions** (contractual churn, one row per subscription spell) and **survival-form
  tables** (``duration_col`` / ``event_col``, one row per customer, e.g. IBM Telco): the columns
  are checked, dates parsed, the churn value mapped to 0/1 and every per-row problem counted in
  Spark (one aggregate job; an error names the source, the column and example customers), then
  the table is collected (one row per customer or spell) and the per-customer assembly (spell
  numbering, the overlap check, durations) runs on the driver through the same pandas function
  as ``engine="pandas"``, so the numbers are the same to the last bit.
* **small tables** (a survey): :func:`collect_table`.

Collected frames look like pandas' own reading of the same file: rows in file order, and from a
CSV file ``NA`` as missing and integer columns as int64 (as ``pandas.read_csv`` gives them).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError
from crm_models.spark._checks import ROW, describe_examples, timestamp_literal, to_timestamp
from crm_models.spark.source import describe_source, get_session, read_source

__all__ = [
    "collect_table",
    "read_like_pandas",
    "spend_in_first_spell",
    "subscription_durations",
    "survival_table",
    "transaction_durations",
]


def _is_text_file(source: Any) -> bool:
    return isinstance(source, str) and os.path.splitext(source.rstrip("/"))[1].lower() == ".csv"


def read_like_pandas(source: Any, spark: Any = None) -> Any:
    """:func:`read_source`, reading ``NA`` in a CSV file as missing (R's ``write.csv``), as pandas does.

    (pandas knows more missing-value spellings; Spark reads one, plus empty fields.)
    """
    return read_source(source, spark, **({"nullValue": "NA"} if _is_text_file(source) else {}))


def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _available(sdf: Any) -> str:
    return ", ".join(list(sdf.columns)[:20])


def _check_columns(sdf: Any, columns: Sequence[str], what: str) -> None:
    """The pandas ``check_columns`` message, naming the Spark source."""
    for col in columns:
        if col not in sdf.columns:
            raise CRMDataError(f"column not found (available: {_available(sdf)})", source=what, column=col)


def collect_table(source: Any, spark: Any = None, columns: Sequence[str] | None = None, *,
                  sdf: Any = None) -> pd.DataFrame:
    """A small Spark table (or file) as the pandas frame ``pandas`` would read from the same file.

    Rows come back in the source's order (``monotonically_increasing_id``, i.e. file order for a
    file); for a CSV source, 8/16/32-bit integers become int64 and floats float64, as
    ``pandas.read_csv`` gives them.  ``columns`` selects (and orders) the columns, each checked.
    ``sdf`` is the Spark DataFrame already read from ``source`` (``source`` then only names it).
    Everything is collected: use it for tables of one row per customer or smaller.
    """
    from pyspark.sql import functions as F

    what = describe_source(source)
    sdf = read_like_pandas(source, spark) if sdf is None else sdf
    if columns is not None:
        _check_columns(sdf, columns, what)
        sdf = sdf.select(*[F.col(_quoted(c)) for c in columns])
    names = list(sdf.columns)
    if ROW in names:
        raise CRMDataError(f"column name {ROW!r} is reserved", source=what, column=ROW)
    pdf = sdf.withColumn(ROW, F.monotonically_increasing_id()).toPandas()
    pdf = pdf.sort_values(ROW, kind="stable").drop(columns=ROW).reset_index(drop=True)
    if _is_text_file(source):  # Spark infers "int" (32 bits) where pandas.read_csv gives int64
        for col in names:
            if pdf[col].dtype == np.int32:
                pdf[col] = pdf[col].astype(np.int64)
    return pdf


# --------------------------------------------------------------------------- subscriptions

def _parsed_date(sdf: Any, column: str, what: str):
    """(parsed timestamp_ntz column, "missing" condition) for a date column of any readable type.

    Dates and timestamps are taken as they are (timestamps as wall-clock time in the session
    time zone); text is cast to a timestamp (ISO: ``2024-01-31``, ``2024-01-31 12:00:00``),
    and blank text counts as missing, as in the pandas path.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    dtype = sdf.schema[column].dataType
    quoted = _quoted(column)
    if isinstance(dtype, T.DateType | T.TimestampType | T.TimestampNTZType):
        return F.col(quoted).cast("timestamp_ntz"), F.col(quoted).isNull()
    if isinstance(dtype, T.StringType):
        missing = F.col(quoted).isNull() | (F.trim(F.col(quoted)) == "")
        parsed = F.expr(f"try_cast(trim({quoted}) as timestamp_ntz)")
        return F.when(~missing, parsed), missing
    if isinstance(dtype, T.NullType):
        return F.lit(None).cast("timestamp_ntz"), F.lit(True)
    raise CRMDataError(f"dates must be dates, timestamps or ISO text (yyyy-MM-dd), got "
                       f"{dtype.simpleString()}", source=what, column=column)


def subscription_durations(source: Any, customer_id: str, start: str, end: str, observation_end: Any, *,
                           features: Sequence[str] | None = None, time_unit: str = "D",
                           spark: Any = None) -> pd.DataFrame:
    """``crm.churn.durations_from_subscriptions`` of a subscription table read on Spark.

    In Spark (one aggregate job): the columns are checked, ``start`` / ``end`` parsed, and the
    per-row problems of the pandas function counted: an empty table, missing customer ids,
    missing or unparseable start dates, unparseable end dates, an end before its start, a start
    after the observation end; each is a :class:`CRMDataError` naming the source, the column and
    example customers.  The checked rows (one per subscription spell) are then collected and
    ``durations_from_subscriptions`` builds the spells on the driver (spell numbers, the overlap
    check, which needs a customer's spells together, and the durations), as with pandas.
    """
    from pyspark.sql import functions as F

    from crm_models.churn._checks import days_per_unit
    from crm_models.churn.durations import durations_from_subscriptions

    what = describe_source(source)
    sdf = read_like_pandas(source, spark)
    _check_columns(sdf, [customer_id, start, end], what)
    _check_columns(sdf, list(features or []), what)
    days_per_unit(time_unit)
    obs_end = to_timestamp(observation_end, "observation_end")
    start_col, start_missing = _parsed_date(sdf, start, what)
    end_col, end_missing = _parsed_date(sdf, end, what)
    cid = F.col(_quoted(customer_id))
    conditions = {
        "null_id": cid.isNull(),
        "bad_start": ~start_missing & start_col.isNull(),
        "missing_start": start_missing,
        "bad_end": ~end_missing & end_col.isNull(),
        "negative": end_col < start_col,
        "late": start_col > timestamp_literal(obs_end, "timestamp_ntz"),
    }
    row = sdf.agg(F.count(F.lit(1)).alias("n"),
                  *[F.count_if(c).alias(k) for k, c in conditions.items()]).first().asDict()

    def fail(key: str, column: str, problem: str, shown_col: str, note: str = "") -> None:
        if row[key]:
            shown = describe_examples(sdf, conditions[key], [customer_id, shown_col], row[key])
            raise CRMDataError(f"{problem} in {shown}{note}", source=what, column=column)

    if row["n"] == 0:
        raise CRMDataError("no subscriptions (the table is empty)", source=what)
    if row["null_id"]:
        raise CRMDataError(f"missing customer ids in {row['null_id']:,} rows", source=what,
                           column=customer_id)
    fail("bad_start", start, "unparseable dates", start)
    fail("missing_start", start, "missing dates", start)
    fail("bad_end", end, "unparseable dates", end)
    fail("negative", end, "end before start (a negative duration)", end, " (shown: customer id: end)")
    fail("late", start, f"start after the observation end {obs_end.date()}", start)

    keep = list(sdf.columns) if features is None else [*dict.fromkeys([customer_id, start, end, *features])]
    parsed = sdf.withColumns({start: start_col, end: end_col})
    raw = collect_table(source, columns=keep, sdf=parsed)
    try:
        return durations_from_subscriptions(raw, customer_id, start, end, obs_end, features=features,
                                            time_unit=time_unit)
    except CRMDataError as exc:  # the checks that need a customer's spells together (overlaps)
        raise CRMDataError(exc.problem, source=what, column=exc.column) from exc


# --------------------------------------------------------------------------- survival form

def survival_table(source: Any, duration_col: str, event_col: str, *, event_value: Any = None,
                   customer_id: str = "customer_id", covariates: Sequence[str] | None = None,
                   spark: Any = None) -> pd.DataFrame:
    """A table already in survival form (one row per customer, e.g. IBM Telco) read on Spark.

    The result is ``load_churn_data``'s frame for ``duration_col`` / ``event_col``: the id, the
    covariates (default: every other column), the duration and the event (``== event_value``
    as int8 when given; computed in Spark), in that order, with ``attrs["crm_churn"]``.

    Checked in Spark before anything is collected (one aggregate job), with the messages the
    model's ``fit`` would give later: the columns exist (also the named ``covariates``),
    durations are numeric, present, finite and non-negative, and the event is 0 or 1.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    what = describe_source(source)
    sdf = read_like_pandas(source, spark)
    _check_columns(sdf, [duration_col, event_col], what)
    if covariates is not None:
        _check_columns(sdf, list(covariates), what)
    q = {c: _quoted(c) for c in (duration_col, event_col)}
    if event_value is not None:
        # pandas' ==: a value of another kind (text vs number) is never equal, and no cast is tried
        is_text = isinstance(sdf.schema[event_col].dataType, T.StringType)
        if is_text == isinstance(event_value, str):
            hit = F.coalesce(F.col(q[event_col]) == F.lit(event_value), F.lit(False))
        else:
            hit = F.lit(False)
        sdf = sdf.withColumn(event_col, hit.cast("byte"))
    fields = {f.name: f.dataType for f in sdf.schema.fields}
    dtype = fields[duration_col]
    if not isinstance(dtype, T.NumericType):
        raise CRMDataError(f"durations must be numeric, got {dtype.simpleString()}", source=what,
                           column=duration_col)
    etype = fields[event_col]
    if not isinstance(etype, T.NumericType | T.BooleanType):
        examples = [r[0] for r in sdf.select(q[event_col]).where(F.col(q[event_col]).isNotNull())
                    .distinct().limit(3).collect()]
        raise CRMDataError(
            f"the event indicator must be 0 (censored) or 1 (churned), got {etype.simpleString()} "
            f"(values such as {examples}); pass event_value= (the value meaning churned, e.g. 'Yes')",
            source=what, column=event_col)
    dur = F.col(q[duration_col]).cast("double")
    conditions = {"bad_duration": dur.isNull() | F.isnan(dur) | (F.abs(dur) == float("inf")),
                  "negative": dur < 0}
    if not isinstance(etype, T.BooleanType):
        ev = F.col(q[event_col]).cast("double")
        conditions["bad_event"] = ev.isNull() | ~ev.isin(0.0, 1.0)
    row = sdf.agg(*[F.count_if(c).alias(k) for k, c in conditions.items()]).first().asDict()
    id_shown = customer_id if customer_id in sdf.columns else None
    for key, column, problem in [("bad_duration", duration_col, "missing or infinite durations"),
                                 ("negative", duration_col, "negative durations"),
                                 ("bad_event", event_col, "the event indicator must be 0 or 1; "
                                                          "other or missing values")]:
        if row.get(key):
            cols = [id_shown, column] if id_shown else [column]
            shown = describe_examples(sdf, conditions[key], cols, row[key])
            raise CRMDataError(f"{problem} in {shown}", source=what, column=column)

    keep = list(covariates) if covariates is not None else [c for c in sdf.columns if c != customer_id]
    cols = [c for c in dict.fromkeys([customer_id, *keep, duration_col, event_col]) if c in sdf.columns]
    d = collect_table(source, columns=cols, sdf=sdf)
    d.attrs["crm_churn"] = {"duration_col": duration_col, "event_col": event_col,
                            "non_covariates": [customer_id]}
    return d


# --------------------------------------------------------------------------- transactions

def spend_in_first_spell(tx_sdf: Any, durations_sdf: Any) -> Any:
    """Per customer: total ``amount`` from the first purchase to the last purchase day of spell 1.

    ``tx_sdf``: ``customer_id``, ``date``, ``amount`` (as :func:`read_transactions` returns);
    ``durations_sdf``: the Spark ``durations_from_transactions`` of it.  The sum runs in the
    order pandas' ``groupby().sum()`` uses on the ``load_transactions`` frame (by date, ties in
    input row order) with its Kahan compensation, so it is the pandas figure to the last bit.
    Returns a Spark DataFrame ``customer_id``, ``spell_spend`` (one row per customer).
    """
    from pyspark.sql import functions as F

    from crm_models.spark.durations import _kahan_sum

    last = durations_sdf.where(F.col("spell") == 1).select(
        "customer_id", F.col("last_purchase").alias("__last"))
    tx = tx_sdf.select("customer_id", F.col("date").alias("__date"), F.col("amount").alias("__amount"),
                       F.monotonically_increasing_id().alias(ROW))
    within = tx.join(last, "customer_id").where(
        F.to_date(F.col("__date")).cast("timestamp_ntz") <= F.col("__last"))
    orders = F.array_sort(F.collect_list(F.struct(F.col("__date"), F.col(ROW), F.col("__amount"))))
    return within.groupBy("customer_id").agg(_kahan_sum(orders, "__amount").alias("spell_spend"))


def _restore_ids(d: pd.DataFrame, id_type: Any) -> pd.DataFrame:
    """Integer customer ids back as int64 (``read_transactions`` made them text), in numeric order.

    Text ids stay Python strings (object), as the pandas ``durations_from_transactions`` gives them.
    """
    from pyspark.sql import types as T

    if isinstance(id_type, T.IntegralType):
        d["customer_id"] = d["customer_id"].astype(np.int64)
        d = d.sort_values(["customer_id", "spell"], kind="stable").reset_index(drop=True)
    return d


def transaction_durations(source: Any, observation_end: Any = None, inactivity_window: Any = None, *,
                          time_unit: str = "D", customer_id: str = "customer_id", date: str = "date",
                          amount: str = "amount", spark: Any = None, read_options: Any = None,
                          after_end: str = "error") -> tuple[pd.DataFrame, pd.Timestamp]:
    """``load_churn_data``'s non-contractual frame (first spells + ``spend_per_period``) on Spark.

    ``source``: a table name, a file path or a Spark DataFrame of transactions.  Transactions are
    never collected: they are checked (:func:`read_transactions`), turned into one row per
    customer (:func:`durations_from_transactions`, window from the gap histogram when
    ``inactivity_window`` is None) and joined with each customer's first-spell spend in Spark;
    those rows are collected.  ``observation_end`` None: the last purchase date (a one-row
    aggregate).  ``read_options`` and ``after_end``: as in
    :func:`crm_models.spark.source.read_report_transactions`.  Returns ``(d, observation_end)``.
    """
    from pyspark.sql import functions as F

    from crm_models.spark.durations import durations_from_transactions, to_pandas_durations
    from crm_models.spark.source import read_report_transactions

    spark = spark or get_session()
    tx = read_report_transactions(source, customer_id, date, amount, spark=spark,
                                  observation_end=observation_end, read_options=read_options,
                                  after_end=after_end)
    file_options = {k: v for k, v in (read_options or {}).items() if k in ("encoding", "sep")}
    id_type = read_source(source, spark, **file_options).schema[customer_id].dataType
    if observation_end is None:
        # as timestamp_ntz: the wall-clock time of the session time zone, not the driver's
        observation_end = pd.Timestamp(tx.agg(F.max(F.col("date").cast("timestamp_ntz"))).first()[0])
    durations = durations_from_transactions(tx, observation_end, inactivity_window, time_unit=time_unit)
    spend = spend_in_first_spell(tx, durations)
    d = to_pandas_durations(durations.join(spend, "customer_id", "left"))
    d = _restore_ids(d, id_type)
    spell_spend = d.pop("spell_spend").fillna(0.0).to_numpy(dtype=float)
    d["spend_per_period"] = spell_spend / np.maximum(d["duration"].to_numpy(), 1.0)
    d.attrs["crm_churn"]["non_covariates"] = [*d.attrs["crm_churn"]["non_covariates"], "spend_per_period"]
    return d, pd.Timestamp(observation_end)
