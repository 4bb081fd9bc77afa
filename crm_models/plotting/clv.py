"""Figures for the CLV area: each ``f(..., ax=None) -> matplotlib Axes``.

They draw the tables of :mod:`crm_models.clv.validation` and the CLV results; pass ``ax``
to place a figure in your own layout.  Every figure takes ``lang`` ("en" or "zh"); its text
comes from the report catalogue (:mod:`crm_models.report.clv.messages`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from crm_models.plotting.style import draws_in_language
from crm_models.report.i18n import number, translate, unit_name

__all__ = [
    "plot_holdout_by_frequency",
    "plot_tracking",
    "plot_frequency_histogram",
    "plot_prob_alive_matrix",
    "plot_clv_distribution",
    "plot_retention_projection",
]

ACTUAL = "#1f2937"
MODEL = "#d9480f"


def _ax(ax: Axes | None, figsize=(7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


@draws_in_language
def plot_holdout_by_frequency(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs model."""
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


@draws_in_language
def plot_tracking(table: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None,
                  lang: str = "en") -> Axes:
    """Repeat transactions of the cohort over time (cumulative or per time unit), actual vs model."""
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


@draws_in_language
def plot_frequency_histogram(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Customers by number of calibration repeat purchases, actual vs model."""
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


@draws_in_language
def plot_prob_alive_matrix(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en",
                           time_unit: str = "") -> Axes:
    """Heat map of P(alive) by frequency (x axis) and recency (y axis, in ``time_unit``)."""
    ax = _ax(ax, figsize=(7, 5))
    data = np.ma.masked_invalid(table.to_numpy(dtype=float))
    im = ax.imshow(data, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1,
                   extent=(table.columns.min() - 0.5, table.columns.max() + 0.5,
                           float(table.index.min()), float(table.index.max())))
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, label=translate("clv_fig_p_alive", lang))
    ax.set_xlabel(translate("clv_fig_alive_x", lang))
    ax.set_ylabel(translate("clv_fig_alive_y_unit", lang, unit=unit_name(time_unit, lang)) if time_unit
                  else translate("clv_fig_alive_y", lang))
    ax.set_title(translate("clv_fig_alive_title", lang))
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
