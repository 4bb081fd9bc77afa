"""Validate customer summaries and compress them to their distinct rows.

The likelihood of every model here depends on a customer only through a few sufficient
statistics (frequency, recency, T, ...), so customers with identical statistics can be
merged into one row with an integer weight.  With purchases counted per day and times in
weeks, a million customers typically collapse to a few thousand distinct rows: that is what
makes fitting and predicting on large customer bases fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = ["Compressed", "compress", "check_summary", "check_weights", "resolve_weights", "summary_columns"]


@dataclass(frozen=True)
class Compressed:
    """Distinct rows of some columns, with the total weight of each and the way back.

    ``columns[name][k]`` is the value of row k; ``weights[k]`` the number (or total weight)
    of original rows equal to it; ``inverse[i]`` the distinct row of original row i.
    """

    columns: dict[str, np.ndarray]
    weights: np.ndarray
    inverse: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    @property
    def total_weight(self) -> float:
        return float(self.weights.sum())

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Values per distinct row -> values per original row."""
        return np.asarray(values)[self.inverse]


def compress(columns: dict[str, np.ndarray], weights: np.ndarray | None = None) -> Compressed:
    """Merge identical rows (hash-based: one ``pd.factorize`` per column, no sort)."""
    names = list(columns)
    n = len(columns[names[0]])
    key = np.zeros(n, dtype=np.int64)
    n_keys = 1
    for name in names:
        codes, uniques = pd.factorize(np.asarray(columns[name]), sort=False)
        if n_keys * len(uniques) >= 2**62:  # re-factorize the running key before it overflows
            key, key_uniques = pd.factorize(key, sort=False)
            key = key.astype(np.int64)
            n_keys = len(key_uniques)
        key = key * len(uniques) + codes
        n_keys *= len(uniques)
    inverse, uniques = pd.factorize(key, sort=False)
    k = len(uniques)
    first = np.empty(k, dtype=np.int64)
    first[inverse[::-1]] = np.arange(n - 1, -1, -1)  # first occurrence of each distinct row
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    counts = np.bincount(inverse, weights=w, minlength=k)
    distinct = {name: np.asarray(columns[name])[first] for name in names}
    return Compressed(columns=distinct, weights=counts, inverse=inverse)


def summary_columns(data: pd.DataFrame, required: Sequence[str], what: str) -> None:
    """Raise a CRMDataError naming the first missing column."""
    if not isinstance(data, pd.DataFrame):
        raise CRMDataError(
            f"expected a DataFrame with columns {', '.join(required)} (e.g. from "
            f"crm.data.rfm_summary), got {type(data).__name__}", source=what,
        )
    for col in required:
        if col not in data.columns:
            available = ", ".join(map(str, data.columns[:20]))
            raise CRMDataError(f"missing column (available: {available}); build the summary with "
                               "crm.data.rfm_summary", source=what, column=col)
    if len(data) == 0:
        raise CRMDataError("no customers (the summary is empty)", source=what)


def _numeric(data: pd.DataFrame, col: str, what: str) -> np.ndarray:
    column = data[col]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
        # plain numpy numbers (the usual case): no parsing, no missing-value mask to build
        values = column.to_numpy(dtype=float)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isfinite(values.sum()):  # one reduction, no mask: NaN and inf make the sum non-finite
        return values
    bad = ~np.isfinite(values)
    if bad.any():
        raise CRMDataError(
            f"missing, non-numeric or infinite values for customers "
            f"{describe_rows(data.index[bad], data[col][bad].tolist())}", source=what, column=col,
        )
    return values


def check_summary(
    data: pd.DataFrame,
    what: str = "summary",
    *,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    integer_columns: Sequence[str] = ("frequency",),
    require_repeat: bool = False,
) -> dict[str, np.ndarray]:
    """Validate an RFM summary and return its columns as float arrays.

    Refuses (with :class:`CRMDataError` naming the customer ids) missing columns, empty
    data, non-finite or negative values, non-integer frequencies, ``recency > T`` and
    ``frequency == 0`` with ``recency > 0``.  With ``require_repeat`` a summary in which no
    customer made a repeat purchase is refused with a plain explanation: the repeat-buying
    models cannot be estimated from it.
    """
    summary_columns(data, columns, what)
    out = {col: _numeric(data, col, what) for col in columns}
    ids = data.index
    for col in columns:
        if out[col].min() >= 0:  # one reduction; the mask only to name the customers
            continue
        neg = out[col] < 0
        if neg.any():
            raise CRMDataError(f"negative values for customers {describe_rows(ids[neg], out[col][neg])}",
                               source=what, column=col)
    for col in integer_columns:
        if col in out and not (isinstance(data[col].dtype, np.dtype) and data[col].dtype.kind in "iu"):
            frac = out[col] != np.round(out[col])
            if frac.any():
                raise CRMDataError(
                    f"must be a whole number of repeat purchases; non-integer for customers "
                    f"{describe_rows(ids[frac], out[col][frac])}", source=what, column=col,
                )
    if "recency" in out and "T" in out:
        rec, T = out["recency"], out["T"]
        late = rec > T  # the tolerant test only when something is late at all (a million-row hot path)
        if late.any():
            late = rec > T + 1e-9 * np.maximum(1.0, np.abs(T))
        if late.any():
            pairs = [f"recency {r:g} > T {t:g}" for r, t in zip(rec[late], T[late], strict=True)]
            raise CRMDataError(
                f"recency (time of the last purchase) exceeds T (the customer's age) for customers "
                f"{describe_rows(ids[late], pairs)}", source=what, column="recency",
            )
    if "recency" in out and "frequency" in out:
        odd = (out["frequency"] == 0) & (out["recency"] > 0)
        if odd.any():
            raise CRMDataError(
                "frequency is 0 (no repeat purchase) but recency > 0 for customers "
                f"{describe_rows(ids[odd], out['recency'][odd])}; recency is the time from the first "
                "to the last purchase and must be 0 without repeat purchases",
                source=what, column="recency",
            )
    if require_repeat and "frequency" in out and not (out["frequency"] > 0).any():
        raise CRMDataError(
            f"none of the {len(data)} customers made a repeat purchase (frequency is 0 for all); "
            "the purchase and dropout rates cannot be estimated without repeat buyers. Check the "
            "period (purchases within one period count once) or use a longer observation window",
            source=what, column="frequency",
        )
    return out


def check_weights(data: pd.DataFrame, column: str | None, what: str) -> np.ndarray | None:
    """Optional positive weights column (number of identical customers per row)."""
    if column is None or column not in data.columns:
        return None
    w = _numeric(data, column, what)
    bad = w <= 0
    if bad.any():
        raise CRMDataError(f"weights must be positive; not for rows {describe_rows(data.index[bad], w[bad])}",
                           source=what, column=column)
    return w


def resolve_weights(data: pd.DataFrame, weights: str | np.ndarray | None,
                    what: str = "summary") -> np.ndarray | None:
    """``weights`` given as a column name or an array of positive numbers, one per row."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if not isinstance(data, pd.DataFrame) or weights not in data.columns:
            raise CRMDataError("weights column not found", source=what, column=weights)
        return check_weights(data, weights, what)
    w = np.asarray(weights, dtype=float)
    n = len(data)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise CRMDataError(f"weights must be {n} positive numbers, one per row", source=what)
    return w
