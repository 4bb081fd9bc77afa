"""Load and validate transaction tables.

``load_transactions`` is the one door through which raw purchase data enters the
package: it maps the user's column names to ``customer_id, date, amount``, parses dates,
and refuses bad input with a :class:`~crm_models.errors.CRMDataError` that names the
file, the column, how many rows are affected and a few examples.  The caller's frame is
never modified.  Reading files is :mod:`crm_models.data.readers`, dates
:mod:`crm_models.data.dates`, row checks :mod:`crm_models.data.checks`; what was done is
recorded in ``attrs["load_log"]``.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.data.checks import (
    amount_hint,
    blank_rows,
    group_order,
    handle_duplicates,
    integer_ids,
    late_rows,
    parse_amounts,
)
from crm_models.data.dates import check_timezone, parse_dates
from crm_models.data.readers import clean_column_names, read_table
from crm_models.errors import CRMDataError, describe_rows

__all__ = ["LOAD_LOG_KEYS", "load_transactions", "read_table", "require_columns", "source_name"]

logger = logging.getLogger("crm_models.data")

#: Keys of ``attrs["load_log"]`` of a loaded transaction frame.
LOAD_LOG_KEYS = ("source", "rows_read", "blank_rows_dropped", "rows_used", "duplicate_rows",
                 "duplicates_policy", "returns_dropped", "after_end_dropped", "future_dropped",
                 "as_of", "observation_end", "encoding", "separator", "timezone",
                 "naive_dates_as_local", "first_date", "last_date")

PathOrFrame = str | os.PathLike | pd.DataFrame


def source_name(path_or_frame: Any) -> str:
    """A short description of where data came from, for error messages."""
    if isinstance(path_or_frame, pd.DataFrame):
        return "DataFrame"
    return str(path_or_frame)


def require_columns(df: pd.DataFrame, columns: dict[str, str | None], source: str) -> None:
    """Raise if any mapped column is absent; ``columns`` maps role -> user's column name."""
    for role, col in columns.items():
        if col is not None and col not in df.columns:
            available = ", ".join(map(str, df.columns[:20]))
            raise CRMDataError(
                f"missing column for {role} (available: {available})", source=source, column=col
            )


def _resolve(raw: pd.DataFrame, name: str | None) -> str | None:
    """The frame's column for the user's ``name``, ignoring surrounding spaces and a BOM."""
    if name is None or name in raw.columns:
        return name
    cleaned = dict(zip(clean_column_names(list(raw.columns)), raw.columns, strict=True))
    return cleaned.get(clean_column_names([name])[0], name)


def _as_of_day(as_of: Any) -> pd.Timestamp:
    """The last moment of the run day (default today, local time)."""
    day = pd.Timestamp.today() if as_of is None else pd.Timestamp(as_of)
    return day.normalize() + pd.Timedelta(days=1) - pd.Timedelta(1, unit="ns")


def load_transactions(
    path_or_frame: PathOrFrame,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    *,
    date_format: str | None = None,
    timezone: str | None = None,
    observation_end: str | pd.Timestamp | None = None,
    after_end: Literal["error", "drop"] = "error",
    as_of: str | pd.Timestamp | None = None,
    future: Literal["error", "drop"] = "error",
    returns: Literal["error", "drop"] = "error",
    duplicates: Literal["warn", "drop", "keep", "error"] = "warn",
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    currency_symbols: bool = True,
    extra_columns: list[str] | None = None,
    sheet_name: int | str = 0,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read and validate a transaction table.

    Parameters
    ----------
    path_or_frame:
        A CSV/TSV/TXT, Parquet or Excel ``.xlsx`` path, or a DataFrame (left untouched).
    customer_id, date, amount:
        The user's names for the customer id, purchase date and order value columns
        (surrounding spaces in the file's header do not matter).  ``amount=None`` for data
        without values (frequency/recency analyses only).  Ids in a file are read as text,
        so ``00123`` stays ``"00123"``; a column of plain integers (no leading zero) stays
        integer.
    date_format:
        ``strftime`` format of the dates.  Without it, ISO dates, ``2024/01/05``,
        ``20240105``, ``2024年1月5日`` and ``05/01/2024`` may be mixed (day/month order taken
        from a day above 12 in the column, else refused); integer dates like 19970101 are
        understood.
    timezone:
        Zone that time-zone-aware dates (``+08:00``, tz-aware columns) are converted to, e.g.
        ``"Asia/Shanghai"``.  Without it, dates sharing one offset keep their wall-clock
        time; mixed offsets are refused.  Dates without an offset are taken as local times
        (of that zone).  The result is always naive.
    observation_end, after_end:
        Dates after ``observation_end`` are refused (``after_end="error"``) or removed
        (``"drop"``).
    as_of, future:
        Dates after the day ``as_of`` (default: today) are refused, naming ids and dates,
        unless ``future="drop"`` removes them: a typo such as 2030 must never become the
        observation end.
    returns:
        Negative amounts are returns or refunds.  ``"error"`` (default) refuses them;
        ``"drop"`` removes those rows explicitly.
    duplicates:
        Rows equal to an earlier row in every column: ``"warn"`` (keep, warn with a
        :class:`~crm_models.errors.CRMDataWarning` and log), ``"drop"`` (remove the copies),
        ``"keep"`` (count only) or ``"error"``.
    encoding, sep, decimal, thousands, sheet_name:
        How to read a file, see :func:`~crm_models.data.readers.read_table` (``encoding=None``
        detects UTF-8, UTF-8 with BOM and GB18030).
    currency_symbols:
        Strip ``¥ ￥ $ € £ 元 RMB CNY`` and spaces from text amounts.
    extra_columns:
        Further columns to carry through unchanged (e.g. a channel or product category).
    read_kwargs:
        Passed to :func:`pandas.read_csv` / :func:`pandas.read_excel` / :func:`pandas.read_parquet`.

    Returns
    -------
    DataFrame with columns ``customer_id``, ``date`` (datetime64), ``amount`` (float64,
    if requested) and any ``extra_columns``, sorted by customer and date.
    ``attrs["source"]`` names the input; ``attrs["load_log"]`` is a dict with the keys
    :data:`LOAD_LOG_KEYS` (rows read/used, rows dropped and why, encoding, time zone,
    first/last date as ISO strings).

    Raises
    ------
    CRMDataError
        Missing file or column, undecodable file, empty data, missing customer ids,
        unreadable or ambiguous dates, mixed time-zone offsets, non-numeric or negative
        amounts, dates after ``observation_end`` or after the run day, duplicates with
        ``duplicates="error"``.
    """
    source = source_name(path_or_frame)
    check_timezone(timezone, source)
    if isinstance(path_or_frame, pd.DataFrame):
        raw = path_or_frame
        info: dict[str, Any] = {"encoding": None, "sep": None}
        from_file = False
    else:
        raw = read_table(path_or_frame, encoding=encoding, sep=sep, decimal=decimal,
                         thousands=thousands, sheet_name=sheet_name, text_columns=[customer_id],
                         **read_kwargs)
        info = raw.attrs.get("read_info", {})
        from_file = True

    customer_id, date, amount = (_resolve(raw, c) for c in (customer_id, date, amount))
    extra_columns = [_resolve(raw, c) for c in extra_columns or []]
    roles = {"customer_id": customer_id, "date": date, "amount": amount}
    require_columns(raw, roles, source)
    for col in extra_columns:
        require_columns(raw, {"extra column": col}, source)
    rows_read = len(raw)
    blank = blank_rows(raw) if rows_read else np.zeros(0, dtype=bool)
    if blank.any():
        raw = raw[~blank]
    if len(raw) == 0:
        raise CRMDataError("no transactions (the table is empty)", source=source)
    ids = raw[customer_id]
    if ids.dtype == object or pd.api.types.is_string_dtype(ids):
        # Arrow-backed strings (pandas 3's default): compact, and hashed/grouped ~5x faster
        ids = ids.astype("string[pyarrow]").str.strip()
        missing_id = (ids.isna() | (ids == "")).to_numpy(dtype=bool, na_value=True)
    else:
        missing_id = ids.isna().to_numpy()
    if missing_id.any():
        raise CRMDataError(
            f"missing customer ids in {describe_rows(raw.index[missing_id])}",
            source=source, column=customer_id,
        )
    if from_file and isinstance(ids.dtype, pd.StringDtype):
        as_int = integer_ids(ids)  # read as text; plain integers stay integers as before
        if as_int is not None:
            ids = as_int

    out = pd.DataFrame({"customer_id": ids}, index=raw.index)
    parsed = parse_dates(raw[date], date_format=date_format, timezone=timezone, source=source,
                         column=date)
    out["date"] = parsed.values

    if amount is not None:
        values = parse_amounts(raw[amount], decimal=decimal, thousands=thousands,
                               currency_symbols=currency_symbols)
        bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            idx = raw.index[bad]
            raise CRMDataError(
                f"non-numeric or missing amounts in {describe_rows(idx, raw[amount][bad].tolist())}"
                + amount_hint(raw[amount][bad], decimal, currency_symbols),
                source=source, column=amount,
            )
        out["amount"] = values.to_numpy()

    # one stable sort by customer and date; rows sharing both are the only duplicate candidates
    codes, _ = pd.factorize(out["customer_id"], sort=True)
    order, shared = group_order(codes, out["date"].to_numpy().view("i8"))
    keep, n_dup = handle_duplicates(raw, duplicates, source=source, candidates=shared)

    returns_dropped = 0
    if amount is not None:
        negative = (out["amount"] < 0).to_numpy() & keep
        if negative.any():
            if returns != "drop":
                raise CRMDataError(
                    f"negative amounts (returns or refunds) in "
                    f"{describe_rows(raw.index[negative], out['amount'][negative].tolist())}; "
                    "net them against their orders first, or pass returns='drop' to remove them",
                    source=source, column=amount,
                )
            keep &= ~negative
            returns_dropped = int(negative.sum())

    run_day = _as_of_day(as_of)
    future_rows = late_rows(out["date"], out["customer_id"], run_day, future, keep=keep,
                            what=f"the day of the run {run_day.date()}", source=source, column=date,
                            fix="correct them in the data, or pass future='drop' to remove them "
                                "(as_of= sets the run day)")
    future_dropped = int(future_rows.sum())
    keep &= ~future_rows
    after_end_dropped = 0
    end = None
    if observation_end is not None:
        end = pd.Timestamp(observation_end)
        late = late_rows(out["date"], out["customer_id"], end, after_end, keep=keep,
                         what=f"the observation end {end.date()}", source=source, column=date,
                         fix="pass after_end='drop' to remove them, or a later observation_end")
        after_end_dropped = int(late.sum())
        keep &= ~late

    for col in extra_columns:
        out[col] = raw[col].to_numpy()

    if not keep.any():
        raise CRMDataError("no transactions left after dropping returns, duplicates and late dates",
                           source=source)
    out = out.iloc[order[keep[order]]].reset_index(drop=True)
    out.attrs["source"] = source
    out.attrs["load_log"] = {
        "source": source,
        "rows_read": rows_read,
        "blank_rows_dropped": int(blank.sum()),
        "rows_used": len(out),
        "duplicate_rows": n_dup,
        "duplicates_policy": duplicates,
        "returns_dropped": returns_dropped,
        "after_end_dropped": after_end_dropped,
        "future_dropped": future_dropped,
        "as_of": str(run_day.date()),
        "observation_end": None if end is None else end.isoformat(),
        "encoding": info.get("encoding"),
        "separator": info.get("sep"),
        "timezone": parsed.timezone,
        "naive_dates_as_local": parsed.naive_as_local,
        "first_date": out["date"].min().isoformat(),
        "last_date": out["date"].max().isoformat(),
    }
    logger.info("%s: %d rows read, %d used", source, rows_read, len(out))
    return out
