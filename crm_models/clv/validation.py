"""Calibration / holdout diagnostics for the purchase models, as DataFrames.

The classic checks of Fader, Hardie & Lee (2005): fit the model on a calibration period,
then compare with what the customers actually did in the holdout period
(``crm.data.rfm_summary(tx, observation_end, calibration_end=...)`` adds the columns
``frequency_holdout`` and ``duration_holdout``).

* :func:`holdout_by_frequency` - mean actual vs predicted holdout purchases, grouped by the
  number of calibration repeat purchases (FHL 2005, Figure 4);
* :func:`tracking` - cumulative and weekly (per time unit) repeat transactions of the whole
  cohort over calendar time, actual vs model (FHL 2005, Figures 2-3); from the transactions
  or from their per-period counts (:func:`tracking_counts`, also computed on Spark);
* :func:`frequency_histogram` - how many customers made 0, 1, ..., 7+ repeat purchases in
  the calibration period, actual vs model (FHL 2005, Figure 1);
* :func:`prob_alive_matrix` - P(alive) by frequency and recency for a given age T;
* :func:`frequency_recency_matrix` - expected purchases in the next t by frequency and recency;
* :func:`prob_alive_history` - one customer's P(alive) over time, from her purchase dates;
* :func:`holdout_errors` - MAE, RMSE and bias per customer and for the total.

Figures for each table are in :mod:`crm_models.plotting.clv`.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
import pandas as pd

from crm_models.base import check_is_fitted
from crm_models.clv._data import check_summary, compress
from crm_models.clv.base import SummaryModel, check_time
from crm_models.data.periods import check_engine_period, ordinal_offset, pandas_freq, period_ordinal_expr
from crm_models.data.summary import period_length_in, period_ordinals
from crm_models.data.tables import TransactionTable, transaction_table, upload
from crm_models.errors import CRMDataError, ModelSpecificationError

__all__ = ["holdout_by_frequency", "tracking", "tracking_counts", "cohort_period_counts",
           "frequency_histogram", "prob_alive_matrix", "frequency_recency_matrix", "prob_alive_history",
           "holdout_errors"]


def _holdout_columns(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    for col in ("frequency_holdout", "duration_holdout"):
        if not isinstance(summary, pd.DataFrame) or col not in summary.columns:
            raise CRMDataError(
                "missing column; build the summary with crm.data.rfm_summary(tx, observation_end, "
                "calibration_end=...) so that it has a holdout period", source="summary", column=col)
    cols = check_summary(summary, "summary", columns=("frequency_holdout", "duration_holdout"),
                         integer_columns=("frequency_holdout",))
    return cols["frequency_holdout"], cols["duration_holdout"]


def _predicted_holdout(model: SummaryModel, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    actual, duration = _holdout_columns(summary)
    predicted = model.expected_purchases(summary, duration).to_numpy()
    return actual, predicted


def holdout_by_frequency(model: SummaryModel, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency (last group: max+).

    Returns a DataFrame indexed by ``frequency`` (labels "0", "1", ..., "7+") with
    ``customers``, ``actual`` and ``predicted`` (means per customer in the group).
    """
    actual, predicted = _predicted_holdout(model, summary)
    freq = summary["frequency"].to_numpy()
    group = np.minimum(freq, max_frequency).astype(int)
    df = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    out = df.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                  predicted=("predicted", "mean"))
    out = out.reindex(range(max_frequency + 1))
    out["customers"] = out["customers"].fillna(0).astype(int)
    out.index = pd.Index([str(i) if i < max_frequency else f"{i}+" for i in out.index], name="frequency")
    return out


def holdout_errors(model: SummaryModel, summary: pd.DataFrame) -> pd.DataFrame:
    """Prediction errors of holdout purchases: per customer and for the customer base in total.

    Row ``customer``: mean absolute error, root mean squared error and mean error (bias,
    predicted - actual) over customers; ``actual``/``predicted`` are means per customer.
    Row ``total``: the same for the total number of holdout purchases of all customers (one
    number, so MAE = RMSE = |bias|).  ``relative_bias`` = bias / actual.
    """
    actual, predicted = _predicted_holdout(model, summary)
    err = predicted - actual
    tot_a, tot_p = actual.sum(), predicted.sum()
    rows = {
        "customer": {"n": len(actual), "actual": actual.mean(), "predicted": predicted.mean(),
                     "mae": np.abs(err).mean(), "rmse": np.sqrt((err**2).mean()), "bias": err.mean()},
        "total": {"n": 1, "actual": tot_a, "predicted": tot_p, "mae": abs(tot_p - tot_a),
                  "rmse": abs(tot_p - tot_a), "bias": tot_p - tot_a},
    }
    out = pd.DataFrame(rows).T
    out["n"] = out["n"].astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative_bias"] = out["bias"] / out["actual"]
    out.index.name = "level"
    return out


def frequency_histogram(model: SummaryModel, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Number of customers with 0, 1, ..., max+ calibration repeat purchases: actual vs model.

    The model count for x is sum_i P(X(T_i) = x): each customer is observed for her own T_i
    (Fader, Hardie & Lee 2007, "Creating a fit histogram for the BG/NBD model").
    """
    check_is_fitted(model)
    model._check_units(summary)
    cols = check_summary(summary, "summary")
    freq = cols["frequency"]
    c = compress({"T": cols["T"]})
    x = np.arange(max_frequency)
    with np.errstate(all="ignore"):
        pmf = np.asarray(model.probability_of_n_purchases(c.columns["T"][:, None], x[None, :]))
    expected = (c.weights[:, None] * pmf).sum(axis=0)
    n = len(freq)
    expected = np.append(expected, n - expected.sum())
    actual = np.bincount(np.minimum(freq, max_frequency).astype(int), minlength=max_frequency + 1)
    labels = [str(i) for i in x] + [f"{max_frequency}+"]
    return pd.DataFrame({"actual": actual[: max_frequency + 1], "model": expected},
                        index=pd.Index(labels, name="frequency"))


_Grid = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _frequency_recency_grid(model: SummaryModel, T: float, max_frequency: int,
                            recency: np.ndarray | None) -> _Grid:
    check_is_fitted(model)
    if not (T > 0) or not np.isfinite(T):
        raise ModelSpecificationError(f"T must be a positive age, got {T!r}")
    rec = np.arange(0, np.floor(T) + 1, dtype=float) if recency is None else np.asarray(recency, float)
    if np.any(rec < 0) or np.any(rec > T):
        raise ModelSpecificationError("recency values must lie between 0 and T")
    f = np.arange(0, max_frequency + 1, dtype=float)
    R, F = np.meshgrid(rec, f, indexing="ij")
    return rec, f, R, F


def _grid_frame(values: np.ndarray, rec: np.ndarray, f: np.ndarray, R: np.ndarray,
                F: np.ndarray) -> pd.DataFrame:
    values = np.where((F == 0) & (R > 0), np.nan, values)
    return pd.DataFrame(values, index=pd.Index(rec, name="recency"),
                        columns=pd.Index(f.astype(int), name="frequency"))


def prob_alive_matrix(model: SummaryModel, T: float, max_frequency: int = 20,
                      recency: np.ndarray | None = None) -> pd.DataFrame:
    """P(alive) for customers of age ``T`` by frequency (columns) and recency (rows).

    ``recency`` defaults to 0, 1, ..., floor(T) time units.  Cells that cannot occur
    (no repeat purchase but recency > 0) are NaN.
    """
    rec, f, R, F = _frequency_recency_grid(model, T, max_frequency, recency)
    with np.errstate(all="ignore"):
        p = model._p_alive(F.ravel(), R.ravel(), np.full(F.size, float(T))).reshape(R.shape)
    return _grid_frame(p, rec, f, R, F)


def frequency_recency_matrix(model: SummaryModel, T: float, t: float = 1.0, max_frequency: int = 20,
                             recency: np.ndarray | None = None) -> pd.DataFrame:
    """Expected purchases in the next ``t`` time units for customers of age ``T``.

    E[X(T, T+t) | frequency, recency, T] by frequency (columns) and recency (rows; default
    0, 1, ..., floor(T)), the "frequency/recency matrix" of Fader, Hardie & Lee (2005, Fig. 5
    shows its P(alive) counterpart).  Impossible cells (no repeat purchase but recency > 0)
    are NaN.
    """
    t_arr = check_time(t)
    if t_arr.ndim != 0 or not t_arr > 0:
        raise ModelSpecificationError(f"t must be one positive horizon, got {t!r}")
    if model.discrete_time and t != round(t):
        raise ModelSpecificationError("this model counts whole transaction opportunities; use an integer t")
    rec, f, R, F = _frequency_recency_grid(model, T, max_frequency, recency)
    with np.errstate(all="ignore"):
        e = np.asarray(model._cond_expected(F.ravel(), R.ravel(), np.full(F.size, float(T)), float(t_arr)),
                       dtype=float).reshape(R.shape)
    return _grid_frame(e, rec, f, R, F)


def prob_alive_history(model: SummaryModel, dates: Any, observation_end: str | pd.Timestamp | None = None,
                       period: str | None = None, time_unit: str | None = None) -> pd.DataFrame:
    """One customer's P(alive) at the end of every ``period`` from her first purchase on.

    ``dates`` are her purchase dates (any order; several in one period count once, as in
    :func:`crm_models.data.rfm_summary`).  At the end of period k after the first one she
    has frequency = purchase periods in (0, k], recency = the last of them and T = k, in
    ``time_unit`` (both default to the units the model was fitted in, else "D").  The
    history runs to ``observation_end`` (default: the last purchase).

    Returns a DataFrame indexed by ``date`` (the period's start) with ``T``, ``frequency``,
    ``recency`` and ``prob_alive``; ``attrs``: ``time_unit`` and ``purchases`` (the times
    of the purchases, in time units since the first).  Each row is what
    ``model.prob_alive(crm.data.rfm_summary(her transactions, observation_end=that day))``
    gives.
    """
    check_is_fitted(model)
    if model.discrete_time:
        raise ModelSpecificationError("a P(alive) history over calendar time needs a continuous-time model")
    period = period or getattr(model, "period_", None) or "D"
    time_unit = time_unit or getattr(model, "time_unit_", None) or period
    check_engine_period(period)
    values = pd.to_datetime(pd.Series(np.atleast_1d(np.asarray(dates))), errors="coerce")
    if len(values) == 0 or values.isna().any():
        bad = values.isna()
        raise CRMDataError(f"expected one customer's purchase dates, got {len(values)} values "
                           f"({int(bad.sum())} not dates)", source="dates",
                           rows=list(np.flatnonzero(bad.to_numpy())[:5]))
    ordinals = np.unique(period_ordinals(values.to_numpy(), period))
    end_ordinal = ordinals[-1]
    if observation_end is not None:
        end_ordinal = period_ordinals(np.array([pd.Timestamp(observation_end).to_datetime64()]), period)[0]
        if end_ordinal < ordinals[0]:
            raise CRMDataError(f"observation_end {observation_end} lies before the first purchase",
                               source="dates")
        ordinals = ordinals[ordinals <= end_ordinal]
    scale = period_length_in(period, time_unit)
    k = np.arange(0, end_ordinal - ordinals[0] + 1)
    repeat = ordinals[1:] - ordinals[0]  # purchase periods after the first
    frequency = np.searchsorted(repeat, k, side="right")
    recency = np.where(frequency > 0, np.r_[0, repeat][frequency], 0) * scale
    T = k * scale
    with np.errstate(all="ignore"):
        p = np.asarray(model._p_alive(frequency.astype(float), recency.astype(float), T.astype(float)), float)
    first = pd.Period(pd.Timestamp(values.min()), freq=pandas_freq(period))
    index = pd.DatetimeIndex([(first + int(i)).start_time for i in k], name="date")
    out = pd.DataFrame({"T": T, "frequency": frequency, "recency": recency, "prob_alive": p}, index=index)
    out.attrs.update({"time_unit": time_unit, "purchases": (ordinals - ordinals[0]) * scale})
    return out


#: Columns of the per-period purchase counts that :func:`tracking` accepts instead of transactions.
COUNT_COLUMNS = ("first_purchases", "repeat_purchases")


def _cohort_counts(tt: TransactionTable, period: str) -> pd.DataFrame:
    """:func:`cohort_period_counts` of every transaction of ``tt``: one query on its engine."""
    check_engine_period(period)
    t = tt.expr
    pairs = t.group_by(customer_id=t.customer_id, p=period_ordinal_expr(t.date, period)).aggregate(
        day=t.date.min())
    pairs = pairs.mutate(first=pairs.p.min().over(group_by=pairs.customer_id))
    per_period = pairs.group_by("p").aggregate(
        first_purchases=(pairs.p == pairs["first"]).cast("int64").sum(),
        repeat_purchases=(pairs.p > pairs["first"]).cast("int64").sum(),
        day=pairs.day.min()).order_by("p")
    agg = tt.execute(per_period)
    if len(agg) == 0:
        raise CRMDataError("no transactions of the summary's customers before observation_end",
                           source="transactions")
    index = agg["p"].to_numpy(dtype=np.int64) + ordinal_offset(period)
    out = pd.DataFrame({c: agg[c].to_numpy(dtype=np.int64) for c in COUNT_COLUMNS},
                       index=pd.Index(index, name="period"))
    out.attrs.update({"period": period, "first_date": str(pd.Timestamp(agg["day"].min()).date())})
    return out


def cohort_period_counts(customer_ids: np.ndarray, dates: pd.Series | np.ndarray,
                         period: str) -> pd.DataFrame:
    """Per-period purchase counts of a set of customers' transactions (no filtering).

    Rows: the ordinals of ``period`` (:func:`crm_models.data.summary.period_ordinals`) in
    which something happened, sorted; ``first_purchases`` = customers whose first purchase
    period it is, ``repeat_purchases`` = customers buying in it after their first period
    (distinct customer-periods: several purchases of one customer in one period count once).
    ``attrs``: ``period`` and ``first_date`` (the day of the earliest purchase).  Counts of
    customer-disjoint sets of transactions add up.  Computed by the query of
    :func:`tracking_counts` (the arrays are handed to the embedded engine).
    """
    import ibis

    values = np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[us]")
    frame = pd.DataFrame({"customer_id": np.asarray(customer_ids), "date": values})
    return _cohort_counts(TransactionTable(ibis.memtable(frame)), period)


def _cohort_ids(tt: TransactionTable, summary: Any) -> Any:
    """The summary's customer ids as a one-column table on the transactions' backend."""
    import ibis

    if isinstance(summary, pd.DataFrame):
        ids = pd.DataFrame({"customer_id": summary.index.to_numpy()})
        if tt.engine in ("duckdb", "spark"):
            return ibis.memtable(ids)
        return upload(tt.backend, ids)
    if not hasattr(summary, "columns") or "customer_id" not in summary.columns:
        raise CRMDataError("missing column; pass the summary of crm.data.rfm_summary (customers as index) "
                           "or a table with its customer_id column", source="summary", column="customer_id")
    if isinstance(summary, ibis.Table):
        return summary.select("customer_id")
    if tt.engine == "spark" and hasattr(summary, "createOrReplaceTempView"):  # a Spark DataFrame
        name = f"crm_models_cohort_{next(_cohorts)}"
        summary.select("customer_id").createOrReplaceTempView(name)
        return tt.backend.table(name)
    raise CRMDataError(f"cannot use a summary of type {type(summary).__name__} with transactions on "
                       f"{tt.engine}; pass the pandas summary", source="summary")


_cohorts = itertools.count()


def tracking_counts(
    transactions: pd.DataFrame | TransactionTable,
    summary: Any,
    observation_end: str | pd.Timestamp,
    period: str = "D",
) -> pd.DataFrame:
    """What :func:`tracking` needs from the transactions: per-period counts of the cohort.

    The cohort is the summary's customers; purchases after ``observation_end`` are left out.
    Returns the frame of :func:`cohort_period_counts` (columns ``first_purchases`` and
    ``repeat_purchases`` by ``period`` ordinal); ``tracking(model, counts, summary, ...)``
    gives exactly what ``tracking(model, transactions, summary, ...)`` gives.

    ``transactions`` is a pandas frame of :func:`crm_models.data.load_transactions` or a
    :class:`~crm_models.data.tables.TransactionTable` on any engine; ``summary`` the pandas
    summary (its index is the cohort: the ids are sent to the engine), an Ibis table or (on
    Spark) a Spark DataFrame with a ``customer_id`` column.  One query on the transactions'
    engine: the cohort is a semi-join, the transactions are grouped by customer and period
    (a window minimum gives the customer's first period), then by period; only the
    per-period counts come back.
    """
    import ibis

    for col in ("customer_id", "date"):
        if isinstance(transactions, pd.DataFrame) and col not in transactions.columns:
            raise CRMDataError("missing column; pass the table through crm.data.load_transactions",
                               source="transactions", column=col)
    tt = transaction_table(transactions)
    end = pd.Timestamp(observation_end)
    t = tt.expr
    t = t.filter(t.date <= ibis.literal(end.to_pydatetime()))
    cohort = _cohort_ids(tt, summary)
    key, other = t.customer_id, cohort.customer_id
    if key.type().is_string() != other.type().is_string():  # e.g. numeric ids read as text
        key, other = key.cast("string"), other.cast("string")
    t = t.semi_join(cohort, key == other)
    return _cohort_counts(dataclasses.replace(tt, expr=t), period)


def _check_counts(counts: pd.DataFrame, period: str) -> None:
    if counts.attrs.get("period") != period or "first_date" not in counts.attrs:
        raise CRMDataError(f"the counts were made for period {counts.attrs.get('period')!r}, not {period!r} "
                           "(or lost their attrs); make them with tracking_counts(..., period=...)",
                           source="counts")
    values = counts[list(COUNT_COLUMNS)].to_numpy()
    if not counts.index.is_monotonic_increasing or (values < 0).any() or counts["first_purchases"].sum() == 0:
        raise CRMDataError("expected sorted periods, non-negative counts and at least one first purchase "
                           "(the output of tracking_counts)", source="counts")


def tracking(
    model: SummaryModel,
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    period: str = "D",
    time_unit: str | None = None,
    calibration_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Cumulative and incremental repeat transactions of the calibration cohort, actual vs model.

    Parameters
    ----------
    model:
        Fitted on ``summary`` (the calibration summary).
    transactions:
        The validated transactions (``crm.data.load_transactions``) of the whole period, or
        their per-period counts from :func:`tracking_counts` (same ``summary``,
        ``observation_end`` and ``period``; e.g. computed on Spark): same result, exactly.
    summary:
        The calibration summary; its customers form the cohort.
    observation_end, period, time_unit:
        As given to ``crm.data.rfm_summary``.
    calibration_end:
        Optional; recorded in ``attrs`` (the figure marks it with a vertical line).

    Returns
    -------
    DataFrame indexed by the time (in time units) since the first purchase in the cohort,
    one row per time unit (the last one may be partial: ``full_period`` False), with
    ``actual_cumulative``, ``predicted_cumulative``, ``actual`` and ``predicted`` (repeat
    transactions in that time unit) and the calendar ``date`` at its end.  The model curve is
    sum_i E[X(t - birth_i)] (unconditional expectations from each customer's first purchase).
    """
    check_is_fitted(model)
    if model.discrete_time:
        raise ModelSpecificationError("tracking over calendar time needs a continuous-time model")
    if isinstance(transactions, pd.DataFrame) and all(c in transactions.columns for c in COUNT_COLUMNS):
        counts = transactions
        _check_counts(counts, period)
    else:
        counts = tracking_counts(transactions, summary, observation_end, period)
    time_unit = time_unit or period
    scale = period_length_in(period, time_unit)
    end = pd.Timestamp(observation_end)
    periods = counts.index.to_numpy(dtype=np.int64)
    n_first = counts["first_purchases"].to_numpy(dtype=np.int64)
    n_repeat = counts["repeat_purchases"].to_numpy(dtype=np.int64)
    born = n_first > 0
    origin = periods[born][0]
    end_ordinal = period_ordinals(np.array([end.to_datetime64()]), period)[0]
    horizon = (end_ordinal - origin) * scale
    grid = np.arange(1.0, np.floor(horizon) + 1.0)
    if grid.size == 0 or grid[-1] < horizon:
        grid = np.append(grid, horizon)
    # repeat purchases made within time unit k: time in (k-1, k]; a purchase on the first
    # period of a unit counts in that unit
    bought = n_repeat > 0
    repeat_times = (periods[bought] - origin) * scale  # increasing
    cumulative = np.r_[0, np.cumsum(n_repeat[bought])]
    actual_cum = cumulative[np.searchsorted(repeat_times, grid, side="right")].astype(float)
    birth = (periods[born] - origin) * scale
    weights = n_first[born].astype(float)
    ages = np.maximum(grid[None, :] - birth[:, None], 0.0)
    uniq, inv = np.unique(ages, return_inverse=True)
    with np.errstate(all="ignore"):
        e = np.asarray(model.expected_purchases_new_customer(uniq), dtype=float)
    predicted_cum = (weights[:, None] * e[inv.reshape(ages.shape)]).sum(axis=0)
    dates = _grid_dates(pd.Timestamp(counts.attrs["first_date"]), grid, time_unit)
    out = pd.DataFrame({"actual_cumulative": actual_cum, "predicted_cumulative": predicted_cum},
                       index=pd.Index(grid, name=f"t ({time_unit})"))
    out["actual"] = np.diff(np.r_[0.0, actual_cum])
    out["predicted"] = np.diff(np.r_[0.0, predicted_cum])
    out["full_period"] = np.diff(np.r_[0.0, grid]) >= 1.0 - 1e-9  # False: the last, partial unit
    out["date"] = dates
    out.attrs["time_unit"] = time_unit
    if calibration_end is not None:
        cal = pd.Timestamp(calibration_end)
        out.attrs["calibration_end"] = str(cal.date())
        out.attrs["calibration_t"] = float((period_ordinals(np.array([cal.to_datetime64()]), period)[0]
                                            - origin) * scale)
    return out


def _grid_dates(start: pd.Timestamp, grid: np.ndarray, time_unit: str) -> pd.DatetimeIndex:
    """Calendar dates of the grid (time units after the cohort's first purchase day)."""
    start = start.normalize()
    try:
        days = period_length_in(time_unit, "D")
    except CRMDataError:  # calendar units (months, quarters): step the period itself
        first = pd.Period(start, freq=time_unit)
        return pd.DatetimeIndex([(first + int(np.ceil(g)) - 1).end_time.normalize() for g in grid])
    return pd.DatetimeIndex(start + pd.to_timedelta(grid * days, unit="D")).round("s")
