"""Row checks of :func:`crm_models.data.load_transactions`, each vectorised and with one job.

* :func:`parse_amounts` - order values written as text: currency symbols, thousands
  separators, decimal commas.
* :func:`blank_rows` - rows in which every field is empty (empty lines of an export).
* :func:`handle_duplicates` - exact duplicate rows, by policy ``warn``/``drop``/``keep``/``error``.
* :func:`late_rows` - rows after a limit date (the run day, the observation end), by policy.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, CRMDataWarning, describe_rows

__all__ = ["CURRENCY_SYMBOLS", "blank_rows", "handle_duplicates", "late_rows", "parse_amounts",
           "integer_ids", "group_order"]

logger = logging.getLogger("crm_models.data")
logger.addHandler(logging.NullHandler())  # log lines show only where the application configures logging

#: Stripped from text amounts when ``currency_symbols=True`` (longest first).
CURRENCY_SYMBOLS = ("RMB", "CNY", "USD", "EUR", "GBP", "US$", "¥", "￥", "$", "€", "£", "元")
_CURRENCY_RE = "|".join(re.escape(s) for s in sorted(CURRENCY_SYMBOLS, key=len, reverse=True))
_SPACES = r"[\s\u00a0\u202f\u2009]+"
_THOUSANDS_DOT_DECIMAL = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"
_THOUSANDS_COMMA_DECIMAL = r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$"

DuplicatePolicy = Literal["warn", "drop", "keep", "error"]
DUPLICATE_POLICIES = ("warn", "drop", "keep", "error")


def parse_amounts(values: pd.Series, *, decimal: str = ".", thousands: str | None = None,
                  currency_symbols: bool = True) -> pd.Series:
    """Amounts as float64 (NaN where a value is missing or no number).

    Text such as ``"¥1,234.50"``, ``"￥88"``, ``"12 元"``, ``"1.234,50"`` (with
    ``decimal=","``) becomes a number; numeric columns pass unchanged.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    s = values.astype("string")
    if currency_symbols:
        s = s.str.replace(_CURRENCY_RE, "", regex=True)
    s = s.str.replace(_SPACES, "", regex=True)
    if thousands:
        s = s.str.replace(thousands, "", regex=False)
    else:  # thousands separators only where the value has exactly that shape
        pattern, mark = ((_THOUSANDS_COMMA_DECIMAL, ".") if decimal == "," else (_THOUSANDS_DOT_DECIMAL, ","))
        s = s.mask(s.str.fullmatch(pattern).fillna(False), s.str.replace(mark, "", regex=False))
    if decimal != ".":
        s = s.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def amount_hint(bad_values: pd.Series, decimal: str, currency_symbols: bool) -> str:
    """The likely fix for amounts :func:`parse_amounts` could not read."""
    text = bad_values.dropna().astype(str)
    if decimal == "." and text.str.fullmatch(r"[^,]*\d,\d{1,2}").any():
        return "; the file seems to use a decimal comma: pass decimal=','"
    if not currency_symbols and text.str.contains(_CURRENCY_RE).any():
        return "; pass currency_symbols=True to strip currency symbols"
    if bad_values.isna().any() or (text.str.strip() == "").any():
        return ("; fill in the missing amounts or remove those rows (pass amount=None for "
                "analyses without order values)")
    return "; correct them in the data (amounts must be numbers)"


def blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows in which every field is missing or blank text (e.g. ``,,,`` lines)."""
    candidate = np.ones(len(raw), dtype=bool)
    text_cols = []
    for col in raw.columns:
        s = raw[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            text_cols.append(col)
        else:
            candidate &= s.isna().to_numpy()
        if not candidate.any():
            return candidate
    for col in text_cols:
        s = raw[col][candidate]
        empty = s.isna() | s.astype("string").str.strip().eq("").fillna(True)
        candidate[np.flatnonzero(candidate)] = empty.to_numpy(dtype=bool)
        if not candidate.any():
            break
    return candidate


def group_order(codes: np.ndarray, dates_i8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, shared)``: stable order by customer code then date, and the rows that share
    their customer and date with another row (the only ones that can be duplicates)."""
    date_codes, date_uniques = pd.factorize(dates_i8, sort=True)
    key = codes.astype(np.int64) * max(len(date_uniques), 1) + date_codes
    order = np.argsort(key, kind="stable")
    k = key[order]
    same = k[1:] == k[:-1]
    in_group = np.zeros(len(order), dtype=bool)
    in_group[1:] |= same
    in_group[:-1] |= same
    shared = np.zeros(len(order), dtype=bool)
    shared[order[in_group]] = True
    return order, shared


def handle_duplicates(raw: pd.DataFrame, policy: DuplicatePolicy, *, source: str,
                      candidates: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """``(keep_mask, n_duplicates)``: later copies of exact duplicate rows per ``policy``.

    Duplicates are rows equal to an earlier row in every column of ``raw``; only rows in
    ``candidates`` (a mask, e.g. rows sharing customer and date) are compared.  ``warn``
    keeps them and issues a :class:`CRMDataWarning` (also logged); ``drop`` removes the
    later copies; ``keep`` only counts them; ``error`` raises :class:`CRMDataError`.
    """
    if policy not in DUPLICATE_POLICIES:
        raise CRMDataError(f"duplicates must be one of {', '.join(map(repr, DUPLICATE_POLICIES))}, "
                           f"got {policy!r}", source=source, column="duplicates")
    keep = np.ones(len(raw), dtype=bool)
    cand = np.ones(len(raw), dtype=bool) if candidates is None else candidates
    if cand.sum() < 2:
        return keep, 0
    dup = np.zeros(len(raw), dtype=bool)
    dup[cand] = raw[cand].duplicated(keep="first").to_numpy()
    n = int(dup.sum())
    if n == 0:
        return keep, 0
    examples = raw[dup].head(3)
    shown = "; ".join(
        f"row {idx}: " + ", ".join(f"{c}={v!r}" for c, v in zip(examples.columns, row, strict=True))
        for idx, row in zip(examples.index, examples.itertuples(index=False), strict=True))
    what = (f"{n} exact duplicate row{'s' if n != 1 else ''} (every column equal to an earlier row), "
            f"e.g. {shown}")
    if policy == "error":
        raise CRMDataError(f"{what}; remove them, or pass duplicates='drop' (or 'keep' if they are "
                           "real repeat orders)", source=source)
    if policy == "drop":
        logger.info("%s: dropped %s", source, what)
        return ~dup, n
    if policy == "warn":
        message = (f"{source}: {what}; they are kept and counted twice - pass duplicates='drop' to "
                   "remove them, or duplicates='keep' if they are real repeat orders")
        logger.warning(message)
        warnings.warn(CRMDataWarning(message), stacklevel=3)
    return keep, n


def late_rows(dates: pd.Series, ids: pd.Series, limit: pd.Timestamp, policy: str, *, keep: np.ndarray,
              what: str, fix: str, source: str, column: str) -> np.ndarray:
    """Mask of kept rows dated after ``limit``; ``policy="error"`` refuses them naming ids and dates."""
    if policy not in ("error", "drop"):
        raise CRMDataError(f"policy must be 'error' or 'drop', got {policy!r}", source=source)
    late = (dates > limit).to_numpy() & keep
    if late.any() and policy == "error":
        labels = [f"customer {i!r}" for i in ids[late].tolist()]
        shown = dates[late].dt.strftime("%Y-%m-%d").tolist()
        raise CRMDataError(f"dates after {what} in {describe_rows(labels, shown)}; {fix}",
                           source=source, column=column)
    if late.any():
        logger.info("%s: dropped %d rows dated after %s", source, int(late.sum()), what)
    return late


def integer_ids(ids: pd.Series) -> pd.Series | None:
    """Text ids that are all plain integers (no leading zero, no sign) as int64, else None."""
    plain = ids.str.fullmatch(r"[1-9]\d{0,17}|0")
    if bool(plain.all()):
        return ids.astype("int64")
    return None
