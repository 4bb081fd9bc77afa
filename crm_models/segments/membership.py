"""Membership tiers by points over a rolling window, re-evaluated on a schedule.

The membership programme of the CRM material: every unit of order value earns
``points_per_unit`` points (default 1), promotions may add points, and a member's tier
is set by the points earned over the last ``window_days`` (default 365: the last 12
months), re-evaluated every ``every_days`` (default 60).  Default thresholds:

    diamond >= 10000, platinum >= 3000, gold >= 300, ordinary below

("at or above": exactly 300 points is gold).  A tier is valid only with good credit /
reputation: a member flagged with bad credit is "ordinary" whatever the points.

Window: the points at date ``d`` count purchases with ``d - window_days < date <= d``,
i.e. the ``window_days`` calendar days ending on ``d`` (a purchase on 2024-01-01 counts
up to 2024-12-30 with a 365-day window).  A tier decided at an evaluation stays valid
until the next evaluation, ``every_days`` later, even if points expire in between
(:func:`tier_on`).

The points of every customer on every evaluation date are one query on the transactions'
engine (DuckDB for pandas frames, Spark, ...): grouped by customer, one conditional sum
``points.sum(where=(date > d - window) & (date <= d))`` per date; the tiers are set in numpy
on the one row per customer that comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.data.tables import TransactionTable
from crm_models.errors import CRMDataError, describe_rows
from crm_models.segments._checks import require_columns, require_frame
from crm_models.segments._queries import (
    as_table,
    bad_values,
    check_points_amounts,
    constant,
    count_where,
    floats,
    literal,
    per_customer,
    points_on_dates,
    raise_bad_amounts,
    window_sums,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "membership_points",
    "membership_tiers",
    "membership_history",
    "tier_changes",
    "tier_migration",
    "tier_on",
    "check_evaluation_window",
    "evaluation_dates",
    "history_from_points",
    "points_history",
    "tiers_from_points",
]

DEFAULT_THRESHOLDS: dict[str, float] = {"diamond": 10000, "platinum": 3000, "gold": 300}


def _check_thresholds(thresholds: Mapping[str, float] | None, base_tier: str) -> tuple[list[str], np.ndarray]:
    """Tier names and thresholds in ascending order; error when not strictly decreasing as given."""
    th = dict(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
    if not th:
        raise CRMDataError("thresholds are empty: give at least one tier, e.g. {'gold': 300}",
                           source="thresholds")
    names = [str(k) for k in th]
    if base_tier in names:
        raise CRMDataError(f"{base_tier!r} is the tier below every threshold; do not list it",
                           source="thresholds", column=base_tier)
    values = []
    for name, v in th.items():
        try:
            fv = float(v)
        except (TypeError, ValueError) as exc:
            raise CRMDataError(f"threshold is not a number: {v!r}", source="thresholds",
                               column=str(name)) from exc
        if not np.isfinite(fv) or fv <= 0:
            raise CRMDataError(f"threshold must be a positive number, got {v!r}", source="thresholds",
                               column=str(name))
        values.append(fv)
    for (hi_name, hi), (lo_name, lo) in zip(zip(names, values, strict=True),
                                            zip(names[1:], values[1:], strict=True), strict=False):
        if not hi > lo:
            raise CRMDataError(
                f"thresholds out of order: {hi_name!r} ({hi:g}) must be above {lo_name!r} ({lo:g}); "
                "list tiers from the highest down, e.g. diamond 10000, platinum 3000, gold 300",
                source="thresholds", column=hi_name)
    return [base_tier] + names[::-1], np.array(values[::-1])


def _window_start(as_of: pd.Timestamp, window_days: int) -> pd.Timestamp:
    return as_of - pd.Timedelta(days=window_days)


def _check_window(window_days: int) -> None:
    if not isinstance(window_days, int | np.integer) or window_days < 1:
        raise CRMDataError(f"window_days must be a whole number of days >= 1, got {window_days!r}")


def check_evaluation_window(as_of: pd.Timestamp, first_date: pd.Timestamp, window_days: int,
                            allow_partial_window: bool = False, source: str = "transactions") -> None:
    """An evaluation on ``as_of`` needs data on that date and, unless ``allow_partial_window``,
    a whole points window after the first transaction of the table (``first_date``)."""
    as_of, first_date = pd.Timestamp(as_of), pd.Timestamp(first_date)
    start = _window_start(as_of, window_days) + pd.Timedelta(days=1)
    if as_of < first_date:
        raise CRMDataError(f"evaluation date {as_of.date()} is before the first transaction "
                           f"{first_date.date()}", source=source, column="date")
    if start.normalize() < first_date.normalize() and not allow_partial_window:
        raise CRMDataError(
            f"the {window_days}-day points window ending {as_of.date()} starts on {start.date()}, "
            f"before the data (first transaction {first_date.date()}): the window is longer "
            f"than the data, so points would be understated. Evaluate from "
            f"{(first_date.normalize() + pd.Timedelta(days=window_days - 1)).date()} on, "
            "use a shorter window_days, or pass allow_partial_window=True",
            source=source, column="date")


class _Ledger:
    """Points-earning events (purchases and promotion points) as an Ibis table.

    ``events``: ``customer_id, date, points, is_tx`` (1 for a purchase, 0 for promotion
    points), the purchases of the transactions' engine plus the promotion points frame;
    events after ``until`` do not count.  :meth:`points` evaluates, in one query grouped by
    customer, each customer's first event and points in the window ending on each date.
    """

    def __init__(self, tx: pd.DataFrame | TransactionTable, points_per_unit: float,
                 promotion_points: pd.DataFrame | None, until: pd.Timestamp | None):
        self.tt = as_table(tx)
        self.source = self.tt.source
        if not (np.isfinite(points_per_unit) and points_per_unit > 0):
            raise CRMDataError(f"points_per_unit must be a positive number, got {points_per_unit!r}")
        check_points_amounts(tx, self.source)
        t = self.tt.expr
        self.count_bad = isinstance(tx, TransactionTable)  # a frame's amounts are checked above
        events = t.select("customer_id", "date", points=t.amount.cast("float64") * float(points_per_unit),
                          is_tx=constant(1, "int8"))
        self.promotion = promotion_points is not None
        if promotion_points is not None:
            events = events.union(_promotion_events(promotion_points, events))
        self.events, self.until = events, until
        self.first_date: pd.Timestamp | None = None
        self.last_date: pd.Timestamp | None = None

    def _facts(self, e: Any) -> dict[str, Any]:
        """Per customer: first and last purchase (whole table), first event up to ``until``."""
        tx_rows = (e.is_tx == 1) if self.promotion else None
        upto = None if self.until is None else e.date <= literal(self.until)
        facts = {"first_tx": e.date.min(where=tx_rows), "last_tx": e.date.max(where=tx_rows),
                 "first_event": e.date.min(where=upto)}
        if self.count_bad:
            facts["bad"] = bad_values(e.points, tx_rows)
        return facts

    def _record(self, first_tx: Any, last_tx: Any, bad: Any) -> None:
        if self.count_bad:
            raise_bad_amounts(int(bad), self.source)
        self.first_date, self.last_date = pd.Timestamp(first_tx), pd.Timestamp(last_tx)

    def table_dates(self) -> tuple[pd.Timestamp, pd.Timestamp, int]:
        """First and last purchase of the whole table, and the events up to ``until``
        (one aggregate row)."""
        e = self.events
        tx_rows = (e.is_tx == 1) if self.promotion else None
        agg = {"first_tx": e.date.min(where=tx_rows), "last_tx": e.date.max(where=tx_rows),
               "events": e.count() if self.until is None else count_where(e, e.date <= literal(self.until))}
        if self.count_bad:
            agg["bad"] = bad_values(e.points, tx_rows)
        row = self.tt.execute(e.aggregate(**agg)).iloc[0]
        self._record(row["first_tx"], row["last_tx"], row.get("bad", 0))
        return self.first_date, self.last_date, int(row["events"])

    def points(self, dates: pd.DatetimeIndex, window_days: int) -> pd.DataFrame:
        """Per customer with an event up to ``until``: ``first_event`` and window points
        ``p0, p1, ...`` ending on each of ``dates`` (null when none)."""
        e = self.events
        metrics = self._facts(e)
        metrics.update(window_sums(e, e.points, list(dates), window_days, "p", self.until))
        frame = per_customer(self.tt, e, metrics)
        self._record(frame["first_tx"].min(), frame["last_tx"].max(),
                     frame["bad"].sum() if self.count_bad else 0)
        return frame[frame["first_event"].notna().to_numpy()]

    def check_window(self, as_of: pd.Timestamp, window_days: int, allow_partial_window: bool) -> None:
        check_evaluation_window(as_of, self.first_date, window_days, allow_partial_window, self.source)


def _promotion_events(promotion_points: pd.DataFrame, events: Any) -> Any:
    """The bonus points frame as events with the purchases' schema (checked as before)."""
    import ibis

    pp = require_frame(promotion_points, "promotion_points")
    require_columns(pp, ["customer_id", "date", "points"], "promotion_points")
    pdates = pd.to_datetime(pp["date"], errors="coerce")
    ppts = pd.to_numeric(pp["points"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = pdates.isna().to_numpy() | ~np.isfinite(ppts) | pp["customer_id"].isna().to_numpy()
    if bad.any():
        raise CRMDataError(f"missing or unparseable customer_id, date or points in "
                           f"{describe_rows(pp.index[bad])}", source="promotion_points")
    ids = pp["customer_id"]
    id_type = events.schema()["customer_id"]
    if id_type.is_string():
        ids = ids.astype(str)
    elif id_type.is_integer():
        numeric = pd.to_numeric(ids, errors="coerce")
        if numeric.isna().any() or (numeric != np.round(numeric)).any():
            raise CRMDataError("customer ids are not whole numbers like the transactions' ids in "
                               f"{describe_rows(pp.index[numeric.isna().to_numpy()])}",
                               source="promotion_points", column="customer_id")
        ids = numeric.astype("int64")
    frame = pd.DataFrame({"customer_id": ids.to_numpy(), "date": pdates.to_numpy(dtype="datetime64[us]"),
                          "points": ppts, "is_tx": np.zeros(len(pp), dtype=np.int8)})
    return ibis.memtable(frame).cast(events.schema())


def _good_credit(credit: pd.Series | None, customers: pd.Index) -> np.ndarray:
    if credit is None:
        return np.ones(len(customers), dtype=bool)
    if not isinstance(credit, pd.Series):
        raise CRMDataError("credit must be a boolean Series indexed by customer_id (True = good credit)",
                           source="credit")
    if credit.isna().any():
        raise CRMDataError(f"missing credit flags for customers {describe_rows(credit.index[credit.isna()])}",
                           source="credit")
    values = set(pd.unique(credit))
    if not values <= {True, False}:  # also accepts 1 / 0 (equal to True / False)
        raise CRMDataError("credit flags must be True (good) / False (bad), got values "
                           f"{sorted(map(str, values))}", source="credit")
    if credit.index.has_duplicates:
        raise CRMDataError(f"duplicate customer ids {describe_rows(credit.index[credit.index.duplicated()])}",
                           source="credit")
    # customers not listed have good credit (the flag is usually a list of bad payers)
    return credit.astype(bool).reindex(customers, fill_value=True).to_numpy()


def _tier_codes(points: np.ndarray, asc_thresholds: np.ndarray, good: np.ndarray) -> np.ndarray:
    code = np.searchsorted(asc_thresholds, points, side="right")  # number of thresholds <= points
    return np.where(good, code, 0).astype(np.int8)


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
    return _points_on(tx, as_of, window_days, points_per_unit, promotion_points,
                      allow_partial_window).rename("points")


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
    points = _points_on(tx, as_of, window_days, points_per_unit, promotion_points, allow_partial_window)
    return tiers_from_points(points, as_of, window_days, thresholds, credit=credit, base_tier=base_tier)


def _points_on(tx: pd.DataFrame | TransactionTable, as_of: pd.Timestamp, window_days: int,
               points_per_unit: float, promotion_points: pd.DataFrame | None,
               allow_partial_window: bool) -> pd.Series:
    """Window points on ``as_of`` of every customer with an event by then (one query)."""
    led = _Ledger(tx, points_per_unit, promotion_points, until=as_of)
    frame = led.points(pd.DatetimeIndex([as_of]), window_days)
    led.check_window(as_of, window_days, allow_partial_window)
    return pd.Series(floats(frame, "p0"), index=frame.index)


def tiers_from_points(
    points: pd.Series,
    as_of: str | pd.Timestamp,
    window_days: int = 365,
    thresholds: Mapping[str, float] | None = None,
    *,
    credit: pd.Series | None = None,
    base_tier: str = "ordinary",
) -> pd.DataFrame:
    """The :func:`membership_tiers` frame from each customer's window points (a Series by
    customer id, e.g. :func:`membership_points`, or its Spark counterpart): the tier is a
    function of the customer's own points, thresholds and credit flag."""
    labels, asc = _check_thresholds(thresholds, base_tier)
    as_of = pd.Timestamp(as_of)
    idx = points.index.rename("customer_id")
    values = points.to_numpy(dtype="float64")
    good = _good_credit(credit, idx)
    out = pd.DataFrame({
        "points": values,
        "good_credit": good,
        "tier": pd.Categorical.from_codes(_tier_codes(values, asc, good), categories=labels, ordered=True),
    }, index=idx)
    out.attrs.update(as_of=str(as_of.date()), window_days=window_days,
                     thresholds=dict(zip(labels[1:][::-1], asc[::-1].tolist(), strict=True)))
    return out


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
    first_date, last_date, events = led.table_dates()
    if events == 0:
        raise CRMDataError(f"no transactions on or before {end_ts.date()}", source=led.source)
    dates = evaluation_dates(first_date, last_date, start, end_ts, every_days, window_days,
                             allow_partial_window, source=led.source)
    points = _points_matrix(led, dates, window_days)
    points.columns.name = None
    return history_from_points(points, every_days, window_days, thresholds, credit=credit,
                               base_tier=base_tier, values=values)


def evaluation_dates(
    first_date: pd.Timestamp,
    last_date: pd.Timestamp,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    every_days: int = 60,
    window_days: int = 365,
    allow_partial_window: bool = False,
    source: str = "transactions",
) -> pd.DatetimeIndex:
    """The schedule of :func:`membership_history` from the first and last transaction dates
    of the whole table: from ``start`` (default ``first_date`` + ``window_days`` - 1 day)
    every ``every_days`` days to ``end`` (default the last transaction day); checked."""
    end_ts = pd.Timestamp(end) if end is not None else pd.Timestamp(last_date).normalize()
    start_ts = (pd.Timestamp(start) if start is not None
                else pd.Timestamp(first_date).normalize() + pd.Timedelta(days=window_days - 1))
    if start_ts > end_ts:
        raise CRMDataError(
            f"the {window_days}-day window is longer than the data: the first evaluation with a full "
            f"window is {start_ts.date()}, after the end {end_ts.date()}; use a shorter window_days "
            "or pass start= with allow_partial_window=True", source=source, column="date")
    dates = pd.date_range(start_ts, end_ts, freq=f"{every_days}D")
    check_evaluation_window(dates[0], first_date, window_days, allow_partial_window, source)
    return dates


def _points_matrix(led: _Ledger, dates: pd.DatetimeIndex, window_days: int) -> pd.DataFrame:
    """Points of every customer of the ledger at each date (columns ``evaluation_date``);
    NaN = not a member yet (first event after the date).  One query: a conditional sum
    per date."""
    dates = pd.DatetimeIndex(dates, name="evaluation_date")
    return points_on_dates(led.points(dates, window_days), dates, "p")


def points_history(
    tx: pd.DataFrame | TransactionTable,
    dates: pd.DatetimeIndex,
    window_days: int = 365,
    *,
    until: str | pd.Timestamp | None = None,
    points_per_unit: float = 1.0,
) -> pd.DataFrame:
    """Window points of every customer who bought by ``until`` at each of ``dates``
    (NaN = first purchase after that date): :func:`membership_history`'s per-customer part.

    A customer's row depends only on their own purchases (one query grouped by customer,
    one conditional sum per date).  No whole-table checks: see :func:`evaluation_dates`.
    """
    _check_window(window_days)
    led = _Ledger(tx, points_per_unit, None, until=None if until is None else pd.Timestamp(until))
    return _points_matrix(led, pd.DatetimeIndex(dates), window_days)


def history_from_points(
    points: pd.DataFrame,
    every_days: int = 60,
    window_days: int = 365,
    thresholds: Mapping[str, float] | None = None,
    *,
    credit: pd.Series | None = None,
    base_tier: str = "ordinary",
    values: Literal["tier", "points"] = "tier",
) -> pd.DataFrame:
    """The :func:`membership_history` frame from :func:`points_history` (customers x
    evaluation dates, NaN = not a member yet)."""
    labels, asc = _check_thresholds(thresholds, base_tier)
    idx = points.index.rename("customer_id")
    good = _good_credit(credit, idx)
    cols = {}
    for d in points.columns:
        raw = points[d].to_numpy(dtype="float64")
        member = ~np.isnan(raw)
        pts = np.where(member, raw, 0.0)
        if values == "points":
            cols[d] = np.where(member, pts, np.nan)
        else:
            code = np.where(member, _tier_codes(pts, asc, good), -1).astype(np.int8)
            cols[d] = pd.Categorical.from_codes(code, categories=labels, ordered=True)
    out = pd.DataFrame(cols, index=idx)
    out.columns.name = "evaluation_date"
    out.attrs.update(every_days=int(every_days), window_days=int(window_days), tiers=labels,
                     values=values)
    return out


def _check_history(history: pd.DataFrame) -> pd.DataFrame:
    history = require_frame(history, "history")
    if history.shape[1] == 0:
        raise CRMDataError("no evaluation dates in the history", source="history")
    for col in history.columns:
        if not isinstance(history[col].dtype, pd.CategoricalDtype) or not history[col].cat.ordered:
            raise CRMDataError("expected ordered categorical tiers (membership_history(values='tier'))",
                               source="history", column=str(col))
    return history


def tier_changes(history: pd.DataFrame) -> pd.DataFrame:
    """Per evaluation date: members, joined, upgraded, downgraded and unchanged counts.

    Compared with the previous evaluation; at the first one every member counts as joined.
    """
    history = _check_history(history)
    rows = []
    prev = None
    for d in history.columns:
        cur = history[d].cat.codes.to_numpy()
        member = cur >= 0
        if prev is None:
            none = np.zeros_like(member)
            joined, up, down, same = member, none, none, none
        else:
            both = member & (prev >= 0)
            joined = member & (prev < 0)
            up, down, same = both & (cur > prev), both & (cur < prev), both & (cur == prev)
        rows.append({"evaluation_date": d, "members": int(member.sum()), "joined": int(joined.sum()),
                     "upgraded": int(up.sum()), "downgraded": int(down.sum()),
                     "unchanged": int(same.sum())})
        prev = cur
    return pd.DataFrame(rows).set_index("evaluation_date")


def tier_migration(
    history: pd.DataFrame,
    from_date: str | pd.Timestamp | None = None,
    to_date: str | pd.Timestamp | None = None,
    normalize: bool = False,
) -> pd.DataFrame:
    """Tier migration matrix between two evaluations (default: the last two).

    Rows: tier at ``from_date`` (highest first) plus "new member" for customers who joined
    in between; columns: tier at ``to_date``.  Counts, or row shares with
    ``normalize=True``.  Every tier appears, with zeros.
    """
    history = _check_history(history)
    cols = list(history.columns)
    if len(cols) < 2 and (from_date is None or to_date is None):
        raise CRMDataError("need at least two evaluation dates for a migration matrix", source="history")

    def pick(d, default):
        if d is None:
            return default
        ts = pd.Timestamp(d)
        if ts not in history.columns:
            raise CRMDataError(f"{ts.date()} is not an evaluation date (have "
                               f"{', '.join(str(pd.Timestamp(c).date()) for c in cols[:8])}...)",
                               source="history")
        return ts

    a, b = pick(from_date, cols[-2]), pick(to_date, cols[-1])
    labels = list(history[a].cat.categories)
    ca, cb = history[a].cat.codes.to_numpy(), history[b].cat.codes.to_numpy()
    k = len(labels)
    mask = cb >= 0
    row = np.where(ca[mask] >= 0, ca[mask], k)  # k = new member
    mat = np.zeros((k + 1, k), dtype=np.int64)
    np.add.at(mat, (row, cb[mask]), 1)
    out = pd.DataFrame(mat, index=labels + ["new member"], columns=labels)
    out = out.iloc[list(range(k - 1, -1, -1)) + [k], ::-1]  # highest tier first
    if out.loc["new member"].sum() == 0:
        out = out.drop(index="new member")
    out.index.name = f"tier on {pd.Timestamp(a).date()}"
    out.columns.name = f"tier on {pd.Timestamp(b).date()}"
    if normalize:
        sums = out.sum(axis=1).replace(0, 1)
        out = out.div(sums, axis=0)
    return out


def tier_on(history: pd.DataFrame, date: str | pd.Timestamp) -> pd.Series:
    """The tier valid on ``date``: the one set at the last evaluation on or before it.

    A tier is valid for ``every_days`` after its evaluation (``history.attrs``), so dates
    before the first evaluation or after the last tier's validity are an error.
    """
    history = _check_history(history)
    every = history.attrs.get("every_days")
    if every is None:
        raise CRMDataError("history has no schedule (attrs['every_days']); use membership_history",
                           source="history")
    ts = pd.Timestamp(date)
    cols = pd.DatetimeIndex(history.columns)
    pos = cols.searchsorted(ts, side="right") - 1
    if pos < 0:
        raise CRMDataError(f"{ts.date()} is before the first evaluation {cols[0].date()}", source="history")
    valid_until = cols[-1] + pd.Timedelta(days=every)
    if ts >= valid_until:
        raise CRMDataError(f"{ts.date()} is after the last tier's validity (evaluated {cols[-1].date()}, "
                           f"valid until {(valid_until - pd.Timedelta(days=1)).date()})", source="history")
    out = history[cols[pos]].rename("tier")
    out.attrs["evaluated"] = str(cols[pos].date())
    return out
