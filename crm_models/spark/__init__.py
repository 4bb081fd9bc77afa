"""The summaries and scoring of ``crm_models`` on Apache Spark."""

from crm_models.spark.durations import durations_from_transactions, to_pandas_durations
from crm_models.spark.session import LOCAL_DEFAULTS, local_session
from crm_models.spark.summary import compress_summary, rfm_summary, to_pandas_summary

__all__ = ["LOCAL_DEFAULTS", "compress_summary", "durations_from_transactions", "local_session",
           "rfm_summary", "to_pandas_durations", "to_pandas_summary"]
