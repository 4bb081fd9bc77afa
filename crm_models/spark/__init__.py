"""Spark sessions, summaries kept in Spark, and scoring fitted models where the data are.

The per-customer work itself is not here: every summary of the package (``crm.data``,
``crm.churn``, ``crm.segments``) is one query that runs on Spark as it runs on the embedded
DuckDB (docs/data-engines.md)::

    import crm_models as crm
    from crm_models import spark as crs
    spark = crs.local_session()                        # or the cluster's session
    tx = crm.data.scan_transactions(spark.read.parquet("s3://shop/transactions/"))
    s = crm.data.rfm_summary(tx, "2024-12-31", period="D", time_unit="W")   # pandas
    d = crm.churn.durations_from_transactions(tx, "2024-12-31", time_unit="W")

For customer bases too large for the driver, keep the summary in Spark::

    s = crs.rfm_summary(tx, "2024-12-31", period="D", time_unit="W")  # lazy Spark DataFrame
    c = crs.compress_summary(s)                       # distinct (frequency, recency, T) + weight
    m = crm.clv.BetaGeoModel().fit(c, weights="weight")
    scored = crs.score_clv(s, m, t=52)                # + prob_alive, expected_purchases

Importing this package does not import pyspark; the functions do.
"""

from __future__ import annotations

from crm_models._moved import moved_names
from crm_models.data.sessions import LOCAL_DEFAULTS, get_session, local_session
from crm_models.spark.frames import compress_summary, rfm_summary, to_pandas_summary, to_spark
from crm_models.spark.scoring import score_churn, score_clv

__all__ = [
    "LOCAL_DEFAULTS",
    "compress_summary",
    "get_session",
    "local_session",
    "rfm_summary",
    "score_churn",
    "score_clv",
    "to_pandas_summary",
    "to_spark",
]

#: Former names of this package and what replaced them: the same functions now take Spark data.
_MOVED = {
    "read_transactions": "crm.data.scan_transactions(source, ..., engine='spark')",
    "read_source": "crm.data.scan_transactions(source, engine='spark') or crm.data.scan.collect_table",
    "describe_source": "crm.data.scan.describe_source",
    "customer_activity": "crm.data.customer_activity(crm.data.scan_transactions(sdf), ...)",
    "key_figures": "crm.data.key_figures(crm.data.scan_transactions(sdf), summary)",
    "tracking_counts": "crm.clv.tracking_counts(crm.data.scan_transactions(sdf), summary, ...)",
    "durations_from_transactions":
        "crm.churn.durations_from_transactions(crm.data.scan_transactions(sdf), ...)",
    "to_pandas_durations": "nothing: crm.churn.durations_from_transactions returns pandas",
    "segments":
        "crm.segments (rfm_table, membership_tiers, segment_inputs, ...) on crm.data.scan_transactions(sdf)",
}


__getattr__ = moved_names("crm_models.spark", _MOVED,
                          "the package's functions run on Spark data themselves: docs/data-engines.md")
