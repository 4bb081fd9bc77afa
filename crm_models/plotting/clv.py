"""Figures for the CLV area: each ``f(..., ax=None) -> matplotlib Axes``.

Every figure of a purchase model takes the fitted model itself (with what it needs: the
summary, the age ``T``, the transactions) or the table of :mod:`crm_models.clv.validation`
it draws, like the plots of ``lifetimes``::

    plot_frequency_recency_matrix(bg, T=40)          # expected purchases in the next time unit
    plot_prob_alive_matrix(bg, T=40)                 # P(alive) by frequency and recency
    plot_period_transactions(bg, summary)            # customers by repeat purchases: model vs actual
    plot_holdout_by_frequency(bg, summary)           # calibration vs holdout by frequency
    plot_history_alive(bg, dates_of_one_customer)    # one customer's P(alive) over time
    plot_model_tracking({"BG/NBD": track_bg, "Pareto/NBD": track_pnbd})  # several models
    plot_cumulative_transactions(bg, transactions=tx, summary=summary, observation_end=...)
    plot_incremental_transactions(bg, transactions=tx, summary=summary, observation_end=...)

Pass ``ax`` to place a figure in your own layout (one is created when None); every function
returns its Axes.  Every figure takes ``lang`` ("en" or "zh"); its text comes from the
report catalogue (:mod:`crm_models.report.clv.messages`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from crm_models.clv import validation
from crm_models.clv.base import SummaryModel
from crm_models.errors import ModelSpecificationError
from crm_models.plotting.style import draws_in_language
from crm_models.report.i18n import number, translate, unit_name

__all__ = [
    "plot_holdout_by_frequency",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_tracking",
    "plot_cumulative_transactions",
    "plot_incremental_transactions",
    "plot_frequency_histogram",
    "plot_period_transactions",
    "plot_frequency_recency_matrix",
    "plot_prob_alive_matrix",
    "plot_history_alive",
    "plot_clv_distribution",
    "plot_retention_projection",
    "plot_model_tracking",
]

ACTUAL = "#1f2937"
MODEL = "#d9480f"


def _ax(ax: Axes | None, figsize=(7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _is_model(obj: Any) -> bool:
    return isinstance(obj, SummaryModel)


def _needs(what: str, name: str, example: str) -> ModelSpecificationError:
    return ModelSpecificationError(f"drawing {what} from a fitted model needs {name}: e.g. {example} "
                                   "(or pass the table of crm_models.clv.validation instead of the model)")


def _model_unit(model: Any, time_unit: str) -> str:
    return time_unit or (getattr(model, "time_unit_", None) or "")


@draws_in_language
def plot_holdout_by_frequency(table: pd.DataFrame | SummaryModel, ax: Axes | None = None, lang: str = "en", *,
                              summary: pd.DataFrame | None = None, max_frequency: int = 7) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs model (FHL 2005, Figure 4).

    ``table``: the output of :func:`crm_models.clv.holdout_by_frequency`, or the fitted model
    with ``summary`` (a calibration/holdout summary of ``crm.data.rfm_summary(...,
    calibration_end=...)``; groups 0, 1, ..., ``max_frequency``+).
    """
    if _is_model(table):
        if summary is None:
            raise _needs("calibration vs holdout", "the summary with a holdout period",
                         "plot_holdout_by_frequency(model, summary=cal)")
        table = validation.holdout_by_frequency(table, summary, max_frequency=max_frequency)
    ax = _ax(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], "o-", color=ACTUAL, label=translate("clv_fig_actual", lang))
    ax.plot(x, table["predicted"], "s--", color=MODEL, label=translate("clv_fig_model", lang))
    ax.set_xticks(x, table.index)
    ax.set_xlabel(translate("clv_fig_calibration_purchases", lang))
    ax.set_ylabel(translate("clv_fig_holdout_mean", lang))
    ax.set_title(translate("clv_fig_cond_title", lang))
    ax.legend()
    return ax


def plot_calibration_purchases_vs_holdout_purchases(model: SummaryModel, summary: pd.DataFrame,
                                                    max_frequency: int = 7, ax: Axes | None = None,
                                                    lang: str = "en") -> Axes:
    """:func:`plot_holdout_by_frequency` of a fitted model, under the name ``lifetimes`` uses."""
    return plot_holdout_by_frequency(model, ax=ax, lang=lang, summary=summary, max_frequency=max_frequency)


@draws_in_language
def plot_tracking(table: pd.DataFrame | SummaryModel, cumulative: bool = True, ax: Axes | None = None,
                  lang: str = "en", *, transactions: Any = None, summary: pd.DataFrame | None = None,
                  observation_end: str | pd.Timestamp | None = None, period: str | None = None,
                  time_unit: str | None = None, calibration_end: str | pd.Timestamp | None = None) -> Axes:
    """Repeat transactions of the cohort over time (cumulative or per time unit), actual vs model.

    ``table``: the output of :func:`crm_models.clv.tracking`, or the fitted model with the
    arguments of that function (``transactions`` or their per-period counts, the calibration
    ``summary``, ``observation_end``; ``period`` and ``time_unit`` default to the model's).
    """
    if _is_model(table):
        if transactions is None or summary is None or observation_end is None:
            raise _needs("tracking", "transactions, summary and observation_end",
                         "plot_tracking(model, transactions=tx, summary=cal, observation_end='1998-06-30')")
        period = period or getattr(table, "period_", None) or "D"
        time_unit = time_unit or getattr(table, "time_unit_", None) or period
        table = validation.tracking(table, transactions, summary, observation_end, period, time_unit,
                                    calibration_end=calibration_end)
    ax = _ax(ax)
    cols = ("actual_cumulative", "predicted_cumulative") if cumulative else ("actual", "predicted")
    if not cumulative and "full_period" in table.columns:
        table = table.loc[table["full_period"]]  # a partial last unit would show a false drop
    periods = np.asarray(table.index, dtype=float)  # time since the cohort's first purchase
    ax.plot(periods, table[cols[0]], color=ACTUAL, label=translate("clv_fig_actual", lang))
    ax.plot(periods, table[cols[1]], "--", color=MODEL, label=translate("clv_fig_model", lang))
    cal = table.attrs.get("calibration_t")
    if cal is not None:
        ax.axvline(cal, color="grey", lw=1, ls=":")
        ax.annotate(translate("clv_fig_end_calibration", lang), (cal, ax.get_ylim()[1]), xytext=(4, -12),
                    textcoords="offset points", fontsize=8, color="grey")
    code = table.attrs.get("time_unit", "")
    unit = unit_name(code, lang) if code else ""
    ax.set_xlabel(translate("clv_fig_time_since_first", lang, unit=unit))
    per = unit_name(code, lang, singular=True) if code else translate("clv_fig_period", lang)
    ax.set_ylabel(translate("clv_fig_cumulative_repeat", lang) if cumulative
                  else translate("clv_fig_repeat_per", lang, unit1=per))
    ax.set_title(translate("clv_fig_tracking_cumulative" if cumulative else "clv_fig_tracking_incremental",
                           lang))
    ax.legend()
    return ax


def plot_cumulative_transactions(model: SummaryModel | pd.DataFrame, ax: Axes | None = None, lang: str = "en",
                                 **tracking: Any) -> Axes:
    """Cumulative repeat transactions, actual vs model: :func:`plot_tracking` with cumulative=True."""
    return plot_tracking(model, True, ax, lang, **tracking)


def plot_incremental_transactions(model: SummaryModel | pd.DataFrame, ax: Axes | None = None,
                                  lang: str = "en", **tracking: Any) -> Axes:
    """Repeat transactions per time unit, actual vs model: :func:`plot_tracking` with cumulative=False."""
    return plot_tracking(model, False, ax, lang, **tracking)


@draws_in_language
def plot_frequency_histogram(table: pd.DataFrame | SummaryModel, ax: Axes | None = None, lang: str = "en", *,
                             summary: pd.DataFrame | None = None, max_frequency: int = 7) -> Axes:
    """Customers by number of calibration repeat purchases, actual vs model (FHL 2005, Figure 1).

    ``table``: the output of :func:`crm_models.clv.frequency_histogram`, or the fitted model
    with the ``summary`` it was fitted on (bars 0, 1, ..., ``max_frequency``+).
    """
    if _is_model(table):
        if summary is None:
            raise _needs("the period transactions", "the summary",
                         "plot_frequency_histogram(model, summary=s)")
        table = validation.frequency_histogram(table, summary, max_frequency=max_frequency)
    ax = _ax(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, color=ACTUAL, label=translate("clv_fig_actual", lang))
    ax.bar(x + 0.2, table["model"], width=0.4, color=MODEL, label=translate("clv_fig_model", lang))
    ax.set_xticks(x, table.index)
    ax.set_xlabel(translate("clv_fig_calibration_purchases", lang))
    ax.set_ylabel(translate("clv_fig_customers", lang))
    ax.set_title(translate("clv_fig_frequency_title", lang))
    ax.legend()
    return ax


def plot_period_transactions(model: SummaryModel, summary: pd.DataFrame, max_frequency: int = 7,
                             ax: Axes | None = None, lang: str = "en") -> Axes:
    """:func:`plot_frequency_histogram` of a fitted model, under the name ``lifetimes`` uses."""
    return plot_frequency_histogram(model, ax=ax, lang=lang, summary=summary, max_frequency=max_frequency)


def _matrix_of(model: Any, T: float | None, summary: pd.DataFrame | None, what: str, call: str) -> float:
    if T is None:
        if summary is None:
            raise _needs(what, "the customers' age T (or the summary: its largest T)", call)
        T = float(np.nanmax(summary["T"].to_numpy(dtype=float)))
    return T


def _heat_map(ax: Axes, table: pd.DataFrame, colorbar: str, lang: str, time_unit: str,
              vmax: float | None) -> Any:
    data = np.ma.masked_invalid(table.to_numpy(dtype=float))
    im = ax.imshow(data, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=vmax,
                   extent=(table.columns.min() - 0.5, table.columns.max() + 0.5,
                           float(table.index.min()), float(table.index.max())))
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, label=colorbar)
    ax.set_xlabel(translate("clv_fig_alive_x", lang))
    ax.set_ylabel(translate("clv_fig_alive_y_unit", lang, unit=unit_name(time_unit, lang)) if time_unit
                  else translate("clv_fig_alive_y", lang))
    return im


@draws_in_language
def plot_frequency_recency_matrix(table: pd.DataFrame | SummaryModel, ax: Axes | None = None,
                                  lang: str = "en", time_unit: str = "", *, t: float = 1.0,
                                  T: float | None = None, summary: pd.DataFrame | None = None,
                                  max_frequency: int = 20) -> Axes:
    """Heat map of the expected purchases in the next ``t`` time units by frequency and recency.

    ``table``: the output of :func:`crm_models.clv.frequency_recency_matrix`, or the fitted
    model with the customers' age ``T`` (default: the largest T of ``summary``).
    """
    if _is_model(table):
        T = _matrix_of(table, T, summary, "the frequency/recency matrix",
                       "plot_frequency_recency_matrix(model, T=39)")
        time_unit = _model_unit(table, time_unit)
        table = validation.frequency_recency_matrix(table, T, t=t, max_frequency=max_frequency)
    ax = _ax(ax, figsize=(7, 5))
    _heat_map(ax, table, translate("clv_fig_expected_purchases", lang), lang, time_unit, None)
    one = float(t) == 1.0
    unit = unit_name(time_unit, lang, singular=one) if time_unit else translate("clv_fig_time_units", lang)
    ax.set_title(translate("clv_fig_fr_title", lang, t=number(t, 0 if float(t).is_integer() else 1, lang),
                           unit=unit))
    return ax


@draws_in_language
def plot_prob_alive_matrix(table: pd.DataFrame | SummaryModel, ax: Axes | None = None, lang: str = "en",
                           time_unit: str = "", *, T: float | None = None,
                           summary: pd.DataFrame | None = None, max_frequency: int = 20) -> Axes:
    """Heat map of P(alive) by frequency (x axis) and recency (y axis, in ``time_unit``).

    ``table``: the output of :func:`crm_models.clv.prob_alive_matrix`, or the fitted model
    with the customers' age ``T`` (default: the largest T of ``summary``).
    """
    if _is_model(table):
        T = _matrix_of(table, T, summary, "the P(alive) matrix", "plot_prob_alive_matrix(model, T=39)")
        time_unit = _model_unit(table, time_unit)
        table = validation.prob_alive_matrix(table, T, max_frequency=max_frequency)
    ax = _ax(ax, figsize=(7, 5))
    _heat_map(ax, table, translate("clv_fig_p_alive", lang), lang, time_unit, 1.0)
    ax.set_title(translate("clv_fig_alive_title", lang))
    return ax


@draws_in_language
def plot_history_alive(model: SummaryModel | pd.DataFrame, dates: Any = None,
                       observation_end: str | pd.Timestamp | None = None, ax: Axes | None = None,
                       lang: str = "en", *, period: str | None = None, time_unit: str | None = None) -> Axes:
    """One customer's P(alive) over calendar time, with her purchases marked.

    ``model`` with her purchase ``dates`` (see :func:`crm_models.clv.prob_alive_history`;
    the history runs to ``observation_end``, default the last purchase), or the table of
    that function.
    """
    if _is_model(model):
        if dates is None:
            raise _needs("a P(alive) history", "the customer's purchase dates",
                         "plot_history_alive(model, tx.loc[tx.customer_id == 'C1', 'date'])")
        table = validation.prob_alive_history(model, dates, observation_end, period=period,
                                              time_unit=time_unit)
    else:
        table = model
    ax = _ax(ax)
    ax.plot(table.index, table["prob_alive"], color=MODEL, label=translate("clv_fig_p_alive", lang))
    bought = table.index[np.r_[True, np.diff(table["frequency"].to_numpy()) > 0]]
    for i, day in enumerate(bought):
        label = translate("clv_fig_purchase", lang) if i == 0 else None
        ax.axvline(day, color=ACTUAL, lw=0.8, ls=":", label=label)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(translate("clv_fig_date", lang))
    ax.set_ylabel(translate("clv_fig_p_alive", lang))
    ax.set_title(translate("clv_fig_history_title", lang))
    ax.legend(loc="lower left")
    # numeric dates (no month names: the same in both languages), rotated on this axes only
    # (Figure.autofmt_xdate would hide the tick labels of the caller's other subplots)
    span = table.index[-1] - table.index[0] if len(table) else pd.Timedelta(0)
    short = span < pd.Timedelta(days=120)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d" if short else "%Y-%m"))
    ax.tick_params(axis="x", labelrotation=30)
    return ax


@draws_in_language
def plot_clv_distribution(clv: pd.Series, ax: Axes | None = None, bins: int = 40, lang: str = "en",
                          currency: str = "") -> Axes:
    """Histogram of customer lifetime values with the share of value held by the top 20%."""
    ax = _ax(ax)
    values = np.sort(np.asarray(clv, dtype=float))[::-1]
    ax.hist(values, bins=bins, color=MODEL, alpha=0.85)
    ax.set_yscale("log")
    ax.set_xlabel(translate("clv_fig_clv_x", lang, currency=f" ({currency})" if currency else ""))
    ax.set_ylabel(translate("clv_fig_customers_log", lang))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0, lang)))
    total = values.sum()
    if total > 0:
        top = values[: max(1, int(np.ceil(0.2 * len(values))))].sum() / total
        ax.set_title(translate("clv_fig_clv_title_top", lang, top=top))
    else:
        ax.set_title(translate("clv_fig_clv_title", lang))
    return ax


@draws_in_language
def plot_retention_projection(model, actual: pd.Series | np.ndarray | None = None, periods: int | None = None,
                              fitted_periods: int | None = None, ax: Axes | None = None,
                              lang: str = "en") -> Axes:
    """sBG survival curve S(t) against observed survival shares (in per cent)."""
    ax = _ax(ax)
    n = periods if periods is not None else (len(actual) - 1 if actual is not None else 12)
    proj = model.project(n, cohort_size=100.0)
    ax.plot(proj.index, proj.to_numpy(), "--", color=MODEL, label=translate("clv_fig_sbg_model", lang))
    if actual is not None:
        a = np.asarray(actual, dtype=float)
        ax.plot(np.arange(len(a)), 100 * a / a[0], "o-", color=ACTUAL,
                label=translate("clv_fig_actual", lang))
    if fitted_periods is not None:
        ax.axvline(fitted_periods, color="grey", lw=1, ls=":")
    ax.set_xlabel(translate("clv_fig_period", lang))
    ax.set_ylabel(translate("clv_fig_still_active", lang))
    ax.set_title(translate("clv_fig_retention_title", lang))
    ax.legend()
    return ax


_COMPARE_STYLES = [(MODEL, "--"), ("#1c7ed6", "-."), ("#2b8a3e", ":"), ("#862e9c", (0, (5, 1, 1, 1)))]


@draws_in_language
def plot_model_tracking(tables: Mapping[str, pd.DataFrame], ax: Axes | None = None, lang: str = "en") -> Axes:
    """Cumulative repeat transactions of the cohort: actual against several models.

    ``tables``: model name (as shown in the legend) -> its :func:`crm_models.clv.tracking`
    table; all of the same cohort, period and time unit (e.g. the best two candidates of
    :func:`crm_models.clv.compare_models`, each fitted on the calibration period).  The
    actual curve is taken from the first table.
    """
    if not tables:
        raise ModelSpecificationError("plot_model_tracking needs at least one tracking table")
    ax = _ax(ax)
    first = next(iter(tables.values()))
    periods = np.asarray(first.index, dtype=float)
    ax.plot(periods, first["actual_cumulative"], color=ACTUAL, lw=2, label=translate("clv_fig_actual", lang))
    for (name, table), (color, style) in zip(tables.items(), itertools.cycle(_COMPARE_STYLES), strict=False):
        ax.plot(np.asarray(table.index, dtype=float), table["predicted_cumulative"], ls=style, color=color,
                label=name)
    cal = first.attrs.get("calibration_t")
    if cal is not None:
        ax.axvline(cal, color="grey", lw=1, ls=":")
        ax.annotate(translate("clv_fig_end_calibration", lang), (cal, ax.get_ylim()[1]), xytext=(4, -12),
                    textcoords="offset points", fontsize=8, color="grey")
    code = first.attrs.get("time_unit", "")
    ax.set_xlabel(translate("clv_fig_time_since_first", lang, unit=unit_name(code, lang) if code else ""))
    ax.set_ylabel(translate("clv_fig_cumulative_repeat", lang))
    ax.set_title(translate("clv_fig_choice_title", lang))
    ax.legend(loc="upper left")
    return ax
