"""Customer-level summaries of a transaction log: RFM and calibration/holdout splits.

The "buy till you die" models need, per customer, three sufficient statistics
(Fader, Hardie & Lee 2005, "Counting your customers the easy way"):

* ``frequency`` x: the number of *repeat* purchase periods (purchases falling in the same
  ``period``, e.g. the same day, count once, their values summed);
* ``recency`` t_x: time from the first to the last purchase;
* ``T``: time from the first purchase to the end of the observation window;

plus ``monetary_value``: the mean value of the repeat purchase periods (0 when x = 0),
the input of the Gamma-Gamma spend model.  Times are counted in whole ``period`` s and
expressed in ``time_unit`` (e.g. daily purchases measured in weeks, as in the CDNOW
papers).

The computation is one query on the transactions' engine (DuckDB for pandas frames and
files, Spark for Spark tables, see :mod:`crm_models.data.backends`): purchases are grouped
by customer and period, then by customer; only one row per customer leaves the engine.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crm_models.data.periods import (
    check_engine_period,
    ordinal_of,
    period_length_in,
    period_ordinal_expr,
    period_ordinals,
)
from crm_models.data.tables import TransactionTable, transaction_table
from crm_models.errors import CRMDataError

__all__ = ["rfm_summary", "rfm_summary_query", "total_spend", "period_ordinals", "period_length_in"]


def _window_counts(tt: TransactionTable, end: pd.Timestamp) -> dict[str, Any]:
    """Rows after the observation end, rows up to it, first date: one aggregate pass."""
    import ibis

    t = tt.expr
    late = t.date > ibis.literal(end.to_pydatetime())
    stats = t.aggregate(after=late.cast("int64").sum(), rows=t.count(),
                        first=t.date.min(), first_kept=t.date.min(where=~late))
    return tt.execute(stats).iloc[0].to_dict()


def _known_window(tt: TransactionTable, end: pd.Timestamp) -> dict[str, Any] | None:
    """The window counts from the load log, when it shows no date after ``end`` (no query)."""
    log = tt.load_log
    if not (log.get("first_date") and log.get("last_date") and log.get("rows_used")):
        return None
    if pd.Timestamp(log["last_date"]) > end:
        return None
    return {"after": 0, "rows": log["rows_used"], "first_kept": pd.Timestamp(log["first_date"])}


def _period_stats(t: Any, p: Any, has_amount: bool, *, first_value: bool) -> Any:
    """Per customer: distinct periods, first/last period, total and first-period value."""
    from crm_models.data._aggregates import first_by

    value = t.amount.sum() if has_amount else t.count().cast("float64") * 0.0
    per_period = t.group_by(customer_id=t.customer_id, p=p).aggregate(v=value)
    d = per_period
    metrics = {"n": d.count(), "total": d.v.sum()}
    if first_value:
        metrics.update(first=d.p.min(), last=d.p.max(), first_v=first_by(d.v, d.p))
    return d.group_by("customer_id").aggregate(**metrics)


def _log_gaps(t: Any, p: Any, scale: float) -> Any:
    """Per customer with repeat purchases: sum of log(time between consecutive distinct periods)."""
    import ibis

    per = t.select(customer_id=t.customer_id, p=p).distinct()
    prev = per.p.lag().over(ibis.window(group_by=per.customer_id, order_by=per.p))
    gaps = per.mutate(g=((per.p - prev).cast("float64") * scale).ln())
    gaps = gaps.filter(gaps.g.notnull())
    return gaps.group_by("customer_id").aggregate(litt=gaps.g.sum())


def rfm_summary(
    tx: pd.DataFrame | TransactionTable,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    time_unit: str | None = None,
    calibration_end: str | pd.Timestamp | None = None,
    litt: bool = False,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer.

    Parameters
    ----------
    tx:
        Validated transactions (``customer_id``, ``date``, optional ``amount``): the frame of
        :func:`crm_models.data.load_transactions` or the lazy table of
        :func:`crm_models.data.scan_transactions` (evaluated on its engine).
    observation_end:
        Last date of the observation window (inclusive).
    period:
        Purchases within the same period count once ("D", "W", "M", "Q", "Y", "h", ...).
    time_unit:
        Unit of recency, T and the holdout duration ("W" for daily data in weeks).
        Default: the period.
    calibration_end:
        If given, the model summary covers purchases up to this date (inclusive) and the
        columns ``frequency_holdout`` (purchase periods after it, up to observation_end),
        ``monetary_value_holdout`` (their mean value, same-period purchases summed as in
        the calibration window; lifetimes instead averages raw holdout transactions) and
        ``duration_holdout`` are added.
        Customers whose first purchase is after it are not in the calibration cohort.
    litt:
        Add the column ``litt``: the sum, over the customer's ``frequency`` inter-purchase
        times (between the same distinct purchase periods as frequency and recency, in
        ``time_unit``), of log(time); 0 for customers without repeat purchases.  The
        regularity models :class:`crm_models.clv.BetaGeoCNBDModel` and
        :class:`crm_models.clv.ModifiedBetaGeoCNBDModel` need it (BTYDplus's ``litt``).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted) with ``frequency`` (int), ``recency``,
    ``T``, ``monetary_value`` (if amounts are present) and the holdout columns.

    Notes
    -----
    Same semantics as ``lifetimes.utils.summary_data_from_transaction_data`` and
    ``calibration_and_holdout_data``; reproduces the CDNOW summary of Fader, Hardie &
    Lee (2005) from the raw sample with ``period="D", time_unit="W"``.
    """
    tt, query, attrs = rfm_summary_query(tx, observation_end, period, time_unit, calibration_end, litt)
    out = tt.execute_by_customer(query.order_by("customer_id"))
    out.attrs.update(attrs)
    return out


def rfm_summary_query(
    tx: pd.DataFrame | TransactionTable,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    time_unit: str | None = None,
    calibration_end: str | pd.Timestamp | None = None,
    litt: bool = False,
) -> tuple[TransactionTable, Any, dict[str, Any]]:
    """The query behind :func:`rfm_summary`: ``(transaction table, Ibis table, attrs)``.

    The Ibis table has one row per customer (``customer_id`` and the summary's columns, in no
    particular order) and stays on the transactions' engine until evaluated: on Spark,
    ``crm_models.spark.to_spark(query, table)`` makes it a Spark DataFrame without
    collecting it.  ``attrs`` are the summary's ``attrs``.
    """
    import ibis

    tt = transaction_table(tx)
    source = tt.source
    has_amount = tt.has_amount
    end = pd.Timestamp(observation_end)
    scale = period_length_in(period, time_unit)
    check_engine_period(period)
    cal_end = pd.Timestamp(calibration_end) if calibration_end is not None else None
    if cal_end is not None and cal_end >= end:
        raise CRMDataError(f"calibration_end {cal_end.date()} must be before observation_end {end.date()}")

    # Purchases after the observation end are outside the window (as in lifetimes); the
    # number left out is recorded in ``attrs["excluded_after_end"]``.
    window = _known_window(tt, end) or _window_counts(tt, end)
    if window["rows"] == window["after"]:
        raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                           source=source, column="date")
    first_date = pd.Timestamp(window["first_kept"])
    if cal_end is not None and cal_end < first_date:
        raise CRMDataError(f"calibration_end {cal_end.date()} is before the first transaction "
                           f"{first_date.date()}", source=source, column="date")

    # (no filter when nothing is after the end: a filter over every row costs on large data)
    t = tt.expr if window["after"] == 0 else tt.expr.filter(tt.expr.date <= ibis.literal(end.to_pydatetime()))
    cut = cal_end if cal_end is not None else end
    cal = t if cal_end is None else t.filter(t.date <= ibis.literal(cal_end.to_pydatetime()))
    s = _period_stats(cal, period_ordinal_expr(cal.date, period), has_amount, first_value=True)
    frequency = (s.n - 1).cast("int64")
    # the same IEEE operations as numpy's (int difference -> float64, times the scale)
    columns = {
        "frequency": frequency,
        "recency": (s["last"] - s["first"]).cast("float64") * scale,
        "T": (ibis.literal(ordinal_of(cut, period)) - s["first"]).cast("float64") * scale,
    }
    if has_amount:
        columns["monetary_value"] = ibis.ifelse(
            frequency > 0, (s.total - s.first_v) / frequency.cast("float64"), 0.0)
    if cal_end is not None:
        hold = t.filter(t.date > ibis.literal(cal_end.to_pydatetime()))
        h = _period_stats(hold, period_ordinal_expr(hold.date, period), has_amount, first_value=False)
        h = h.rename(n_h="n", total_h="total")
        s = s.left_join(h, "customer_id")
        n_h = s.n_h.fill_null(0).cast("int64")
        columns["frequency_holdout"] = n_h
        if has_amount:
            columns["monetary_value_holdout"] = ibis.ifelse(
                n_h > 0, s.total_h.fill_null(0.0) / n_h.cast("float64"), 0.0)
        duration = float((ordinal_of(end, period) - ordinal_of(cut, period)) * scale)
        columns["duration_holdout"] = ibis.literal(duration, type="float64")
    if litt:
        gaps = _log_gaps(cal, period_ordinal_expr(cal.date, period), scale)
        s = s.left_join(gaps, "customer_id")
        columns["litt"] = s.litt.fill_null(0.0)
    query = s.select(customer_id=s.customer_id, **columns)
    attrs = {"observation_end": str(end.date()), "excluded_after_end": int(window["after"]),
             "period": period, "time_unit": time_unit or period}
    return tt, query, attrs


def total_spend(tx: pd.DataFrame | TransactionTable) -> pd.Series:
    """Total amount per customer (Series named ``amount``, indexed by sorted ``customer_id``)."""
    tt = transaction_table(tx, need_amount=True)
    t = tt.expr
    frame = tt.execute(t.group_by("customer_id").aggregate(amount=t.amount.sum()).order_by("customer_id"))
    return pd.Series(frame["amount"].to_numpy(dtype=float), index=pd.Index(frame["customer_id"],
                     name="customer_id"), name="amount")
