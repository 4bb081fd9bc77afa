"""The pandas/numpy segments functions that read transactions, as they were before the Ibis port.

Copied from crm_models.segments (rfm, loyalty, lifecycle, economics, membership, inputs)
unchanged: the equality oracle of tests/test_segments_engines.py.  The rule helpers they
call (stages_from_rfm_table, tiers_from_points, history_from_points, the checks) were not
changed by the port and are imported from the package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from crm_models.data.summary import period_ordinals
from crm_models.errors import CRMDataError, describe_rows
from crm_models.report.segments.data import SegmentInputs
from crm_models.segments._checks import distinct_sorted, require_columns, require_frame, require_transactions
from crm_models.segments.economics import check_retention_periods, retention_from_flags
from crm_models.segments.lifecycle import check_lifecycle_arguments, stages_from_rfm_table
from crm_models.segments.membership import (
    _check_thresholds,
    _check_window,
    _window_start,
    check_evaluation_window,
    evaluation_dates,
    history_from_points,
    tiers_from_points,
)


def rfm_table(
    tx: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    monetary: Literal["total", "mean"] = "total",
) -> pd.DataFrame:
    """The analyst's RFM table from a validated transaction log.

    Parameters
    ----------
    tx:
        ``customer_id, date, amount`` from :func:`crm_models.data.load_transactions`.
    observation_end:
        The "today" of the analysis; later purchases are left out (their number is in
        ``attrs["excluded_after_end"]``).
    period:
        Purchases in the same period (default the same day) count as one purchase, and
        ``time_since_last`` is counted in these periods.
    monetary:
        ``"total"`` spend (default) or ``"mean"`` spend per purchase period.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted): ``time_since_last`` (periods from the
    last purchase to ``observation_end``; 0 = bought on the last day), ``frequency``
    (number of purchase periods, >= 1), ``monetary``, ``tenure`` (periods since the
    first purchase).
    """
    tx = require_transactions(tx)
    source = tx.attrs.get("source", "transactions")
    if monetary not in ("total", "mean"):
        raise CRMDataError(f"monetary must be 'total' or 'mean', not {monetary!r}")
    end = pd.Timestamp(observation_end)
    dates = tx["date"].to_numpy(dtype="datetime64[ns]")
    keep = dates <= end.to_datetime64()
    if not keep.any():
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=source, column="date")
    ids = tx["customer_id"] if keep.all() else tx["customer_id"][keep]
    codes, uniques = pd.factorize(ids, sort=True)  # on the Series: fast for Arrow strings
    n = len(uniques)
    p = period_ordinals(dates[keep], period)
    amount = tx["amount"].to_numpy(dtype="float64")[keep]
    p0 = p.min()
    span = int(p.max() - p0) + 1
    key = distinct_sorted(codes.astype(np.int64) * span + (p - p0))  # distinct (customer, period)
    cust = key // span
    per = key % span + p0
    n_periods = np.bincount(cust, minlength=n)
    ends = np.cumsum(n_periods)
    last = per[ends - 1]
    first = per[ends - n_periods]
    total = np.bincount(codes, weights=amount, minlength=n)
    end_ord = period_ordinals(np.array([end.to_datetime64()]), period)[0]
    out = pd.DataFrame(
        {
            "time_since_last": (end_ord - last).astype(np.int64),
            "frequency": n_periods.astype(np.int64),
            "monetary": total if monetary == "total" else total / n_periods,
            "tenure": (end_ord - first).astype(np.int64),
        },
        index=pd.Index(uniques, name="customer_id"),
    )
    out.attrs.update(observation_end=str(end.date()), period=period, monetary=monetary,
                     excluded_after_end=int((~keep).sum()), source=source)
    return out


def repeat_purchase_rate(tx: pd.DataFrame, observation_end: str | pd.Timestamp,
                         period: str = "M") -> pd.Series:
    """Share of the periods after the first purchase period in which the customer bought.

    ``x / T``: ``x`` = purchase periods after the first one, ``T`` = periods from the first
    purchase period to the one holding ``observation_end``; 0 when ``T = 0`` (no chance to
    repeat yet).  With ``period="M"`` a customer who bought in 6 of the 12 months since
    joining scores 0.5.
    """
    tx = require_transactions(tx, need_amount=False)
    end = pd.Timestamp(observation_end)
    dates = tx["date"].to_numpy(dtype="datetime64[ns]")
    keep = dates <= end.to_datetime64()
    if not keep.any():
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=tx.attrs.get("source", "transactions"), column="date")
    ids = tx["customer_id"] if keep.all() else tx["customer_id"][keep]
    codes, uniques = pd.factorize(ids, sort=True)  # on the Series: fast for Arrow strings
    p = period_ordinals(dates[keep], period)
    p0 = p.min()
    span = int(p.max() - p0) + 1
    key = distinct_sorted(codes.astype(np.int64) * span + (p - p0))
    cust = key // span
    n_periods = np.bincount(cust, minlength=len(uniques))
    first = (key % span + p0)[np.cumsum(n_periods) - n_periods]
    T = period_ordinals(np.array([end.to_datetime64()]), period)[0] - first
    x = n_periods - 1
    rate = np.where(T > 0, x / np.maximum(T, 1), 0.0)
    return pd.Series(rate, index=pd.Index(uniques, name="customer_id"), name="repeat_purchase_rate")


def lifecycle_stages(
    tx: pd.DataFrame,
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
        Validated transactions (``crm.data.load_transactions``); later purchases than
        ``observation_end`` are ignored.
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
    tx = require_transactions(tx, need_amount=False)
    end = pd.Timestamp(observation_end)
    check_lifecycle_arguments(tx["date"].min(), end, at_risk_after=at_risk_after, lost_after=lost_after,
                              loyal_purchases=loyal_purchases, p_alive=p_alive,
                              p_alive_thresholds=p_alive_thresholds,
                              source=tx.attrs.get("source", "transactions"))
    tmp = tx if "amount" in tx.columns else tx.assign(amount=0.0)
    return stages_from_rfm_table(rfm_table(tmp, end, period="D"), end, customers,
                                 at_risk_after=at_risk_after, lost_after=lost_after,
                                 loyal_purchases=loyal_purchases, p_alive=p_alive,
                                 p_alive_thresholds=p_alive_thresholds)


def observed_retention_rate(tx: pd.DataFrame, observation_end: str | pd.Timestamp,
                            period_days: int = 365) -> pd.Series:
    """Retention seen in the data: of the customers who bought in the period before last,
    the share who bought again in the last period.

    Periods are ``period_days`` long and end on ``observation_end``: previous period
    ``(end - 2p, end - p]``, last period ``(end - p, end]``.  Returns ``customers_before``,
    ``retained`` and ``retention_rate``; both periods must lie inside the data.
    """
    tx = require_transactions(tx, need_amount=False)
    check_retention_periods(tx["date"].min(), observation_end, period_days,
                            source=tx.attrs.get("source", "transactions"))
    return retention_from_flags(retention_flags(tx, observation_end, period_days))


def retention_flags(tx: pd.DataFrame, observation_end: str | pd.Timestamp,
                    period_days: int = 365) -> pd.DataFrame:
    """Per customer who bought in either period of :func:`observed_retention_rate`: ``previous``
    (bought in ``(end - 2p, end - p]``) and ``last`` (bought in ``(end - p, end]``), booleans.

    The per-customer part of :func:`observed_retention_rate` (no whole-table checks).
    """
    end = pd.Timestamp(observation_end)
    p = pd.Timedelta(days=period_days)
    d = tx["date"]
    previous = ((d > end - 2 * p) & (d <= end - p)).to_numpy()
    last = ((d > end - p) & (d <= end)).to_numpy()
    either = previous | last
    ids = tx["customer_id"][either]
    flags = pd.DataFrame({"previous": previous[either], "last": last[either]}, index=ids.index)
    out = flags.groupby(ids, sort=True).any()
    out.index.name = "customer_id"
    return out


def recent_spend(tx: pd.DataFrame, observation_end: str | pd.Timestamp, period_days: int = 365) -> pd.Series:
    """Spend per customer in the last ``period_days`` days up to ``observation_end``
    (``(end - p, end]``), for the customers who bought then; its mean is the margin base of
    the report's retention economics."""
    tx = require_transactions(tx)
    if not isinstance(period_days, int | np.integer) or period_days < 1:
        raise CRMDataError(f"period_days must be a whole number >= 1, got {period_days!r}")
    end = pd.Timestamp(observation_end)
    d = tx["date"]
    last = tx[(d > end - pd.Timedelta(days=period_days)) & (d <= end)]
    return last.groupby("customer_id")["amount"].sum().rename("spend")


class _Ledger:
    """Points-earning events (purchases and promotion points) with factorised customer ids."""

    def __init__(self, tx: pd.DataFrame, points_per_unit: float,
                 promotion_points: pd.DataFrame | None, until: pd.Timestamp | None):
        tx = require_transactions(tx)
        self.source = tx.attrs.get("source", "transactions")
        if not (np.isfinite(points_per_unit) and points_per_unit > 0):
            raise CRMDataError(f"points_per_unit must be a positive number, got {points_per_unit!r}")
        dates = tx["date"].to_numpy(dtype="datetime64[ns]")
        pts = tx["amount"].to_numpy(dtype="float64") * float(points_per_unit)
        ids = tx["customer_id"].reset_index(drop=True)
        if (pts < 0).any() or not np.isfinite(pts).all():
            bad = ~np.isfinite(pts) | (pts < 0)
            raise CRMDataError(f"negative or missing amounts in {describe_rows(tx.index[bad])}",
                               source=self.source, column="amount")
        self.first_date = pd.Timestamp(dates.min())
        self.last_date = pd.Timestamp(dates.max())
        if promotion_points is not None:
            pp = require_frame(promotion_points, "promotion_points")
            require_columns(pp, ["customer_id", "date", "points"], "promotion_points")
            pdates = pd.to_datetime(pp["date"], errors="coerce")
            ppts = pd.to_numeric(pp["points"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = pdates.isna().to_numpy() | ~np.isfinite(ppts) | pp["customer_id"].isna().to_numpy()
            if bad.any():
                raise CRMDataError(f"missing or unparseable customer_id, date or points in "
                                   f"{describe_rows(pp.index[bad])}", source="promotion_points")
            dates = np.concatenate([dates, pdates.to_numpy(dtype="datetime64[ns]")])
            pts = np.concatenate([pts, ppts])
            ids = pd.concat([ids.astype(object), pp["customer_id"].astype(object)], ignore_index=True)
        if until is not None:
            keep = dates <= until.to_datetime64()
            if not keep.all():
                dates, pts, ids = dates[keep], pts[keep], ids[keep]
        # factorised on the Series: fast for the Arrow strings of load_transactions
        self.codes, self.customers = pd.factorize(ids, sort=True)
        self.dates, self.points = dates, pts
        self._first_event: np.ndarray | None = None

    @property
    def first_event(self) -> np.ndarray:
        """Date of each customer's first points event (computed on first use)."""
        if self._first_event is None:
            first = np.full(len(self.customers), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, self.codes, self.dates.view(np.int64))
            self._first_event = first.view("datetime64[ns]")
        return self._first_event

    def check_window(self, as_of: pd.Timestamp, window_days: int, allow_partial_window: bool) -> None:
        check_evaluation_window(as_of, self.first_date, window_days, allow_partial_window, self.source)

    def points_at(self, as_of: pd.Timestamp, window_days: int) -> np.ndarray:
        lo = _window_start(as_of, window_days).to_datetime64()
        inside = (self.dates > lo) & (self.dates <= as_of.to_datetime64())
        return np.bincount(self.codes[inside], weights=self.points[inside], minlength=len(self.customers))

    def members_at(self, as_of: pd.Timestamp) -> np.ndarray:
        return self.first_event <= as_of.to_datetime64()


def membership_points(
    tx: pd.DataFrame,
    as_of: str | pd.Timestamp,
    window_days: int = 365,
    points_per_unit: float = 1.0,
    promotion_points: pd.DataFrame | None = None,
    allow_partial_window: bool = False,
) -> pd.Series:
    """Points per customer earned in the ``window_days`` days ending on ``as_of``.

    ``promotion_points``: optional DataFrame ``customer_id, date, points`` of bonus points,
    counted in the same window.  Customers who bought (or got points) on or before
    ``as_of`` are included, with 0 points when nothing falls in the window.
    """
    _check_window(window_days)
    as_of = pd.Timestamp(as_of)
    led = _Ledger(tx, points_per_unit, promotion_points, until=as_of)
    led.check_window(as_of, window_days, allow_partial_window)
    return pd.Series(led.points_at(as_of, window_days), index=pd.Index(led.customers, name="customer_id"),
                     name="points")


def membership_tiers(
    tx: pd.DataFrame,
    as_of: str | pd.Timestamp,
    window_days: int = 365,
    thresholds: Mapping[str, float] | None = None,
    *,
    points_per_unit: float = 1.0,
    promotion_points: pd.DataFrame | None = None,
    credit: pd.Series | None = None,
    base_tier: str = "ordinary",
    allow_partial_window: bool = False,
) -> pd.DataFrame:
    """Points and tier of every customer on one date.

    Parameters
    ----------
    tx:
        Validated transactions (``crm.data.load_transactions``).
    as_of:
        Evaluation date; purchases after it are ignored.
    window_days:
        Points window in days (default 365).  A window reaching before the first
        transaction raises :class:`CRMDataError` unless ``allow_partial_window``.
    thresholds:
        ``{tier: minimum points}`` from the highest tier down (default
        :data:`DEFAULT_THRESHOLDS`); must strictly decrease.
    points_per_unit, promotion_points:
        Points per unit of order value; bonus points (``customer_id, date, points``).
    credit:
        Boolean Series by customer id, True = good credit; customers not in it have good
        credit.  Bad credit -> ``base_tier`` whatever the points.
    base_tier:
        Name of the tier below every threshold.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``points``, ``good_credit`` and ``tier`` (ordered
    categorical from ``base_tier`` up, so ``tier >= "gold"`` works).
    """
    _check_window(window_days)
    labels, asc = _check_thresholds(thresholds, base_tier)
    as_of = pd.Timestamp(as_of)
    led = _Ledger(tx, points_per_unit, promotion_points, until=as_of)
    led.check_window(as_of, window_days, allow_partial_window)
    points = pd.Series(led.points_at(as_of, window_days), index=pd.Index(led.customers, name="customer_id"))
    return tiers_from_points(points, as_of, window_days, thresholds, credit=credit, base_tier=base_tier)


def membership_history(
    tx: pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    every_days: int = 60,
    window_days: int = 365,
    thresholds: Mapping[str, float] | None = None,
    *,
    points_per_unit: float = 1.0,
    promotion_points: pd.DataFrame | None = None,
    credit: pd.Series | None = None,
    base_tier: str = "ordinary",
    values: Literal["tier", "points"] = "tier",
    allow_partial_window: bool = False,
) -> pd.DataFrame:
    """Tier (or points) of every customer at each evaluation date of the schedule.

    Evaluation dates run from ``start`` (default: the first date with a full window of
    data, first transaction + ``window_days`` - 1 day) every ``every_days`` days up to
    ``end`` (default: the last transaction date).

    Returns
    -------
    A wide DataFrame: rows = customers (all who bought by ``end``), columns = evaluation
    dates; values are ordered categorical tiers (NaN = not a member yet: first purchase
    after that date) or points.  ``attrs["every_days"]`` records the schedule for
    :func:`tier_on`.  Feed it to :func:`tier_changes` and :func:`tier_migration`.
    """
    _check_window(window_days)
    if not isinstance(every_days, int | np.integer) or every_days < 1:
        raise CRMDataError(f"every_days must be a whole number of days >= 1, got {every_days!r}")
    if values not in ("tier", "points"):
        raise CRMDataError(f"values must be 'tier' or 'points', not {values!r}")
    _check_thresholds(thresholds, base_tier)  # before reading the data
    end_ts = pd.Timestamp(end) if end is not None else None
    led = _Ledger(tx, points_per_unit, promotion_points, until=end_ts)
    if len(led.customers) == 0:
        raise CRMDataError(f"no transactions on or before {end_ts.date()}", source=led.source)
    dates = evaluation_dates(led.first_date, led.last_date, start, end_ts, every_days, window_days,
                             allow_partial_window, source=led.source)
    points = pd.DataFrame(_points_matrix(led, dates, window_days),
                          index=pd.Index(led.customers, name="customer_id"), columns=dates)
    return history_from_points(points, every_days, window_days, thresholds, credit=credit,
                               base_tier=base_tier, values=values)


def _points_matrix(led: _Ledger, dates: pd.DatetimeIndex, window_days: int) -> np.ndarray:
    """Points of every customer of the ledger at each date (columns); NaN = not a member yet."""
    out = np.empty((len(led.customers), len(dates)), dtype="float64")
    for j, d in enumerate(dates):
        out[:, j] = np.where(led.members_at(d), led.points_at(d, window_days), np.nan)
    return out


def points_history(
    tx: pd.DataFrame,
    dates: pd.DatetimeIndex,
    window_days: int = 365,
    *,
    until: str | pd.Timestamp | None = None,
    points_per_unit: float = 1.0,
) -> pd.DataFrame:
    """Window points of every customer who bought by ``until`` at each of ``dates``
    (NaN = first purchase after that date): :func:`membership_history`'s per-customer part.

    A customer's row depends only on their own purchases, so this may run on any
    customer-disjoint part of the transactions (the Spark version runs it per bucket).
    No whole-table checks: see :func:`evaluation_dates`.
    """
    _check_window(window_days)
    led = _Ledger(tx, points_per_unit, None, until=None if until is None else pd.Timestamp(until))
    dates = pd.DatetimeIndex(dates, name="evaluation_date")
    return pd.DataFrame(_points_matrix(led, dates, window_days),
                        index=pd.Index(led.customers, name="customer_id"), columns=dates)


def segment_inputs(
    tx: pd.DataFrame,
    observation_end: str | pd.Timestamp | None = None,
    *,
    at_risk_after: int = 180,
    lost_after: int = 365,
    window_days: int = 365,
    every_days: int = 60,
    thresholds: Mapping[str, float] | None = None,
    retention_period_days: int = 365,
) -> SegmentInputs:
    """The report's per-customer tables from validated pandas transactions.

    ``observation_end`` None: the last purchase date.  Purchases after the end are dropped
    first; the functions then run with the report's parameters (see :class:`SegmentInputs`).
    """
    tx = require_transactions(tx)
    end = pd.Timestamp(observation_end) if observation_end is not None else tx["date"].max()
    source = tx.attrs.get("source", "transactions")
    tx = tx[tx["date"] <= end]
    if len(tx) == 0:
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=source, column="date")
    try:
        observed, why = observed_retention_rate(tx, end, period_days=retention_period_days), None
    except CRMDataError as exc:  # less than two periods of data
        observed, why = None, str(exc)
    return SegmentInputs(
        observation_end=end,
        transactions=int(len(tx)),
        first_date=tx["date"].min(),
        rfm_table=rfm_table(tx, end),
        lifecycle_stages=lifecycle_stages(tx, end, at_risk_after=at_risk_after, lost_after=lost_after),
        repeat_purchase_rate=repeat_purchase_rate(tx, end),
        membership_tiers=membership_tiers(tx, end, window_days=window_days, thresholds=thresholds),
        membership_history=membership_history(tx, end=end, every_days=every_days, window_days=window_days,
                                              thresholds=thresholds),
        observed_retention=observed,
        recent_spend=recent_spend(tx, end, retention_period_days),
        source=str(source),
        retention_error=why,
        last_date=tx["date"].max(),
    )
