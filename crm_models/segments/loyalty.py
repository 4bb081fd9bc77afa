"""Loyalty as attitude x behaviour (Dick & Basu 1994), and the behavioural loyalty indicators.

Dick & Basu ("Customer loyalty: toward an integrated conceptual framework", JAMS 22(2),
1994) cross relative attitude with repeat patronage:

=====================  ========================  ========================
                       low behaviour             high behaviour
=====================  ========================  ========================
high attitude          latent loyalty            absolute (true) loyalty
low attitude           non-loyal                 inertia (spurious) loyalty
=====================  ========================  ========================

Attitude comes from survey items (e.g. the CSI loyalty construct: mean of loy1-3, or a
PLS score), behaviour from purchases (repeat-purchase rate, frequency).  A customer is
"high" on a dimension when the value is **at or above** the threshold (the median by
default), so a customer exactly on the median counts as high.

Indicators of loyalty from the CRM material, per customer (:func:`loyalty_indicators`):

* repeat-purchase rate: the share of the periods since the first purchase in which the
  customer bought again, ``x / T`` with ``x`` repeat purchase periods and ``T`` periods
  from the first purchase period to the observation end (0 for customers in their first
  period);
* price sensitivity, where prices exist: the share of the customer's purchases made at a
  discount (``price < list_price``) or on promotion (a boolean column), and the mean
  discount depth;
* complaint rate, where complaints exist: complaints per purchase.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from crm_models.data.periods import check_engine_period, ordinal_of
from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._checks import (
    numeric_series,
    require_columns,
    require_frame,
    require_transactions,
)
from crm_models.segments._queries import as_table, literal, per_customer, period_metrics

__all__ = ["LOYALTY_TYPES", "loyalty_matrix", "loyalty_indicators", "repeat_purchase_rate"]

LOYALTY_TYPES = ["non-loyal", "latent", "inertia", "absolute"]

Threshold = Literal["median", "mean"] | float


def _as_scores(x: pd.Series | pd.DataFrame, what: str) -> pd.Series:
    """A Series, or the row mean of a DataFrame of items (all items required)."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] == 0:
            raise CRMDataError("no item columns", source=what)
        for col in x.columns:
            numeric_series(x[col], f"{what} item {col!r}")
        return x.mean(axis=1).rename(what)
    return numeric_series(x, what)


def _threshold(values: pd.Series, threshold: Threshold, what: str) -> float:
    if isinstance(threshold, str):
        if threshold == "median":
            return float(values.median())
        if threshold == "mean":
            return float(values.mean())
        raise CRMDataError(f"{what}_threshold must be 'median', 'mean' or a number, not {threshold!r}")
    try:
        t = float(threshold)
    except (TypeError, ValueError) as exc:
        raise CRMDataError(f"{what}_threshold must be 'median', 'mean' or a number, "
                           f"not {threshold!r}") from exc
    if not np.isfinite(t):
        raise CRMDataError(f"{what}_threshold must be finite, not {threshold!r}")
    return t


def loyalty_matrix(
    attitude: pd.Series | pd.DataFrame,
    behaviour: pd.Series,
    attitude_threshold: Threshold = "median",
    behaviour_threshold: Threshold = "median",
) -> pd.Series:
    """Loyalty type per customer: "non-loyal", "latent", "inertia" or "absolute".

    Parameters
    ----------
    attitude:
        Attitudinal loyalty per customer (Series), or a DataFrame of survey items whose
        row mean is used; indexed by customer id.
    behaviour:
        Behavioural loyalty per customer (e.g. :func:`repeat_purchase_rate`, frequency).
    attitude_threshold, behaviour_threshold:
        ``"median"`` (default), ``"mean"`` or a number; high = at or above it.  Medians and
        means are taken over the customers present in both inputs.

    Returns
    -------
    Categorical Series named ``loyalty`` (categories :data:`LOYALTY_TYPES`) over the
    customers present in both inputs (the survey usually covers a sample), in the order
    of ``attitude``.  ``attrs`` hold the thresholds used, the attitude and behaviour
    values and how many customers were in only one input.
    """
    a = _as_scores(attitude, "attitude")
    b = _as_scores(behaviour, "behaviour")
    if a.index.has_duplicates:
        raise CRMDataError(f"duplicate customer ids {describe_rows(a.index[a.index.duplicated()])}",
                           source="attitude")
    common = a.index[a.index.isin(b.index)]
    if len(common) == 0:
        raise CRMDataError("no customer is in both attitude and behaviour: do the ids match? "
                           f"(attitude e.g. {list(a.index[:3])}, behaviour e.g. {list(b.index[:3])})",
                           source="loyalty_matrix")
    a, b_al = a.loc[common], b.loc[common]
    ta = _threshold(a, attitude_threshold, "attitude")
    tb = _threshold(b_al, behaviour_threshold, "behaviour")
    high_a = a.to_numpy() >= ta
    high_b = b_al.to_numpy() >= tb
    code = high_a.astype(np.int8) + 2 * high_b.astype(np.int8)  # 0 non, 1 latent, 2 inertia, 3 absolute
    out = pd.Series(pd.Categorical.from_codes(code, categories=LOYALTY_TYPES), index=common,
                    name="loyalty")
    out.attrs.update(attitude_threshold=ta, behaviour_threshold=tb,
                     attitude=a.rename("attitude"), behaviour=b_al.rename("behaviour"),
                     only_in_attitude=int(len(attitude) - len(common)),
                     only_in_behaviour=int(len(b) - len(common)))
    return out


def repeat_purchase_rate(tx: pd.DataFrame | TransactionTable, observation_end: str | pd.Timestamp,
                         period: str = "M") -> pd.Series:
    """Share of the periods after the first purchase period in which the customer bought.

    ``x / T``: ``x`` = purchase periods after the first one, ``T`` = periods from the first
    purchase period to the one holding ``observation_end``; 0 when ``T = 0`` (no chance to
    repeat yet).  With ``period="M"`` a customer who bought in 6 of the 12 months since
    joining scores 0.5.  ``tx``: a validated pandas frame or a
    :class:`~crm_models.data.tables.TransactionTable`; the distinct purchase periods and
    the first one are counted per customer in one query on its engine.
    """
    check_engine_period(period)
    tt = as_table(tx, need_amount=False)
    end = pd.Timestamp(observation_end)
    t = tt.expr
    frame = per_customer(tt, t, period_metrics(t, period, t.date <= literal(end), ""))
    frame = frame[frame["n"].to_numpy() > 0]
    if len(frame) == 0:
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=tt.source, column="date")
    return rate_from_periods(frame, end, period, "")


def rate_from_periods(frame: pd.DataFrame, end: pd.Timestamp, period: str, prefix: str) -> pd.Series:
    """:func:`repeat_purchase_rate` from the distinct purchase periods and the first one."""
    T = ordinal_of(end, period) - frame[f"{prefix}first"].to_numpy(dtype=np.int64)
    x = frame[f"{prefix}n"].to_numpy(dtype=np.int64) - 1
    rate = np.where(T > 0, x / np.maximum(T, 1), 0.0)
    return pd.Series(rate, index=frame.index, name="repeat_purchase_rate")


def loyalty_indicators(
    tx: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    period: str = "M",
    *,
    price: str | None = None,
    list_price: str | None = None,
    promotion: str | None = None,
    complaints: pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Behavioural loyalty indicators per customer (module notes).

    Parameters
    ----------
    tx:
        Validated transactions; ``price``/``list_price``/``promotion`` columns are carried
        by ``load_transactions(..., extra_columns=[...])``.
    observation_end, period:
        For the repeat-purchase rate (:func:`repeat_purchase_rate`).
    price, list_price:
        Paid and list (regular) price columns: adds ``discount_purchase_share`` (share of
        purchase lines bought below list price) and ``mean_discount`` (mean of
        ``1 - price / list_price``).
    promotion:
        A boolean column "bought on promotion": adds ``promotion_purchase_share``.
    complaints:
        Complaint counts per customer (Series) or a complaint log with ``customer_id``:
        adds ``complaints`` and ``complaint_rate`` (complaints per purchase line).

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``purchases`` (lines up to the observation end),
    ``repeat_purchase_rate`` and the optional columns.
    """
    tx = require_transactions(tx, need_amount=False)
    source = tx.attrs.get("source", "transactions")
    end = pd.Timestamp(observation_end)
    tx = tx.loc[tx["date"] <= end]
    rate = repeat_purchase_rate(tx, end, period)
    g = tx.groupby("customer_id", sort=True)
    out = pd.DataFrame({"purchases": g.size(), "repeat_purchase_rate": rate})
    if (price is None) != (list_price is None):
        raise CRMDataError("give both price and list_price (or neither)", source=source,
                           column=price or list_price)
    if price is not None:
        require_columns(tx, [price, list_price], source,
                        hint="; carry it with load_transactions(..., extra_columns=[...])")
        pr = pd.Series(_nonneg(tx, price, source), index=tx.index)
        lp = pd.Series(_nonneg(tx, list_price, source), index=tx.index)
        zero = lp.to_numpy() <= 0
        if zero.any():
            raise CRMDataError(f"list price must be positive; bad in {describe_rows(tx.index[zero])}",
                               source=source, column=list_price)
        disc = (1 - pr / lp).clip(lower=0)
        out["discount_purchase_share"] = (pr < lp).groupby(tx["customer_id"]).mean()
        out["mean_discount"] = disc.groupby(tx["customer_id"]).mean()
    if promotion is not None:
        require_columns(tx, [promotion], source,
                        hint="; carry it with load_transactions(..., extra_columns=[...])")
        promo = tx[promotion]
        if promo.isna().any() or not set(pd.unique(promo)) <= {True, False}:
            raise CRMDataError("promotion flags must be True/False (or 1/0) with no gaps",
                               source=source, column=promotion)
        out["promotion_purchase_share"] = promo.astype(bool).groupby(tx["customer_id"]).mean()
    if complaints is not None:
        if isinstance(complaints, pd.DataFrame):
            complaints = require_frame(complaints, "complaints")
            require_columns(complaints, ["customer_id"], "complaints")
            if "date" in complaints.columns:
                complaints = complaints.loc[pd.to_datetime(complaints["date"]) <= end]
            counts = complaints.groupby("customer_id").size()
        else:
            counts = numeric_series(complaints, "complaints", nonnegative=True)
        unknown = counts.index.difference(out.index)
        if len(unknown):
            raise CRMDataError(f"complaints from customers without purchases {describe_rows(unknown)}",
                               source="complaints")
        out["complaints"] = counts.reindex(out.index, fill_value=0).astype(float)
        out["complaint_rate"] = out["complaints"] / out["purchases"]
    out.index.name = "customer_id"
    return out


def _nonneg(tx: pd.DataFrame, col: str, source: str) -> np.ndarray:
    v = pd.to_numeric(tx[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        raise CRMDataError(f"missing, negative or non-numeric values in "
                           f"{describe_rows(tx.index[bad], tx[col][bad].tolist())}",
                           source=source, column=col)
    return v
