"""The former pandas ``durations_from_transactions`` (crm_models.churn.durations), kept as the oracle.

The equality tests (tests/test_churn_durations_engines.py) compare the Ibis implementation
against this copy: same rows, columns, dtypes and numbers.  Do not change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_models.churn._checks import check_columns, days_per_unit, to_timestamp
from crm_models.errors import CRMDataError, describe_rows

DURATION = "duration"
EVENT = "event"


def _parse_date_column(values: pd.Series, column: str, *, allow_missing: bool) -> pd.Series:
    """Datetime64 version of ``values``; unparseable entries (and missing ones unless allowed) raise."""
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
        raise CRMDataError(
            f"unparseable dates in {describe_rows(values.index[unparseable], values[unparseable].tolist())}",
            column=column)
    if not allow_missing and now_missing.any():
        raise CRMDataError(f"missing dates in {describe_rows(values.index[now_missing])}", column=column)
    return parsed.astype("datetime64[ns]")


def _check_ids(values: pd.Series, column: str) -> None:
    missing = values.isna().to_numpy()
    if missing.any():
        raise CRMDataError(f"missing customer ids in {describe_rows(values.index[missing])}", column=column)


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


def durations_from_transactions(
    tx: pd.DataFrame,
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
        The validated frame of :func:`crm_models.data.load_transactions` (one row per
        purchase).  Left untouched.
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
        spell (what was known at acquisition, so no information from the future leaks in).
    customer_id, date, amount:
        Column names in ``tx``.  With ``amount``, ``first_amount`` (spend on the first day
        of the spell) is added as a feature.

    Returns
    -------
    DataFrame with ``customer_id``, ``spell``, ``first_purchase``, ``last_purchase``,
    ``churn_date`` (NaT when censored), ``n_purchase_days``, ``duration`` (``time_unit``),
    ``event``, ``inactivity_window`` (``w`` in ``time_unit``), ``first_amount`` and the
    features.  ``attrs["crm_churn"]`` records ``inactivity_window_days``,
    ``window_rule`` (e.g. "0.9 quantile of 1,234 inter-purchase gaps") and the settings.
    """
    check_columns(tx, [c for c in (customer_id, date, amount) if c is not None])
    if spells not in ("first", "all"):
        raise CRMDataError(f"spells must be 'first' or 'all', got {spells!r}")
    if churn_date not in ("window_end", "last_purchase"):
        raise CRMDataError(f"churn_date must be 'window_end' or 'last_purchase', got {churn_date!r}")
    unit_days = days_per_unit(time_unit)
    obs_end = to_timestamp(observation_end, "observation_end").normalize()
    features_ = [] if features is None else list(features)
    check_columns(tx, features_)
    if len(tx) == 0:
        raise CRMDataError("no transactions (the table is empty)")
    _check_ids(tx[customer_id], customer_id)
    dates = _parse_date_column(tx[date], date, allow_missing=False)
    late = (dates.dt.normalize() > obs_end).to_numpy()
    if late.any():
        raise CRMDataError(
            f"purchases after the observation end {obs_end.date()} in "
            f"{describe_rows(tx.index[late], dates[late].dt.date.tolist())}", column=date)

    work = pd.DataFrame({"cid": tx[customer_id].to_numpy(), "day": dates.dt.normalize().to_numpy()})
    if amount is not None:
        vals = pd.to_numeric(tx[amount], errors="coerce")
        if vals.isna().any():
            bad = vals.isna().to_numpy()
            raise CRMDataError(f"non-numeric or missing amounts in "
                               f"{describe_rows(tx.index[bad], tx[amount][bad].tolist())}", column=amount)
        work["amount"] = vals.to_numpy(dtype=float)
    for i, col in enumerate(features_):
        work[f"f{i}"] = tx[col].to_numpy()
    work["_row"] = np.arange(len(work))
    work = work.sort_values(["cid", "day", "_row"], kind="mergesort")

    # one row per purchase day: features from the day's first order, amounts summed
    days = work.drop_duplicates(["cid", "day"], keep="first").drop(columns="_row").reset_index(drop=True)
    if amount is not None:
        days["amount"] = work.groupby(["cid", "day"], sort=False)["amount"].sum().to_numpy()

    cid = days["cid"].to_numpy()
    day = days["day"].to_numpy()
    same = np.r_[False, cid[1:] == cid[:-1]]
    gap = np.full(len(days), np.nan)
    gap[1:] = (day[1:] - day[:-1]) / np.timedelta64(1, "D")
    gap[~same] = np.nan
    pooled = gap[~np.isnan(gap)]

    if inactivity_window is None:
        w_days = inactivity_window_from_gaps(pooled, quantile)
        rule = f"{quantile:g} quantile of {pooled.size:,} inter-purchase gaps (days between purchase days)"
    else:
        w_days = _window_days(inactivity_window)
        rule = "given"

    new_spell = ~same | (gap > w_days)
    spell_no = np.cumsum(new_spell)  # global spell id
    days["_spell"] = spell_no
    g = days.groupby("_spell", sort=True)
    first_rows = g.head(1).set_index("_spell")
    spell_tab = pd.DataFrame({
        customer_id: first_rows["cid"],
        "first_purchase": first_rows["day"],
        "last_purchase": g["day"].max(),
        "n_purchase_days": g.size(),
    })
    spell_tab.insert(1, "spell", spell_tab.groupby(customer_id, sort=False).cumcount().to_numpy() + 1)
    is_last = ~pd.Series(spell_tab[customer_id].to_numpy()).duplicated(keep="last").to_numpy()

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
        spell_tab["first_amount"] = first_rows["amount"]
    for i, col in enumerate(features_):
        spell_tab[col] = first_rows[f"f{i}"]

    out = spell_tab.reset_index(drop=True)
    if spells == "first":
        out = out[out["spell"] == 1].reset_index(drop=True)
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


def spend_in_first_spell(tx: pd.DataFrame, d: pd.DataFrame) -> np.ndarray:
    """The churn report's former pandas sum: each customer's spend in the first spell."""
    last = d.set_index("customer_id")["last_purchase"]
    t = tx[["customer_id", "date", "amount"]]
    within = t["date"].dt.normalize().to_numpy() <= last.reindex(t["customer_id"]).to_numpy()
    spend = t[within].groupby("customer_id")["amount"].sum()
    return spend.reindex(d["customer_id"]).fillna(0.0).to_numpy()
