"""Input checks shared by the churn modules: every problem becomes a CRMDataError naming the column."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = [
    "TIME_UNITS",
    "check_columns",
    "check_durations",
    "check_events",
    "days_per_unit",
    "to_timestamp",
]

#: Length of one time unit in days (a month is 365.25 / 12 days, a year 365.25 days).
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Y": 365.25}


def days_per_unit(time_unit: str) -> float:
    """Days in one ``time_unit`` ("D", "W", "M" or "Y")."""
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise CRMDataError(
            f"unknown time_unit {time_unit!r}; use one of {', '.join(TIME_UNITS)}"
        ) from None


def to_timestamp(value: Any, name: str) -> pd.Timestamp:
    """Parse a date argument (string, datetime, Timestamp) or raise naming the argument."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise CRMDataError(f"{name}={value!r} is not a date") from exc
    if pd.isna(ts):
        raise CRMDataError(f"{name} is missing (NaT)")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


def check_columns(df: pd.DataFrame, columns: Iterable[str], source: str = "DataFrame") -> None:
    """Raise if any of ``columns`` is absent from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise CRMDataError(f"expected a pandas DataFrame, got {type(df).__name__}")
    for col in columns:
        if col not in df.columns:
            available = ", ".join(map(str, list(df.columns)[:20]))
            raise CRMDataError(f"column not found (available: {available})", source=source, column=col)


def check_durations(values: pd.Series, column: str, *, positive: bool = False) -> np.ndarray:
    """Durations as float64: numeric, finite, non-negative (strictly positive if ``positive``)."""
    if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
        raise CRMDataError(f"durations must be numeric, got dtype {values.dtype}", column=column)
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise CRMDataError(f"missing or infinite durations in {describe_rows(values.index[bad], arr[bad])}",
                           column=column)
    bad = arr < 0
    if bad.any():
        raise CRMDataError(f"negative durations in {describe_rows(values.index[bad], arr[bad])}",
                           column=column)
    if positive:
        bad = arr <= 0
        if bad.any():
            raise CRMDataError(
                f"durations must be > 0 for this model (a log-time AFT model); zero durations in "
                f"{describe_rows(values.index[bad], arr[bad])}. Drop them or add a small offset "
                f"(e.g. count the first period as 1)", column=column)
    return arr


def check_events(values: pd.Series, column: str) -> np.ndarray:
    """Event indicator as int8: exactly 0 (censored) or 1 (churned); booleans are accepted."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=np.int8)
    if not pd.api.types.is_numeric_dtype(values):
        examples = values.dropna().unique()[:3].tolist()
        raise CRMDataError(
            f"the event indicator must be 0 (censored) or 1 (churned), got dtype {values.dtype} "
            f"(values such as {examples}); map it first, e.g. df[{column!r}].map({{'Yes': 1, 'No': 0}})",
            column=column)
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isin(arr, (0.0, 1.0))
    if bad.any():
        raise CRMDataError(
            f"the event indicator must be 0 or 1; other or missing values in "
            f"{describe_rows(values.index[bad], arr[bad])}", column=column)
    return arr.astype(np.int8)
