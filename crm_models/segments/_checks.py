"""Input checks shared by the segments modules: every failure is a CRMDataError naming the problem."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = [
    "require_frame",
    "require_columns",
    "numeric_column",
    "numeric_series",
    "require_transactions",
    "distinct_sorted",
]


def require_frame(df: object, what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise CRMDataError(f"expected a pandas DataFrame, got {type(df).__name__}", source=what)
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str, hint: str = "") -> None:
    for col in columns:
        if col not in df.columns:
            available = ", ".join(map(str, list(df.columns)[:20]))
            raise CRMDataError(f"missing column (available: {available}){hint}", source=what,
                               column=col)


def _check_values(values: pd.Series, what: str, column: str | None,
                  nonnegative: bool) -> np.ndarray:
    numeric = pd.to_numeric(values, errors="coerce")
    arr = numeric.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise CRMDataError(
            f"missing, infinite or non-numeric values for customers "
            f"{describe_rows(values.index[bad], values[bad].tolist())}",
            source=what, column=column,
        )
    if nonnegative:
        neg = arr < 0
        if neg.any():
            raise CRMDataError(
                f"negative values for customers {describe_rows(values.index[neg], arr[neg].tolist())}",
                source=what, column=column,
            )
    return arr


def numeric_column(df: pd.DataFrame, column: str, what: str, nonnegative: bool = False) -> np.ndarray:
    """The column as a finite float64 array, or a CRMDataError naming the customers."""
    return _check_values(df[column], what, column, nonnegative)


def numeric_series(values: object, what: str, nonnegative: bool = False) -> pd.Series:
    """A numeric Series indexed by customer, checked finite (and >= 0 if asked)."""
    if not isinstance(values, pd.Series):
        raise CRMDataError(f"expected a pandas Series indexed by customer_id, got "
                           f"{type(values).__name__}", source=what)
    if len(values) == 0:
        raise CRMDataError("no customers (the Series is empty)", source=what)
    if values.index.has_duplicates:
        dup = values.index[values.index.duplicated()]
        raise CRMDataError(f"duplicate customer ids {describe_rows(dup)}", source=what)
    arr = _check_values(values, what, None, nonnegative)
    return pd.Series(arr, index=values.index, name=values.name)


def require_transactions(tx: object, what: str = "transactions", need_amount: bool = True) -> pd.DataFrame:
    """A validated transaction frame (``crm.data.load_transactions``), checked cheaply."""
    tx = require_frame(tx, what)
    what = tx.attrs.get("source", what)
    cols = ["customer_id", "date"] + (["amount"] if need_amount else [])
    require_columns(tx, cols, what,
                    hint="; pass the table through crm.data.load_transactions(...) to map your "
                         "column names")
    if len(tx) == 0:
        raise CRMDataError("no transactions (the table is empty)", source=what)
    if not pd.api.types.is_datetime64_any_dtype(tx["date"]):
        raise CRMDataError("dates are not parsed; use crm.data.load_transactions", source=what,
                           column="date")
    if need_amount and not pd.api.types.is_numeric_dtype(tx["amount"]):
        raise CRMDataError("amounts are not numeric; use crm.data.load_transactions", source=what,
                           column="amount")
    return tx


def distinct_sorted(key: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an int64 array (sort-based: numpy's hash-based
    ``np.unique`` is several times slower on millions of keys)."""
    k = np.sort(key, kind="stable")  # radix sort for integers
    if len(k) == 0:
        return k
    keep = np.empty(len(k), dtype=bool)
    keep[0] = True
    np.not_equal(k[1:], k[:-1], out=keep[1:])
    return k[keep]
