"""The per-customer aggregates of the segments functions, as Ibis expressions.

Every segments function that reads transactions (:func:`~crm_models.segments.rfm_table`,
:func:`~crm_models.segments.repeat_purchase_rate`, :func:`~crm_models.segments.lifecycle_stages`,
the membership points and the retention flags) needs, per customer, a few aggregates of
the customer's own purchases: distinct purchase periods, first and last period, sums of
amounts over date windows, whether they bought in a window.  Each is written here as a
named aggregate metric (``name -> Ibis reduction``, with ``where=`` for windows and as-of
dates), so that one function can evaluate its metrics in one ``group_by(customer_id)``
query, and :func:`~crm_models.report.segments.segment_inputs` can evaluate every function's
metrics together in one query.  The query runs on the transactions' engine (DuckDB for
pandas frames, Spark for Spark tables, ...); only one row per customer comes back and the
rules that follow (scores, stages, tiers) stay numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_models.data.periods import period_ordinal_expr
from crm_models.data.tables import TransactionTable, transaction_table
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._checks import require_transactions

Metrics = dict[str, Any]


def as_table(tx: Any, need_amount: bool = True) -> TransactionTable:
    """``tx`` (a validated pandas frame or a TransactionTable) as a TransactionTable.

    A pandas frame gets the checks (and messages) of the pandas functions first.
    """
    if isinstance(tx, TransactionTable):
        return transaction_table(tx, need_amount=need_amount)
    tx = require_transactions(tx, need_amount=need_amount)
    if not need_amount and "amount" in tx.columns and not pd.api.types.is_numeric_dtype(tx["amount"]):
        attrs = dict(tx.attrs)
        tx = tx[["customer_id", "date"]]
        tx.attrs.update(attrs)
    return transaction_table(tx)


def input_attrs(tx: Any, tt: TransactionTable) -> dict:
    """The attrs a pandas group-by of ``tx`` carries over (source, load log)."""
    if isinstance(tx, pd.DataFrame):
        return dict(tx.attrs)
    return {"source": tt.source, "load_log": dict(tt.load_log)}


def constant(value: Any, type_: str) -> Any:
    """An Ibis literal of the given type."""
    import ibis

    return ibis.literal(value, type=type_)


def literal(ts: pd.Timestamp) -> Any:
    """A timestamp literal comparable with the ``date`` column."""
    import ibis

    return ibis.literal(pd.Timestamp(ts).to_pydatetime(), type="timestamp")


def count_where(t: Any, cond: Any) -> Any:
    """Rows of the group where ``cond`` holds (0 when none)."""
    return cond.ifelse(1, 0).sum()


def period_metrics(t: Any, period: str, keep: Any, prefix: str, amount: bool = False) -> Metrics:
    """Distinct ``period`` s with a purchase, first and last (ordinals), total amount;
    over the rows where ``keep`` holds (all when None)."""
    p = period_ordinal_expr(t.date, period)
    out = {f"{prefix}n": p.nunique(where=keep), f"{prefix}first": p.min(where=keep),
           f"{prefix}last": p.max(where=keep)}
    if amount:
        out[f"{prefix}total"] = t.amount.sum(where=keep)
    return out


def window_sums(t: Any, value: Any, ends: list[pd.Timestamp], days: int, prefix: str,
                until: pd.Timestamp | None = None) -> Metrics:
    """Sum of ``value`` over ``(end - days, end]`` (and up to ``until``) for each end."""
    out = {}
    for k, end in enumerate(ends):
        end = pd.Timestamp(end)
        cond = (t.date > literal(end - pd.Timedelta(days=days))) & (t.date <= literal(end))
        if until is not None and end > until:
            cond = cond & (t.date <= literal(until))
        out[f"{prefix}{k}"] = value.sum(where=cond)
    return out


def retention_windows(t: Any, end: pd.Timestamp, period_days: int) -> tuple[Any, Any]:
    """Conditions "in the previous period" ``(end - 2p, end - p]`` and "in the last" ``(end - p, end]``."""
    p = pd.Timedelta(days=period_days)
    previous = (t.date > literal(end - 2 * p)) & (t.date <= literal(end - p))
    last = (t.date > literal(end - p)) & (t.date <= literal(end))
    return previous, last


def per_customer(tt: TransactionTable, t: Any, metrics: Metrics) -> pd.DataFrame:
    """One row per customer of ``t`` with ``metrics``: a frame indexed by ``customer_id``,
    sorted as the pandas functions sort (``pd.factorize(..., sort=True)``)."""
    frame = tt.execute(t.group_by("customer_id").aggregate(**metrics))
    frame = frame.sort_values("customer_id", kind="stable")
    ids = frame.pop("customer_id")
    return frame.set_index(pd.Index(ids, name="customer_id"))


def ints(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=np.int64)


def floats(frame: pd.DataFrame, column: str, fill: float = 0.0) -> np.ndarray:
    return frame[column].astype("float64").fillna(fill).to_numpy(dtype="float64")


def points_on_dates(frame: pd.DataFrame, dates: pd.DatetimeIndex, prefix: str) -> pd.DataFrame:
    """Customers x ``dates``: the window sums ``<prefix>0, 1, ...`` of :func:`window_sums`
    for customers whose ``first_event`` is on or before the date (0 when nothing falls in
    the window), NaN for the others (not members yet)."""
    first = frame["first_event"].to_numpy(dtype="datetime64[ns]")
    cols = {d: np.where(first <= d.to_datetime64(), floats(frame, f"{prefix}{j}"), np.nan)
            for j, d in enumerate(dates)}
    return pd.DataFrame(cols, index=frame.index, columns=dates)


def rfm_frame(frame: pd.DataFrame, end: pd.Timestamp, period: str, monetary: str | None,
              prefix: str, source: str, excluded: int) -> pd.DataFrame:
    """:func:`~crm_models.segments.rfm_table` from :func:`period_metrics` (buyers only)."""
    from crm_models.data.periods import ordinal_of

    n = ints(frame, f"{prefix}n")
    end_ord = ordinal_of(end, period)
    cols = {"time_since_last": end_ord - ints(frame, f"{prefix}last"), "frequency": n}
    if monetary is not None:
        total = floats(frame, f"{prefix}total")
        cols["monetary"] = total if monetary == "total" else total / n
    else:
        cols["monetary"] = np.zeros(len(n))
    cols["tenure"] = end_ord - ints(frame, f"{prefix}first")
    out = pd.DataFrame(cols, index=frame.index)
    out.attrs.update(observation_end=str(end.date()), period=period, monetary=monetary or "total",
                     excluded_after_end=int(excluded), source=source)
    return out


def check_points_amounts(tx: Any, source: str) -> None:
    """The pandas ledger's check: no negative or missing amounts (rows named)."""
    if isinstance(tx, TransactionTable):
        return
    amounts = tx["amount"].to_numpy(dtype="float64")
    bad = ~np.isfinite(amounts) | (amounts < 0)
    if bad.any():
        raise CRMDataError(f"negative or missing amounts in {describe_rows(tx.index[bad])}",
                           source=source, column="amount")


def bad_values(value: Any, rows: Any = None) -> Any:
    """Rows (where ``rows`` holds) with a negative or missing (null, NaN, infinite) ``value``."""
    bad = (value.isnull() | value.isnan() | value.isinf() | (value < 0)).fill_null(True)
    if rows is not None:
        bad = bad & rows
    return bad.ifelse(1, 0).sum()


def raise_bad_amounts(n_bad: int, source: str) -> None:
    if n_bad:
        raise CRMDataError(f"negative or missing amounts in {n_bad:,} rows", source=source,
                           column="amount")
