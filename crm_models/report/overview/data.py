"""The transaction side of the overview (management summary) report, on pandas or on Spark.

``notebooks/overview.ipynb`` shows, from one transaction table: the key figures
(:func:`crm_models.data.key_figures`), activity over time
(:func:`crm_models.data.customer_activity`), the RFM summary and a BG/NBD + Gamma-Gamma
value on it, the top-20 % revenue share, and the segment counts (RFM segments, lifecycle
stages, membership tiers).  :func:`load_overview_data` computes the table-wide parts once:

* ``engine="duckdb"`` (default; ``"pandas"`` is the same): the file is read by
  ``load_transactions`` and the statistics are computed by the embedded DuckDB;
* ``engine="spark"``: ``transactions_path`` is a Spark table name or a Parquet/CSV path,
  checked and summarised in Spark.

Both run the same queries (``rfm_summary``, ``customer_activity``, ``key_figures``, the
segment functions), so only one row per customer and a few aggregates reach Python, and the
results are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crm_models.data.backends import ENGINES

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
    stages: pd.Series  # lifecycle_stages(...)["stage"]
    tiers: pd.Series  # membership_tiers(...)["tier"]
    engine: str = "duckdb"
    data_used: Any = None  # crm_models.report.data_notes.DataUsed


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
    engine: str = "duckdb",
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
    from crm_models.data.activity import customer_activity, key_figures
    from crm_models.data.backends import check_engine
    from crm_models.data.summary import rfm_summary, total_spend
    from crm_models.report.data_notes import load_report_transactions
    from crm_models.report.privacy import anonymize_frame
    from crm_models.segments import lifecycle_stages, membership_tiers, rfm_table

    engine = check_engine(engine)
    tx, end, used = load_report_transactions(transactions_path, customer_id, date, amount, observation_end,
                                             read_options, engine=engine, spark=spark)
    summary = rfm_summary(tx, observation_end=end, period=period, time_unit=time_unit)
    spend = total_spend(tx)
    rfm = rfm_table(tx, end)
    stages = lifecycle_stages(tx, end)["stage"]
    tiers = membership_tiers(tx, end)["tier"]
    if anonymize:
        summary, rfm = anonymize_frame(summary).sort_index(), anonymize_frame(rfm).sort_index()
        spend, stages, tiers = (anonymize_frame(part.to_frame())[part.name].sort_index()
                                for part in (spend, stages, tiers))
    return OverviewData(
        observation_end=end, summary=summary, activity=customer_activity(tx, freq=activity_freq),
        key_figures=key_figures(tx, summary), spend=spend, rfm=rfm, stages=stages, tiers=tiers,
        engine=engine, data_used=used)
