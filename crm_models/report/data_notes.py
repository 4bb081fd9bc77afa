"""How the report notebooks read their data: the ``read_options`` parameter and the "Data used" lines.

Every report notebook has one parameter ``read_options`` (a mapping, ``{}`` by default) whose
keys go to the reader: :func:`crm_models.data.load_transactions` for the transaction reports,
:func:`crm_models.data.read_table` for subscription tables and surveys.  :func:`check_read_options`
refuses a key the reader does not take, listing the valid ones.

The transaction reports (overview, CLV, churn non-contractual, segments) load their data with
:func:`load_report_transactions`: the observation end is the one given, else the sample's
extraction date (bundled sample), else the last purchase date, and rows after a *given* end are
refused unless ``read_options={"after_end": "drop"}``.  It returns a :class:`DataUsed`, the record
of what was read and used, which :func:`data_used_markdown` turns into the report's short
"Data used" section (English or Chinese).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from crm_models.data.options import (
    TABLE_READ_OPTIONS,
    TRANSACTION_READ_OPTIONS,
    check_read_options,
    report_hint,
    with_report_hint,
)
from crm_models.errors import CRMDataError
from crm_models.report.i18n import translate

__all__ = ["SCAN_READ_OPTIONS", "TRANSACTION_READ_OPTIONS", "TABLE_READ_OPTIONS", "DataUsed",
           "check_read_options", "report_hint", "load_report_transactions", "data_used_lines",
           "data_used_markdown"]

@dataclass(frozen=True)
class DataUsed:
    """What a transaction report read and used (from ``load_transactions``' ``attrs["load_log"]``).

    ``end_source`` says where the observation end came from: ``"given"`` (the parameter),
    ``"sample"`` (the bundled sample's extraction date) or ``"derived"`` (the last purchase date).
    Counts the reader did not report are None.
    """

    source: str
    rows_read: int
    rows_used: int
    customers: int
    first_date: str
    last_date: str
    observation_end: str
    end_source: str
    duplicate_rows: int | None = None
    duplicates_policy: str | None = None
    returns_dropped: int | None = None
    after_end_dropped: int | None = None
    future_dropped: int | None = None
    encoding: str | None = None
    timezone: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for a report's machine-readable summary)."""
        return asdict(self)


#: ``read_options`` keys a report takes with ``engine="spark"`` (the table is read by the engine;
#: ``encoding`` and ``sep`` go to its CSV reader, dates must be ISO or yyyymmdd numbers).
SCAN_READ_OPTIONS = ("encoding", "sep", "timezone", "returns", "duplicates", "after_end", "future",
                     "as_of")


def _is_parquet(path: Any) -> bool:
    """A Parquet file, a glob of them or a folder (a dataset) given as a path."""
    import glob
    import os

    if not isinstance(path, (str, os.PathLike)):
        return False
    text = os.fspath(path)
    if text.lower().endswith((".parquet", ".pq", ".parq")):
        return True
    if os.path.isdir(text):
        return bool(glob.glob(os.path.join(text, "*.parquet")))
    return False


def _scan(source: Any, customer_id: str, date: str, amount: str | None, end: pd.Timestamp | None,
          options: dict[str, Any], engine: Any, spark: Any) -> Any:
    """``scan_transactions`` with a report's read options."""
    from crm_models.data.backends import connect
    from crm_models.data.scan import scan_transactions

    backend = connect(engine, session=spark) if engine == "spark" else connect(engine)
    csv = {k: options.pop(k) for k in ("encoding", "sep") if k in options}
    return scan_transactions(source, customer_id, date, amount, engine=backend, observation_end=end,
                             csv_options=csv, **options)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def load_report_transactions(
    transactions_path: Any = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    observation_end: str | pd.Timestamp | None = None,
    read_options: Mapping[str, Any] | None = None,
    engine: Any = "duckdb",
    spark: Any = None,
) -> tuple[Any, pd.Timestamp, DataUsed]:
    """Load a transaction report's data: ``(transactions, observation_end, data_used)``.

    Parameters
    ----------
    transactions_path:
        A file or a DataFrame; None: the bundled sample shop.
    customer_id, date, amount:
        The user's column names.
    observation_end:
        The last day of data.  Given: rows after it are refused (naming ids and dates) unless
        ``read_options={"after_end": "drop"}``; on the bundled sample they are dropped.
        None: the sample's extraction date (2024-12-31) for the sample, else the last purchase date.
    read_options:
        Keys of :data:`TRANSACTION_READ_OPTIONS`, passed to
        :func:`crm_models.data.load_transactions` (encoding, sep, date_format, returns, ...);
        with ``engine="spark"`` the keys of :data:`SCAN_READ_OPTIONS`.
    engine:
        ``"duckdb"`` (default, also ``"pandas"``): the file is read by
        :func:`~crm_models.data.load_transactions` (messy exports welcome) and summarised by
        the embedded DuckDB; a Parquet file, glob or folder is scanned by DuckDB where it is
        (:func:`~crm_models.data.scan_transactions`: large data need no pandas copy) unless an
        option only ``load_transactions`` takes is given.  ``"spark"`` (or an Ibis backend): a
        table name, a Parquet/CSV path or folder, scanned and checked on the engine by
        :func:`~crm_models.data.scan_transactions`.  A scanned table is a lazy
        :class:`~crm_models.data.TransactionTable`, which every summary accepts.
    spark:
        The SparkSession for ``engine="spark"`` (default: the active one, else a local one).

    Raises
    ------
    CRMDataError
        A bad option, or the reader's refusal; where the reader advises a keyword
        (``returns='drop'``) the message adds the report's way to say it (``read_options``).
    """
    from crm_models.data import datasets
    from crm_models.data.backends import check_engine
    from crm_models.data.io import load_transactions

    lazy = check_engine(engine) != "duckdb"
    options = check_read_options(read_options, SCAN_READ_OPTIONS if lazy else TRANSACTION_READ_OPTIONS)
    # Parquet files (typed columns, often large) are scanned by the embedded engine where they
    # are instead of loaded into pandas, unless an option only the pandas reader knows is given
    lazy = lazy or (_is_parquet(transactions_path) and set(options) <= set(SCAN_READ_OPTIONS))
    sample = transactions_path is None
    if sample:
        source: Any = datasets.sample_transactions()
        customer_id, date, amount = "customer_id", "date", "amount"
        end_source = "given" if observation_end is not None else "sample"
        end = pd.Timestamp(datasets.SAMPLE_OBSERVATION_END if observation_end is None else observation_end)
        options.setdefault("after_end", "drop")  # an earlier end cuts the demo data
    else:
        source = transactions_path
        end_source = "given" if observation_end is not None else "derived"
        end = pd.Timestamp(observation_end) if observation_end is not None else None
        options.setdefault("after_end", "error")
    if end is None:
        options.pop("after_end")  # nothing can be after an end taken from the data
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if lazy:
                tx = _scan(source, customer_id, date, amount, end, options, engine, spark)
            else:
                tx = load_transactions(source, customer_id=customer_id, date=date, amount=amount,
                                       observation_end=end, **options)
    except CRMDataError as exc:
        raise with_report_hint(exc) from exc
    for w in caught:  # the reader's warnings (duplicates), with the report's way to act on them
        warnings.warn(str(w.message) + report_hint(str(w.message)), w.category, stacklevel=2)
    log = dict(tx.load_log if lazy else tx.attrs.get("load_log") or {})
    if lazy:
        rows_used = int(log["rows_used"])
        first, last = pd.Timestamp(log["first_date"]), pd.Timestamp(log["last_date"])
        customers = int(tx.execute(tx.expr.aggregate(n=tx.expr.customer_id.nunique()))["n"].iloc[0])
    else:
        rows_used, first, last = len(tx), tx["date"].min(), tx["date"].max()
        customers = int(tx["customer_id"].nunique())
    if end is None:
        end = last
    used = DataUsed(
        source="sample" if sample else str(log.get("source") or transactions_path),
        rows_read=int(log.get("rows_read", rows_used)),
        rows_used=rows_used,
        customers=customers,
        first_date=f"{first:%Y-%m-%d}",
        last_date=f"{last:%Y-%m-%d}",
        observation_end=f"{end:%Y-%m-%d}",
        end_source=end_source,
        duplicate_rows=_int_or_none(log.get("duplicate_rows")),
        duplicates_policy=log.get("duplicates_policy"),
        returns_dropped=_int_or_none(log.get("returns_dropped")),
        after_end_dropped=_int_or_none(log.get("after_end_dropped")),
        future_dropped=_int_or_none(log.get("future_dropped")),
        encoding=log.get("encoding"),
        timezone=log.get("timezone"),
    )
    return tx, end, used


def data_used_lines(used: DataUsed, lang: str = "en") -> list[str]:
    """The "Data used" lines (Markdown, without bullets) for ``used`` in ``lang``."""
    def phrase(key: str, **values: Any) -> str:
        return translate(key, lang, **values)

    source = phrase("data_used_sample") if used.source == "sample" else f"`{used.source}`"
    lines = [phrase("data_used_source", source=source, rows_read=used.rows_read, rows_used=used.rows_used,
                    customers=used.customers),
             phrase(f"data_used_end_{used.end_source}", end=used.observation_end, first=used.first_date,
                    last=used.last_date)]
    if used.duplicate_rows == 0:
        lines.append(phrase("data_used_no_duplicates"))
    elif used.duplicate_rows is not None:
        policy = used.duplicates_policy or "warn"
        lines.append(phrase("data_used_duplicates", n=used.duplicate_rows,
                            policy=phrase(f"data_used_dup_{policy}")))
    counts = (used.returns_dropped, used.after_end_dropped, used.future_dropped)
    if any(c is not None for c in counts):
        returns, after_end, future = (c or 0 for c in counts)
        lines.append(phrase("data_used_dropped", returns=returns, after_end=after_end, future=future))
    if used.encoding:
        lines.append(phrase("data_used_encoding", encoding=used.encoding))
    if used.timezone:
        lines.append(phrase("data_used_timezone", timezone=used.timezone))
    return lines


def data_used_markdown(used: DataUsed | None, lang: str = "en", level: int = 3) -> str:
    """The report section: a heading of ``level`` and the :func:`data_used_lines` as a list.

    ``used`` None (a Spark run, a subscription table): ``""``.
    """
    if used is None:
        return ""
    return f"{'#' * level} {translate('data_used_title', lang)}\n\n" + "\n".join(
        f"- {line}" for line in data_used_lines(used, lang))
