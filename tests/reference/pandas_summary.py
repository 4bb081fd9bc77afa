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

The computation is vectorised numpy over integer period ordinals: one argsort of the
(customer, period) key and a few ``reduceat`` calls, no Python-level group-by.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["rfm_summary", "period_ordinals", "period_length_in"]

_FIXED_UNITS = {"D": "D", "h": "h", "H": "h", "min": "m", "T": "m", "s": "s", "S": "s"}


def _offset(freq: str) -> pd.DateOffset:
    try:
        with warnings.catch_warnings():  # "M"/"Q" are period aliases; pandas warns for offsets
            warnings.simplefilter("ignore", FutureWarning)
            return pd.tseries.frequencies.to_offset(freq)
    except ValueError as exc:
        raise CRMDataError(f"unknown period {freq!r}: {exc}") from exc


def _fixed_length(freq: str) -> pd.Timedelta | None:
    """Length of one ``freq`` period, or None for calendar periods (month, quarter, year)."""
    off = _offset(freq)
    if isinstance(off, pd.offsets.Tick):
        return pd.Timedelta(off.nanos, unit="ns")
    if isinstance(off, pd.offsets.Week) and off.n >= 1:
        return pd.Timedelta(days=7 * off.n)
    return None


def period_length_in(period: str, time_unit: str | None) -> float:
    """How many ``time_unit`` s one ``period`` lasts (1.0 when time_unit is None)."""
    if time_unit is None or time_unit == period:
        return 1.0
    p_len, u_len = _fixed_length(period), _fixed_length(time_unit)
    if p_len is None or u_len is None:
        raise CRMDataError(
            f"cannot express period {period!r} in time_unit {time_unit!r}: calendar periods "
            "(months, quarters, years) have no fixed length; use time_unit=None"
        )
    return p_len / u_len


def period_ordinals(dates: pd.Series | pd.DatetimeIndex | np.ndarray, period: str) -> np.ndarray:
    """Integer index of the ``period`` each date falls in (consecutive periods differ by 1)."""
    values = np.asarray(dates, dtype="datetime64[ns]")
    unit = _FIXED_UNITS.get(period)
    if unit is not None:
        return values.astype(f"datetime64[{unit}]").view("int64")
    _offset(period)  # a clear CRMDataError for an unknown period
    return pd.PeriodIndex(pd.DatetimeIndex(values), freq=period).asi8.astype("int64")


def _check_transactions(tx: pd.DataFrame, need_amount: bool) -> str:
    source = tx.attrs.get("source", "transactions")
    if not isinstance(tx, pd.DataFrame):
        raise CRMDataError("expected a DataFrame from crm.data.load_transactions")
    needed = ["customer_id", "date"] + (["amount"] if need_amount else [])
    for col in needed:
        if col not in tx.columns:
            raise CRMDataError(
                "missing column; pass the table through crm.data.load_transactions(...) "
                "to map your column names", source=source, column=col,
            )
    if len(tx) == 0:
        raise CRMDataError("no transactions (the table is empty)", source=source)
    if not pd.api.types.is_datetime64_any_dtype(tx["date"]):
        raise CRMDataError("dates are not parsed; use crm.data.load_transactions",
                           source=source, column="date")
    return source


def _customer_stats(codes: np.ndarray, p: np.ndarray, amount: np.ndarray, n_customers: int):
    """Per-customer first/last period, number of distinct periods, first and total value.

    Purchases in the same period are merged (values summed) before counting.
    """
    span = int(p.max() - p.min()) + 1
    key = codes.astype(np.int64) * span + (p - p.min())
    if len(key) > 1 and (key[1:] >= key[:-1]).all():  # validated input is sorted already
        order = np.arange(len(key))
        key_sorted = key
    else:
        order = np.argsort(key, kind="stable")
        key_sorted = key[order]
    new_group = np.empty(len(key_sorted), dtype=bool)
    new_group[0] = True
    np.not_equal(key_sorted[1:], key_sorted[:-1], out=new_group[1:])
    starts = np.flatnonzero(new_group)
    period_value = np.add.reduceat(amount[order], starts)
    group_key = key_sorted[starts]
    group_customer = group_key // span
    group_period = group_key % span + p.min()

    n_periods = np.bincount(group_customer, minlength=n_customers)
    cust_start = np.concatenate(([0], np.cumsum(n_periods)[:-1]))
    present = n_periods > 0
    first = np.zeros(n_customers, dtype=np.int64)
    last = np.zeros(n_customers, dtype=np.int64)
    first_value = np.zeros(n_customers)
    total_value = np.zeros(n_customers)
    first[present] = group_period[cust_start[present]]
    last[present] = group_period[cust_start[present] + n_periods[present] - 1]
    first_value[present] = period_value[cust_start[present]]
    total_value[present] = np.bincount(group_customer, weights=period_value,
                                       minlength=n_customers)[present]
    return n_periods, first, last, first_value, total_value


def _factorize_sorted(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ids in sorted order of the ids.

    Hash-factorize first; only the (few) unique ids are sorted, and not even those when
    they already appear in order (the output of load_transactions is sorted by customer).
    """
    codes, uniques = pd.factorize(ids, sort=False)
    uniques = pd.Index(uniques)
    if not uniques.is_monotonic_increasing:
        order = uniques.argsort()
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        codes, uniques = rank[codes], uniques[order]
    return codes, uniques


def rfm_summary(
    tx: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    time_unit: str | None = None,
    calibration_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer.

    Parameters
    ----------
    tx:
        Validated transactions (``customer_id``, ``date``, optional ``amount``), as
        returned by :func:`crm_models.data.load_transactions`.
    observation_end:
        Last date of the observation window (inclusive).
    period:
        Purchases within the same period count once (pandas frequency: "D", "W", "M", ...).
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
    has_amount = "amount" in tx.columns
    source = _check_transactions(tx, need_amount=False)
    end = pd.Timestamp(observation_end)
    scale = period_length_in(period, time_unit)

    # Purchases after the observation end are outside the window (as in lifetimes); the
    # number left out is recorded in ``attrs["excluded_after_end"]``.
    after = tx["date"].to_numpy(dtype="datetime64[ns]") > end.to_datetime64()
    if after.any():
        tx = tx.loc[~after]
        if len(tx) == 0:
            raise CRMDataError(f"every transaction is after the observation end {end.date()}",
                               source=source, column="date")
    dates = tx["date"].to_numpy(dtype="datetime64[ns]")

    cal_end = pd.Timestamp(calibration_end) if calibration_end is not None else None
    if cal_end is not None:
        if cal_end >= end:
            raise CRMDataError(
                f"calibration_end {cal_end.date()} must be before observation_end {end.date()}"
            )
        if cal_end < tx["date"].min():
            raise CRMDataError(
                f"calibration_end {cal_end.date()} is before the first transaction "
                f"{tx['date'].min().date()}", source=source, column="date",
            )
        in_cal = dates <= cal_end.to_datetime64()
        cut = cal_end
    else:
        in_cal = np.ones(len(tx), dtype=bool)
        cut = end

    ids = tx["customer_id"]
    codes, uniques = _factorize_sorted(ids if in_cal.all() else ids[in_cal])
    n_customers = len(uniques)
    p_all = period_ordinals(dates, period)
    p = p_all[in_cal]
    amount_all = tx["amount"].to_numpy(dtype="float64") if has_amount else np.zeros(len(tx))
    n_periods, first, last, first_value, total_value = _customer_stats(
        codes, p, amount_all[in_cal], n_customers
    )
    cut_ordinal = period_ordinals(np.array([cut.to_datetime64()]), period)[0]
    frequency = n_periods - 1
    out = pd.DataFrame(
        {
            "frequency": frequency.astype("int64"),
            "recency": (last - first) * scale,
            "T": (cut_ordinal - first) * scale,
        },
        index=uniques.rename("customer_id"),
    )
    if has_amount:
        with np.errstate(invalid="ignore", divide="ignore"):
            mv = np.where(frequency > 0, (total_value - first_value) / np.maximum(frequency, 1),
                          0.0)
        out["monetary_value"] = mv

    if cal_end is not None:
        hold = ~in_cal
        hold_codes = uniques.get_indexer(ids[hold])
        known = hold_codes >= 0  # customers first seen in the holdout are not in the cohort
        n_h, _, _, _, total_h = _customer_stats(
            hold_codes[known], p_all[hold][known], amount_all[hold][known], n_customers
        ) if known.any() else (np.zeros(n_customers, int), None, None, None,
                               np.zeros(n_customers))
        out["frequency_holdout"] = n_h.astype("int64")
        if has_amount:
            with np.errstate(invalid="ignore", divide="ignore"):
                out["monetary_value_holdout"] = np.where(n_h > 0, total_h / np.maximum(n_h, 1),
                                                         0.0)
        end_ordinal = period_ordinals(np.array([end.to_datetime64()]), period)[0]
        out["duration_holdout"] = float((end_ordinal - cut_ordinal) * scale)
    out.attrs["observation_end"] = str(end.date())
    out.attrs["excluded_after_end"] = int(after.sum())
    out.attrs["period"] = period
    out.attrs["time_unit"] = time_unit or period
    return out
