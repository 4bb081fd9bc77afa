"""Turn a column of purchase dates into naive ``datetime64[ns]`` wall-clock times.

Rules (documented in README "Input formats"):

* Each distinct value is parsed once.  Year-first dates (``2024-01-05``, ``2024/1/5``,
  ``2024.01.05``, ``2024年1月5日``), compact ``20240105`` and day/month-first dates
  (``05/01/2024``) may be mixed in one column, each with or without a time (24-hour, or
  12-hour with AM/PM), e.g. ``1/15/2024 1:45:00 PM``.
* Day/month order of ``a/b/yyyy`` dates: taken from ``date_format`` when given, else from the
  column itself - a first number above 12 means day first, a second above 12 month first.
  When no row tells (all numbers up to 12) or rows contradict each other, the dates are
  refused with the fix (``date_format="%d/%m/%Y"`` or ``"%m/%d/%Y"``).
* Time zones: values with an offset (``+08:00``, ``Z``) or a tz-aware column are converted
  to ``timezone`` when given; without it, values that all share one offset keep their
  wall-clock time in that offset, and mixed offsets are refused with the fix
  (``timezone="..."``).  Values without an offset in a column that has offsets are taken as
  local times of the same zone.  The result is naive; the zone used is returned.
* Only values that cannot be read are reported (a month 13, 30 February, "yesterday").
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_models.errors import CRMDataError, describe_rows

__all__ = ["ParsedDates", "parse_dates", "check_timezone"]

_TZ_SUFFIX = re.compile(
    r"^(?P<body>.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$",
    re.IGNORECASE)
_TIME = (r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
         r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?)?")
_YEAR_FIRST = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME + "$")
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"
                      r"(?:[ T]?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")
_YEAR_LAST = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})[-/.](?P<y>\d{4})" + _TIME + "$")
_WORDY = re.compile(r"[A-Za-z]{3,}.*\d{4}|\d{4}.*[A-Za-z]{3,}")
_SPECIAL_FORMATS = ("ISO8601", "mixed")


@dataclass
class ParsedDates:
    """Parsed dates plus what the parser decided."""

    values: pd.Series
    #: Zone the values were converted to (``"Asia/Shanghai"``, ``"UTC+08:00"``) or ``None``.
    timezone: str | None
    #: Rows without an offset kept as local times in a column with offsets.
    naive_as_local: int = 0


def check_timezone(timezone: str | None, source: str) -> str | None:
    """``timezone`` if pandas knows it, else a CRMDataError with examples of valid names."""
    if timezone is None:
        return None
    try:
        pd.Timestamp("2000-01-01", tz=timezone)
    except Exception as exc:  # noqa: BLE001 - pytz/zoneinfo raise various types
        raise CRMDataError(f"unknown time zone {timezone!r}; use an IANA name such as "
                           "'Asia/Shanghai', 'Europe/Berlin' or 'UTC'", source=source,
                           column="timezone") from exc
    return timezone


def _offset_minutes(tz: str) -> float:
    tz = tz.upper()
    if tz in ("Z", "UTC", "GMT"):
        return 0.0
    sign = -1.0 if tz[0] == "-" else 1.0
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def _offset_label(minutes: float) -> str:
    sign = "-" if minutes < 0 else "+"
    m = int(abs(minutes))
    return f"UTC{sign}{m // 60:02d}:{m % 60:02d}"


def _normalise(value: str) -> str:
    """Full-width digits/colons to ASCII, ``2024年1月5日`` to ``2024-1-5``, spaces trimmed."""
    s = unicodedata.normalize("NFKC", value).strip()
    if "年" in s or "月" in s:
        s = re.sub(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", r"\1-\2-\3", s)
    return s


def _assemble(parts: pd.DataFrame) -> pd.Series:
    """Timestamps from string columns y, m, d[, H, M, S, f]; NaT where they are no real date."""
    comp = pd.DataFrame({
        "year": pd.to_numeric(parts["y"]), "month": pd.to_numeric(parts["m"]),
        "day": pd.to_numeric(parts["d"]),
        "hour": pd.to_numeric(parts.get("H")).fillna(0) if "H" in parts else 0,
        "minute": pd.to_numeric(parts.get("M")).fillna(0) if "M" in parts else 0,
        "second": pd.to_numeric(parts.get("S")).fillna(0) if "S" in parts else 0,
    }, index=parts.index)
    if "ampm" in parts:  # 12-hour clock: 12:30 AM is 00:30, 1:45 PM is 13:45
        pm = parts["ampm"].fillna("").str.upper().str.startswith("P").to_numpy(dtype=bool)
        ampm = parts["ampm"].notna().to_numpy(dtype=bool)
        hour = comp["hour"].to_numpy(dtype=float)
        comp["hour"] = np.where(ampm & (hour > 12), 99, np.where(ampm, hour % 12 + 12 * pm, hour))
    if "f" in parts:
        frac = parts["f"].fillna("").str.ljust(6, "0").str[:6].replace("000000", "0")
        comp["us"] = pd.to_numeric(frac.replace("", "0"))
    bad = (comp["month"].lt(1) | comp["month"].gt(12) | comp["day"].lt(1) | comp["day"].gt(31)
           | comp["hour"].gt(23) | comp["minute"].gt(59) | comp["second"].gt(59))
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    ok = ~bad
    if ok.any():
        out[ok] = pd.to_datetime(comp[ok], errors="coerce")
    return out


def _day_first(strings: pd.Series, rows_of: Any, source: str, column: str) -> bool:
    """Whether ``a/b/yyyy`` values are day first; refuse when the column cannot tell."""
    parts = strings.str.extract(_YEAR_LAST)
    a, b = pd.to_numeric(parts["a"]), pd.to_numeric(parts["b"])
    day_first, month_first = strings[(a > 12) & (b <= 12)], strings[(b > 12) & (a <= 12)]
    if len(day_first) and len(month_first):
        raise CRMDataError(
            f"dates in both day-first order (e.g. {day_first.iloc[0]!r}) and month-first order "
            f"(e.g. {month_first.iloc[0]!r}); correct the data to one order and pass "
            "date_format='%d/%m/%Y' (day first) or date_format='%m/%d/%Y' (month first)",
            source=source, column=column)
    if len(day_first):
        return True
    if len(month_first):
        return False
    sep = parts["sep"].iloc[0]
    raise CRMDataError(
        f"ambiguous dates (day and month could be swapped) in {rows_of(strings.index)}: no value "
        f"has a day above 12 to tell the order; pass date_format='%d{sep}%m{sep}%Y' (day first) "
        f"or date_format='%m{sep}%d{sep}%Y' (month first)", source=source, column=column)


def _parse_strings(strings: pd.Series, date_format: str | None, rows_of: Any, source: str,
                   column: str) -> pd.Series:
    """Naive timestamps of normalised strings without offsets (NaT where unreadable)."""
    out = pd.Series(pd.NaT, index=strings.index, dtype="datetime64[ns]")
    if date_format is not None and date_format != "mixed":
        fmt = date_format.replace("%z", "").replace("%Z", "").strip()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(strings, format=fmt, errors="coerce")
        return parsed.astype("datetime64[ns]")
    todo = pd.Series(True, index=strings.index)
    for pattern in (_YEAR_FIRST, _COMPACT):
        parts = strings[todo].str.extract(pattern)
        hit = parts["y"].notna()
        if hit.any():
            out[hit[hit].index] = _assemble(parts[hit])
            todo[hit[hit].index] = False
    last = strings[todo]
    last_hit = last.str.fullmatch(_YEAR_LAST).fillna(False)
    if last_hit.any():
        sub = last[last_hit]
        parts = sub.str.extract(_YEAR_LAST)
        if _day_first(sub, rows_of, source, column):
            parts = parts.rename(columns={"a": "d", "b": "m"})
        else:
            parts = parts.rename(columns={"a": "m", "b": "d"})
        out[sub.index] = _assemble(parts)
        todo[sub.index] = False
    wordy = strings[todo]
    wordy = wordy[wordy.str.contains(_WORDY).fillna(False)]
    for idx, text in wordy.items():  # month names ("5 Jan 2024"): rare, parsed one by one
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[idx] = pd.to_datetime(text, errors="coerce", dayfirst=True)
    return out


def parse_dates(values: pd.Series, *, date_format: str | None = None, timezone: str | None = None,
                source: str = "DataFrame", column: str = "date") -> ParsedDates:
    """Parse ``values`` (strings, numbers such as 20240105, datetimes) to naive datetimes.

    Parameters
    ----------
    values:
        The raw date column.
    date_format:
        ``strftime`` format every value has (``"ISO8601"`` also works); ``None`` or ``"mixed"``
        reads the formats listed in the module docstring.
    timezone:
        Zone that time-zone-aware values are converted to (IANA name such as ``"Asia/Shanghai"``).
    source, column:
        Named in errors.

    Raises
    ------
    CRMDataError
        Missing or unreadable dates (only those are listed), ambiguous day/month order, mixed
        offsets without ``timezone``.
    """
    check_timezone(timezone, source)
    if pd.api.types.is_datetime64_any_dtype(values):
        tz = getattr(values.dt, "tz", None)
        if tz is None:
            parsed, zone = values, None
        elif timezone is not None:
            parsed, zone = values.dt.tz_convert(timezone).dt.tz_localize(None), timezone
        else:
            parsed, zone = values.dt.tz_localize(None), str(tz)
        _refuse_missing(parsed.isna().to_numpy(), values, source, column)
        return ParsedDates(parsed.astype("datetime64[ns]"), zone)

    raw = values
    if pd.api.types.is_integer_dtype(raw) or pd.api.types.is_float_dtype(raw):
        # integer dates such as 19970101 (the CDNOW files)
        _refuse_missing(raw.isna().to_numpy(), values, source, column)
        whole = raw.astype("float64")
        if not np.all(np.mod(whole.to_numpy(), 1) == 0):
            raise CRMDataError("numeric dates with a fraction; dates must be text or yyyymmdd numbers",
                               source=source, column=column)
        raw = raw.astype("Int64").astype("string")
        date_format = date_format or "%Y%m%d"

    # the common case first: one vectorised parse of the whole column (pandas caches repeats)
    whole_col = pd.Series(np.asarray(raw, dtype=object))
    local, offsets = _fast(whole_col, date_format)
    if local is not None:
        return _with_zone(local, offsets, np.arange(len(raw)), timezone, values, whole_col, source, column)

    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    uniques = pd.Series(np.asarray(uniques, dtype=object))
    missing_rows = codes < 0
    if len(uniques):
        try:
            blank = uniques.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        except AttributeError:  # no text at all (datetime objects)
            blank = np.zeros(len(uniques), dtype=bool)
        missing_rows |= blank[np.maximum(codes, 0)] & (codes >= 0)
    _refuse_missing(missing_rows, values, source, column)

    local, offsets = _fast(uniques, date_format)
    if local is None:
        local, offsets = _parse_uniques(uniques, date_format, source, column, values, codes)
    bad_u = local.isna().to_numpy()
    if bad_u.any():
        bad_rows = bad_u[codes]
        idx = values.index[bad_rows]
        hint = (f"; every value must have the format {date_format!r}" if date_format else
                "; correct them in the data (each must be a real calendar date), or pass "
                "date_format= with the format they share (e.g. date_format='%d.%m.%Y')")
        raise CRMDataError(f"dates that cannot be read in {describe_rows(idx, values[bad_rows].tolist())}"
                           + hint, source=source, column=column)

    return _with_zone(local, offsets, codes, timezone, values, uniques, source, column)


def _with_zone(local: pd.Series, offsets: pd.Series, codes: np.ndarray, timezone: str | None,
               values: pd.Series, uniques: pd.Series, source: str, column: str) -> ParsedDates:
    """Per-row naive dates from per-value local times and UTC offsets (NaN: no offset)."""
    zone = None
    naive_as_local = 0
    aware = offsets.notna().to_numpy()
    if aware.any():
        naive_as_local = int((~aware[codes]).sum())
        distinct = np.unique(offsets[aware].to_numpy())
        if timezone is not None:
            utc = local[aware] - pd.to_timedelta(offsets[aware], unit="min")
            local = local.copy()
            local[aware] = utc.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)
            zone = timezone
        elif len(distinct) == 1:
            zone = _offset_label(distinct[0])
        else:
            examples = []
            for off in distinct[:4]:
                first_u = int(np.flatnonzero(aware & (offsets.to_numpy() == off))[0])
                row = values.index[int(np.flatnonzero(codes == first_u)[0])]
                examples.append(f"{_offset_label(off)} (e.g. row {row}: {str(uniques[first_u])!r})")
            raise CRMDataError(
                f"dates with {len(distinct)} different UTC offsets: {'; '.join(examples)}; pass "
                "timezone= with the zone to report in (e.g. timezone='Asia/Shanghai' or 'UTC'; "
                "in a report: read_options: {timezone: Asia/Shanghai})", source=source, column=column)
    parsed = pd.Series(local.to_numpy()[codes], index=values.index).astype("datetime64[ns]")
    return ParsedDates(parsed, zone, naive_as_local)


def _refuse_missing(missing: np.ndarray, values: pd.Series, source: str, column: str) -> None:
    if missing.any():
        raise CRMDataError(
            f"missing dates in {describe_rows(values.index[missing])}; fill them in or remove those rows",
            source=source, column=column)


def _fast(uniques: pd.Series, date_format: str | None) -> tuple[pd.Series | None, pd.Series]:
    """One vectorised parse of all values (ISO 8601, or ``date_format``), else ``None``.

    Values sharing one UTC offset come back as wall-clock times with that offset in minutes.
    """
    offsets = pd.Series(np.nan, index=uniques.index)
    fmt = "ISO8601" if date_format in (None, "mixed") else date_format
    if not len(uniques) or not isinstance(uniques.iloc[0], str):
        return None, offsets
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = pd.to_datetime(uniques, format=fmt, errors="coerce")
    except (ValueError, TypeError, OverflowError, Warning):
        return None, offsets
    if not pd.api.types.is_datetime64_any_dtype(parsed) or parsed.isna().any():
        return None, offsets
    tz = getattr(parsed.dt, "tz", None)
    if tz is not None:  # one fixed offset for all (mixed offsets warned above)
        offset = parsed.iloc[0].utcoffset()
        if not isinstance(tz, _dt.timezone) or offset is None:
            return None, offsets
        offsets[:] = offset.total_seconds() / 60
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]"), offsets


def _parse_uniques(uniques: pd.Series, date_format: str | None, source: str, column: str,
                   values: pd.Series, codes: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """``(local naive timestamps, UTC offsets in minutes or NaN)`` of each distinct value."""
    local = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    offsets = pd.Series(np.nan, index=uniques.index)
    is_text = np.fromiter((isinstance(x, str) for x in uniques), dtype=bool, count=len(uniques))
    texts = uniques[is_text].astype("string")
    non_ascii = texts.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).to_numpy(dtype=bool)
    texts = texts.str.strip()
    if non_ascii.any():
        texts[non_ascii] = texts[non_ascii].map(_normalise)
    extra: dict[int, str] = {}
    for i, x in uniques[~is_text].items():
        if isinstance(x, pd.Timestamp | _dt.datetime | _dt.date | np.datetime64):
            ts = pd.Timestamp(x)
            if ts.tzinfo is not None:
                offsets[i] = ts.utcoffset().total_seconds() / 60
                ts = ts.tz_localize(None)
            local[i] = ts
        elif isinstance(x, int | float | np.integer | np.floating) and float(x).is_integer():
            extra[i] = str(int(x))  # 20240105 in a column that also holds text
        else:
            extra[i] = str(x)
    if extra:
        texts = pd.concat([texts, pd.Series(extra, dtype="string")])
    texts = texts.astype(object)
    if len(texts):
        strings = texts
        tz = strings.str.extract(_TZ_SUFFIX)
        has_tz = tz["tz"].notna()
        strings = strings.where(~has_tz, tz["body"].str.strip())
        found = tz["tz"][has_tz]
        offsets[found.index] = found.map({t: _offset_minutes(t) for t in found.unique()}).to_numpy()

        def rows_of(unique_index: Any) -> str:
            pos = np.flatnonzero(np.isin(codes, np.asarray(list(unique_index))))
            return describe_rows(values.index[pos], values.iloc[pos].tolist())

        local[strings.index] = _parse_strings(strings, date_format, rows_of, source, column)
    return local, offsets
