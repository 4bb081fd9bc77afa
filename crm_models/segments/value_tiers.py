"""Customer value tiers (VIP / core / general) and the Pareto (80/20) and Lorenz curves.

The customer pyramid of CRM teaching: rank customers by the profit (or revenue, or CLV)
they bring, most valuable first, and cut the ranking into tiers.  Two rules:

* ``by="customers"`` (default, ``shares=(0.2, 0.5)``): the top 20 % of customers are VIP,
  the next 30 % core, the remaining 50 % general.  Customer at 0-based position ``p`` of
  ``n`` is in the first tier whose share ``s`` has ``p + 1 <= s * n``, so a customer
  exactly on the cut (e.g. the 2nd of 10 with ``s = 0.2``) is in the upper tier.
* ``by="profit"`` (ABC analysis, e.g. ``shares=(0.8, 0.95)``): VIP are the top customers
  needed to reach 80 % of the total value (the customer whose cumulative value first
  reaches 80 % is VIP, the next one is not), core those up to 95 %, general the rest.

Ties in value are broken by customer id (the smaller id ranks higher).  Profits may be
negative with ``by="customers"`` and in :func:`pareto_curve` (it is then the "whale
curve" of Kaplan & Cooper 1998: cumulative profit rises above 100 % and falls back).

The Pareto curve plots the cumulative share of value against the cumulative share of
customers, most valuable first; its **80/20 point** is where the two shares add to one
("x % of customers make (100 - x) % of the value": the Pareto principle says x = 20).
The Lorenz curve is the same ranking from the least valuable customer; the Gini
coefficient is ``1 - 2 * area under it`` (0 = everyone equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError
from crm_models.segments._checks import numeric_series, require_columns, require_frame

__all__ = [
    "value_tiers",
    "value_tier_summary",
    "pareto_curve",
    "pareto_point",
    "top_share",
    "lorenz_curve",
    "gini",
]


def _desc_order(v: pd.Series) -> np.ndarray:
    """Positions sorted by value descending, ties by customer id ascending."""
    idx = v.index
    if idx.is_monotonic_increasing:
        id_rank = np.arange(len(v))
    else:
        id_rank = np.empty(len(v), dtype=np.int64)
        id_rank[idx.argsort(kind="stable")] = np.arange(len(v))
    return np.lexsort((id_rank, -v.to_numpy()))


def _check_shares(shares: Sequence[float], labels: Sequence[str]) -> np.ndarray:
    sh = np.asarray(shares, dtype=float)
    if sh.ndim != 1 or len(sh) == 0:
        raise CRMDataError("shares must be a non-empty list of cut points, e.g. (0.2, 0.5)",
                           source="value_tiers")
    if not ((sh > 0) & (sh <= 1)).all():
        raise CRMDataError(f"shares must lie in (0, 1], got {list(shares)}", source="value_tiers")
    if (np.diff(sh) <= 0).any():
        raise CRMDataError(f"shares must increase (out of order): {list(shares)}", source="value_tiers")
    if len(labels) != len(sh) + 1:
        raise CRMDataError(f"need {len(sh) + 1} labels for {len(sh)} cut points, got {list(labels)}",
                           source="value_tiers")
    if len(set(labels)) != len(labels):
        raise CRMDataError(f"duplicate tier labels {list(labels)}", source="value_tiers")
    return sh


def value_tiers(
    value: pd.Series,
    shares: Sequence[float] = (0.2, 0.5),
    by: Literal["customers", "profit"] = "customers",
    labels: Sequence[str] = ("VIP", "core", "general"),
) -> pd.DataFrame:
    """VIP / core / general tiers by cumulative share of customers or of value.

    Parameters
    ----------
    value:
        Profit (or revenue, or CLV) per customer, a Series indexed by customer id.
    shares:
        Increasing cut points in (0, 1]: cumulative share of customers (``by="customers"``)
        or of value (``by="profit"``) at the end of each tier but the last.
    by:
        ``"customers"`` (top 20 % of customers = VIP by default) or ``"profit"``
        (customers making the first ``shares[0]`` of the value = VIP); module notes.
    labels:
        Tier names, most valuable first (one more than ``shares``).

    Returns
    -------
    DataFrame aligned with ``value``: ``value``, ``rank`` (1 = most valuable),
    ``customer_share`` and ``value_share`` (cumulative, this customer included) and
    ``tier`` (ordered categorical, categories in ``labels`` order).
    """
    v = numeric_series(value, "value")
    sh = _check_shares(shares, labels)
    if by not in ("customers", "profit"):
        raise CRMDataError(f"by must be 'customers' or 'profit', not {by!r}", source="value_tiers")
    n = len(v)
    order = _desc_order(v)
    sorted_v = v.to_numpy()[order]
    cum = np.cumsum(sorted_v)
    total = cum[-1]
    pos = np.arange(n)
    if by == "customers":
        # first tier whose customer count bound s*n is >= p + 1 (tolerance for s*n like 2.0000001)
        tier_sorted = np.searchsorted(sh * n + 1e-9, pos + 1, side="left")
    else:
        if total <= 0:
            raise CRMDataError("total value is not positive: shares of value are undefined",
                               source="value")
        # tier j holds customers before (and including) the first one whose cumulative value
        # reaches shares[j] of the total; the running maximum keeps this right when negative
        # profits make the cumulative curve fall back later
        reach = np.maximum.accumulate(cum) / total
        first_reaching = np.searchsorted(reach, sh * (1 - 1e-12), side="left")
        tier_sorted = np.searchsorted(first_reaching, pos, side="left")
    tier = np.empty(n, dtype=np.int64)
    tier[order] = tier_sorted
    rank = np.empty(n, dtype=np.int64)
    rank[order] = pos + 1
    vshare = np.empty(n)
    vshare[order] = cum / total if total != 0 else np.nan
    out = pd.DataFrame(
        {
            "value": v.to_numpy(),
            "rank": rank,
            "customer_share": rank / n,
            "value_share": vshare,
            "tier": pd.Categorical.from_codes(np.minimum(tier, len(sh)), categories=list(labels),
                                              ordered=True),
        },
        index=v.index.copy(),
    )
    if total == 0:
        out = out.drop(columns="value_share")
    out.attrs.update(shares=list(sh), by=by)
    return out


def value_tier_summary(tiers: pd.DataFrame) -> pd.DataFrame:
    """Customers, value and their shares per tier (``value_tiers`` output)."""
    tiers = require_frame(tiers, "tiers")
    require_columns(tiers, ["tier", "value"], "tiers")
    g = tiers.groupby("tier", observed=False)["value"]
    out = pd.DataFrame({"customers": g.size(), "value": g.sum(), "mean_value": g.mean()})
    out["customer_share"] = out["customers"] / len(tiers)
    total = out["value"].sum()
    out["value_share"] = out["value"] / total if total != 0 else 0.0
    return out[["customers", "customer_share", "value", "value_share", "mean_value"]]


def pareto_curve(value: pd.Series) -> pd.DataFrame:
    """Cumulative share of customers and of value, most valuable customer first.

    ``n + 1`` rows from (0, 0) to (1, 1); row ``k`` is the top ``k`` customers.  With
    negative profits the value share can exceed 1 (the whale curve).
    """
    v = numeric_series(value, "value")
    sorted_v = v.to_numpy()[_desc_order(v)]
    total = sorted_v.sum()
    if total <= 0:
        raise CRMDataError("total value is not positive: shares of value are undefined", source="value")
    n = len(v)
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.concatenate(([0.0], np.cumsum(sorted_v) / total)),
    })


def pareto_point(value: pd.Series) -> pd.Series:
    """The 80/20 point: where the Pareto curve crosses ``customer_share + value_share = 1``.

    Linear interpolation between customers, so the answer is exact for the
    piecewise-linear curve.  Returns ``customer_share`` and ``value_share`` (e.g. 0.2
    and 0.8 when 20 % of the customers make 80 % of the value).
    """
    curve = pareto_curve(value)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    g = x + y - 1.0
    k = int(np.argmax(g >= 0))  # g[0] = -1 < 0 and g[-1] = 1, so k >= 1 exists
    t = -g[k - 1] / (g[k] - g[k - 1])
    cx = x[k - 1] + t * (x[k] - x[k - 1])
    return pd.Series({"customer_share": cx, "value_share": 1.0 - cx}, name="pareto_point")


def top_share(value: pd.Series, customer_share: float = 0.2) -> float:
    """Share of the value made by the top ``customer_share`` of customers (interpolated)."""
    if not 0 <= customer_share <= 1:
        raise CRMDataError(f"customer_share must lie in [0, 1], got {customer_share}", source="top_share")
    curve = pareto_curve(value)
    return float(np.interp(customer_share, curve["customer_share"], curve["value_share"]))


def lorenz_curve(value: pd.Series) -> pd.DataFrame:
    """Lorenz curve: cumulative shares from the least valuable customer (values >= 0)."""
    v = numeric_series(value, "value", nonnegative=True)
    sorted_v = np.sort(v.to_numpy())
    total = sorted_v.sum()
    if total <= 0:
        raise CRMDataError("total value is zero: the Lorenz curve is undefined", source="value")
    n = len(v)
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.concatenate(([0.0], np.cumsum(sorted_v) / total)),
    })


def gini(value: pd.Series) -> float:
    """Gini coefficient ``1 - 2 * (area under the Lorenz curve)`` (trapezoids); 0 = equal shares.

    Equals ``sum_ij |v_i - v_j| / (2 n^2 mean(v))``.
    """
    c = lorenz_curve(value)
    y = c["value_share"].to_numpy()
    n = len(y) - 1
    area = (y[1:] + y[:-1]).sum() / (2 * n)
    return float(1 - 2 * area)
