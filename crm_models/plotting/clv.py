"""Figures for the CLV area: each ``f(..., ax=None) -> matplotlib Axes``.

They draw the tables of :mod:`crm_models.clv.validation` and the CLV results; pass ``ax``
to place a figure in your own layout.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

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


def plot_holdout_by_frequency(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs model."""
    ax = _ax(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], "o-", color=ACTUAL, label="actual")
    ax.plot(x, table["predicted"], "s--", color=MODEL, label="model")
    ax.set_xticks(x, table.index)
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Conditional expectations: holdout period")
    ax.legend()
    return ax


def plot_tracking(table: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None) -> Axes:
    """Repeat transactions of the cohort over time (cumulative or per time unit), actual vs model."""
    ax = _ax(ax)
    cols = ("actual_cumulative", "predicted_cumulative") if cumulative else ("actual", "predicted")
    if not cumulative and "full_period" in table.columns:
        table = table.loc[table["full_period"]]  # a partial last unit would show a false drop
    t = np.asarray(table.index, dtype=float)
    ax.plot(t, table[cols[0]], color=ACTUAL, label="actual")
    ax.plot(t, table[cols[1]], "--", color=MODEL, label="model")
    cal = table.attrs.get("calibration_t")
    if cal is not None:
        ax.axvline(cal, color="grey", lw=1, ls=":")
        ax.annotate("end of calibration", (cal, ax.get_ylim()[1]), xytext=(4, -12),
                    textcoords="offset points", fontsize=8, color="grey")
    unit = table.attrs.get("time_unit", "")
    ax.set_xlabel(f"time since the first purchase in the cohort ({unit})")
    ax.set_ylabel("cumulative repeat transactions" if cumulative
                  else f"repeat transactions per {unit or 'period'}")
    ax.set_title("Tracking: " + ("cumulative" if cumulative else "incremental") + " repeat transactions")
    ax.legend()
    return ax


def plot_frequency_histogram(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customers by number of calibration repeat purchases, actual vs model."""
    ax = _ax(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, color=ACTUAL, label="actual")
    ax.bar(x + 0.2, table["model"], width=0.4, color=MODEL, label="model")
    ax.set_xticks(x, table.index)
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat purchases")
    ax.legend()
    return ax


def plot_prob_alive_matrix(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heat map of P(alive) by frequency (x axis) and recency (y axis)."""
    ax = _ax(ax, figsize=(7, 5))
    data = np.ma.masked_invalid(table.to_numpy(dtype=float))
    im = ax.imshow(data, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1,
                   extent=(table.columns.min() - 0.5, table.columns.max() + 0.5,
                           float(table.index.min()), float(table.index.max())))
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, label="P(alive)")
    ax.set_xlabel("repeat purchases (frequency)")
    ax.set_ylabel("time of the last purchase (recency)")
    ax.set_title("Probability that a customer is still active")
    return ax


def plot_clv_distribution(clv: pd.Series, ax: Axes | None = None, bins: int = 40) -> Axes:
    """Histogram of customer lifetime values with the share of value held by the top 20%."""
    ax = _ax(ax)
    values = np.sort(np.asarray(clv, dtype=float))[::-1]
    ax.hist(values, bins=bins, color=MODEL, alpha=0.85)
    ax.set_yscale("log")
    ax.set_xlabel("customer lifetime value")
    ax.set_ylabel("customers (log scale)")
    total = values.sum()
    if total > 0:
        top = values[: max(1, int(np.ceil(0.2 * len(values))))].sum() / total
        ax.set_title(f"Distribution of CLV (top 20% of customers hold {top:.0%} of the value)")
    else:
        ax.set_title("Distribution of CLV")
    return ax


def plot_retention_projection(model, actual: pd.Series | np.ndarray | None = None, periods: int | None = None,
                              fitted_periods: int | None = None, ax: Axes | None = None) -> Axes:
    """sBG survival curve S(t) against observed survival shares (in per cent)."""
    ax = _ax(ax)
    n = periods if periods is not None else (len(actual) - 1 if actual is not None else 12)
    proj = model.project(n, cohort_size=100.0)
    ax.plot(proj.index, proj.to_numpy(), "--", color=MODEL, label="sBG model")
    if actual is not None:
        a = np.asarray(actual, dtype=float)
        ax.plot(np.arange(len(a)), 100 * a / a[0], "o-", color=ACTUAL, label="actual")
    if fitted_periods is not None:
        ax.axvline(fitted_periods, color="grey", lw=1, ls=":")
    ax.set_xlabel("period")
    ax.set_ylabel("% of the cohort still active")
    ax.set_title("Customer retention: fit and projection")
    ax.legend()
    return ax
