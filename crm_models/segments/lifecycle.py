"""Relationship (lifecycle) stage of each customer: potential, new, repeat, loyal, at risk, lost.

The CRM material classifies customers by where they are in the relationship.  From a
transaction log and an observation date ("today"), with purchases counted once per day:

=============  ===========================================================================
stage          rule (first that applies, top to bottom)
=============  ===========================================================================
potential      registered (in ``customers``) but no purchase up to ``observation_end``
lost           last purchase more than ``lost_after`` days ago
at risk        last purchase more than ``at_risk_after`` days ago
loyal          active, at least ``loyal_purchases`` purchase days
repeat         active, 2 .. ``loyal_purchases - 1`` purchase days
new            active, a single purchase day (the first purchase)
=============  ===========================================================================

"More than" is strict: a customer whose last purchase is exactly ``at_risk_after`` days
ago is still active.  Instead of fixed inactivity windows, a CLV model's probability of
being alive can decide who is at risk or lost (``p_alive=model.prob_alive(summary)``):
lost when P(alive) < ``p_alive_thresholds[1]``, at risk when < ``p_alive_thresholds[0]``
(defaults 0.5 and 0.2), which lets the window depend on each customer's own purchase
rhythm (Fader, Hardie & Lee 2005; Schmittlein, Morrison & Colombo 1987).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._checks import numeric_series
from crm_models.segments._queries import (
    as_table,
    count_where,
    literal,
    per_customer,
    period_metrics,
    rfm_frame,
)

__all__ = ["STAGES", "check_lifecycle_arguments", "lifecycle_stages", "stages_from_rfm_table"]

STAGES = ["potential", "new", "repeat", "loyal", "at risk", "lost"]


def _customer_ids(customers: Iterable | pd.DataFrame) -> pd.Index:
    if isinstance(customers, pd.DataFrame):
        if "customer_id" not in customers.columns:
            raise CRMDataError("missing column (the registered customers' ids)", source="customers",
                               column="customer_id")
        ids = customers["customer_id"]
    elif isinstance(customers, pd.Index):
        ids = customers.to_series()
    else:
        ids = pd.Series(list(customers) if not isinstance(customers, pd.Series) else customers)
    if ids.isna().any():
        raise CRMDataError(f"missing customer ids in {describe_rows(np.flatnonzero(ids.isna()))}",
                           source="customers", column="customer_id")
    return pd.Index(pd.unique(ids.to_numpy()), name="customer_id")


def lifecycle_stages(
    tx: pd.DataFrame | TransactionTable,
    observation_end: str | pd.Timestamp,
    customers: Iterable | pd.DataFrame | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    loyal_purchases: int = 4,
    p_alive: pd.Series | None = None,
    p_alive_thresholds: tuple[float, float] = (0.5, 0.2),
) -> pd.DataFrame:
    """Lifecycle stage per customer (rules in the module notes).

    Parameters
    ----------
    tx:
        Validated transactions (``crm.data.load_transactions``) or a
        :class:`~crm_models.data.tables.TransactionTable`; later purchases than
        ``observation_end`` are ignored.  Each customer's purchase days and last purchase
        day (and the table's first purchase) come from one query on the engine.
    observation_end:
        The date the stages describe.
    customers:
        Registered customers (ids, or a DataFrame with ``customer_id``); those who never
        bought are "potential".  Without it nobody is potential.
    at_risk_after, lost_after:
        Inactivity windows in days (``at_risk_after < lost_after``).  ``lost_after`` must
        fit in the data: from the first purchase to ``observation_end``.
    loyal_purchases:
        Purchase days from which an active customer counts as loyal (>= 3).
    p_alive:
        Optional P(alive) per customer from a CLV model; replaces the windows.
    p_alive_thresholds:
        (at risk below, lost below), decreasing.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``purchases`` (purchase days, 0 for potential
    customers), ``days_since_last`` (nullable Int64, <NA> for potential customers),
    ``p_alive`` when given, and ``stage`` (categorical with categories :data:`STAGES`).
    """
    tt = as_table(tx, need_amount=False)
    end = pd.Timestamp(observation_end)
    t = tt.expr
    keep = t.date <= literal(end)
    metrics = period_metrics(t, "D", keep, "")
    metrics.update(after=count_where(t, ~keep), first_date=t.date.min())
    frame = per_customer(tt, t, metrics)
    check_lifecycle_arguments(frame["first_date"].min(), end, at_risk_after=at_risk_after,
                              lost_after=lost_after, loyal_purchases=loyal_purchases, p_alive=p_alive,
                              p_alive_thresholds=p_alive_thresholds, source=tt.source)
    buyers = frame["n"].to_numpy() > 0
    if not buyers.any():
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=tt.source, column="date")
    table = rfm_frame(frame[buyers], end, "D", None, "", tt.source, int(frame["after"].sum()))
    return stages_from_rfm_table(table, end, customers, at_risk_after=at_risk_after, lost_after=lost_after,
                                 loyal_purchases=loyal_purchases, p_alive=p_alive,
                                 p_alive_thresholds=p_alive_thresholds)


def check_lifecycle_arguments(
    first_date: pd.Timestamp,
    observation_end: pd.Timestamp,
    *,
    at_risk_after: int,
    lost_after: int,
    loyal_purchases: int,
    p_alive: pd.Series | None,
    p_alive_thresholds: tuple[float, float],
    source: str = "transactions",
) -> None:
    """The whole-table checks of :func:`lifecycle_stages` (parameters, and ``lost_after``
    against the span from the first purchase of the whole table to ``observation_end``)."""
    if not (isinstance(loyal_purchases, int | np.integer) and loyal_purchases >= 3):
        raise CRMDataError(f"loyal_purchases must be an integer >= 3 (2 purchases = repeat), "
                           f"got {loyal_purchases!r}")
    end = pd.Timestamp(observation_end)
    if p_alive is None:
        if not (0 < at_risk_after < lost_after):
            raise CRMDataError(f"inactivity windows out of order: need 0 < at_risk_after "
                               f"({at_risk_after}) < lost_after ({lost_after}) days")
        first_date = pd.Timestamp(first_date)
        span = (end - first_date).days
        if lost_after > span:
            raise CRMDataError(
                f"lost_after window ({lost_after} days) is longer than the data ({span} days from "
                f"the first purchase {first_date.date()} to {end.date()}): nobody could be lost",
                source=source, column="date")
    else:
        hi, lo = p_alive_thresholds
        if not (0 < lo < hi < 1):
            raise CRMDataError(f"p_alive_thresholds must be (at risk, lost) with 1 > at risk > lost > 0, "
                               f"got {p_alive_thresholds}")


def stages_from_rfm_table(
    t: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    customers: Iterable | pd.DataFrame | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    loyal_purchases: int = 4,
    p_alive: pd.Series | None = None,
    p_alive_thresholds: tuple[float, float] = (0.5, 0.2),
) -> pd.DataFrame:
    """The stages of :func:`lifecycle_stages` from the daily :func:`rfm_table` of the buyers.

    Each buyer's stage depends only on their own ``time_since_last`` and ``frequency``
    (purchase days), so the table may come from anywhere that computes it per customer
    (e.g. :func:`crm_models.segments.rfm_table` of a table on another engine).  Call
    :func:`check_lifecycle_arguments` first: the parameters are not checked again here.
    """
    end = pd.Timestamp(observation_end)
    since = t["time_since_last"].to_numpy()
    n_buy = t["frequency"].to_numpy()
    stage = np.where(n_buy >= loyal_purchases, 3, np.where(n_buy >= 2, 2, 1))
    if p_alive is None:
        stage = np.where(since > at_risk_after, 4, stage)
        stage = np.where(since > lost_after, 5, stage)
    else:
        hi, lo = p_alive_thresholds
        pa = numeric_series(p_alive, "p_alive")
        missing = t.index.difference(pa.index)
        if len(missing):
            raise CRMDataError(f"no P(alive) for customers {describe_rows(missing)}", source="p_alive")
        pa = pa.reindex(t.index).to_numpy()
        out_of_range = (pa < 0) | (pa > 1)
        if out_of_range.any():
            raise CRMDataError(f"P(alive) outside [0, 1] for customers "
                               f"{describe_rows(t.index[out_of_range], pa[out_of_range].tolist())}",
                               source="p_alive")
        stage = np.where(pa < hi, 4, stage)
        stage = np.where(pa < lo, 5, stage)

    out = pd.DataFrame({"purchases": n_buy.astype(np.int64),
                        "days_since_last": pd.array(since, dtype="Int64")}, index=t.index)
    if p_alive is not None:
        out["p_alive"] = pa
    codes = stage
    if customers is not None:
        ids = _customer_ids(customers)
        potential = ids.difference(t.index)
        if len(potential):
            extra = pd.DataFrame({"purchases": np.zeros(len(potential), dtype=np.int64),
                                  "days_since_last": pd.array([pd.NA] * len(potential), dtype="Int64")},
                                 index=potential)
            if p_alive is not None:
                extra["p_alive"] = np.nan
            out = pd.concat([out, extra])
            codes = np.concatenate([stage, np.zeros(len(potential), dtype=np.int64)])
            order = np.argsort(out.index.to_numpy(), kind="stable")
            out, codes = out.iloc[order], codes[order]
    out.index.name = "customer_id"
    out["stage"] = pd.Categorical.from_codes(codes, categories=STAGES)
    out.attrs.update(observation_end=str(end.date()), at_risk_after=at_risk_after,
                     lost_after=lost_after, loyal_purchases=loyal_purchases,
                     rule="p_alive" if p_alive is not None else "inactivity")
    return out
