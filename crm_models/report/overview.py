"""The transaction side of the overview (management summary) report, on pandas or on Spark.

``notebooks/overview.ipynb`` shows, from one transaction table: the key figures
(:func:`crm_models.data.key_figures`), activity over time
(:func:`crm_models.data.customer_activity`), the RFM summary and a BG/NBD + Gamma-Gamma
value on it, the top-20 % revenue share, and the segment counts (RFM segments, lifecycle
stages, membership tiers).  :func:`load_overview_data` computes the table-wide parts once:

* ``engine="pandas"``: with the pandas functions on the loaded transactions;
* ``engine="spark"``: ``transactions_path`` is a Spark table name or a Parquet/CSV path;
  the same statistics come from :mod:`crm_models.spark` (``rfm_summary``,
  ``customer_activity``, ``key_figures``, the segments functions), so only one row per
  customer and a few aggregates reach the driver, never the transactions.  The results
  equal the pandas engine's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crm_models.data.engines import ENGINES, check_engine

__all__ = ["OverviewData", "load_overview_data", "ENGINES"]



@dataclass
class OverviewData:
    """What the overview report takes from the transactions."""

    observation_end: pd.Timestamp
    summary: pd.DataFrame  # crm.data.rfm_summary: one row per customer
    activity: pd.DataFrame  # crm.data.customer_activity: one row per period
    key_figures: pd.Series  # crm.data.key_figures
    spend: pd.Series  # total spend per customer
    rfm: pd.DataFrame  # crm.segments.rfm_table
    stages: pd.Series  # crm.segments.lifecycle_stages(...)["stage"]
    tiers: pd.Series  # crm.segments.membership_tiers(...)["tier"]
    engine: str = "pandas"
    data_used: Any = None  # crm_models.report.data_notes.DataUsed (pandas engine)


def load_overview_data(
    transactions_path: str | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    observation_end: str | pd.Timestamp | None = None,
    *,
    period: str = "D",
    time_unit: str | None = "W",
    activity_freq: str = "M",
    anonymize: bool = False,
    engine: str = "pandas",
    spark: Any = None,
    read_options: Mapping[str, Any] | None = None,
) -> OverviewData:
    """Load the transactions (None: the bundled sample shop) and compute the overview's parts.

    ``observation_end`` defaults to the sample's end date, or the last purchase date; purchases
    after a given end are refused unless ``read_options={"after_end": "drop"}``.
    ``read_options`` go to ``load_transactions``
    (:func:`crm_models.report.data_notes.load_report_transactions`).
    ``anonymize`` replaces customer ids by their keyed pseudonyms
    (:func:`crm_models.report.privacy.anonymize_frame`) in every per-customer result.
    """
    if check_engine(engine) == "spark":
        return _load_spark(transactions_path, customer_id, date, amount, observation_end, period, time_unit,
                           activity_freq, anonymize, spark, read_options)
    import crm_models as crm
    from crm_models.report.data_notes import load_report_transactions
    from crm_models.report.privacy import anonymize_frame

    tx, end, used = load_report_transactions(transactions_path, customer_id, date, amount, observation_end,
                                             read_options)
    if anonymize:
        tx = anonymize_frame(tx)
    summary = crm.data.rfm_summary(tx, observation_end=end, period=period, time_unit=time_unit)
    return OverviewData(
        observation_end=end, summary=summary, activity=crm.data.customer_activity(tx, freq=activity_freq),
        key_figures=crm.data.key_figures(tx, summary), spend=tx.groupby("customer_id")["amount"].sum(),
        rfm=crm.segments.rfm_table(tx, end), stages=crm.segments.lifecycle_stages(tx, end)["stage"],
        tiers=crm.segments.membership_tiers(tx, end)["tier"], engine="pandas", data_used=used)


def _load_spark(transactions_path, customer_id, date, amount, observation_end, period, time_unit,
                activity_freq, anonymize, spark, read_options=None) -> OverviewData:
    from pyspark.sql import functions as F

    from crm_models import spark as crs
    from crm_models.data import datasets
    from crm_models.report.privacy import anonymize_frame
    from crm_models.spark import activity as spark_activity
    from crm_models.spark import segments as spark_segments
    from crm_models.spark.source import read_report_transactions

    spark = spark or crs.get_session()
    if transactions_path is None:
        sample = datasets.sample_transactions()
        sample = sample.assign(customer_id=sample["customer_id"].astype(str))
        end = pd.Timestamp(observation_end or datasets.SAMPLE_OBSERVATION_END)
        sdf = read_report_transactions(spark.createDataFrame(sample), spark=spark, observation_end=end,
                                       read_options=read_options, after_end="drop")
    else:
        sdf = read_report_transactions(transactions_path, customer_id, date, amount, spark=spark,
                                       observation_end=observation_end, read_options=read_options)
        end = (pd.Timestamp(observation_end) if observation_end is not None
               else pd.Timestamp(sdf.agg(F.max("date").cast("timestamp").alias("last")).first()["last"]))
    sdf = sdf.cache()
    try:
        summary = crs.to_pandas_summary(crs.rfm_summary(sdf, end, period=period, time_unit=time_unit))
        activity = spark_activity.customer_activity(sdf, freq=activity_freq)
        kf = spark_activity.key_figures(sdf, summary)
        spend = (sdf.groupBy("customer_id").agg(F.sum("amount").alias("amount")).toPandas()
                 .set_index("customer_id")["amount"].sort_index())
        rfm = spark_segments.rfm_table(sdf, end)
        stages = spark_segments.lifecycle_stages(sdf, end)["stage"]
        tiers = spark_segments.membership_tiers(sdf, end)["tier"]
    finally:
        sdf.unpersist()
    if anonymize:
        summary, rfm = anonymize_frame(summary).sort_index(), anonymize_frame(rfm).sort_index()
        spend, stages, tiers = (anonymize_frame(part.to_frame())[part.name].sort_index()
                                for part in (spend, stages, tiers))
    return OverviewData(observation_end=end, summary=summary, activity=activity, key_figures=kf, spend=spend,
                        rfm=rfm, stages=stages, tiers=tiers, engine="spark")
