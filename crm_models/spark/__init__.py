"""The summaries and scoring of ``crm_models`` on Apache Spark (extra ``spark``: pyspark >= 3.5).

Aggregate where the data are, fit on the sufficient statistics on the driver, score where
the data are; the analyst's code keeps the pandas API's names::

    import crm_models as crm
    from crm_models import spark as crs
    spark = crs.local_session()                       # or the cluster's session
    tx = spark.read.parquet("s3://shop/transactions/")  # customer_id, date, amount
    s = crs.rfm_summary(tx, "2024-12-31", period="D", time_unit="W",
                        calibration_end="2024-06-30")    # Spark DataFrame, one row per customer
    c = crs.compress_summary(s)                       # distinct (frequency, recency, T) + weight
    m = crm.clv.BetaGeoModel().fit(c, weights="weight")
    scored = crs.score_clv(s, m, t=52)                # + prob_alive, expected_purchases
    d = crs.durations_from_transactions(tx, "2024-12-31", time_unit="W")
    seg = crs.segments.rfm_table(tx, "2024-12-31")     # segments: pandas frame, one row per customer

The report notebooks take ``engine="spark"`` (a table name or Parquet/CSV path, read by
``read_transactions`` / ``read_source``); see docs/spark.md.

Importing this package does not import pyspark; the functions do.
"""

from crm_models.spark import segments
from crm_models.spark.activity import customer_activity, key_figures, tracking_counts
from crm_models.spark.durations import durations_from_transactions, to_pandas_durations
from crm_models.spark.scoring import score_churn, score_clv
from crm_models.spark.session import LOCAL_DEFAULTS, local_session
from crm_models.spark.source import describe_source, get_session, read_source, read_transactions
from crm_models.spark.summary import compress_summary, rfm_summary, to_pandas_summary

__all__ = [
    "LOCAL_DEFAULTS",
    "compress_summary",
    "customer_activity",
    "describe_source",
    "durations_from_transactions",
    "get_session",
    "key_figures",
    "local_session",
    "read_source",
    "read_transactions",
    "rfm_summary",
    "score_churn",
    "score_clv",
    "segments",
    "to_pandas_durations",
    "to_pandas_summary",
    "tracking_counts",
]
