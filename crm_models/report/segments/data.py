"""What the segments report needs from the transactions, on pandas or on Spark.

The report notebook calls six functions on the raw transactions (:func:`rfm_table`,
:func:`lifecycle_stages`, :func:`repeat_purchase_rate`, :func:`membership_tiers`,
:func:`membership_history`, :func:`observed_retention_rate`) plus each customer's spend
in the last retention period; everything else works on their per-customer outputs.
:func:`segment_inputs` computes them from a pandas frame or a
:class:`~crm_models.data.tables.TransactionTable` (any engine) in two queries: an aggregate
row, then one query grouped by customer with every function's columns; :func:`load_segment_inputs`
reads the data first (with ``engine="spark"`` scanned in Spark, where the same queries then
run and only one row per customer comes back).  Both return the same :class:`SegmentInputs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_models.data.backends import ENGINES, check_engine
from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._queries import (
    as_table,
    bad_values,
    count_where,
    floats,
    input_attrs,
    literal,
    per_customer,
    period_metrics,
    points_on_dates,
    raise_bad_amounts,
    retention_windows,
    rfm_frame,
    window_sums,
)
from crm_models.segments.economics import _check_period_days, _retention_series, check_retention_periods
from crm_models.segments.lifecycle import check_lifecycle_arguments, stages_from_rfm_table
from crm_models.segments.loyalty import rate_from_periods
from crm_models.segments.membership import (
    _check_thresholds,
    _check_window,
    check_evaluation_window,
    evaluation_dates,
    history_from_points,
    tiers_from_points,
)

__all__ = ["ENGINES", "SegmentInputs", "load_segment_inputs", "segment_inputs"]

#: Values of the report notebooks' ``engine`` parameter.


@dataclass(frozen=True)
class SegmentInputs:
    """The per-customer tables of the segments report (customers who bought by the end).

    Attributes
    ----------
    observation_end:
        The end date used; purchases after it are left out everywhere.
    transactions, first_date:
        Number of purchases up to the end and the date of the first one.
    rfm_table:
        :func:`rfm_table` (daily periods, total spend).
    lifecycle_stages:
        :func:`lifecycle_stages` with the given inactivity windows.
    repeat_purchase_rate:
        :func:`repeat_purchase_rate` (monthly periods).
    membership_tiers, membership_history:
        Tiers on the end date and on the evaluation schedule.
    observed_retention:
        :func:`observed_retention_rate`, or None when the data hold less than two
        retention periods (or nobody bought in the previous one): ``retention_error`` says why.
    recent_spend:
        :func:`recent_spend` in the last retention period.
    source:
        Where the transactions came from (for messages).
    last_date:
        Date of the last purchase up to the end.
    data_used:
        What was read and used (:class:`crm_models.report.data_notes.DataUsed`; pandas engine).
    """

    observation_end: pd.Timestamp
    transactions: int
    first_date: pd.Timestamp
    rfm_table: pd.DataFrame
    lifecycle_stages: pd.DataFrame
    repeat_purchase_rate: pd.Series
    membership_tiers: pd.DataFrame
    membership_history: pd.DataFrame
    observed_retention: pd.Series | None
    recent_spend: pd.Series
    source: str = "transactions"
    retention_error: str | None = None
    last_date: pd.Timestamp | None = None
    data_used: Any = None

    @property
    def customers(self) -> int:
        """Number of customers who bought by the end."""
        return int(len(self.rfm_table))


def segment_inputs(
    tx: pd.DataFrame | TransactionTable,
    observation_end: str | pd.Timestamp | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    window_days: int = 365,
    every_days: int = 60,
    thresholds: Mapping[str, float] | None = None,
    retention_period_days: int = 365,
) -> SegmentInputs:
    """The report's per-customer tables from validated transactions.

    ``tx``: a pandas frame of :func:`crm_models.data.load_transactions` or a
    :class:`~crm_models.data.tables.TransactionTable` on any engine.  ``observation_end``
    None: the last purchase date.  Purchases after the end are left out; the tables are
    those of the functions listed in :class:`SegmentInputs` with the report's parameters.

    Two queries on the transactions' engine: one aggregate row (purchases, first and last
    date up to the end), which fixes the membership evaluation dates, then one query
    grouped by customer holding every function's per-customer columns (daily RFM,
    monthly repeat periods, window points on the end and on each evaluation date,
    retention-period flags, recent spend).  The rules run on that one row per customer.
    """
    tt = as_table(tx)
    source = tt.source
    purchases = tt.expr  # the transactions as an Ibis table expression
    facts = {"rows": purchases.count(), "first": purchases.date.min(), "last": purchases.date.max()}
    if observation_end is not None:
        keep = purchases.date <= literal(pd.Timestamp(observation_end))
        facts.update(rows=count_where(purchases, keep), first=purchases.date.min(where=keep),
                     last=purchases.date.max(where=keep))
    else:
        keep = None
    if isinstance(tx, TransactionTable):
        facts["bad"] = bad_values(purchases.amount, keep)
    row = tt.execute(purchases.aggregate(**facts)).iloc[0]
    rows = int(row["rows"])
    if rows == 0:
        raise CRMDataError("every transaction is after the observation end "
                           f"{pd.Timestamp(observation_end).date()}", source=source, column="date")
    first, last_date = pd.Timestamp(row["first"]), pd.Timestamp(row["last"])
    end = pd.Timestamp(observation_end) if observation_end is not None else last_date

    # the whole-table checks, in the order the separate functions make them
    try:
        check_retention_periods(first, end, retention_period_days, source=source)
        retention_error = None
    except CRMDataError as exc:  # less than two periods of data
        retention_error = str(exc)
    check_lifecycle_arguments(first, end, at_risk_after=at_risk_after, lost_after=lost_after,
                              loyal_purchases=4, p_alive=None, p_alive_thresholds=(0.5, 0.2), source=source)
    _check_window(window_days)
    _check_thresholds(thresholds, "ordinary")
    if isinstance(tx, TransactionTable):
        raise_bad_amounts(int(row["bad"]), source)
    else:
        _check_amounts_up_to(tx, end, source)
    check_evaluation_window(end, first, window_days, False, source)
    if not isinstance(every_days, int | np.integer) or every_days < 1:
        raise CRMDataError(f"every_days must be a whole number of days >= 1, got {every_days!r}")
    dates = evaluation_dates(first, last_date, None, end, every_days, window_days, False, source)
    _check_period_days(retention_period_days)

    te = purchases.filter(purchases.date <= literal(end)) if keep is not None else purchases
    metrics = period_metrics(te, "D", None, "d_", amount=True)
    metrics.update(period_metrics(te, "M", None, "m_"))
    metrics.update(window_sums(te, te.amount, [end], window_days, "points_"))
    metrics.update(window_sums(te, te.amount, list(dates), window_days, "history_"))
    metrics["first_event"] = te.date.min()
    previous, last = retention_windows(te, end, retention_period_days)
    metrics.update(spend=te.amount.sum(where=last), recent=count_where(te, last))
    if retention_error is None:
        metrics.update(previous=previous.any(), last=last.any())
    frame = per_customer(tt, te, metrics)

    table = rfm_frame(frame, end, "D", "total", "d_", source, 0)
    observed = None
    if retention_error is None:
        before = frame["previous"].to_numpy(dtype=bool)
        kept = int((before & frame["last"].to_numpy(dtype=bool)).sum())
        try:
            observed = _retention_series(int(before.sum()), kept)
        except CRMDataError as exc:  # nobody bought in the previous period
            retention_error = str(exc)
    points = points_on_dates(frame, dates, "history_")
    recent = frame["recent"].to_numpy() > 0
    spend = frame.loc[recent, "spend"].astype("float64")
    spend.attrs.update(input_attrs(tx, tt))  # as the pandas group-by did
    return SegmentInputs(
        observation_end=end,
        transactions=rows,
        first_date=first,
        rfm_table=table,
        lifecycle_stages=stages_from_rfm_table(table, end, at_risk_after=at_risk_after,
                                               lost_after=lost_after),
        repeat_purchase_rate=rate_from_periods(frame, end, "M", "m_"),
        membership_tiers=tiers_from_points(pd.Series(floats(frame, "points_0"), index=frame.index), end,
                                           window_days, thresholds),
        membership_history=history_from_points(points, every_days, window_days, thresholds),
        observed_retention=observed,
        recent_spend=spend,
        source=str(source),
        retention_error=retention_error,
        last_date=last_date,
    )


def _check_amounts_up_to(tx: pd.DataFrame, end: pd.Timestamp, source: str) -> None:
    """The membership ledger's check of a frame's amounts up to ``end`` (rows named)."""
    amounts = tx["amount"].to_numpy(dtype="float64")
    bad = (~np.isfinite(amounts) | (amounts < 0)) & (tx["date"].to_numpy() <= end.to_datetime64())
    if bad.any():
        raise CRMDataError(f"negative or missing amounts in {describe_rows(tx.index[bad])}",
                           source=source, column="amount")


def load_segment_inputs(
    transactions_path: Any = None,
    *,
    engine: str = "duckdb",
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    observation_end: str | pd.Timestamp | None = None,
    at_risk_after: int = 180,
    lost_after: int = 365,
    window_days: int = 365,
    every_days: int = 60,
    thresholds: Mapping[str, float] | None = None,
    retention_period_days: int = 365,
    spark: Any = None,
    read_options: Mapping[str, Any] | None = None,
) -> SegmentInputs:
    """Read the transactions and compute :class:`SegmentInputs`, on the embedded engine or on Spark.

    Parameters
    ----------
    transactions_path:
        None: the bundled sample shop (end 2024-12-31 unless ``observation_end``).  With
        ``engine="duckdb"`` a file read by :func:`crm_models.data.load_transactions`; with
        ``engine="spark"`` a Spark table name, a Parquet/CSV path or a Spark DataFrame
        (:func:`crm_models.data.scan_transactions`).
    engine:
        ``"duckdb"`` (default; ``"pandas"`` is the same) or ``"spark"``.  The same queries run
        on either; on Spark the transactions are never collected, one row per customer
        comes back.
    customer_id, date, amount:
        The column names in the data.
    observation_end:
        None: 2024-12-31 for the sample, else the last purchase date.  Purchases after a given
        end are refused unless ``read_options={"after_end": "drop"}``.
    at_risk_after, lost_after, window_days, every_days, thresholds, retention_period_days:
        As in the report (see :func:`segment_inputs`).
    spark:
        The SparkSession (default: the active one, else a local one).
    read_options:
        Passed to the reader (:func:`crm_models.report.data_notes.load_report_transactions`;
        on Spark the keys of ``SCAN_READ_OPTIONS``).
    """
    from dataclasses import replace

    from crm_models.report.data_notes import load_report_transactions

    params = dict(at_risk_after=at_risk_after, lost_after=lost_after, window_days=window_days,
                  every_days=every_days, thresholds=thresholds, retention_period_days=retention_period_days)
    tx, end, used = load_report_transactions(transactions_path, customer_id, date, amount, observation_end,
                                             read_options, engine=check_engine(engine), spark=spark)
    return replace(segment_inputs(tx, end, **params), data_used=used)
