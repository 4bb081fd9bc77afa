"""Load and validate transaction tables.

``load_transactions`` is the one door through which raw purchase data enters the
package: it maps the user's column names to ``customer_id, date, amount``, parses dates,
and refuses bad input with a :class:`~crm_models.errors.CRMDataError` that names the
file, the column, how many rows are affected and a few examples.  The caller's frame is
never modified.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = ["load_transactions", "read_table", "require_columns", "source_name"]

PathOrFrame = str | os.PathLike | pd.DataFrame


def source_name(path_or_frame: Any) -> str:
    """A short description of where data came from, for error messages."""
    if isinstance(path_or_frame, pd.DataFrame):
        return "DataFrame"
    return str(path_or_frame)


def read_table(path: str | os.PathLike, **read_kwargs: Any) -> pd.DataFrame:
    """Read a CSV (also ``.txt``/``.tsv``/``.gz``) or Parquet file into a DataFrame.

    Raises :class:`CRMDataError` naming the file when it is missing or unreadable.
    """
    p = Path(path)
    if not p.exists():
        raise CRMDataError("file not found", source=str(p))
    suffixes = [s.lower() for s in p.suffixes]
    try:
        if ".parquet" in suffixes or ".pq" in suffixes:
            return pd.read_parquet(p, **read_kwargs)
        if ".tsv" in suffixes and "sep" not in read_kwargs:
            read_kwargs = {**read_kwargs, "sep": "\t"}
        return pd.read_csv(p, **read_kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError,
            ValueError) as exc:
        raise CRMDataError(f"cannot read the file: {exc}", source=str(p)) from exc


def require_columns(df: pd.DataFrame, columns: dict[str, str | None], source: str) -> None:
    """Raise if any mapped column is absent; ``columns`` maps role -> user's column name."""
    for role, col in columns.items():
        if col is not None and col not in df.columns:
            available = ", ".join(map(str, df.columns[:20]))
            raise CRMDataError(
                f"missing column for {role} (available: {available})", source=source, column=col
            )


def _parse_dates(values: pd.Series, date_format: str | None, source: str, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        bad = parsed.isna()
    else:
        raw = values
        fmt = date_format
        if pd.api.types.is_integer_dtype(raw) or pd.api.types.is_float_dtype(raw):
            # integer dates such as 19970101 (the CDNOW files)
            raw = raw.astype("Int64").astype("string")
            fmt = fmt or "%Y%m%d"
        parsed = pd.to_datetime(raw, format=fmt, errors="coerce")
        bad = parsed.isna()
    if bad.any():
        idx = values.index[bad.to_numpy()]
        raise CRMDataError(
            f"unparseable or missing dates in {describe_rows(idx, values[bad].tolist())}"
            + (f"; expected format {date_format!r}" if date_format else
               "; pass date_format= if the format is unusual"),
            source=source, column=column,
        )
    return parsed.astype("datetime64[ns]")


def load_transactions(
    path_or_frame: PathOrFrame,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    *,
    date_format: str | None = None,
    observation_end: str | pd.Timestamp | None = None,
    returns: Literal["error", "drop"] = "error",
    extra_columns: list[str] | None = None,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read and validate a transaction table.

    Parameters
    ----------
    path_or_frame:
        A CSV/Parquet path or a DataFrame (left untouched).
    customer_id, date, amount:
        The user's names for the customer id, purchase date and order value columns.
        ``amount=None`` for data without values (frequency/recency analyses only).
    date_format:
        ``strftime`` format of the dates; integer dates like 19970101 are understood.
    observation_end:
        If given, a date after it is an error (it would leak the future into a summary).
    returns:
        Negative amounts are returns or refunds.  ``"error"`` (default) refuses them;
        ``"drop"`` removes those rows explicitly.
    extra_columns:
        Further columns to carry through unchanged (e.g. a channel or product category).
    read_kwargs:
        Passed to :func:`pandas.read_csv` / :func:`pandas.read_parquet`.

    Returns
    -------
    DataFrame with columns ``customer_id``, ``date`` (datetime64), ``amount`` (float64,
    if requested) and any ``extra_columns``, sorted by customer and date.

    Raises
    ------
    CRMDataError
        Missing file or column, empty data, missing customer ids, unparseable dates,
        non-numeric or negative amounts, dates after ``observation_end``.
    """
    source = source_name(path_or_frame)
    if isinstance(path_or_frame, pd.DataFrame):
        raw = path_or_frame
    else:
        raw = read_table(path_or_frame, **read_kwargs)

    roles = {"customer_id": customer_id, "date": date, "amount": amount}
    require_columns(raw, roles, source)
    for col in extra_columns or []:
        require_columns(raw, {"extra column": col}, source)
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

    out = pd.DataFrame({"customer_id": ids}, index=raw.index)
    out["date"] = _parse_dates(raw[date], date_format, source, date)

    if amount is not None:
        values = pd.to_numeric(raw[amount], errors="coerce")
        bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            idx = raw.index[bad]
            raise CRMDataError(
                f"non-numeric or missing amounts in {describe_rows(idx, raw[amount][bad].tolist())}",
                source=source, column=amount,
            )
        values = values.astype("float64")
        negative = (values < 0).to_numpy()
        if negative.any():
            if returns == "drop":
                out = out.loc[~negative]
                values = values[~negative]
            else:
                raise CRMDataError(
                    f"negative amounts (returns or refunds) in "
                    f"{describe_rows(raw.index[negative], values[negative].tolist())}; "
                    "net them against their orders first, or pass returns='drop' to remove them",
                    source=source, column=amount,
                )
        out["amount"] = values.to_numpy()

    if observation_end is not None:
        end = pd.Timestamp(observation_end)
        late = (out["date"] > end).to_numpy()
        if late.any():
            raise CRMDataError(
                f"dates after the observation end {end.date()} in "
                f"{describe_rows(out.index[late], out['date'][late].dt.strftime('%Y-%m-%d').tolist())}",
                source=source, column=date,
            )

    for col in extra_columns or []:
        out[col] = raw.loc[out.index, col].to_numpy()

    if len(out) == 0:
        raise CRMDataError("no transactions left after dropping returns", source=source)
    out = out.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    out.attrs["source"] = source
    return out
