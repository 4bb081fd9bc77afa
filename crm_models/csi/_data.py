"""Turn the caller's survey frame into a clean numeric item matrix, or say clearly why not.

Checks (each raises :class:`~crm_models.errors.CRMDataError` naming the column):
the frame is a DataFrame, every item column exists, is numeric (numeric strings are
converted), finite, not constant; the number of usable rows is sufficient.  Missing values
are replaced by the item mean (``missing="mean"``), or their rows dropped
(``missing="listwise"``), or refused (``missing="raise"``).  The caller's frame is never
modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = ["PreparedData", "prepare_items", "MISSING_METHODS"]

MISSING_METHODS = ("mean", "listwise", "raise")


@dataclass
class PreparedData:
    values: np.ndarray   # (n, p) float, no NaN
    index: pd.Index      # row labels kept
    missing: dict        # what was done about missing values


def _numeric_column(col: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    converted = pd.to_numeric(col, errors="coerce")
    bad = col.notna() & converted.isna()
    if bad.any():
        raise CRMDataError(
            f"is not numeric (dtype {col.dtype}); survey items must be numbers: "
            + describe_rows(col.index[bad], col[bad].tolist()), column=name)
    return converted.astype(float)


def prepare_items(df: pd.DataFrame, items: Sequence[str], missing: str = "mean",
                  min_rows: int = 3, source: str = "DataFrame", fill: np.ndarray | None = None,
                  check_constant: bool = True) -> PreparedData:
    """Validate and extract ``items`` from ``df`` as a float matrix (see module docstring).

    ``fill`` (one value per item) replaces missing answers under ``missing="mean"`` instead of
    the item means of ``df`` (scoring new respondents with a fitted model's means);
    ``check_constant=False`` accepts constant items (a single new respondent is constant).
    """
    if not isinstance(df, pd.DataFrame):
        raise CRMDataError(f"expected a pandas DataFrame of survey answers, got {type(df).__name__}",
                           source=source)
    if missing not in MISSING_METHODS:
        raise CRMDataError(f"missing={missing!r} is not one of {MISSING_METHODS}", source=source)
    absent = [it for it in items if it not in df.columns]
    if absent:
        raise CRMDataError(
            f"item column(s) {absent} not found; available columns: {list(map(str, df.columns))[:30]}",
            source=source, column=absent[0])
    dup = df.columns[df.columns.duplicated()]
    dup = [c for c in dup if c in set(items)]
    if dup:
        raise CRMDataError("column name appears more than once in the frame", source=source, column=dup[0])
    dtypes = df.dtypes
    if all(pd.api.types.is_numeric_dtype(dtypes[it]) and not pd.api.types.is_bool_dtype(dtypes[it])
           for it in items):
        vals = np.column_stack([df[it].to_numpy(dtype=float) for it in items])
    else:
        vals = np.column_stack([_numeric_column(df[it], it).to_numpy() for it in items])
    frame_index = df.index
    inf = np.isinf(vals)
    if inf.any():
        j = int(np.flatnonzero(inf.any(0))[0])
        rows = frame_index[inf[:, j]]
        raise CRMDataError("contains infinite values: " + describe_rows(rows, vals[inf[:, j], j].tolist()),
                           source=source, column=items[j])
    nan = np.isnan(vals)
    info = {"method": missing, "cells": int(nan.sum()), "rows_with_missing": int(nan.any(1).sum()),
            "rows_dropped": 0}
    index = frame_index
    if nan.any():
        if missing == "raise":
            j = int(np.flatnonzero(nan.any(0))[0])
            raise CRMDataError("has missing values (use missing='mean' or 'listwise'): "
                               + describe_rows(frame_index[nan[:, j]]), source=source, column=items[j])
        all_nan = nan.all(0)
        if all_nan.any() and not (missing == "mean" and fill is not None):
            raise CRMDataError("has no observed values", source=source,
                               column=items[int(np.flatnonzero(all_nan)[0])])
        if missing == "mean":
            means = np.nanmean(vals, axis=0) if fill is None else np.asarray(fill, dtype=float)
            vals = np.where(nan, means[None, :], vals)
        else:
            keep = ~nan.any(1)
            info["rows_dropped"] = int((~keep).sum())
            vals = vals[keep]
            index = index[keep]
    if vals.shape[0] < min_rows:
        raise CRMDataError(f"only {vals.shape[0]} usable rows; at least {min_rows} are needed", source=source)
    if not check_constant:
        return PreparedData(values=vals, index=index, missing=info)
    sd = vals.std(axis=0)
    scale = np.maximum(np.abs(vals).max(axis=0), 1.0)
    const = sd <= 1e-12 * scale
    if const.any():
        j = int(np.flatnonzero(const)[0])
        raise CRMDataError(f"is constant (every answer is {vals[0, j]:g}); a constant item carries no "
                           "information: drop it from its block", source=source, column=items[j])
    return PreparedData(values=vals, index=index, missing=info)
