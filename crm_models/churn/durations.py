"""Build survival data (one row per customer spell: duration, event) from CRM tables.

Two settings (Fader & Hardie's distinction):

* **contractual** (:func:`durations_from_subscriptions`): the cancellation is observed.
  A spell runs from ``start`` to ``end``; a missing ``end`` means the customer is still
  active and the spell is right-censored at the observation end (``event = 0``).  A
  customer with several rows (reactivations) gets one spell per row.
* **non-contractual** (:func:`durations_from_transactions`): nobody announces they
  leave.  A customer is declared churned after an *inactivity window* ``w`` without a
  purchase.  By default ``w`` is a stated quantile (90 %) of the pooled inter-purchase
  gaps.  Customers whose last purchase lies within ``w`` of the observation end cannot be
  called churned yet: they are right-censored.

Both return a frame with ``duration`` (in ``time_unit``) and ``event`` (1 = churned,
0 = censored), the bookkeeping columns (ids, dates) and the feature columns.  The frame's
``attrs["crm_churn"]`` records how it was built (observation end, time unit, the window
and how it was chosen) and which columns are bookkeeping rather than covariates, so
``ChurnModel().fit(d)`` uses only the features as covariates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.churn._checks import check_columns, days_per_unit, to_timestamp
from crm_models.data.periods import ordinal_of, period_ordinal_expr
from crm_models.data.tables import TransactionTable, is_lazy_table, transaction_table
from crm_models.errors import CRMDataError, describe_rows

__all__ = ["durations_from_subscriptions", "durations_from_transactions", "inactivity_window_from_gaps",
           "window_from_gap_counts", "first_spell_spend"]

DURATION = "duration"
EVENT = "event"


def _parse_date_column(values: pd.Series, column: str, *, allow_missing: bool, labels: Any = None,
                       source: str | None = None) -> pd.Series:
    """Datetime64 version of ``values``; unparseable entries (and missing ones unless allowed) raise.

    ``labels`` name the rows in messages (e.g. the customer ids; default: the index).
    """
    names = values.index if labels is None else pd.Index(labels)
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(values, errors="coerce")
    missing_before = values.isna().to_numpy()
    if not pd.api.types.is_datetime64_any_dtype(values) and values.dtype == object:
        missing_before |= (values.astype("string").str.strip() == "").fillna(True).to_numpy()
    now_missing = parsed.isna().to_numpy()
    unparseable = now_missing & ~missing_before
    if unparseable.any():
        shown = values[unparseable].astype(str).tolist()
        raise CRMDataError(f"unparseable dates in {describe_rows(names[unparseable], shown)}",
                           source=source, column=column)
    if not allow_missing and now_missing.any():
        raise CRMDataError(f"missing dates in {describe_rows(names[now_missing])}", source=source,
                           column=column)
    return parsed.astype("datetime64[ns]")


def _check_ids(values: pd.Series, column: str, source: str | None = None) -> None:
    missing = values.isna().to_numpy()
    if missing.any():
        raise CRMDataError(f"missing customer ids in {describe_rows(values.index[missing])}", source=source,
                           column=column)


def _resolve_features(df: pd.DataFrame, features: Sequence[str] | None, reserved: Sequence[str]) -> list[str]:
    if features is None:
        return [c for c in df.columns if c not in reserved]
    features = list(features)
    check_columns(df, features)
    clash = [c for c in features if c in (DURATION, EVENT)]
    if clash:
        raise CRMDataError(f"feature column name {clash[0]!r} is reserved for the output", column=clash[0])
    return features


def durations_from_subscriptions(
    df: pd.DataFrame,
    customer_id: str,
    start: str,
    end: str,
    observation_end: Any,
    *,
    features: Sequence[str] | None = None,
    time_unit: Literal["D", "W", "M", "Y"] = "D",
) -> pd.DataFrame:
    """Contractual survival data: one row per subscription spell.

    Parameters
    ----------
    df:
        One row per subscription spell (several rows for a customer who cancelled and
        came back).  Left untouched.
    customer_id, start, end:
        Column names: customer id, start date, end (cancellation) date.  A missing ``end``
        (NaT / empty) means the spell is still active.
    observation_end:
        The date the data were extracted.  Active spells are right-censored there.  An
        ``end`` after it (a cancellation already scheduled) is not observed yet: the spell is
        censored at ``observation_end`` too.
    features:
        Columns to carry through (default: every other column).  Each spell keeps the
        values of its own row.
    time_unit:
        Unit of ``duration``: "D" days, "W" weeks, "M" months (365.25/12 days), "Y" years.

    Returns
    -------
    DataFrame with ``customer_id``, ``spell`` (1, 2, ... in start order per customer),
    ``start``, ``end`` (as given), ``duration`` = (min(end, observation_end) - start) in
    ``time_unit``, ``event`` = 1 if the cancellation was observed by the observation end,
    else 0, then the features.  ``attrs["crm_churn"]`` records the settings.

    Raises
    ------
    CRMDataError
        Missing column, missing customer id or start date, unparseable dates, an end before
        its start (a negative duration), a start after the observation end, or two spells of
        one customer that overlap.
    """
    source = df.attrs.get("source", "DataFrame")
    check_columns(df, [customer_id, start, end], source=source)
    unit_days = days_per_unit(time_unit)
    obs_end = to_timestamp(observation_end, "observation_end")
    if len(df) == 0:
        raise CRMDataError("no subscriptions (the table is empty)", source=source)
    _check_ids(df[customer_id], customer_id, source)
    # rows are named by customer id (with the offending value): a table read by an engine has
    # no row numbers
    ids = pd.Index([repr(i) for i in df[customer_id].tolist()])
    starts = _parse_date_column(df[start], start, allow_missing=False, labels=ids, source=source)
    ends = _parse_date_column(df[end], end, allow_missing=True, labels=ids, source=source)

    neg = (ends < starts).to_numpy()
    if neg.any():
        shown = ends[neg].dt.strftime("%Y-%m-%d").tolist()
        raise CRMDataError(f"end before start (a negative duration) in {describe_rows(ids[neg], shown)}",
                           source=source, column=end)
    late = (starts > obs_end).to_numpy()
    if late.any():
        raise CRMDataError(
            f"start after the observation end {obs_end.date()} in "
            f"{describe_rows(ids[late], starts[late].dt.strftime('%Y-%m-%d').tolist())}",
            source=source, column=start)

    features_ = _resolve_features(df, features, [customer_id, start, end])
    observed = ends.notna() & (ends <= obs_end)
    stop = ends.where(observed, obs_end)
    days = (stop - starts).dt.total_seconds().to_numpy() / 86400.0

    out = pd.DataFrame({customer_id: df[customer_id].to_numpy(), start: starts.to_numpy(),
                        end: ends.to_numpy()})
    out[DURATION] = days / unit_days
    out[EVENT] = observed.to_numpy().astype(np.int8)
    for col in features_:
        out[col] = df[col].to_numpy()
    out["_row"] = np.arange(len(out))
    out = out.sort_values([customer_id, start, "_row"], kind="mergesort")

    # overlapping spells of one customer: the next spell starts before the previous one ends
    same = out[customer_id].to_numpy()[1:] == out[customer_id].to_numpy()[:-1]
    prev_stop = stop.to_numpy()[out["_row"].to_numpy()][:-1]
    next_start = out[start].to_numpy()[1:]
    overlap = same & (next_start < prev_stop)
    if overlap.any():
        bad = out[customer_id].to_numpy()[1:][overlap]
        raise CRMDataError(
            f"overlapping spells (a spell starts before the customer's previous one ended, or while it is "
            f"still active) for {describe_rows(pd.unique(bad))}; shown: customer ids", source=source,
            column=start)

    out.insert(1, "spell", out.groupby(customer_id, sort=False).cumcount().to_numpy() + 1)
    out = out.sort_values("_row").drop(columns="_row").reset_index(drop=True)
    out.attrs["crm_churn"] = {
        "setting": "contractual",
        "duration_col": DURATION,
        "event_col": EVENT,
        "time_unit": time_unit,
        "observation_end": obs_end.isoformat(),
        "non_covariates": [customer_id, "spell", start, end],
    }
    return out


def _window_days(inactivity_window: Any) -> float:
    if isinstance(inactivity_window, str):
        try:
            inactivity_window = pd.Timedelta(inactivity_window)
        except ValueError as exc:
            raise CRMDataError(f"inactivity_window={inactivity_window!r} is not a duration "
                               f"(use days, e.g. 90, or a string such as '90D')") from exc
    if isinstance(inactivity_window, pd.Timedelta | np.timedelta64):
        days = pd.Timedelta(inactivity_window).total_seconds() / 86400.0
    else:
        try:
            days = float(inactivity_window)
        except (TypeError, ValueError) as exc:
            raise CRMDataError(f"inactivity_window={inactivity_window!r} is not a number of days") from exc
    if not np.isfinite(days) or days <= 0:
        raise CRMDataError(f"inactivity_window must be a positive number of days, got {inactivity_window!r}")
    return days


def inactivity_window_from_gaps(gaps_days: np.ndarray, quantile: float = 0.9) -> float:
    """The ``quantile`` of the pooled inter-purchase gaps, in whole days.

    numpy's ``"higher"`` quantile method is used, so the window is an observed gap (the
    smallest gap with at least ``quantile`` of the gaps at or below it).
    """
    if not 0 < quantile < 1:
        raise CRMDataError(f"quantile must be in (0, 1), got {quantile!r}")
    gaps = np.asarray(gaps_days, dtype=float)
    if gaps.size == 0:
        raise CRMDataError("cannot derive an inactivity window: no customer bought twice; "
                           "pass inactivity_window= (in days)")
    return float(np.quantile(gaps, quantile, method="higher"))


def window_from_gap_counts(gaps: np.ndarray, counts: np.ndarray, quantile: float = 0.9) -> float:
    """:func:`inactivity_window_from_gaps` from a histogram of the gaps (gap value, count).

    Equals ``np.quantile(all_gaps, quantile, method="higher")``: numpy's "higher" rule takes
    the sorted sample at index ``ceil((n - 1) * quantile)``, the smallest gap whose
    cumulative count exceeds that index.  Gaps are whole days, so the histogram has a few
    hundred rows however many purchases there are.
    """
    if not 0 < quantile < 1:
        raise CRMDataError(f"quantile must be in (0, 1), got {quantile!r}")
    order = np.argsort(np.asarray(gaps, dtype=float), kind="stable")
    values = np.asarray(gaps, dtype=float)[order]
    counts = np.asarray(counts, dtype=np.int64)[order]
    n = int(counts.sum())
    if n == 0:
        raise CRMDataError("cannot derive an inactivity window: no customer bought twice; "
                           "pass inactivity_window= (in days)")
    index = min(int(np.ceil((n - 1) * quantile)), n - 1)
    return float(values[np.searchsorted(np.cumsum(counts), index + 1)])


def _category_free(values: pd.Series) -> pd.Series:
    """A categorical column as its plain values (the engine reads plain columns)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(values.cat.categories.dtype)
    return values


def _frame_to_table(tx: pd.DataFrame, obs_end: pd.Timestamp, features: list[str], customer_id: str,
                    date: str, amount: str | None) -> TransactionTable:
    """Check a pandas frame row by row (the messages name its rows) and register it for the engine.

    The standard columns (``customer_id``, ``date``, ``amount``) and ``row`` (the position
    in ``tx``) go to the engine; features stay in ``tx`` and are looked up by row.
    """
    check_columns(tx, features)
    if len(tx) == 0:
        raise CRMDataError("no transactions (the table is empty)")
    _check_ids(tx[customer_id], customer_id)
    dates = _parse_date_column(tx[date], date, allow_missing=False)
    late = (dates.dt.normalize() > obs_end).to_numpy()
    if late.any():
        raise CRMDataError(
            f"purchases after the observation end {obs_end.date()} in "
            f"{describe_rows(tx.index[late], dates[late].dt.date.tolist())}", column=date)
    frame = pd.DataFrame({"customer_id": _category_free(tx[customer_id]).to_numpy(),
                          # microseconds, as the engine stores them (only the day is used)
                          "date": dates.to_numpy().astype("datetime64[us]")})
    if amount is not None:
        vals = pd.to_numeric(tx[amount], errors="coerce")
        if vals.isna().any():
            bad = vals.isna().to_numpy()
            raise CRMDataError(f"non-numeric or missing amounts in "
                               f"{describe_rows(tx.index[bad], tx[amount][bad].tolist())}", column=amount)
        frame["amount"] = vals.to_numpy(dtype=float)
    frame["row"] = np.arange(len(frame), dtype=np.int64)
    return transaction_table(frame, columns=["row"])


def _check_table(tt: TransactionTable, obs_end: pd.Timestamp, features: list[str],
                 amount: str | None) -> None:
    """The checks of a pandas frame, on a TransactionTable: one aggregate query on its engine."""
    import ibis

    if amount is not None:
        transaction_table(tt, need_amount=True)
    for col in features:
        if col not in tt.columns:
            available = ", ".join(map(str, tt.columns[:20]))
            raise CRMDataError(f"column not found (available: {available})", source=tt.source, column=col)
    t = tt.expr
    end_day = ibis.literal(ordinal_of(obs_end, "D"))
    late = period_ordinal_expr(t.date, "D") > end_day
    metrics = {"n": t.count(), "null_id": t.customer_id.isnull().sum(), "null_date": t.date.isnull().sum(),
               "late": late.sum()}
    if amount is not None:
        metrics["bad_amount"] = (t.amount.isnull() | t.amount.isnan()).sum()
    row = tt.execute(t.aggregate(**metrics)).iloc[0].fillna(0).to_dict()
    if row["n"] == 0:
        raise CRMDataError("no transactions (the table is empty)", source=tt.source)
    for key, column, problem in [("null_id", "customer_id", "missing customer ids"),
                                 ("null_date", "date", "missing dates"),
                                 ("late", "date", f"purchases after the observation end {obs_end.date()}"),
                                 ("bad_amount", "amount", "non-numeric or missing amounts")]:
        if row.get(key):
            raise CRMDataError(f"{problem} in {int(row[key]):,} rows", source=tt.source, column=column)


def _purchase_days(t: Any, carry: dict[str, str], order: list[str] | None) -> Any:
    """One row per customer and purchase day: ``day`` (days since 1970), ``amount`` (the day's
    sum) and the ``carry`` columns of the day's first order.

    ``order`` None: ``carry`` is the row number ``row`` (a pandas frame): the day's first order
    is its smallest row number, as pandas' stable sort gives it.  Otherwise the first order is
    the first one by ``order`` (the date, then the carried features).
    """
    import ibis

    day = period_ordinal_expr(t.date, "D")
    t = t.mutate(day=day)
    amount = {"amount": t.amount.cast("float64").sum()} if "amount" in t.columns else {}
    if order is None:
        return t.group_by(["customer_id", "day"]).aggregate(
            **amount, **{name: t[col].min() for name, col in carry.items()})
    by_day = ibis.window(group_by=[t.customer_id, t.day], order_by=[t[c] for c in order])
    ranked = t.mutate(order_in_day=ibis.row_number().over(by_day),
                      **{k: v.over(ibis.window(group_by=[t.customer_id, t.day])) for k, v in amount.items()})
    return ranked.filter(ranked["order_in_day"] == 0).select("customer_id", "day", *amount,
                                                   **{name: ranked[col] for name, col in carry.items()})


def _with_gaps(days: Any) -> Any:
    """``gap``: days since the customer's previous purchase day (null on the first)."""
    import ibis

    by_customer = ibis.window(group_by=days.customer_id, order_by=days.day)
    return days.mutate(gap=(days.day - days.day.lag().over(by_customer)).cast("int64"))


def _spell_rows(days: Any, w_days: float, carry: list[str], first_only: bool) -> Any:
    """One row per spell: a spell starts at a customer's first purchase day and after each gap > w.

    Spells are numbered by a running sum of "new spell" flags over each customer's days.
    ``first_only``: one row per customer (spell 1) with ``n_spells``, the customer's number
    of spells (spell 1 is the last one when it is 1).
    """
    import ibis

    from crm_models.data._aggregates import first_by

    new_spell = ibis.ifelse(days.gap.isnull() | (days.gap > ibis.literal(w_days)), 1, 0).cast("int64")
    days = days.mutate(
        spell=new_spell.sum().over(ibis.cumulative_window(group_by=days.customer_id, order_by=days.day)))
    first_day = {"first_amount": "amount", **{name: name for name in carry}}
    metrics = {name: first_by(days[col], days.day) for name, col in first_day.items() if col in days.columns}
    if first_only:
        in_first = days.spell == 1
        spells = days.group_by("customer_id").aggregate(
            spell=days.spell.min(), first=days.day.min(), last=days.day.max(where=in_first),
            n_purchase_days=in_first.cast("int64").sum(), n_spells=days.spell.max(), **metrics)
    else:
        spells = days.group_by(["customer_id", "spell"]).aggregate(
            first=days.day.min(), last=days.day.max(), n_purchase_days=days.count(), **metrics)
    return spells.order_by(["customer_id", "spell"])


def _as_datetime(day_ordinals: pd.Series) -> np.ndarray:
    return day_ordinals.to_numpy(dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")


def durations_from_transactions(
    tx: pd.DataFrame | TransactionTable,
    observation_end: Any,
    inactivity_window: Any = None,
    *,
    quantile: float = 0.9,
    time_unit: Literal["D", "W", "M", "Y"] = "D",
    spells: Literal["first", "all"] = "first",
    churn_date: Literal["window_end", "last_purchase"] = "window_end",
    features: Sequence[str] | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """Non-contractual survival data: churn = no purchase for an inactivity window.

    Purchases are counted per day (several orders on one day are one purchase day).  The
    gaps between a customer's consecutive purchase days, pooled over all customers, give
    the default window ``w`` = their ``quantile`` (90th percentile by default; numpy's
    "higher" method, so ``w`` is an observed gap in whole days).  Only gaps between two
    purchases enter; the open gap from the last purchase to the observation end does not,
    which makes the quantile somewhat conservative (short).

    A *spell* is a run of purchase days with no gap longer than ``w``.  With last purchase
    day ``L`` of a spell:

    * a later purchase after a gap ``> w`` (a reactivation), or ``observation_end - L > w``:
      the customer churned, ``event = 1``;
    * otherwise (``observation_end - L <= w``, the last purchase is within the window
      before the observation end): not yet known, ``event = 0`` (right-censored).

    ``churn_date`` sets the event time.  ``"window_end"`` (default): churn is the date it
    becomes known, ``L + w``; censored spells run to ``observation_end`` (where we know
    the churn date is later).  ``"last_purchase"``: churn is dated at ``L``; censored
    spells are censored at ``L`` (all we know is that churn is not earlier), which keeps
    the censoring consistent; single-purchase spells then have duration 0.

    Parameters
    ----------
    tx:
        One row per purchase: a pandas frame (e.g. from
        :func:`crm_models.data.load_transactions`, or any frame with the columns named
        below; left untouched) or a :class:`~crm_models.data.tables.TransactionTable` on
        any engine (its standard columns ``customer_id``, ``date``, ``amount`` are used).
    observation_end:
        End of the observation period; purchases after it are an error.
    inactivity_window:
        ``w`` in days (a number, ``pd.Timedelta`` or a string like ``"90D"``).  ``None``:
        derived from the gaps as described above.
    quantile:
        Quantile of the gaps giving the default window.
    time_unit:
        Unit of ``duration`` and of the ``inactivity_window`` column ("D", "W", "M", "Y").
    spells:
        ``"first"`` (default): one row per customer, time to first churn.  ``"all"``: every
        spell (reactivations are new rows, numbered in ``spell``).
    churn_date:
        ``"window_end"`` or ``"last_purchase"`` (see above).
    features:
        Further columns of ``tx`` to carry through, taken from the first purchase of each
        spell (what was known at acquisition, so no information from the future leaks in):
        the first order of the spell's first day.  For a pandas frame that is the first such
        row in the frame's order; a TransactionTable has no row order, so there it is the
        order with the earliest timestamp, ties broken by the smallest feature values
        (the same row for the time-sorted frames of ``load_transactions``, unless two
        orders share a timestamp and differ in their features).
    customer_id, date, amount:
        Column names in a pandas ``tx``.  With ``amount``, ``first_amount`` (spend on the
        first day of the spell) is added as a feature; ``amount=None`` leaves it out (also
        for a TransactionTable).  For a TransactionTable ``customer_id`` names the id
        column of the result.

    Returns
    -------
    DataFrame with ``customer_id``, ``spell``, ``first_purchase``, ``last_purchase``,
    ``churn_date`` (NaT when censored), ``n_purchase_days``, ``duration`` (``time_unit``),
    ``event``, ``inactivity_window`` (``w`` in ``time_unit``), ``first_amount`` and the
    features.  ``attrs["crm_churn"]`` records ``inactivity_window_days``,
    ``window_rule`` (e.g. "0.9 quantile of 1,234 inter-purchase gaps") and the settings.

    Notes
    -----
    The per-purchase work is one query on the transactions' engine (DuckDB for a pandas
    frame, registered through Arrow; Spark or any Ibis backend for a TransactionTable
    there): purchases are grouped by customer and day (amounts summed), the gap to the
    previous purchase day is a ``lag`` over each customer's days, spells are numbered by a
    running sum of "gap > w" flags and aggregated to one row per spell, which is all that
    leaves the engine.  A derived window needs one more query: the histogram of the gaps
    (one row per distinct gap length), read with numpy's "higher" rule
    (:func:`window_from_gap_counts`).  Same-day amounts are summed by the engine, in its
    order: ``first_amount`` can differ from a pandas sum in the last bits.
    """
    lazy = is_lazy_table(tx)
    if not lazy:
        check_columns(tx, [c for c in (customer_id, date, amount) if c is not None])
    if spells not in ("first", "all"):
        raise CRMDataError(f"spells must be 'first' or 'all', got {spells!r}")
    if churn_date not in ("window_end", "last_purchase"):
        raise CRMDataError(f"churn_date must be 'window_end' or 'last_purchase', got {churn_date!r}")
    unit_days = days_per_unit(time_unit)
    obs_end = to_timestamp(observation_end, "observation_end").normalize()
    features_ = [] if features is None else list(features)

    if lazy:
        _check_table(tx, obs_end, features_, amount)
        tt = tx
        t = tt.expr
        cols = {"customer_id": t.customer_id, "date": t.date}
        if amount is not None:
            cols["amount"] = t.amount
        carried = {f"f{i}": t[col] for i, col in enumerate(features_)}
        t = t.select(**cols, **carried)
        carry = {name: name for name in carried}
        order = ["date", *carry] if carry else None
    else:
        tt = _frame_to_table(tx, obs_end, features_, customer_id, date, amount)
        t = tt.expr
        carry, order = {"row": "row"}, None

    w_given = None if inactivity_window is None else _window_days(inactivity_window)
    if w_given is None and not 0 < quantile < 1:
        raise CRMDataError(f"quantile must be in (0, 1), got {quantile!r}")
    days = _with_gaps(_purchase_days(t, carry, order))
    if w_given is None:
        gaps = days.filter(days.gap.notnull())
        hist = tt.execute(gaps.group_by("gap").aggregate(n=gaps.count()))
        w_days = window_from_gap_counts(hist["gap"].to_numpy(), hist["n"].to_numpy(), quantile)
        n_gaps = int(hist["n"].sum())
        rule = f"{quantile:g} quantile of {n_gaps:,} inter-purchase gaps (days between purchase days)"
    else:
        w_days, rule = w_given, "given"
    tab = tt.execute(_spell_rows(days, w_days, list(carry), spells == "first"))

    if lazy:
        ids = tab["customer_id"].to_numpy()
        feature_values = [tab[f"f{i}"].to_numpy() for i in range(len(features_))]
    else:
        rows = tab["row"].to_numpy(dtype=np.int64)
        ids = tx[customer_id].to_numpy()[rows]
        feature_values = [tx[col].to_numpy()[rows] for col in features_]
    spell_tab = pd.DataFrame({
        customer_id: ids,
        "spell": tab["spell"].to_numpy(dtype=np.int64),
        "first_purchase": _as_datetime(tab["first"]),
        "last_purchase": _as_datetime(tab["last"]),
        "n_purchase_days": tab["n_purchase_days"].to_numpy(dtype=np.int64),
    })
    if spells == "first":
        is_last = tab["n_spells"].to_numpy(dtype=np.int64) == 1
    else:  # rows sorted by customer and spell: the last row of each customer
        engine_ids = tab["customer_id"].to_numpy()
        is_last = np.r_[engine_ids[1:] != engine_ids[:-1], True]

    last = spell_tab["last_purchase"].to_numpy()
    since_last = (np.datetime64(obs_end) - last) / np.timedelta64(1, "D")
    churned = ~is_last | (since_last > w_days)
    window_td = pd.Timedelta(days=w_days).to_timedelta64()
    if churn_date == "window_end":
        stop = np.where(churned, last + window_td, np.datetime64(obs_end))
    else:
        stop = last
    first = spell_tab["first_purchase"].to_numpy()
    spell_tab["churn_date"] = np.where(churned, last + window_td if churn_date == "window_end" else last,
                                       np.datetime64("NaT"))
    spell_tab[DURATION] = ((stop - first) / np.timedelta64(1, "D")) / unit_days
    spell_tab[EVENT] = churned.astype(np.int8)
    spell_tab["inactivity_window"] = w_days / unit_days
    if amount is not None:
        spell_tab["first_amount"] = tab["first_amount"].to_numpy(dtype=float)
    for col, values in zip(features_, feature_values, strict=True):
        spell_tab[col] = values

    out = spell_tab
    out.attrs["crm_churn"] = {
        "setting": "non-contractual",
        "duration_col": DURATION,
        "event_col": EVENT,
        "time_unit": time_unit,
        "observation_end": obs_end.isoformat(),
        "inactivity_window_days": w_days,
        "inactivity_window": w_days / unit_days,
        "window_quantile": quantile if inactivity_window is None else None,
        "window_rule": rule,
        "churn_date": churn_date,
        "spells": spells,
        "non_covariates": [customer_id, "spell", "first_purchase", "last_purchase", "churn_date",
                           "n_purchase_days", "inactivity_window"],
    }
    return out


def first_spell_spend(tx: pd.DataFrame | TransactionTable, durations: pd.DataFrame) -> np.ndarray:
    """Each customer's total spend in the first spell, one value per row of ``durations``.

    The sum of ``amount`` over the purchases from the customer's first purchase to the last
    purchase day of spell 1 (``last_purchase`` of the ``spell == 1`` row); 0 for a customer
    without such a row.  ``tx``: the transactions ``durations`` was built from, with the
    standard column names (a :func:`crm_models.data.load_transactions` frame or a
    TransactionTable on any engine).  Computed on the transactions' engine (a join with the
    per-customer last days, then a sum per customer); one row per customer comes back.
    """
    import ibis

    tt = transaction_table(tx, need_amount=True)
    id_col = durations.attrs.get("crm_churn", {}).get("non_covariates", ["customer_id"])[0]
    first = durations[durations["spell"] == 1]
    keys = ibis.memtable(pd.DataFrame({
        "customer_id": first[id_col].to_numpy(),
        "last_day": (first["last_purchase"].to_numpy(dtype="datetime64[D]").astype(np.int64)),
    }))
    t = tt.expr
    orders = t.mutate(day=period_ordinal_expr(t.date, "D")).join(keys, "customer_id")
    spend = orders.filter(orders.day <= orders.last_day).group_by("customer_id").aggregate(
        spend=orders.amount.cast("float64").sum())
    got = tt.execute(spend)
    by_id = pd.Series(got["spend"].to_numpy(dtype=float), index=pd.Index(got["customer_id"].to_numpy()))
    return by_id.reindex(durations[id_col].to_numpy()).fillna(0.0).to_numpy(dtype=float)
