"""What the segments report needs from the transactions, on pandas or on Spark.

The report notebook calls six functions on the raw transactions (:func:`rfm_table`,
:func:`lifecycle_stages`, :func:`repeat_purchase_rate`, :func:`membership_tiers`,
:func:`membership_history`, :func:`observed_retention_rate`) plus each customer's spend
in the last retention period; everything else works on their per-customer outputs.
:func:`segment_inputs` computes them from a pandas frame; :func:`load_segment_inputs`
reads the data first and, with ``engine="spark"``, computes the per-customer parts in
Spark (:func:`crm_models.spark.segment_inputs`) and only one row per customer comes back
to the driver.  Both return the same :class:`SegmentInputs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crm_models.data.engines import ENGINES, check_engine
from crm_models.errors import CRMDataError
from crm_models.segments._checks import require_transactions
from crm_models.segments.economics import observed_retention_rate, recent_spend
from crm_models.segments.lifecycle import lifecycle_stages
from crm_models.segments.loyalty import repeat_purchase_rate
from crm_models.segments.membership import membership_history, membership_tiers
from crm_models.segments.rfm import rfm_table

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
    tx: pd.DataFrame,
    observation_end: str | pd.Timestamp | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    window_days: int = 365,
    every_days: int = 60,
    thresholds: Mapping[str, float] | None = None,
    retention_period_days: int = 365,
) -> SegmentInputs:
    """The report's per-customer tables from validated pandas transactions.

    ``observation_end`` None: the last purchase date.  Purchases after the end are dropped
    first; the functions then run with the report's parameters (see :class:`SegmentInputs`).
    """
    tx = require_transactions(tx)
    end = pd.Timestamp(observation_end) if observation_end is not None else tx["date"].max()
    source = tx.attrs.get("source", "transactions")
    tx = tx[tx["date"] <= end]
    if len(tx) == 0:
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=source, column="date")
    try:
        observed, why = observed_retention_rate(tx, end, period_days=retention_period_days), None
    except CRMDataError as exc:  # less than two periods of data
        observed, why = None, str(exc)
    return SegmentInputs(
        observation_end=end,
        transactions=int(len(tx)),
        first_date=tx["date"].min(),
        rfm_table=rfm_table(tx, end),
        lifecycle_stages=lifecycle_stages(tx, end, at_risk_after=at_risk_after, lost_after=lost_after),
        repeat_purchase_rate=repeat_purchase_rate(tx, end),
        membership_tiers=membership_tiers(tx, end, window_days=window_days, thresholds=thresholds),
        membership_history=membership_history(tx, end=end, every_days=every_days, window_days=window_days,
                                              thresholds=thresholds),
        observed_retention=observed,
        recent_spend=recent_spend(tx, end, retention_period_days),
        source=str(source),
        retention_error=why,
        last_date=tx["date"].max(),
    )


def load_segment_inputs(
    transactions_path: Any = None,
    *,
    engine: str = "pandas",
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
    """Read the transactions and compute :class:`SegmentInputs`, on pandas or on Spark.

    Parameters
    ----------
    transactions_path:
        None: the bundled sample shop (end 2024-12-31 unless ``observation_end``).  With
        ``engine="pandas"`` a CSV/Parquet path (:func:`crm_models.data.load_transactions`);
        with ``engine="spark"`` a Spark table name, a Parquet/CSV path or a Spark DataFrame
        (:func:`crm_models.spark.read_transactions`).
    engine:
        ``"pandas"`` or ``"spark"``.  On Spark the transactions are never collected: the
        per-customer parts run in Spark (:func:`crm_models.spark.segment_inputs`) and one
        row per customer comes back; the tables are equal to the pandas ones.
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
        on Spark only ``encoding``, ``sep``, ``date_format`` and ``after_end``).
    """
    from crm_models.data import datasets

    check_engine(engine)
    params = dict(at_risk_after=at_risk_after, lost_after=lost_after, window_days=window_days,
                  every_days=every_days, thresholds=thresholds, retention_period_days=retention_period_days)
    if engine == "pandas":
        from dataclasses import replace

        from crm_models.report.data_notes import load_report_transactions

        tx, end, used = load_report_transactions(transactions_path, customer_id, date, amount,
                                                 observation_end, read_options)
        return replace(segment_inputs(tx, end, **params), data_used=used)

    from crm_models.spark.segments import segment_inputs as spark_segment_inputs
    from crm_models.spark.source import describe_source, get_session, read_report_transactions

    if transactions_path is None and observation_end is None:
        observation_end = datasets.SAMPLE_OBSERVATION_END
    session = spark or get_session()
    if transactions_path is None:
        sdf = read_report_transactions(session.createDataFrame(datasets.sample_transactions()), spark=session,
                                       observation_end=observation_end, read_options=read_options,
                                       after_end="drop")
        source = "sample transactions"
    else:
        sdf = read_report_transactions(transactions_path, customer_id, date, amount, spark=session,
                                       observation_end=observation_end, read_options=read_options)
        source = describe_source(transactions_path)
    return spark_segment_inputs(sdf, observation_end, source=source, **params)
