"""The pandas/numpy churn classification features and labels, as they were before the engine port.

Kept as the equality oracle of :func:`crm_models.churn.features_at_cutoff` and
:func:`crm_models.churn.churn_labels`, which now run as Ibis queries on the transactions'
engine (DuckDB for frames and files, Spark for Spark tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError

_DAY = np.timedelta64(1, "D")


def _frame(tx: pd.DataFrame | TransactionTable, customer_id: str, date: str, amount: str | None,
           ) -> tuple[pd.DataFrame, str]:
    """``tx`` as a pandas frame with columns ``id``, ``date`` (days), ``amount``; and its source."""
    if isinstance(tx, TransactionTable):
        source = tx.source
        tx = tx.to_pandas()
        customer_id, date, amount = "customer_id", "date", ("amount" if "amount" in tx.columns else None)
    else:
        source = "transactions"
    if not isinstance(tx, pd.DataFrame):
        raise CRMDataError(f"transactions must be a pandas DataFrame or a TransactionTable, "
                           f"not {type(tx).__name__}", source=source)
    missing = [c for c in (customer_id, date, amount) if c is not None and c not in tx.columns]
    if missing:
        raise CRMDataError(f"column(s) {missing} not found (columns: {list(tx.columns)}); name them "
                           "with customer_id=, date=, amount=", source=source, column=missing[0])
    dates = pd.to_datetime(tx[date])
    if dates.isna().any():
        rows = np.flatnonzero(dates.isna().to_numpy())[:5].tolist()
        raise CRMDataError(f"{int(dates.isna().sum())} missing date(s) (rows {rows}); drop or fix them",
                           source=source, column=date)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    out = pd.DataFrame({"id": tx[customer_id].to_numpy(), "date": dates.dt.normalize().to_numpy(),
                        "amount": (tx[amount].to_numpy(dtype=float) if amount is not None
                                   else np.zeros(len(tx)))})
    return out, source


def _cutoff(value: Any, name: str = "cutoff") -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise CRMDataError(f"{name} {value!r} is not a date (give e.g. '2024-06-30')") from exc
    return ts.tz_localize(None).normalize() if ts.tzinfo is not None else ts.normalize()


def features_at_cutoff(
    tx: pd.DataFrame | TransactionTable,
    cutoff: Any,
    *,
    recent_days: int = 90,
    customers: pd.DataFrame | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """Per-customer features from the purchases on or before ``cutoff`` only.

    Purchases are counted per day (several orders on one day are one purchase day, their
    amounts summed), as in :func:`~crm_models.churn.durations_from_transactions`.  With a
    customer's purchase days ``t_1 < ... < t_n <= c`` (``c`` = cutoff) and daily spend ``s_j``:

    * ``recency`` = ``c - t_n`` (days), ``tenure`` = ``c - t_1`` (days);
    * ``frequency`` = ``n`` (purchase days), ``total_spend`` = ``sum s_j``,
      ``monetary`` = ``total_spend / n``;
    * ``gap_mean``, ``gap_std`` (population, ``ddof=0``), ``gap_last`` of the gaps
      ``t_{j+1} - t_j`` (days; NaN with one purchase day, ``gap_std`` needs two gaps);
    * ``spend_recent`` = spend in ``(c - recent_days, c]``; ``spend_trend`` =
      ``log1p(spend_recent) - log1p(earlier spend scaled to recent_days)``, the earlier
      spend being that in ``[t_1, c - recent_days]`` times ``recent_days / (c - recent_days - t_1 + 1)``
      (NaN when the customer's history does not reach before the recent window).

    No purchase after ``c`` enters (the leakage test of tests/test_churn_classify_features.py
    changes and deletes every later purchase and finds the same features).

    Parameters
    ----------
    tx:
        One row per purchase: a pandas frame (columns named by ``customer_id``, ``date``,
        ``amount``) or a :class:`~crm_models.data.tables.TransactionTable` (collected to pandas).
    cutoff:
        The cut-off date (inclusive); the time of day is ignored.
    recent_days:
        Length of the recent window of ``spend_recent`` / ``spend_trend``.
    customers:
        Optional customer table (indexed by customer id) whose columns are joined as
        covariates.  They must be known at the cut-off (e.g. signup channel, region);
        this function cannot check that.
    customer_id, date, amount:
        Column names in a pandas ``tx``; ``amount=None``: spend features are 0.

    Returns
    -------
    DataFrame indexed by customer id (customers with a purchase on or before ``cutoff``) with
    the columns :data:`FEATURES` and the covariates; ``attrs["crm_churn"]`` holds the cutoff.
    """
    frame, source = _frame(tx, customer_id, date, amount)
    c = _cutoff(cutoff)
    if int(recent_days) < 1:
        raise CRMDataError(f"recent_days must be a positive number of days, got {recent_days}")
    past = frame[frame["date"] <= c]
    if past.empty:
        raise CRMDataError(f"no purchase on or before the cut-off {c.date()} (the data start on "
                           f"{frame['date'].min().date() if len(frame) else 'no date'}); "
                           "choose a later cut-off",
                           source=source, column=date)
    days = past.groupby(["id", "date"], sort=True, observed=True)["amount"].sum().reset_index()
    ids = days["id"].to_numpy()
    d = days["date"].to_numpy()
    s = days["amount"].to_numpy(dtype=float)
    start = np.r_[True, ids[1:] != ids[:-1]]
    group = np.cumsum(start) - 1
    n_groups = int(group[-1]) + 1
    first_idx = np.flatnonzero(start)
    last_idx = np.r_[first_idx[1:] - 1, len(ids) - 1]
    n = np.bincount(group, minlength=n_groups).astype(float)
    t_first, t_last = d[first_idx], d[last_idx]
    gap = np.r_[np.nan, (d[1:] - d[:-1]) / _DAY]
    gap[start] = np.nan
    has_gap = ~np.isnan(gap)
    g = np.where(has_gap, gap, 0.0)
    n_gap = np.bincount(group, weights=has_gap.astype(float), minlength=n_groups)
    gsum = np.bincount(group, weights=g, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_mean = np.where(n_gap > 0, gsum / np.maximum(n_gap, 1), np.nan)
        dev = np.where(has_gap, (g - gap_mean[group]) ** 2, 0.0)
        gap_std = np.where(n_gap > 1, np.sqrt(np.bincount(group, weights=dev, minlength=n_groups)
                                              / np.maximum(n_gap, 1)), np.nan)
    gap_last = gap[last_idx]
    total = np.bincount(group, weights=s, minlength=n_groups)
    window_start = c - pd.Timedelta(days=int(recent_days))
    recent = np.bincount(group, weights=np.where(d > np.datetime64(window_start), s, 0.0), minlength=n_groups)
    earlier = total - recent
    earlier_days = (np.datetime64(window_start) - t_first) / _DAY + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        earlier_rate = np.where(earlier_days > 0, earlier * recent_days / earlier_days, np.nan)
        trend = np.log1p(recent) - np.log1p(np.clip(earlier_rate, 0.0, None))
    out = pd.DataFrame({
        "recency": (np.datetime64(c) - t_last) / _DAY,
        "frequency": n,
        "monetary": total / n,
        "total_spend": total,
        "tenure": (np.datetime64(c) - t_first) / _DAY,
        "gap_mean": gap_mean,
        "gap_std": gap_std,
        "gap_last": gap_last,
        "spend_recent": recent,
        "spend_trend": trend,
    }, index=pd.Index(ids[first_idx], name=customer_id))
    if customers is not None:
        clash = sorted(set(customers.columns) & set(out.columns))
        if clash:
            raise CRMDataError(f"customer table column(s) {clash} clash with the transaction features; "
                               "rename them", source="customers", column=clash[0])
        out = out.join(customers, how="left")
    out.attrs["crm_churn"] = {"cutoff": str(c.date()), "recent_days": int(recent_days)}
    return out


def churn_labels(
    tx: pd.DataFrame | TransactionTable,
    cutoff: Any,
    horizon: int,
    customers: pd.Index | Sequence[Any],
    *,
    observation_end: Any = None,
    customer_id: str = "customer_id",
    date: str = "date",
) -> pd.Series:
    """Non-contractual churn label: 1 when a customer makes no purchase in ``(cutoff, cutoff + horizon]``.

    ``customers`` are the customers to label (usually the index of
    :func:`features_at_cutoff`, those active before the cut-off).  The label window must be
    observed: ``cutoff + horizon`` after ``observation_end`` (default: the last purchase
    date in ``tx``) raises, as the label would call customers churned whose window is not over.
    """
    frame, source = _frame(tx, customer_id, date, None)
    c = _cutoff(cutoff)
    h = int(horizon)
    if h < 1:
        raise CRMDataError(f"horizon must be a positive number of days, got {horizon}")
    end = frame["date"].max() if observation_end is None else _cutoff(observation_end, "observation_end")
    if c + pd.Timedelta(days=h) > end:
        raise CRMDataError(f"the label window ({c.date()}, {(c + pd.Timedelta(days=h)).date()}] ends after "
                           f"the observation end {end.date()}: labels would be incomplete; choose an "
                           "earlier cut-off or a shorter horizon", source=source, column=date)
    window = frame[(frame["date"] > c) & (frame["date"] <= c + pd.Timedelta(days=h))]
    index = pd.Index(customers, name=customer_id)
    bought = index.isin(pd.unique(window["id"]))
    return pd.Series((~bought).astype(int), index=index, name="churn")
