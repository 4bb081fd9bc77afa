"""Summaries that stay in Spark: the package's queries as Spark DataFrames, and compression.

Every summary of :mod:`crm_models.data` runs on Spark through Ibis and returns pandas (one
row per customer).  For customer bases too large for the driver, the RFM summary can stay
in Spark instead (:func:`rfm_summary`), to be compressed (:func:`compress_summary`) for a
model fit on the driver and scored where it is (:func:`crm_models.spark.score_clv`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["to_spark", "rfm_summary", "compress_summary", "to_pandas_summary"]


def to_spark(query: Any) -> Any:
    """A lazy Spark DataFrame of an Ibis expression on the Spark backend (nothing is collected)."""
    from crm_models.data.backends import engine_name

    backend = query._find_backend(use_default=False)
    if engine_name(backend) != "spark":
        raise CRMDataError(f"the query runs on {engine_name(backend)!r}, not on Spark; "
                           "scan the data with engine='spark'")
    from pyspark.sql import functions as F

    sdf = backend._session.sql(backend.compile(query))
    # Spark reads a literal such as 26.0 as a decimal: give every column the query's type
    casts = {name: "double" if dtype.is_floating() else "bigint"
             for name, dtype in query.schema().items() if dtype.is_floating() or dtype.is_integer()}
    return sdf.select(*[F.col(c).cast(casts[c]).alias(c) if c in casts else F.col(c) for c in sdf.columns])


def _transactions(tx: Any) -> Any:
    from crm_models.data.scan import scan_transactions
    from crm_models.data.tables import TransactionTable

    return tx if isinstance(tx, TransactionTable) else scan_transactions(tx, engine="spark")


def rfm_summary(tx: Any, observation_end: str | pd.Timestamp, period: str = "D", time_unit: str | None = None,
                calibration_end: str | pd.Timestamp | None = None) -> Any:
    """:func:`crm_models.data.rfm_summary` as a lazy Spark DataFrame (one row per customer).

    ``tx``: a Spark DataFrame with ``customer_id``, ``date`` and ``amount`` (checked by
    :func:`crm_models.data.scan_transactions` on Spark; scan it yourself to map other column
    names or set the checks' options) or such a scanned table.  The summary's ``attrs``
    travel as metadata of the ``customer_id`` column (:func:`to_pandas_summary` restores them).
    """
    from crm_models.data.summary import rfm_summary_query

    _, query, attrs = rfm_summary_query(_transactions(tx), observation_end, period, time_unit,
                                        calibration_end)
    sdf = to_spark(query)
    return sdf.withMetadata("customer_id", {"crm_models_summary": {k: str(v) if k != "excluded_after_end"
                                                                   else int(v) for k, v in attrs.items()}})


def to_pandas_summary(summary_sdf: Any) -> pd.DataFrame:
    """Collect a Spark summary of :func:`rfm_summary` (indexed by sorted ``customer_id``, with its attrs)."""
    if isinstance(summary_sdf, pd.DataFrame):
        return summary_sdf
    frame = summary_sdf.toPandas()
    if pd.api.types.is_object_dtype(frame["customer_id"]):  # text ids, as the other engines give them
        frame["customer_id"] = frame["customer_id"].astype("string[pyarrow]")
    frame = frame.set_index("customer_id").sort_index()
    field = summary_sdf.schema["customer_id"]
    frame.attrs.update(dict(field.metadata.get("crm_models_summary", {})))
    return frame


def compress_summary(summary: Any, columns: tuple[str, ...] = ("frequency", "recency", "T")) -> pd.DataFrame:
    """Distinct ``columns`` rows of a summary with their count ``weight``.

    The BG/NBD, Pareto/NBD, MBG/NBD and BG/BB likelihoods depend on a customer only through
    (frequency, recency, T), so fitting on the distinct rows with weights gives the same
    estimates as fitting on every customer: ``crm.clv.BetaGeoModel().fit(c, weights="weight")``.
    ``summary``: a pandas summary, or a Spark one (grouped in Spark; only the distinct rows
    are collected).

    Returns
    -------
    pandas DataFrame: ``columns`` and ``weight`` (int64), sorted by ``columns``.
    """
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise CRMDataError("column not in the summary (pass the output of rfm_summary)", column=missing[0])
    if "weight" in columns:
        raise CRMDataError("'weight' is the output column; it cannot be a grouping column", column="weight")
    if isinstance(summary, pd.DataFrame):
        pdf = summary.groupby(list(columns), sort=False).size().rename("weight").reset_index()
    else:
        from pyspark.sql import functions as F

        pdf = summary.groupBy(*columns).agg(F.count(F.lit(1)).alias("weight")).toPandas()
    pdf = pdf.sort_values(list(columns), kind="stable").reset_index(drop=True)
    pdf["weight"] = pdf["weight"].astype("int64")
    if "frequency" in pdf.columns:
        pdf["frequency"] = pdf["frequency"].astype("int64")
    return pdf
