"""Figures of the customer base over time and of the RFM summary distribution.

Every figure takes ``lang`` ("en" or "zh"); its text comes from the report catalogue.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crm_models.plotting.style import draws_in_language
from crm_models.report.i18n import money, translate

__all__ = ["plot_new_vs_repeat", "plot_revenue", "plot_repeat_rate", "plot_summary_distribution"]


def _ax(ax: Axes | None, figsize=(8, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


@draws_in_language
def plot_new_vs_repeat(activity: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Stacked bars: new and repeat customers active in each period."""
    ax = _ax(ax)
    x = activity.index
    width = 20 if len(x) > 1 and (x[1] - x[0]).days >= 28 else 5
    ax.bar(x, activity["new_customers"], width=width, label=translate("lbl_new", lang),
           color=sns.color_palette()[0])
    ax.bar(x, activity["repeat_customers"], width=width, bottom=activity["new_customers"],
           label=translate("lbl_repeat", lang), color=sns.color_palette()[1])
    ax.set(title=translate("fig_new_repeat_title", lang), xlabel=translate("lbl_period", lang),
           ylabel=translate("lbl_customers", lang))
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend()
    return ax


@draws_in_language
def plot_revenue(activity: pd.DataFrame, ax: Axes | None = None, currency: str = "",
                 lang: str = "en") -> Axes:
    """Revenue per period as a line with markers."""
    ax = _ax(ax)
    ax.plot(activity.index, activity["revenue"], marker="o")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: money(v, currency, 0, lang)))
    ax.set(title=translate("fig_revenue_title", lang), xlabel=translate("lbl_period", lang),
           ylabel=f"{translate('lbl_revenue', lang)} {currency}".strip())
    ax.tick_params(axis="x", labelrotation=30)
    return ax


@draws_in_language
def plot_repeat_rate(activity: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Share of acquired customers who have bought again, and repeat share of the active."""
    ax = _ax(ax)
    ax.plot(activity.index, activity["repeat_buyer_rate"], label=translate("lbl_repeat_buyer_rate", lang))
    ax.plot(activity.index, activity["repeat_share"], label=translate("lbl_repeat_share", lang),
            linestyle="--")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(title=translate("fig_repeat_rate_title", lang), xlabel=translate("lbl_period", lang),
           ylabel=translate("lbl_share_customers", lang), ylim=(0, 1))
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend()
    return ax


@draws_in_language
def plot_summary_distribution(summary: pd.DataFrame, column: str, ax: Axes | None = None,
                              unit: str = "", lang: str = "en") -> Axes:
    """Histogram of one RFM summary column (frequency, recency, T or monetary_value)."""
    ax = _ax(ax, figsize=(5, 3.5))
    discrete = column == "frequency"
    sns.histplot(summary[column], ax=ax, discrete=discrete, bins=None if discrete else 30)
    name = translate(f"var_{column}", lang)
    ax.set(title=translate("fig_distribution_title", lang, what=name),
           xlabel=name + (f" ({unit})" if unit else ""), ylabel=translate("lbl_customers", lang))
    return ax
