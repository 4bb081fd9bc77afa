"""Where a report's data come from when it runs on Spark: a table name or a file path.

The report notebooks take ``engine="spark"`` with ``transactions_path`` (or ``data_path``,
``survey_path``) naming either

* a table or view of the session's catalog (``"sales.orders"``, ``"orders"``), or
* a path Spark can read: a Parquet file or folder (``/data/orders.parquet``,
  ``s3://shop/orders/``), a CSV file (``*.csv``, with a header row), or an ORC / JSON file.

:func:`read_transactions` reads it, checks the columns and values in one aggregate job
(the same problems :func:`crm_models.data.load_transactions` refuses, each named with the
source and column), and returns a Spark DataFrame with the columns ``customer_id``
(string), ``date`` (date or timestamp) and ``amount`` (double).  Nothing is collected.

:func:`get_session` is the session a notebook should use: the active one when the kernel
already has it (Databricks, EMR, a Jupyter kernel on a cluster, ``spark-submit``), otherwise
:func:`crm_models.spark.local_session`.
"""

from __future__ import annotations

import os
from typing import Any

from crm_models.errors import CRMDataError
from crm_models.spark._checks import date_kind, describe_examples, timestamp_literal

__all__ = ["get_session", "read_source", "read_transactions", "read_report_transactions", "describe_source",
           "SPARK_READ_OPTIONS"]

#: ``read_options`` keys a report takes with ``engine="spark"`` (the others are pandas-only).
SPARK_READ_OPTIONS = ("encoding", "sep", "date_format", "after_end")

_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".orc": "orc", ".json": "json",
            ".jsonl": "json"}


def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _try_double(column: str):
    """The column as double, null where it is not a number (ANSI mode would fail the job)."""
    from pyspark.sql import functions as F

    return F.expr(f"try_cast({_quoted(column)} as double)")


def get_session(**local_options: Any):
    """The active SparkSession, or a new :func:`~crm_models.spark.local_session`."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("engine='spark' needs pyspark: pip install 'crm_models[spark]'") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from crm_models.spark.session import local_session

    return local_session(**local_options)


def _is_path(source: str) -> bool:
    return ("/" in source or "\\" in source or ":" in source or os.path.exists(source)
            or os.path.splitext(source)[1].lower() in _FORMATS)


def describe_source(source: Any) -> str:
    """How error messages name the source: ``table sales.orders`` or the path."""
    if isinstance(source, str):
        return source if _is_path(source) else f"table {source}"
    return "Spark DataFrame"


def read_source(source: Any, spark: Any = None, *, fmt: str | None = None, **options: Any):
    """A Spark DataFrame for a table name, a file/folder path, or a Spark DataFrame (as is).

    ``fmt`` forces the reader ("parquet", "csv", "orc", "json"); by default it follows the
    file extension, and a folder without one is read as Parquet.  CSV files are read with
    ``header=True`` and ``inferSchema=True`` unless ``options`` say otherwise.
    """
    if hasattr(source, "schema") and hasattr(source, "mapInPandas"):
        return source
    if not isinstance(source, str) or not source:
        raise CRMDataError(f"expected a table name or a path for engine='spark', got {source!r}")
    spark = spark or get_session()
    if not _is_path(source):
        if not spark.catalog.tableExists(source):
            raise CRMDataError("no such table or view in the Spark catalog (and not a path); "
                               "register it with df.createOrReplaceTempView(...) or pass a file path",
                               source=f"table {source}")
        return spark.table(source)
    local = "://" not in source
    if local and not os.path.exists(source):
        raise CRMDataError("file or folder not found", source=source)
    fmt = fmt or _FORMATS.get(os.path.splitext(source.rstrip("/"))[1].lower(), "parquet")
    if fmt == "csv":
        options = {"header": "true", "inferSchema": "true", **options}
    try:
        return spark.read.format(fmt).options(**options).load(source)
    except Exception as exc:  # AnalysisException: not Parquet, empty folder, ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = ""
        if "NANOS" in str(exc) or "PARQUET_TYPE_ILLEGAL" in str(exc):
            hint = ("; the file has nanosecond timestamps (pandas' default), which Spark does not read: "
                    "write it with df.to_parquet(path, coerce_timestamps='us')")
        raise CRMDataError(f"Spark cannot read it as {fmt}: {first}{hint}", source=source) from exc


def read_transactions(source: Any, customer_id: str = "customer_id", date: str = "date",
                      amount: str | None = "amount", *, spark: Any = None, date_format: str | None = None,
                      observation_end: Any = None, options: dict[str, Any] | None = None):
    """Read and check a transaction table on Spark; columns ``customer_id``, ``date``, ``amount``.

    Refused, naming the source and column (:class:`~crm_models.errors.CRMDataError`):
    a missing column, missing ids or dates, dates that do not parse (text dates are read
    with ``date_format``, default ISO ``yyyy-MM-dd``), amounts that are not numbers,
    negative amounts (returns; filter them out first, as with ``returns="drop"`` in pandas),
    and dates after ``observation_end``.  An empty table is refused too.  ``options`` go to
    Spark's file reader (e.g. ``{"encoding": "GBK", "sep": ";"}`` for a CSV file).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    what = describe_source(source)
    sdf = read_source(source, spark, **(options or {}))
    fields = {f.name: f.dataType for f in sdf.schema.fields}
    for col in [customer_id, date] + ([amount] if amount is not None else []):
        if col not in fields:
            hint = "; pass amount=None for data without order values" if col == amount else ""
            raise CRMDataError(f"missing column (available: {', '.join(list(fields)[:20])}){hint}",
                               source=what, column=col)
    kind = "date"
    if isinstance(fields[date], T.DateType | T.TimestampType | T.TimestampNTZType):
        date_col, kind = F.col(date), date_kind(sdf, date)
    elif isinstance(fields[date], T.StringType | T.IntegralType):  # "2024-01-31", 19970101
        default = "yyyyMMdd" if isinstance(fields[date], T.IntegralType) else "yyyy-MM-dd"
        pattern = (date_format or default).replace("'", "''")
        # try_: a bad value becomes null (counted and reported below) instead of failing the job
        date_col = F.to_date(F.expr(f"try_to_timestamp(cast({_quoted(date)} as string), '{pattern}')"))
    else:
        raise CRMDataError(f"dates must be dates, timestamps, text or yyyyMMdd integers, got "
                           f"{fields[date].simpleString()}", source=what, column=date)
    # text ids are stripped and an empty id is a missing one, as in load_transactions
    id_col = F.trim(F.col(customer_id).cast("string"))
    columns = [id_col.alias("customer_id"), date_col.alias("date")]
    if amount is not None:
        columns.append(_try_double(amount).alias("amount"))
    out = sdf.select(*columns)

    checks = [F.count(F.lit(1)).alias("n"),
              F.count_if(id_col.isNull() | (id_col == "")).alias("null_id"),
              F.count_if(F.col(date).isNull()).alias("null_date"),
              F.count_if(F.col(date).isNotNull() & date_col.isNull()).alias("bad_date")]
    if amount is not None:
        cast = _try_double(amount)
        not_a_number = F.col(amount).isNotNull() & (cast.isNull() | F.isnan(cast))
        checks += [F.count_if(F.col(amount).isNull()).alias("null_amount"),
                   F.count_if(not_a_number).alias("bad_amount"),
                   F.count_if(cast < 0).alias("negative")]
    end = None
    if observation_end is not None:
        import pandas as pd

        end = pd.Timestamp(observation_end)
        checks.append(F.count_if(date_col > timestamp_literal(end, kind)).alias("after_end"))
    row = sdf.agg(*checks).first().asDict()

    def fail(key: str, column: str, problem: str, condition) -> None:
        if row.get(key):
            shown = describe_examples(sdf, condition, [customer_id, column], row[key])
            raise CRMDataError(f"{problem}: {shown}", source=what, column=column)

    if row["n"] == 0:
        raise CRMDataError("no transactions (the table is empty)", source=what)
    if row["null_id"]:
        noun = "row has" if row["null_id"] == 1 else "rows have"
        raise CRMDataError(f"{row['null_id']:,} {noun} no customer id (missing or blank)", source=what,
                           column=customer_id)
    fail("null_date", date, "missing dates", F.col(date).isNull())
    fail("bad_date", date, f"dates that do not parse{f' as {date_format}' if date_format else ''}",
         F.col(date).isNotNull() & date_col.isNull())
    if amount is not None:
        cast = _try_double(amount)
        fail("null_amount", amount, "missing amounts", F.col(amount).isNull())
        fail("bad_amount", amount, "amounts that are not numbers",
             F.col(amount).isNotNull() & (cast.isNull() | F.isnan(cast)))
        fail("negative", amount, "negative amounts (returns); filter them out before the report", cast < 0)
    if end is not None:
        fail("after_end", date, f"dates after the observation end {end:%Y-%m-%d}",
             date_col > timestamp_literal(end, kind))
    return out


def read_report_transactions(source: Any, customer_id: str = "customer_id", date: str = "date",
                             amount: str | None = "amount", *, spark: Any = None, observation_end: Any = None,
                             read_options: Any = None, after_end: str = "error"):
    """:func:`read_transactions` with a report's ``read_options`` (keys of :data:`SPARK_READ_OPTIONS`).

    ``encoding`` and ``sep`` go to Spark's CSV reader, ``date_format`` to the date parsing;
    ``after_end`` (default ``after_end``): ``"error"`` refuses dates after a given
    ``observation_end``, ``"drop"`` leaves them out.  Any other key is refused, naming it.
    """
    from pyspark.sql import functions as F

    from crm_models.data.options import check_read_options

    try:
        options = check_read_options(read_options, SPARK_READ_OPTIONS,
                                     what="transactions with engine='spark'")
    except CRMDataError as exc:
        raise CRMDataError(exc.problem + " (the other keys work with engine='pandas' only)",
                           source=exc.source, column=exc.column) from exc
    policy = options.pop("after_end", after_end)
    if policy not in ("error", "drop"):
        raise CRMDataError(f"after_end must be 'error' or 'drop', got {policy!r}", source="parameters",
                           column="read_options")
    date_format = options.pop("date_format", None)
    refuse = observation_end if policy == "error" else None
    sdf = read_transactions(source, customer_id, date, amount, spark=spark, date_format=date_format,
                            observation_end=refuse, options=options)
    if observation_end is not None and policy == "drop":
        import pandas as pd

        end = timestamp_literal(pd.Timestamp(observation_end), date_kind(sdf, "date"))
        sdf = sdf.filter(F.col("date") <= end)
    return sdf
