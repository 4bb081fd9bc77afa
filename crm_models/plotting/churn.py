"""Churn figures: Kaplan-Meier by segment, hazard-ratio forest plot, retention value, calibration.

Every figure takes ``lang`` ("en" or "zh"); its text comes from the report catalogue
(:mod:`crm_models.report.churn.messages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, PercentFormatter

from crm_models.errors import CRMDataError
from crm_models.plotting.style import draws_in_language
from crm_models.report.churn.messages import (
    compared_model_name,
    effect_name,
    model_name,
    readable,
    term_label,
)
from crm_models.report.i18n import money, percent, translate

__all__ = ["plot_calibration", "plot_effects", "plot_gains", "plot_km", "plot_reliability",
           "plot_retention_value", "plot_risk_distribution"]


def _ax(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


@draws_in_language
def plot_km(df: pd.DataFrame, duration_col: str = "duration", event_col: str = "event",
            segment: str | None = None, *, ax: Axes | None = None, ci: bool = True, at_risk: bool = True,
            alpha: float = 0.05, time_unit: str = "", max_segments: int = 8, lang: str = "en") -> Axes:
    """Kaplan-Meier retention curves per segment with confidence bands and at-risk counts below.

    The at-risk table (lifelines' ``add_at_risk_counts``) shows how many customers each
    curve still rests on: where it is small, the curve is uncertain.
    """
    from lifelines.plotting import add_at_risk_counts

    from crm_models.churn.descriptive import km_fitters

    ax = _ax(ax)
    fitters = km_fitters(df, duration_col, event_col, segment, alpha=alpha)
    if len(fitters) > max_segments:
        raise CRMDataError(f"{len(fitters)} segments: too many curves to read; group them first "
                           f"(max_segments={max_segments})", column=segment)
    # curve names: the segment levels, or "all customers" in the report language
    names = [translate("churn_all_customers", lang) if segment is None else readable(kmf._label)
             for kmf in fitters.values()]
    for kmf, name in zip(fitters.values(), names, strict=True):
        kmf.plot_survival_function(ax=ax, ci_show=ci, show_censors=False, label=name)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    xlabel = (translate("churn_fig_time_as_customer_unit", lang, unit=time_unit) if time_unit
              else translate("churn_fig_time_as_customer", lang))
    title = (translate("churn_fig_km_title", lang, segment=readable(segment)) if segment
             else translate("churn_fig_km_title_all", lang))
    ax.set(ylim=(0, 1.02), xlabel=xlabel, ylabel=translate("churn_fig_still_customer", lang), title=title)
    ax.legend(title=readable(segment) if segment else None, loc="lower left")
    if at_risk:
        add_at_risk_counts(*fitters.values(), ax=ax, rows_to_show=["At risk"], labels=names)
        if lang != "en":  # lifelines writes "At risk" above the first column of counts
            for other in ax.figure.axes:
                labels = [tick.get_text() for tick in other.get_xticklabels()]
                if labels and labels[0].startswith("At risk\n"):
                    labels[0] = translate("churn_fig_at_risk", lang) + labels[0][len("At risk"):]
                    other.set_xticks(other.get_xticks(), labels, ha="right")
    return ax


@draws_in_language
def plot_effects(model: Any, ax: Axes | None = None, *, max_terms: int = 30, lang: str = "en") -> Axes:
    """Forest plot of the model's effects: hazard ratios (Cox) or time ratios (AFT) with CIs.

    Log scale, a reference line at 1.  For a hazard ratio, right of the line = churns
    sooner; for a time ratio, right of the line = stays longer.  Dummies read "level (vs
    reference)".
    """
    eff = model.effects_.copy()
    if len(eff) > max_terms:
        eff = eff.reindex(eff["p"].sort_values().index[:max_terms])
    labels = [term_label(term, row, lang) for term, row in eff.iterrows()]
    ax = _ax(ax, figsize=(8, 0.4 * len(eff) + 1.5))
    y = np.arange(len(eff))[::-1]
    ratio, lo, hi = eff["ratio"].to_numpy(), eff["lower"].to_numpy(), eff["upper"].to_numpy()
    kind = eff["effect"].iloc[0] if len(eff) else "ratio"
    harmful = ratio > 1 if kind == "hazard ratio" else ratio < 1
    colors = np.where(harmful, "#c0392b", "#2471a3")
    ax.hlines(y, lo, hi, color=colors, lw=2)
    ax.scatter(ratio, y, color=colors, zorder=3)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    finite = np.concatenate([lo, hi, [1.0]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    lo_lim, hi_lim = finite.min() / 1.15, finite.max() * 1.15
    nice = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50, 100])
    ticks = nice[(nice >= lo_lim) & (nice <= hi_lim)]
    ax.set_xlim(lo_lim, hi_lim)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yticks(y, labels)
    ci = f"{100 * (1 - model.alpha):g}%"
    meaning = translate("churn_fig_sooner" if kind == "hazard ratio" else "churn_fig_longer", lang)
    ax.set(xlabel=translate("churn_fig_effects_x", lang, kind=effect_name(kind, lang), ci=ci,
                            meaning=meaning),
           title=translate("churn_fig_effects_title", lang, kind=effect_name(kind, lang),
                           model=model_name(model.kind, lang)))
    return ax


@draws_in_language
def plot_retention_value(table: pd.DataFrame, ax: Axes | None = None, *, currency: str = "",
                         lang: str = "en") -> Axes:
    """Bars: value gained by lowering the churn hazard by each improvement (a retention_improvement table).

    Labels give the gain per targeted customer: the most a retention action may cost per
    customer and still pay for itself.
    """
    ax = _ax(ax, figsize=(7, 4))
    x = ["-" + percent(v, 0, lang) for v in table["improvement"]]
    bars = ax.bar(x, table["gain"], color="#27ae60")
    for bar, per in zip(bars, table["gain_per_targeted"], strict=True):
        ax.annotate(translate("churn_fig_per_customer", lang, amount=money(per, currency, lang=lang)),
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=9)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: money(v, currency, 0, lang)))
    ylabel = f"{translate('churn_fig_value_gained', lang)} {currency}".strip()
    ax.set(xlabel=translate("churn_fig_lowered_by", lang), ylabel=ylabel,
           title=translate("churn_fig_retention_title", lang))
    return ax


@draws_in_language
def plot_calibration(table: pd.DataFrame, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Predicted vs observed churn by risk group (a calibration_table) around the diagonal."""
    ax = _ax(ax, figsize=(5, 5))
    err = np.vstack([table["observed"] - table["observed_lower"],
                     table["observed_upper"] - table["observed"]])
    ax.errorbar(table["predicted"], table["observed"], yerr=err, fmt="o", capsize=3)
    top = float(np.nanmax([table["predicted"].max(), table["observed_upper"].max(), 0.05])) * 1.05
    ax.plot([0, top], [0, top], color="grey", ls="--", lw=1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlim=(0, top), ylim=(0, top), xlabel=translate("churn_fig_predicted", lang),
           ylabel=translate("churn_fig_observed", lang), title=translate("churn_fig_calibration_title", lang))
    return ax


@draws_in_language
def plot_risk_distribution(probabilities: pd.Series, ax: Axes | None = None, *,
                           thresholds: tuple[float, ...] = (0.2, 0.5), horizon: float | None = None,
                           time_unit: str = "", lang: str = "en") -> Axes:
    """Histogram of churn probabilities with the risk-tier thresholds marked."""
    ax = _ax(ax, figsize=(7, 4))
    ax.hist(probabilities, bins=40, range=(0, 1), color="#7f8c8d")
    for threshold in thresholds:
        ax.axvline(threshold, color="#c0392b", ls="--", lw=1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    if horizon is None:
        xlabel = translate("churn_fig_probability", lang)
    elif time_unit:
        xlabel = translate("churn_fig_probability_within_unit", lang, horizon=horizon, unit=time_unit)
    else:
        xlabel = translate("churn_fig_probability_within", lang, horizon=horizon)
    ax.set(xlabel=xlabel, ylabel=translate("churn_fig_customers", lang),
           title=translate("churn_fig_risk_title", lang))
    return ax


def _named(tables: pd.DataFrame | Mapping[str, pd.DataFrame], lang: str) -> dict[str, pd.DataFrame]:
    """One table or ``{model code: table}``; codes become model names in ``lang``."""
    if isinstance(tables, pd.DataFrame):
        return {"": tables}
    return {compared_model_name(k, lang): v for k, v in tables.items()}


@draws_in_language
def plot_reliability(tables: pd.DataFrame | Mapping[str, pd.DataFrame], ax: Axes | None = None, *,
                     lang: str = "en") -> Axes:
    """Reliability curves: mean predicted churn against the observed churn rate per score group.

    ``tables``: a :func:`~crm_models.churn.reliability_table` or ``{model: table}`` (model codes
    such as ``"logit"`` or ``"cox"`` are named in ``lang``).  Points on the diagonal: the
    probabilities mean what they say; below it the model overstates churn.  Unlike
    :func:`plot_calibration` (a survival model's risk groups against Kaplan-Meier, with
    intervals), this draws classifier-style bins of several models on one chart.
    """
    ax = _ax(ax, figsize=(5.5, 5))
    named = _named(tables, lang)
    top = 0.05
    for name, table in named.items():
        ax.plot(table["mean_predicted"], table["observed_rate"], marker="o", ms=4, label=name or None)
        top = max(top, float(table["mean_predicted"].max()), float(table["observed_rate"].max()))
    top = min(1.0, top * 1.05)
    ax.plot([0, top], [0, top], color="grey", ls="--", lw=1, label=translate("churn_fig_perfect", lang))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlim=(0, top), ylim=(0, top), xlabel=translate("churn_fig_mean_predicted", lang),
           ylabel=translate("churn_fig_observed_rate", lang),
           title=translate("churn_fig_reliability_title", lang))
    ax.legend(loc="upper left", fontsize=8)
    return ax


@draws_in_language
def plot_gains(tables: pd.DataFrame | Mapping[str, pd.DataFrame], ax: Axes | None = None, *,
               lang: str = "en") -> Axes:
    """Cumulative gains: share of all churners reached against the share of customers contacted.

    ``tables``: a :func:`~crm_models.churn.gains_table` or ``{model: table}``; each curve starts at
    (0, 0) and passes through the table's ``cum_share`` / ``cum_gain`` points; the diagonal is
    contacting customers in random order.
    """
    ax = _ax(ax, figsize=(5.5, 5))
    for name, table in _named(tables, lang).items():
        ax.plot(np.r_[0.0, table["cum_share"]], np.r_[0.0, table["cum_gain"]], marker="o", ms=4,
                label=name or None)
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label=translate("churn_fig_random", lang))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel=translate("churn_fig_gains_x", lang),
           ylabel=translate("churn_fig_gains_y", lang), title=translate("churn_fig_gains_title", lang))
    ax.legend(loc="lower right", fontsize=8)
    return ax
