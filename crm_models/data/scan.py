"""Scan and validate a transaction table where it is: files, globs, Spark or warehouse tables.

:func:`scan_transactions` is the large-data counterpart of
:func:`~crm_models.data.load_transactions`: it reads nothing into Python.  The checks run as
one aggregate query on the engine (DuckDB for files and frames, Spark for Spark tables, any
Ibis backend), and the same expressions give the same :class:`~crm_models.errors.CRMDataError`
messages on every engine: examples name customers and values (engines have no row numbers).

For messy exports (GBK or UTF-16 text, Excel, ``2024/1/5`` or ``2024年1月5日`` dates, amounts
with ``¥`` or decimal commas) use :func:`~crm_models.data.load_transactions`; its frame
goes to every summary just the same.
"""

from __future__ import annotations

import datetime
import glob
import itertools
import logging
import os
import warnings
import weakref
from typing import Any, Literal

import pandas as pd

from crm_models.data.backends import connect, engine_name
from crm_models.data.tables import TransactionTable, upload
from crm_models.errors import CRMDataError, CRMDataWarning, describe_rows

__all__ = ["scan_transactions", "collect_table"]

logger = logging.getLogger("crm_models.data")

_PARQUET = (".parquet", ".pq", ".parq")
_CSV = {".csv": ",", ".tsv": "\t", ".txt": None}
_EXAMPLES = 5
_tables = itertools.count()


def _is_spark_frame(obj: Any) -> bool:
    return hasattr(obj, "schema") and hasattr(obj, "createOrReplaceTempView")


def _is_ibis_table(obj: Any) -> bool:
    try:
        import ibis.expr.types as ir
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, ir.Table)


def _looks_like_path(source: str) -> bool:
    return (os.sep in source or "/" in source or "://" in source or "*" in source
            or os.path.splitext(source)[1].lower() in (*_PARQUET, *_CSV, ".xlsx", ".xls")
            or os.path.exists(source))


def describe_source(source: Any) -> str:
    """How messages name the input: the path, ``table sales.orders``, ``Spark DataFrame``."""
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        return text if _looks_like_path(text) else f"table {text}"
    if isinstance(source, pd.DataFrame):
        return "DataFrame"
    if _is_spark_frame(source):
        return "Spark DataFrame"
    return "table"


def _read_file(backend: Any, path: str, what: str, csv_options: dict[str, Any],
               customer_id: str | None) -> Any:
    local = "://" not in path
    if local and not (glob.glob(path) if glob.has_magic(path) else os.path.exists(path)):
        raise CRMDataError("file or folder not found", source=what)
    ext = os.path.splitext(path.rstrip("/"))[1].lower()
    if ext in (".xlsx", ".xls"):
        raise CRMDataError("Excel files are read by crm.data.load_transactions (then pass its frame on)",
                           source=what)
    spark = engine_name(backend) == "spark"
    try:
        if ext in _CSV:
            options = dict(csv_options)
            if spark:
                # transactions: every column as text (ids keep leading zeros; the checks parse
                # dates and amounts); other tables: Spark types the columns, as pandas would
                options = {"header": True, "inferSchema": customer_id is None, **options}
                if _CSV[ext] and "sep" not in options:
                    options["sep"] = _CSV[ext]
                return backend.read_csv(path, **options)
            if _CSV[ext] and "delim" not in options and "sep" not in options:
                options["delim"] = _CSV[ext]
            # the id column as text (leading zeros stay); DuckDB types the other columns and
            # leaves a column with values it cannot type as text, which the checks then name
            header = backend.read_csv(path, **{**options, "all_varchar": True}).columns
            id_column = None if customer_id is None else _resolve_name(header, customer_id)
            if id_column is not None and "types" not in options:
                options["types"] = {id_column: "VARCHAR"}
            # parsed once into a temporary table: every check and summary then scans that
            name = f"crm_models_csv_{next(_tables)}"
            return backend.create_table(name, backend.read_csv(path, **options), temp=True)
        return backend.read_parquet(path)
        return backend.read_parquet(path)
    except CRMDataError:
        raise
    except Exception as exc:  # noqa: BLE001 - each engine raises its own reader errors
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        hint = ""
        if "unicode" in str(exc).lower() or "utf" in str(exc).lower():
            hint = ("; the file is not UTF-8 - read it with crm.data.load_transactions(path, "
                    "encoding='gbk') (it detects GB18030/UTF-16) and pass the frame on")
        elif "NANOS" in str(exc) or "PARQUET_TYPE_ILLEGAL" in str(exc):
            hint = ("; the file has nanosecond timestamps (pandas' default), which Spark does not "
                    "read: write it with df.to_parquet(path, coerce_timestamps='us')")
        raise CRMDataError(f"cannot read it: {first}{hint}", source=what) from exc


def _raw_table(source: Any, backend: Any, what: str, csv_options: dict[str, Any],
               customer_id: str | None) -> Any:
    if _is_ibis_table(source):
        return source
    if isinstance(source, pd.DataFrame):
        import ibis

        return ibis.memtable(source) if engine_name(backend) == "duckdb" else upload(backend, source)
    if _is_spark_frame(source):
        # a fresh name per scan: an id() could be reused by a later frame and silently
        # replace the view that an earlier table still reads
        name = f"crm_models_scan_{next(_tables)}"
        source.createOrReplaceTempView(name)
        return backend.table(name)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str) or not source:
        raise CRMDataError(f"expected a path, a table name or a table, got {type(source).__name__}",
                           source=what)
    if _looks_like_path(source):
        return _read_file(backend, source, what, csv_options, customer_id)
    try:
        return backend.table(source)
    except Exception as exc:  # noqa: BLE001 - the backends' "table not found" errors differ
        raise CRMDataError("no such file or table (register a Spark DataFrame with "
                           "createOrReplaceTempView, or pass a path)", source=what) from exc


def _resolve_name(columns: Any, name: str) -> str | None:
    """``name`` as spelled in ``columns`` (surrounding spaces ignored), or None."""
    if name in columns:
        return name
    stripped = {c.strip(): c for c in columns}
    return stripped.get(name.strip())


def _resolve(raw: Any, name: str | None, role: str, what: str) -> str | None:
    if name is None:
        return None
    found = _resolve_name(raw.columns, name)
    if found is not None:
        return found
    hint = "; pass amount=None for data without order values" if role == "amount" else ""
    raise CRMDataError(f"missing column (available: {', '.join(list(raw.columns)[:20])}){hint}",
                       source=what, column=name)


def _as_ids(col: Any) -> tuple[Any, bool]:
    """Ids as text or integers; the bool says whether the ids are text."""
    if col.type().is_integer():
        return col.cast("int64"), False
    if col.type().is_string():
        return col, True
    return col.cast("string"), True


def _as_dates(col: Any, timezone: str | None, backend: Any, what: str, name: str) -> Any:
    dtype = col.type()
    if dtype.is_timestamp():
        if dtype.timezone is None:
            return col
        zone = timezone or dtype.timezone
        return _local_time(col, zone, backend)
    if dtype.is_date():
        return col.cast("timestamp")
    if dtype.is_integer():  # 19970101
        text = col.cast("string")
        return (text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2)).try_cast("timestamp")
    if dtype.is_string():
        return col.strip().try_cast("timestamp")
    raise CRMDataError(f"dates must be dates, timestamps, text or yyyymmdd integers, got {dtype}",
                       source=what, column=name)


def _local_time(col: Any, zone: str, backend: Any) -> Any:
    """Wall-clock time in ``zone`` of a time-zone-aware timestamp, without the zone."""
    import ibis.expr.datatypes as dt

    from crm_models.data._zones import duckdb_local_time, spark_local_time

    utc = col.cast(dt.Timestamp(timezone="UTC"))
    if engine_name(backend) == "spark":
        return spark_local_time(utc, zone)
    return duckdb_local_time(zone, utc)


def _as_amounts(col: Any, what: str, name: str) -> Any:
    dtype = col.type()
    if dtype.is_numeric():
        return col.cast("float64")
    if dtype.is_string():
        return col.strip().try_cast("float64")
    raise CRMDataError(f"amounts must be numbers, got {dtype}", source=what, column=name)


def _examples(backend: Any, work: Any, condition: Any, shown: str) -> tuple[list, list]:
    """Up to five offending rows: labels naming the customer, and the raw value shown."""
    rows = backend.to_pyarrow(work.filter(condition).select("_cid", shown).limit(_EXAMPLES)).to_pandas()
    labels = [f"customer {i!r}" if isinstance(i, (str, int)) and str(i).strip() else "a row dated"
              for i in rows["_cid"].tolist()]
    values = [v.isoformat() if isinstance(v, (pd.Timestamp, datetime.datetime)) else v
              for v in rows[shown].tolist()]
    return labels, values


def _check_policy(name: str, value: Any, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise CRMDataError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}",
                           source=what, column=name)


def scan_transactions(
    source: Any,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    *,
    engine: Any = "duckdb",
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: bool = False,
    timezone: str | None = None,
    observation_end: str | pd.Timestamp | None = None,
    after_end: Literal["error", "drop"] = "error",
    as_of: str | pd.Timestamp | None = None,
    future: Literal["error", "drop"] = "error",
    returns: Literal["error", "drop"] = "error",
    duplicates: Literal["warn", "drop", "keep", "error"] = "warn",
    extra_columns: list[str] | None = None,
    csv_options: dict[str, Any] | None = None,
) -> TransactionTable:
    """A validated, lazy transaction table on an engine (nothing is read into Python).

    Parameters
    ----------
    source:
        A Parquet or CSV/TSV path, a glob (``"orders/*.parquet"``) or folder of Parquet
        files, a table name (Spark catalog, or a table of ``engine``), a Spark DataFrame, an
        Ibis table, or a pandas frame.
    customer_id, date, amount:
        The source's names of the three columns (surrounding spaces in a CSV header do not
        matter); ``amount=None`` for data without order values.
    engine:
        ``"duckdb"`` (default; files and frames), ``"spark"`` (the active SparkSession, else a
        local one; Spark DataFrames imply it), or a connected Ibis backend.
    memory_limit, threads, progress:
        DuckDB settings (see :func:`crm_models.data.backends.connect`): e.g.
        ``memory_limit="8GB"`` spills to disk beyond 8 GB; ``progress=True`` prints a progress
        bar for long queries.
    timezone:
        Zone that time-zone-aware timestamps are converted to (wall-clock time there); by
        default the column's own zone.  Text dates must be ISO (``2024-01-05``,
        ``2024-01-05 13:45:00``) or ``yyyymmdd`` integers.
    observation_end, after_end, as_of, future, returns, duplicates:
        As in :func:`crm_models.data.load_transactions`: dates after ``observation_end`` or
        after the run day ``as_of`` (default today) are refused or dropped; negative amounts
        (returns) are refused or dropped; rows equal to another row in every column are
        warned about (kept), dropped, kept without counting them (``"keep"``: the count
        costs a full extra aggregation on large data; ``load_log["duplicate_rows"]`` is None)
        or refused.
    extra_columns:
        Further columns to carry through (e.g. a channel).
    csv_options:
        Passed to the engine's CSV reader (DuckDB ``read_csv`` or Spark ``read.csv``), e.g.
        ``{"delim": ";"}`` / ``{"sep": ";"}``.

    Returns
    -------
    TransactionTable
        Columns ``customer_id``, ``date``, ``amount`` and the extra columns;
        ``load_log`` with the keys of ``load_transactions``' log.

    Raises
    ------
    CRMDataError
        Missing file, table or column; empty data; missing ids; dates that do not parse;
        non-numeric or missing amounts; negative amounts (``returns="error"``); dates after
        the observation end or the run day; duplicates with ``duplicates="error"``.
    """
    what = describe_source(source)
    _check_policy("after_end", after_end, ("error", "drop"), what)
    _check_policy("future", future, ("error", "drop"), what)
    _check_policy("returns", returns, ("error", "drop"), what)
    _check_policy("duplicates", duplicates, ("warn", "drop", "keep", "error"), what)
    if timezone is not None:
        from crm_models.data.dates import check_timezone

        check_timezone(timezone, what)

    if _is_ibis_table(source):
        backend = source._find_backend(use_default=True)
    else:
        wanted = "spark" if _is_spark_frame(source) and engine in ("duckdb", None) else engine
        backend = connect(wanted, memory_limit=memory_limit, threads=threads, progress=progress)
    raw = _raw_table(source, backend, what, csv_options or {}, customer_id)
    names = {role: _resolve(raw, name, role, what)
             for role, name in (("customer_id", customer_id), ("date", date), ("amount", amount))}
    extras = [_resolve(raw, c, "extra column", what) for c in extra_columns or []]

    n_raw = backend.to_pyarrow(raw.aggregate(rows=raw.count())).to_pylist()[0]["rows"]
    if n_raw == 0:
        raise CRMDataError("no transactions (the table is empty)", source=what)
    n_dup = None  # duplicates="keep": not counted (the count is a full extra aggregation)
    if duplicates != "keep":
        n_dup, example = _duplicates(backend, raw)
    if n_dup and duplicates in ("warn", "error"):
        shown = "; ".join(", ".join(f"{c}={row[c]!r}" for c in raw.columns) + f" ({row['_copies']} times)"
                          for _, row in example.iterrows())
        text = (f"{n_dup} exact duplicate row{'s' if n_dup != 1 else ''} (every column equal to another "
                f"row), e.g. {shown}")
        if duplicates == "error":
            raise CRMDataError(f"{text}; remove them, or pass duplicates='drop' (or 'keep' if they are "
                               "real repeat orders)", source=what)
        message = (f"{what}: {text}; they are kept and counted twice - pass duplicates='drop' to "
                   "remove them, or duplicates='keep' if they are real repeat orders")
        logger.warning(message)
        warnings.warn(CRMDataWarning(message), stacklevel=2)
    if n_dup and duplicates == "drop":
        raw = raw.distinct()

    ids, text_ids = _as_ids(raw[names["customer_id"]])
    work = raw.mutate(_cid=ids, _date=_as_dates(raw[names["date"]], timezone, backend, what, names["date"]))
    if names["amount"] is not None:
        work = work.mutate(_amount=_as_amounts(raw[names["amount"]], what, names["amount"]))

    run_day = pd.Timestamp(as_of if as_of is not None else pd.Timestamp.now()).normalize()
    end = pd.Timestamp(observation_end) if observation_end is not None else None
    csv_ids = text_ids and isinstance(source, (str, os.PathLike)) and \
        os.path.splitext(os.fspath(source).rstrip("/"))[1].lower() in _CSV
    policies = {"negative": returns, "future": future, "after_end": after_end}
    limits = {"run_day": run_day, "end": end}
    conditions, kept = _conditions(work, names, text_ids, csv_ids, policies, limits, strip=False)
    stats = _stats(backend, work, conditions, policies, kept)
    if stats.get("spaces"):  # ids with surrounding blanks (rare): strip them, then count again
        work = work.mutate(_cid=work._cid.strip())
        conditions, kept = _conditions(work, names, text_ids, csv_ids, policies, limits, strip=True)
        stats = _stats(backend, work, conditions, policies, kept)

    def fail(key: str, column: str, problem: str, fix: str = "", shown: str | None = None) -> None:
        if stats.get(key):
            labels, values = _examples(backend, work, conditions[key], shown or column)
            shown = describe_rows(labels, values)
            raise CRMDataError(f"{problem} in {shown}{fix}", source=what, column=column)

    fail("missing_id", names["customer_id"], "missing customer ids",
         "; every row needs the customer's id", shown=names["date"])
    fail("missing_date", names["date"], "missing dates")
    fail("bad_date", names["date"], "dates that do not parse",
         "; dates must be ISO (2024-01-05) or yyyymmdd numbers here - for other formats read the "
         "file with crm.data.load_transactions(..., date_format=...)")
    if names["amount"] is not None:
        fail("bad_amount", names["amount"], "non-numeric or missing amounts",
             "; amounts must be plain numbers here - crm.data.load_transactions reads currency "
             "symbols, thousands separators and decimal commas")
        if returns == "error":
            fail("negative", names["amount"], "negative amounts (returns or refunds)",
                 "; net them against their orders first, or pass returns='drop' to remove them")
    if future == "error":
        fail("future", names["date"], f"dates after the day of the run {run_day.date()}",
             "; correct them in the data, or pass future='drop' to remove them (as_of= sets the run day)")
    if end is not None and after_end == "error":
        fail("after_end", names["date"], f"dates after the observation end {end.date()}",
             "; pass after_end='drop' to remove them, or a later observation_end")
    if stats["kept"] == 0:
        raise CRMDataError("no transactions left after dropping returns, duplicates and late dates",
                           source=what)

    ids = work._cid
    if text_ids and "not_integer" in stats and stats["not_integer"] == 0:
        ids = ids.cast("int64")
    out = {"customer_id": ids, "date": work._date}
    if names["amount"] is not None:
        out["amount"] = work._amount
    expr = (work if kept is None else work.filter(kept)).select(**out, **{c: work[c] for c in extras})
    log = {
        "source": what, "rows_read": n_raw, "blank_rows_dropped": 0, "rows_used": stats["kept"],
        "duplicate_rows": n_dup, "duplicates_policy": duplicates,
        "returns_dropped": stats.get("drop_negative", 0), "after_end_dropped": stats.get("drop_after_end", 0),
        "future_dropped": stats.get("drop_future", 0), "as_of": str(run_day.date()),
        "observation_end": None if end is None else end.isoformat(), "encoding": None, "separator": None,
        "timezone": timezone, "naive_dates_as_local": False,
        "first_date": pd.Timestamp(stats["first"]).isoformat(),
        "last_date": pd.Timestamp(stats["last"]).isoformat(),
    }
    logger.info("%s: %d rows read, %d used", what, n_raw, stats["kept"])
    table = TransactionTable(expr, source=what, load_log=log)
    name = _table_name(raw)
    if name.startswith("crm_models_csv_"):  # free the parsed copy with the table
        weakref.finalize(table, _drop, backend, name)
    return table


def _duplicates(backend: Any, raw: Any) -> tuple[int, pd.DataFrame]:
    """The number of surplus copies of exact duplicate rows, and up to three of them: one query.

    The rows are grouped by every column once; the groups with copies carry the total over
    all of them (a window over that small set), so counting and showing cost one aggregation.
    """
    import ibis

    groups = raw.group_by(raw.columns).aggregate(_copies=lambda t: t.count())
    groups = groups.filter(groups._copies > 1)
    shown = groups.mutate(_surplus=(groups._copies - 1).sum().over(ibis.window())).limit(3)
    example = backend.to_pyarrow(shown).to_pandas()
    return (int(example["_surplus"].iloc[0]) if len(example) else 0), example


def _table_name(table: Any) -> str:
    try:
        return table.get_name()
    except Exception:  # noqa: BLE001 - a derived expression has no name
        return ""


def _drop(backend: Any, name: str) -> None:
    try:
        backend.drop_table(name, force=True)
    except Exception:  # noqa: BLE001 - the connection may be closed at interpreter exit
        pass



def _conditions(work: Any, names: dict[str, str | None], text_ids: bool, csv_ids: bool,
                policies: dict[str, str], limits: dict[str, Any], strip: bool) -> tuple[dict, Any]:
    """The row checks as boolean expressions, and the rows kept by the drop policies (None: all)."""
    import ibis

    raw_date = work[names["date"]]
    missing_id = work._cid.isnull()
    if text_ids:
        missing_id = missing_id | (work._cid == "")
    conditions = {"missing_id": missing_id, "missing_date": raw_date.isnull(),
                  "bad_date": raw_date.notnull() & work._date.isnull()}
    if names["amount"] is not None:
        value = work._amount
        conditions["bad_amount"] = (work[names["amount"]].isnull() | value.isnull() | value.isnan()
                                    | value.isinf())
        conditions["negative"] = value < 0
    next_day = (limits["run_day"] + pd.Timedelta(days=1)).to_pydatetime()
    conditions["future"] = work._date >= ibis.literal(next_day)
    if limits["end"] is not None:
        conditions["after_end"] = work._date > ibis.literal(limits["end"].to_pydatetime())
    if text_ids and not strip:  # the cheap test; stripping (costly) only when it finds blanks
        conditions["spaces"] = (work._cid.startswith(" ") | work._cid.endswith(" ")
                                | work._cid.startswith("\t") | work._cid.endswith("\t"))
    if csv_ids:  # ids we read as text: a column of plain integers becomes integers again
        conditions["not_integer"] = ~work._cid.re_search(r"^(0|[1-9][0-9]{0,17})$")
    conditions = {k: c.fill_null(False) for k, c in conditions.items()}
    dropped = None
    for key, policy in policies.items():
        if key in conditions and policy == "drop":
            dropped = conditions[key] if dropped is None else dropped | conditions[key]
    return conditions, None if dropped is None else ~dropped


def _stats(backend: Any, work: Any, conditions: dict[str, Any], policies: dict[str, str], kept: Any) -> dict:
    """Every count of the checks, the rows kept and the first and last date: one aggregate query."""
    return backend.to_pyarrow(work.aggregate(
        **{k: c.cast("int64").sum() for k, c in conditions.items()},
        **{f"drop_{k}": (conditions[k] & ~_earlier(conditions, policies, k)).cast("int64").sum()
           for k, p in policies.items() if k in conditions and p == "drop"},
        kept=work.count(where=kept), first=work._date.min(where=kept), last=work._date.max(where=kept),
    )).to_pylist()[0]

def _earlier(conditions: dict[str, Any], policies: dict[str, str], key: str) -> Any:
    """Rows already dropped by a policy checked before ``key`` (each row is counted once)."""
    before = conditions[key] & False
    for k, policy in policies.items():
        if k == key:
            break
        if k in conditions and policy == "drop":
            before = before | conditions[k]
    return before


def collect_table(source: Any, *, engine: Any = "spark", columns: list[str] | None = None,
                  csv_options: dict[str, Any] | None = None) -> pd.DataFrame:
    """A table of one row per customer (or subscription) read by an engine, as pandas.

    For tables that are small by nature (subscriptions, survival-form tables, surveys) kept
    in a warehouse: ``source`` is a path, a catalog table, a Spark DataFrame or an Ibis table;
    ``columns`` (the user's names) are the ones kept.  The rows come back in the source's
    order.  ``attrs["source"]`` names the source.
    """
    what = describe_source(source)
    if _is_ibis_table(source):
        backend = source._find_backend(use_default=True)
    else:
        backend = connect("spark" if _is_spark_frame(source) else engine)
    raw = _raw_table(source, backend, what, csv_options or {}, None)
    if columns is not None:
        missing = [c for c in columns if _resolve_name(raw.columns, c) is None]
        if missing:
            raise CRMDataError(f"missing column (available: {', '.join(list(raw.columns)[:20])})",
                               source=what, column=missing[0])
        raw = raw.select(*[raw[_resolve_name(raw.columns, c)].name(c) for c in columns])
    frame = backend.to_pyarrow(raw).to_pandas()
    # numbers as pandas reads them from a file (Spark types CSV integers as int32)
    numeric = {c: t for c, t in frame.dtypes.items()
               if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)}
    wide = {c: "int64" if pd.api.types.is_integer_dtype(t) else "float64"
            for c, t in numeric.items() if t not in ("int64", "float64")}
    frame = frame.astype(wide) if wide else frame
    frame.attrs["source"] = what
    return frame
