"""Input checks on Spark DataFrames: schema problems are found without running a job.

Data problems (missing ids or dates, purchases after the observation end) need one
aggregate pass over the data; :func:`profile` computes all of them at once so each
public function runs a single validation job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crm_models.churn._checks import to_timestamp  # noqa: F401  (re-exported)
from crm_models.errors import CRMDataError

__all__ = [
    "ROW",
    "check_spark_frame",
    "date_kind",
    "day_literal",
    "describe_examples",
    "timestamp_literal",
    "to_timestamp",
]

#: Internal column holding the input row order (ties within a period are summed in it).
ROW = "__crm_row"


def check_spark_frame(sdf: Any, columns: dict[str, str | None], source: str = "Spark DataFrame") -> None:
    """Raise :class:`CRMDataError` unless ``sdf`` is a Spark DataFrame with the mapped columns.

    ``columns`` maps a role ("customer_id", "date", "amount", "feature") to the user's column
    name (None: not used).  Dates must be date or timestamp columns and amounts numeric.
    """
    from pyspark.sql import types as T

    if not hasattr(sdf, "schema") or not hasattr(sdf, "mapInPandas"):
        raise CRMDataError(f"expected a Spark DataFrame, got {type(sdf).__name__} "
                           "(use crm.data.rfm_summary for pandas frames)")
    fields = {f.name: f.dataType for f in sdf.schema.fields}
    for role, col in columns.items():
        if col is None:
            continue
        if col not in fields:
            available = ", ".join(list(fields)[:20])
            hint = "; pass amount=None for data without order values" if role == "amount" else ""
            raise CRMDataError(f"missing column for {role} (available: {available}){hint}",
                               source=source, column=col)
        dtype = fields[col]
        if role == "date" and not isinstance(dtype, T.DateType | T.TimestampType | T.TimestampNTZType):
            raise CRMDataError(
                f"dates must be a date or timestamp column, got {dtype.simpleString()}; convert with "
                f"F.to_date(...) or F.to_timestamp(..., format)", source=source, column=col)
        if role == "amount" and not isinstance(dtype, T.NumericType):
            raise CRMDataError(f"amounts must be numeric, got {dtype.simpleString()}; cast them "
                               "with F.col(...).cast('double')", source=source, column=col)
        if role == "customer_id" and isinstance(dtype, T.ArrayType | T.MapType | T.StructType):
            raise CRMDataError(f"customer ids must be plain values, got {dtype.simpleString()}",
                               source=source, column=col)


def date_kind(sdf: Any, column: str) -> str:
    """"date", "timestamp" (session time zone) or "timestamp_ntz" (no time zone)."""
    from pyspark.sql import types as T

    dtype = sdf.schema[column].dataType
    if isinstance(dtype, T.TimestampNTZType):
        return "timestamp_ntz"
    if isinstance(dtype, T.TimestampType):
        return "timestamp"
    return "date"


def timestamp_literal(ts: pd.Timestamp, kind: str):
    """A Spark literal for the naive wall-clock time ``ts``, comparable with a column of ``kind``.

    Built from text so it is read in the session time zone (as the column values are),
    not in the driver's Python time zone.
    """
    from pyspark.sql import functions as F

    text = F.lit(ts.strftime("%Y-%m-%d %H:%M:%S.%f"))
    if kind == "timestamp_ntz":
        return F.to_timestamp_ntz(text)
    return F.to_timestamp(text)


def day_literal(ts: pd.Timestamp):
    """A Spark date literal for the calendar day of ``ts``."""
    from pyspark.sql import functions as F

    return F.to_date(F.lit(ts.strftime("%Y-%m-%d")))


def describe_examples(sdf: Any, condition: Any, columns: Sequence[str], total: int, limit: int = 5) -> str:
    """``"3 rows (e.g. customer 'A': 1998-07-01, ...)"`` for the rows matching ``condition``.

    Runs a small job (``limit`` rows); only called when an error is about to be raised.
    """
    rows = sdf.where(condition).select(*columns).limit(limit).collect()
    shown = ", ".join(": ".join(repr(v) if i == 0 else str(v) for i, v in enumerate(r)) for r in rows)
    noun = "row" if total == 1 else "rows"
    more = ", ..." if total > limit else ""
    return f"{total:,} {noun} (e.g. {shown}{more})"
