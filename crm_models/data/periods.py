"""Purchase periods: which day, week, month, ... a purchase falls in, as consecutive integers.

The same ordinals are computed for numpy arrays (:func:`period_ordinals`, pandas' period
ordinals) and inside a query on any engine (:func:`period_ordinal_expr`, Ibis); only
differences between ordinals are ever used, and both give the same differences.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError

__all__ = ["period_length_in", "period_ordinals", "period_ordinal_expr", "ordinal_of", "ordinal_offset",
           "pandas_freq", "ENGINE_PERIODS"]

_FIXED_UNITS = {"D": "D", "h": "h", "H": "h", "min": "m", "T": "m", "s": "s", "S": "s"}
_SECONDS = {"D": 86400, "h": 3600, "H": 3600, "min": 60, "T": 60, "s": 1, "S": 1}
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
#: The periods a query on an engine understands (pandas aliases).
ENGINE_PERIODS = ("D", "W", "W-MON ... W-SUN", "M", "Q", "Y", "h", "min", "s")


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


def _week_start(period: str) -> int | None:
    """0 (Monday) ... 6 (Sunday): first day of the weeks of ``W`` / ``W-<last day>``."""
    match = re.fullmatch(r"W(?:-(MON|TUE|WED|THU|FRI|SAT|SUN))?", period)
    if match is None:
        return None
    last = _WEEKDAYS.index(match.group(1) or "SUN")
    return (last + 1) % 7


def check_engine_period(period: str) -> None:
    """A CRMDataError unless :func:`period_ordinal_expr` understands ``period``."""
    if period in _SECONDS or period in ("M", "Q", "Y", "A") or _week_start(period) is not None:
        return
    _offset(period)  # unknown to pandas too: its own message
    raise CRMDataError(f"period {period!r} is not supported; use one of {', '.join(ENGINE_PERIODS)}",
                       column="period")


def period_ordinal_expr(date: Any, period: str) -> Any:
    """Ibis integer expression: the ``period`` ordinal of the timestamp expression ``date``.

    Differences equal those of :func:`period_ordinals` (pandas' ordinals): days, hours,
    minutes and seconds since 1970; weeks counted from a Monday (``W``, i.e. ``W-SUN``) or
    the day after the named last day; months, quarters and years as calendar counts.
    """
    check_engine_period(period)
    import ibis

    if period in ("D", "W") or _week_start(period) is not None:
        # calendar days, independent of the engine's session time zone
        days = date.date().delta(ibis.date(1970, 1, 1), unit="day").cast("int64")
        if period == "D":
            return days
    elif period in _SECONDS:
        seconds = date.epoch_seconds()
        return (seconds / _SECONDS[period]).floor().cast("int64")
    start = _week_start(period)
    if start is not None:
        # 1970-01-01 is a Thursday: day 0 of the week starting on Monday 1969-12-29 is -3
        return ((days + 3 - start) / 7).floor().cast("int64")
    year = date.year().cast("int64")
    if period == "M":
        return year * 12 + date.month().cast("int64") - 1
    if period == "Q":
        return year * 4 + date.quarter().cast("int64") - 1
    return year


def ordinal_of(timestamp: pd.Timestamp, period: str) -> int:
    """The ordinal of one timestamp, on the scale of :func:`period_ordinal_expr`."""
    check_engine_period(period)
    value = pd.Timestamp(timestamp)
    if period in _SECONDS:
        seconds = (value - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
        return int(np.floor(seconds / _SECONDS[period]))
    start = _week_start(period)
    if start is not None:
        days = (value.normalize() - pd.Timestamp("1970-01-01")).days
        return int(np.floor((days + 3 - start) / 7))
    if period == "M":
        return value.year * 12 + value.month - 1
    if period == "Q":
        return value.year * 4 + value.quarter - 1
    return value.year


_PANDAS_ALIASES = {"A": "Y"}  # the engine's names that pandas only knows under another name


def pandas_freq(period: str) -> str:
    """``period`` as pandas spells it (``"A"`` is ``"Y"``)."""
    return _PANDAS_ALIASES.get(period, period)


def ordinal_offset(period: str) -> int:
    """pandas' period ordinal minus the engine's one (:func:`period_ordinal_expr`), a constant.

    Engine ordinals differ from pandas' by a constant per ``period`` (e.g. months are counted
    from year 0 instead of 1970); adding this offset gives pandas' ordinals exactly.
    """
    ref = pd.Timestamp("2000-01-03")
    pandas_ordinal = period_ordinals(np.array([ref.to_datetime64()]), pandas_freq(period))[0]
    return int(pandas_ordinal) - ordinal_of(ref, period)
