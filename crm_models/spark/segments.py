"""The segments functions that read transactions, on Spark: one row per customer comes back.

RFM tables, lifecycle stages, repeat-purchase rates, membership tiers and their history,
and the observed retention rate each split into

* a **per-customer** part that depends only on one customer's purchases and on global
  parameters (the end date, windows, thresholds): the customer's RFM row, monthly repeat
  rate, window points on each evaluation date, whether they bought in each retention
  period, their recent spend;
* a **whole-table** part: checks against the first purchase of the table (is the
  ``lost_after`` window, the points window, are two retention periods inside the data?),
  the evaluation schedule, and everything computed across customers (quantile scores,
  shares, counts).

Spark runs the per-customer parts with the tested pandas code of :mod:`crm_models.segments`
(as :func:`crm_models.spark.rfm_summary` does): the transactions are spread over
customer-disjoint buckets (``xxhash64(customer_id) mod n_buckets``) and
``groupBy(bucket).applyInPandas`` calls the pandas functions on each bucket, its rows in
``load_transactions`` order (per customer by date, then input order), so sums are added in
the same order and the results are equal to the pandas ones to the last bit.  Only one row
per customer and one aggregate row (counts, first and last dates) reach the driver, which
then runs the same pandas code as before for the rules applied to those rows
(:func:`~crm_models.segments.lifecycle.stages_from_rfm_table`,
:func:`~crm_models.segments.membership.tiers_from_points`, ...).

Promotion points (``promotion_points=``) are not supported on Spark: add them to the
transaction table as purchases with the points as amount (``points_per_unit=1``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.data.summary import period_ordinals
from crm_models.errors import CRMDataError
from crm_models.segments import economics as _economics
from crm_models.segments import lifecycle as _lifecycle
from crm_models.segments import loyalty as _loyalty
from crm_models.segments import membership as _membership
from crm_models.segments import rfm as _rfm
from crm_models.segments.inputs import SegmentInputs
from crm_models.spark._checks import ROW, check_spark_frame, date_kind, describe_examples, timestamp_literal

__all__ = [
    "lifecycle_stages",
    "membership_history",
    "membership_tiers",
    "observed_retention_rate",
    "repeat_purchase_rate",
    "rfm_table",
    "segment_inputs",
]

#: Transactions per bucket aimed at by the default number of buckets (one pandas frame each).
ROWS_PER_BUCKET = 1_000_000
_BUCKET = "__crm_bucket"
_RFM_COLUMNS = [("time_since_last", "long"), ("frequency", "long"), ("monetary", "double"),
                ("tenure", "long")]
_TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss.SSSSSS"


# --- the data: one validation pass, then the per-customer job ---------------------------------

@dataclass(frozen=True)
class _Columns:
    """The user's column names and where the data come from."""

    customer_id: str
    date: str
    amount: str | None
    source: str
    kind: str = "date"  # date, timestamp or timestamp_ntz


@dataclass(frozen=True)
class _Profile:
    """The aggregate row of the validation pass."""

    rows: int
    upto_end: int | None
    first: pd.Timestamp
    last: pd.Timestamp


@dataclass
class _Part:
    """A per-customer computation: pandas transactions of a bucket -> frame by customer."""

    compute: Callable[[pd.DataFrame], pd.DataFrame | pd.Series]
    columns: list[tuple[str, str]]  # output names (prefixed) and Spark types
    fill: Any = None  # value for the bucket's customers the part does not cover (None: null)


def _columns(sdf: Any, customer_id: str, date: str, amount: str | None, source: str | None) -> _Columns:
    what = source or "Spark DataFrame"
    check_spark_frame(sdf, {"customer_id": customer_id, "date": date, "amount": amount}, what)
    return _Columns(customer_id, date, amount, what, date_kind(sdf, date))


def _profile(sdf: Any, cols: _Columns, end: pd.Timestamp | None, require_upto_end: bool = True) -> _Profile:
    """One aggregate job: refuse missing ids, dates or amounts and negative amounts; count rows
    (in all and up to ``end``) and find the first and last purchase."""
    from pyspark.sql import functions as F

    d = F.col(cols.date)
    aggs = [F.count(F.lit(1)).alias("n"),
            F.count_if(F.col(cols.customer_id).isNull()).alias("null_id"),
            F.count_if(d.isNull()).alias("null_date"),
            F.date_format(F.min(d), _TIMESTAMP_FORMAT).alias("first"),
            F.date_format(F.max(d), _TIMESTAMP_FORMAT).alias("last")]
    if cols.amount is not None:
        a = F.col(cols.amount).cast("double")
        aggs += [F.count_if(a.isNull() | F.isnan(a)).alias("null_amount"),
                 F.count_if(a < 0).alias("negative")]
    if end is not None:
        aggs.append(F.count_if(d <= timestamp_literal(end, cols.kind)).alias("upto_end"))
    row = sdf.agg(*aggs).first().asDict()
    if row["n"] == 0:
        raise CRMDataError("no transactions (the table is empty)", source=cols.source)
    for key, col in (("null_id", cols.customer_id), ("null_date", cols.date), ("null_amount", cols.amount)):
        if row.get(key):
            raise CRMDataError(f"{row[key]:,} rows with a missing value; drop or fill them first",
                               source=cols.source, column=col)
    if row.get("negative"):
        shown = describe_examples(sdf, F.col(cols.amount) < 0, [cols.customer_id, cols.amount],
                                  row["negative"])
        raise CRMDataError(f"negative amounts (returns); filter them out first: {shown}",
                           source=cols.source, column=cols.amount)
    upto = row.get("upto_end")
    if end is not None and upto == 0 and require_upto_end:
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=cols.source, column=cols.date)
    return _Profile(int(row["n"]), None if upto is None else int(upto), pd.Timestamp(row["first"]),
                    pd.Timestamp(row["last"]))


def _bucket_frame(pdf: pd.DataFrame, cols: _Columns) -> pd.DataFrame:
    """A bucket's rows as ``load_transactions`` gives them: per customer by date, then input order."""
    pdf = pdf.sort_values([cols.date, ROW], kind="stable")
    tx = pd.DataFrame({"customer_id": pdf[cols.customer_id].to_numpy(),
                       "date": pd.to_datetime(pdf[cols.date]).to_numpy(dtype="datetime64[ns]")})
    tx["amount"] = (pdf[cols.amount].to_numpy(dtype="float64") if cols.amount is not None
                    else np.zeros(len(pdf)))
    return tx


def _per_customer(sdf: Any, cols: _Columns, until: pd.Timestamp | None, parts: dict[str, _Part],
                  rows: int, n_buckets: int | None) -> pd.DataFrame:
    """Run ``parts`` on customer-disjoint buckets of the purchases up to ``until``; collect the rows.

    Returns a pandas frame indexed by ``customer_id`` (sorted; text ids as
    ``string[pyarrow]`` like ``load_transactions``) with every part's columns.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if n_buckets is None:
        try:
            partitions = int(sdf.sparkSession.conf.get("spark.sql.shuffle.partitions"))
        except (TypeError, ValueError):  # e.g. "auto" on Databricks
            partitions = 200
        n_buckets = max(partitions, math.ceil(rows / ROWS_PER_BUCKET))
    elif int(n_buckets) < 1:
        raise CRMDataError(f"n_buckets must be a positive integer, got {n_buckets!r}")

    d = F.col(cols.date).cast("timestamp") if cols.kind == "date" else F.col(cols.date)
    select = [F.col(cols.customer_id), d.alias(cols.date)]
    if cols.amount is not None:
        select.append(F.col(cols.amount).cast("double").alias(cols.amount))
    tx = sdf.select(*select, F.monotonically_increasing_id().alias(ROW))
    if until is not None:
        tx = tx.where(F.col(cols.date) <= timestamp_literal(until, cols.kind))
    types = {"long": T.LongType(), "double": T.DoubleType(), "boolean": T.BooleanType()}
    fields = [T.StructField(cols.customer_id, sdf.schema[cols.customer_id].dataType, False)]
    for part in parts.values():
        fields += [T.StructField(name, types[kind], True) for name, kind in part.columns]
    schema = T.StructType(fields)
    names = schema.fieldNames()

    def run(pdf: pd.DataFrame) -> pd.DataFrame:
        bucket = _bucket_frame(pdf, cols)
        results = []
        for part in parts.values():
            res = part.compute(bucket)
            res = res.to_frame() if isinstance(res, pd.Series) else res
            res.columns = [name for name, _ in part.columns]
            results.append((part, res))
        idx = results[0][1].index
        for _, res in results[1:]:
            idx = idx.union(res.index)
        out = pd.DataFrame({cols.customer_id: idx.to_numpy()})
        for part, res in results:
            res = res.reindex(idx) if part.fill is None else res.reindex(idx, fill_value=part.fill)
            for name in res.columns:
                out[name] = res[name].to_numpy()
        return out[names]

    bucket = F.pmod(F.xxhash64(F.col(cols.customer_id)), F.lit(int(n_buckets))).alias(_BUCKET)
    pdf = tx.groupBy(bucket).applyInPandas(run, schema).toPandas()
    ids = pdf[cols.customer_id]
    if ids.dtype == object or pd.api.types.is_string_dtype(ids):
        ids = ids.astype("string[pyarrow]")
    out = pdf.drop(columns=cols.customer_id).set_index(pd.Index(ids, name="customer_id")).sort_index()
    for part in parts.values():
        for name, kind in part.columns:
            if kind == "boolean":
                out[name] = out[name].fillna(part.fill if part.fill is not None else False).astype(bool)
            elif kind == "long":
                out[name] = out[name].astype("int64")
    return out


# --- the parts ---------------------------------------------------------------------------------

def _rfm_part(end: pd.Timestamp, period: str, monetary: str) -> _Part:
    return _Part(lambda tx: _rfm.rfm_table(tx, end, period=period, monetary=monetary), list(_RFM_COLUMNS))


def _rfm_frame(wide: pd.DataFrame, end: pd.Timestamp, period: str, monetary: str, excluded: int,
               source: str) -> pd.DataFrame:
    out = wide[[name for name, _ in _RFM_COLUMNS]].copy()
    out.attrs.update(observation_end=str(end.date()), period=period, monetary=monetary,
                     excluded_after_end=int(excluded), source=source)
    return out


def _repeat_part(end: pd.Timestamp, period: str) -> _Part:
    return _Part(lambda tx: _loyalty.repeat_purchase_rate(tx, end, period),
                 [("repeat_purchase_rate", "double")])


def _points_part(as_of: pd.Timestamp, window_days: int, points_per_unit: float) -> _Part:
    # the whole-table window check ran on the driver; a bucket's own first purchase is irrelevant
    return _Part(lambda tx: _membership.membership_points(tx, as_of, window_days, points_per_unit,
                                                          allow_partial_window=True),
                 [("points", "double")])


def _history_part(dates: pd.DatetimeIndex, until: pd.Timestamp | None, window_days: int,
                  points_per_unit: float) -> _Part:
    return _Part(lambda tx: _membership.points_history(tx, dates, window_days, until=until,
                                                       points_per_unit=points_per_unit),
                 [(f"__points_{j}", "double") for j in range(len(dates))])


def _history_points(wide: pd.DataFrame, dates: pd.DatetimeIndex, customers: pd.Index | None = None
                    ) -> pd.DataFrame:
    pts = wide[[f"__points_{j}" for j in range(len(dates))]]
    if customers is not None:
        pts = pts.loc[customers]
    return pd.DataFrame(pts.to_numpy(dtype="float64"), index=pts.index, columns=dates)


def _flags_part(end: pd.Timestamp, period_days: int) -> _Part:
    return _Part(lambda tx: _economics.retention_flags(tx, end, period_days),
                 [("__previous", "boolean"), ("__last", "boolean")], fill=False)


def _flags_frame(wide: pd.DataFrame) -> pd.DataFrame:
    flags = wide[["__previous", "__last"]].set_axis(["previous", "last"], axis=1)
    return flags[flags["previous"].to_numpy() | flags["last"].to_numpy()]


def _spend_part(end: pd.Timestamp, period_days: int) -> _Part:
    return _Part(lambda tx: _economics.recent_spend(tx, end, period_days), [("__recent_spend", "double")])


def _check_period(period: str, end: pd.Timestamp) -> None:
    try:
        period_ordinals(np.array([end.to_datetime64()]), period)
    except (ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, CRMDataError):
            raise
        raise CRMDataError(f"unknown period {period!r} (use a pandas period: 'D', 'W', 'M', ...): {exc}"
                           ) from exc


def _check_points_per_unit(points_per_unit: float) -> None:
    if not (np.isfinite(points_per_unit) and points_per_unit > 0):
        raise CRMDataError(f"points_per_unit must be a positive number, got {points_per_unit!r}")


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise CRMDataError(f"{name} is not a date: {value!r}") from exc
    if ts is pd.NaT:
        raise CRMDataError(f"{name} is not a date: {value!r}")
    return ts


# --- public functions: the pandas API on a Spark transaction table ------------------------------

def rfm_table(
    sdf: Any,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    monetary: Literal["total", "mean"] = "total",
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    n_buckets: int | None = None,
) -> pd.DataFrame:
    """:func:`crm_models.segments.rfm_table` of a Spark transaction table (pandas frame back).

    ``time_since_last``, ``frequency`` (purchase periods), ``monetary`` and ``tenure`` per
    customer are computed in Spark per customer bucket by the pandas function; one row per
    customer is collected.  Equal to the pandas result on the same transactions.
    ``n_buckets``: customer-disjoint groups handed to pandas (default: the shuffle
    partitions, raised to keep about 1,000,000 transactions per bucket).
    """
    if monetary not in ("total", "mean"):
        raise CRMDataError(f"monetary must be 'total' or 'mean', not {monetary!r}")
    cols = _columns(sdf, customer_id, date, amount, None)
    end = _timestamp(observation_end, "observation_end")
    _check_period(period, end)
    prof = _profile(sdf, cols, end)
    wide = _per_customer(sdf, cols, end, {"rfm": _rfm_part(end, period, monetary)}, prof.rows, n_buckets)
    return _rfm_frame(wide, end, period, monetary, prof.rows - prof.upto_end, cols.source)


def lifecycle_stages(
    sdf: Any,
    observation_end: str | pd.Timestamp,
    customers: Iterable | pd.DataFrame | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    loyal_purchases: int = 4,
    p_alive: pd.Series | None = None,
    p_alive_thresholds: tuple[float, float] = (0.5, 0.2),
    customer_id: str = "customer_id",
    date: str = "date",
    n_buckets: int | None = None,
) -> pd.DataFrame:
    """:func:`crm_models.segments.lifecycle_stages` of a Spark transaction table.

    The daily RFM row of each buyer (days since the last purchase, purchase days) is
    computed in Spark and collected; the windows are checked against the table's first
    purchase, and the stage rules (``customers`` for "potential", ``p_alive``) run on the
    driver (:func:`crm_models.segments.lifecycle.stages_from_rfm_table`).
    """
    cols = _columns(sdf, customer_id, date, None, None)
    end = _timestamp(observation_end, "observation_end")
    prof = _profile(sdf, cols, end)
    _lifecycle.check_lifecycle_arguments(prof.first, end, at_risk_after=at_risk_after, lost_after=lost_after,
                                         loyal_purchases=loyal_purchases, p_alive=p_alive,
                                         p_alive_thresholds=p_alive_thresholds, source=cols.source)
    wide = _per_customer(sdf, cols, end, {"rfm": _rfm_part(end, "D", "total")}, prof.rows, n_buckets)
    return _lifecycle.stages_from_rfm_table(
        _rfm_frame(wide, end, "D", "total", prof.rows - prof.upto_end, cols.source), end, customers,
        at_risk_after=at_risk_after, lost_after=lost_after, loyal_purchases=loyal_purchases, p_alive=p_alive,
        p_alive_thresholds=p_alive_thresholds)


def repeat_purchase_rate(
    sdf: Any,
    observation_end: str | pd.Timestamp,
    period: str = "M",
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    n_buckets: int | None = None,
) -> pd.Series:
    """:func:`crm_models.segments.repeat_purchase_rate` of a Spark transaction table."""
    cols = _columns(sdf, customer_id, date, None, None)
    end = _timestamp(observation_end, "observation_end")
    _check_period(period, end)
    prof = _profile(sdf, cols, end)
    wide = _per_customer(sdf, cols, end, {"repeat": _repeat_part(end, period)}, prof.rows, n_buckets)
    return wide["repeat_purchase_rate"].rename("repeat_purchase_rate")


def membership_tiers(
    sdf: Any,
    as_of: str | pd.Timestamp,
    window_days: int = 365,
    thresholds: Mapping[str, float] | None = None,
    *,
    points_per_unit: float = 1.0,
    credit: pd.Series | None = None,
    base_tier: str = "ordinary",
    allow_partial_window: bool = False,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    n_buckets: int | None = None,
) -> pd.DataFrame:
    """:func:`crm_models.segments.membership_tiers` of a Spark transaction table.

    Each customer's points in the window ending ``as_of`` are summed in Spark (pandas per
    bucket); the window is checked against the table's first purchase and the tiers
    (thresholds, ``credit``) are set on the driver
    (:func:`crm_models.segments.membership.tiers_from_points`).
    """
    _membership._check_window(window_days)
    _membership._check_thresholds(thresholds, base_tier)
    _check_points_per_unit(points_per_unit)
    cols = _columns(sdf, customer_id, date, amount, None)
    as_of = _timestamp(as_of, "as_of")
    prof = _profile(sdf, cols, as_of, require_upto_end=False)
    _membership.check_evaluation_window(as_of, prof.first, window_days, allow_partial_window, cols.source)
    wide = _per_customer(sdf, cols, as_of, {"points": _points_part(as_of, window_days, points_per_unit)},
                         prof.rows, n_buckets)
    return _membership.tiers_from_points(wide["points"], as_of, window_days, thresholds, credit=credit,
                                         base_tier=base_tier)


def membership_history(
    sdf: Any,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    every_days: int = 60,
    window_days: int = 365,
    thresholds: Mapping[str, float] | None = None,
    *,
    points_per_unit: float = 1.0,
    credit: pd.Series | None = None,
    base_tier: str = "ordinary",
    values: Literal["tier", "points"] = "tier",
    allow_partial_window: bool = False,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    n_buckets: int | None = None,
) -> pd.DataFrame:
    """:func:`crm_models.segments.membership_history` of a Spark transaction table.

    The schedule comes from the table's first and last purchase (one aggregate); each
    customer's points on every evaluation date are computed in Spark (one row per
    customer, one column per date, collected) and turned into tiers on the driver
    (:func:`crm_models.segments.membership.history_from_points`).
    """
    _membership._check_window(window_days)
    if not isinstance(every_days, int | np.integer) or every_days < 1:
        raise CRMDataError(f"every_days must be a whole number of days >= 1, got {every_days!r}")
    if values not in ("tier", "points"):
        raise CRMDataError(f"values must be 'tier' or 'points', not {values!r}")
    _membership._check_thresholds(thresholds, base_tier)
    _check_points_per_unit(points_per_unit)
    cols = _columns(sdf, customer_id, date, amount, None)
    end_ts = None if end is None else _timestamp(end, "end")
    prof = _profile(sdf, cols, end_ts, require_upto_end=False)
    if prof.upto_end == 0:
        raise CRMDataError(f"no transactions on or before {end_ts.date()}", source=cols.source)
    dates = _membership.evaluation_dates(prof.first, prof.last, start, end_ts, every_days, window_days,
                                         allow_partial_window, source=cols.source)
    wide = _per_customer(sdf, cols, end_ts, {"history": _history_part(dates, end_ts, window_days,
                                                                      points_per_unit)},
                         prof.rows, n_buckets)
    return _membership.history_from_points(_history_points(wide, dates), every_days, window_days, thresholds,
                                           credit=credit, base_tier=base_tier, values=values)


def observed_retention_rate(
    sdf: Any,
    observation_end: str | pd.Timestamp,
    period_days: int = 365,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    n_buckets: int | None = None,
) -> pd.Series:
    """:func:`crm_models.segments.observed_retention_rate` of a Spark transaction table.

    Whether each customer bought in the previous and in the last period is found in Spark
    (one row per customer who bought in either); the counts are taken on the driver.
    """
    cols = _columns(sdf, customer_id, date, None, None)
    end = _timestamp(observation_end, "observation_end")
    if not isinstance(period_days, int | np.integer) or period_days < 1:
        raise CRMDataError(f"period_days must be a whole number >= 1, got {period_days!r}")
    prof = _profile(sdf, cols, None)
    _economics.check_retention_periods(prof.first, end, period_days, source=cols.source)
    wide = _per_customer(sdf, cols, end, {"flags": _flags_part(end, period_days)}, prof.rows, n_buckets)
    return _economics.retention_from_flags(_flags_frame(wide))


def segment_inputs(
    sdf: Any,
    observation_end: str | pd.Timestamp | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    window_days: int = 365,
    every_days: int = 60,
    thresholds: Mapping[str, float] | None = None,
    retention_period_days: int = 365,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    n_buckets: int | None = None,
    source: str | None = None,
) -> SegmentInputs:
    """Everything the segments report reads from the transactions, in one Spark job.

    The Spark counterpart of :func:`crm_models.segments.segment_inputs` (same parameters,
    equal tables): one aggregate pass (validation, counts, first and last purchase), then
    one bucketed pass computing every customer's RFM row, monthly repeat rate, points on the
    end date and on each evaluation date, retention-period flags and recent spend; one row
    per customer is collected and the report's tables are built from it on the driver.
    ``observation_end`` None: the last purchase date.  ``source`` names the data in messages.
    """
    if not isinstance(every_days, int | np.integer) or every_days < 1:
        raise CRMDataError(f"every_days must be a whole number of days >= 1, got {every_days!r}")
    _membership._check_window(window_days)
    _membership._check_thresholds(thresholds, "ordinary")
    cols = _columns(sdf, customer_id, date, amount, source)
    if observation_end is None:  # the last purchase date: every row is up to it
        prof = _profile(sdf, cols, None)
        end, prof = prof.last, _Profile(prof.rows, prof.rows, prof.first, prof.last)
    else:
        end = _timestamp(observation_end, "observation_end")
        prof = _profile(sdf, cols, end)
    first = prof.first  # the first purchase up to the end too (there is one, or _profile raised)
    _lifecycle.check_lifecycle_arguments(first, end, at_risk_after=at_risk_after, lost_after=lost_after,
                                         loyal_purchases=4, p_alive=None, p_alive_thresholds=(0.5, 0.2),
                                         source=cols.source)
    _membership.check_evaluation_window(end, first, window_days, False, cols.source)
    dates = _membership.evaluation_dates(first, end, None, end, every_days, window_days, False, cols.source)
    try:
        _economics.check_retention_periods(first, end, retention_period_days, source=cols.source)
        retention_error = None
    except CRMDataError as exc:
        retention_error = str(exc)
    parts = {"rfm": _rfm_part(end, "D", "total"), "repeat": _repeat_part(end, "M"),
             "points": _points_part(end, window_days, 1.0),
             "history": _history_part(dates, end, window_days, 1.0),
             "spend": _spend_part(end, retention_period_days)}
    if retention_error is None:
        parts["flags"] = _flags_part(end, retention_period_days)
    wide = _per_customer(sdf, cols, end, parts, prof.upto_end, n_buckets)

    table = _rfm_frame(wide, end, "D", "total", 0, cols.source)
    observed = None
    if retention_error is None:
        try:
            observed = _economics.retention_from_flags(_flags_frame(wide))
        except CRMDataError as exc:
            retention_error = str(exc)
    spend = wide["__recent_spend"].dropna()
    return SegmentInputs(
        observation_end=end,
        transactions=prof.upto_end,
        first_date=first,
        rfm_table=table,
        lifecycle_stages=_lifecycle.stages_from_rfm_table(table, end, at_risk_after=at_risk_after,
                                                          lost_after=lost_after),
        repeat_purchase_rate=wide["repeat_purchase_rate"].rename("repeat_purchase_rate"),
        membership_tiers=_membership.tiers_from_points(wide["points"], end, window_days, thresholds),
        membership_history=_membership.history_from_points(_history_points(wide, dates), every_days,
                                                           window_days, thresholds),
        observed_retention=observed,
        recent_spend=spend.rename("spend"),
        source=cols.source,
        retention_error=retention_error,
    )
