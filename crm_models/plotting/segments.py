"""Figures for segmentation, loyalty and membership; each ``f(..., ax=None) -> Axes``.

Inputs are the outputs of :mod:`crm_models.segments` (segment summaries, the loyalty
matrix Series, membership histories, a fitted :class:`KMeansSegmenter`), so a notebook
cell is one call.  Every figure takes ``lang`` ("en" or "zh"); its text, and the names of
segments, tiers and loyalty types, come from the report catalogue
(:mod:`crm_models.report.segments.messages`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from crm_models.errors import CRMDataError
from crm_models.plotting.style import draws_in_language
from crm_models.report.i18n import date as date_text
from crm_models.report.i18n import number, translate
from crm_models.report.segments.messages import column_label, label, labels
from crm_models.segments import (
    KMeansSegmenter,
    lorenz_curve,
    pareto_curve,
    pareto_point,
    segment_summary,
)

__all__ = [
    "plot_segment_sizes",
    "plot_pareto",
    "plot_tier_migration",
    "plot_tier_changes",
    "plot_loyalty_matrix",
    "plot_rfm_heatmap",
    "plot_cluster_profiles",
    "plot_silhouette",
]

_LOYALTY_COLOURS = {"non-loyal": "#bdbdbd", "latent": "#6baed6", "inertia": "#fd8d3c",
                    "absolute": "#31a354"}


def _ax(ax: Axes | None, figsize: tuple[float, float] = (7, 4.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


@draws_in_language
def plot_segment_sizes(summary: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                       lang: str = "en", kind: str = "name") -> Axes:
    """Horizontal bars: customers per segment, labelled with their share of customers and value.

    ``summary``: :func:`~crm_models.segments.segment_summary` (or ``value_tier_summary``)
    output, or ``rfm_segments`` output (summarised here).  Empty segments show as empty bars.
    ``kind``: what the rows are, for their names in ``lang`` (``"name"``: RFM segments,
    ``"value"``: value tiers, ``"tier"``: membership tiers).
    """
    if "segment" in summary.columns and "customers" not in summary.columns:
        summary = segment_summary(summary)
    if "customers" not in summary.columns:
        raise CRMDataError("expected a summary with a 'customers' column", source="plot_segment_sizes",
                           column="customers")
    ax = _ax(ax)
    names = labels(kind, summary.index, lang)
    y = np.arange(len(names))[::-1]
    ax.barh(y, summary["customers"].to_numpy(), color="#4c72b0")
    ax.set_yticks(y, names)
    share = summary["customers"] / max(summary["customers"].sum(), 1)
    vshare = summary["value_share"] if "value_share" in summary.columns else None
    xmax = max(float(summary["customers"].max()), 1.0)
    for i, yi in enumerate(y):
        if vshare is None:
            text = translate("seg_fig_share_label", lang, customers=100 * share.iloc[i])
        else:
            text = translate("seg_fig_share_value_label", lang, customers=100 * share.iloc[i],
                             value=100 * vshare.iloc[i])
        ax.text(summary["customers"].iloc[i] + 0.01 * xmax, yi, text, va="center", fontsize=8)
    ax.set_xlim(0, xmax * 1.45)
    ax.set_xlabel(translate("seg_fig_customers", lang))
    ax.set_title(title or translate("seg_fig_sizes_title", lang))
    return ax


@draws_in_language
def plot_pareto(value: pd.Series, ax: Axes | None = None, kind: str = "pareto", lang: str = "en") -> Axes:
    """Pareto curve (most valuable customers first) with its 80/20 point, or the Lorenz curve.

    ``kind="pareto"``: cumulative share of value vs of customers and the point where
    they add to 100 %; ``kind="lorenz"``: from the least valuable customer, with the Gini.
    """
    ax = _ax(ax, (5.5, 5))
    if kind == "pareto":
        c = pareto_curve(value)
        ax.plot(c["customer_share"], c["value_share"], color="#4c72b0",
                label=translate("seg_fig_pareto_curve", lang))
        p = pareto_point(value)
        ax.plot([0, 1], [1, 0], color="grey", lw=0.8, ls=":")
        ax.scatter([p["customer_share"]], [p["value_share"]], color="#c44e52", zorder=3)
        ax.annotate(translate("seg_fig_pareto_point", lang, customers=100 * p["customer_share"],
                              value=100 * p["value_share"]),
                    (p["customer_share"], p["value_share"]), xytext=(12, -30),
                    textcoords="offset points", fontsize=9)
        ax.set_title(translate("seg_fig_pareto_title", lang))
    elif kind == "lorenz":
        from crm_models.segments import gini

        c = lorenz_curve(value)
        ax.plot(c["customer_share"], c["value_share"], color="#4c72b0",
                label=translate("seg_fig_lorenz_curve", lang, gini=gini(value)))
        ax.set_title(translate("seg_fig_lorenz_title", lang))
    else:
        raise CRMDataError(f"kind must be 'pareto' or 'lorenz', not {kind!r}", source="plot_pareto")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--", label=translate("seg_fig_equal", lang))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(translate("seg_fig_share_customers", lang))
    ax.set_ylabel(translate("seg_fig_share_value", lang))
    ax.legend(loc="lower right", fontsize=8)
    return ax


def _column(name: object, lang: str) -> str:
    """A feature column's name in the report language (English: the column name itself)."""
    return str(name) if lang == "en" else column_label(name, lang)


def _tier_on(name: object, lang: str) -> object:
    """``"tier on 2024-12-25"`` (a tier_migration axis) in the report language."""
    text = str(name)
    if not text.startswith("tier on "):
        return name
    return translate("seg_fig_tier_on", lang, date=text[len("tier on "):])


def _annotated_heatmap(mat: pd.DataFrame, ax: Axes, fmt: str, cmap: str, cbar_label: str,
                       center: float | None = None) -> Axes:
    import seaborn as sns

    sns.heatmap(mat, annot=True, fmt=fmt, cmap=cmap, ax=ax, center=center,
                cbar_kws={"label": cbar_label}, linewidths=0.5)
    return ax


@draws_in_language
def plot_tier_migration(matrix: pd.DataFrame, ax: Axes | None = None, normalize: bool = False,
                        lang: str = "en") -> Axes:
    """Heatmap of a :func:`~crm_models.segments.tier_migration` matrix.

    Colours show the share of each row (the chance of moving from a tier to another), so
    small tiers are as readable as the big "ordinary" one; cells are labelled with the
    counts (``normalize=False``) or the row shares (``normalize=True``).
    """
    import seaborn as sns

    ax = _ax(ax, (6, 4.5))
    counts = matrix.astype(float)
    shares = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
    annot = shares if normalize else counts
    if lang != "en":  # tier names and the "tier on <date>" axis titles in the report language
        index = pd.Index(labels("tier", shares.index, lang), name=_tier_on(shares.index.name, lang))
        columns = pd.Index(labels("tier", shares.columns, lang), name=_tier_on(shares.columns.name, lang))
        shares = pd.DataFrame(shares.to_numpy(), index=index, columns=columns)
        annot = pd.DataFrame(annot.to_numpy(), index=shares.index, columns=shares.columns)
    sns.heatmap(shares, annot=annot, fmt=".0%" if normalize else ".0f", cmap="Blues", vmin=0, vmax=1,
                ax=ax, linewidths=0.5, cbar_kws={"label": translate("seg_fig_share_row", lang)})
    ax.set_title(translate("seg_fig_migration_title", lang))
    return ax


@draws_in_language
def plot_tier_changes(changes: pd.DataFrame, ax: Axes | None = None, skip_first: bool = True,
                      lang: str = "en") -> Axes:
    """Upgrades (up), downgrades (down) and new members per evaluation (:func:`tier_changes`).

    ``skip_first`` leaves out the first evaluation, where every member counts as joined.
    """
    ax = _ax(ax)
    if skip_first and len(changes) > 1:
        changes = changes.iloc[1:]
    x = np.arange(len(changes))
    ax.bar(x, changes["upgraded"], color="#31a354", label=translate("seg_fig_upgraded", lang))
    ax.bar(x, -changes["downgraded"], color="#de2d26", label=translate("seg_fig_downgraded", lang))
    if "joined" in changes.columns:
        ax.plot(x, changes["joined"], "o-", color="#756bb1", label=translate("seg_fig_joined", lang))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, [date_text(d, lang) for d in changes.index], rotation=45, ha="right")
    ax.set_ylabel(translate("seg_fig_customers", lang))
    ax.set_title(translate("seg_fig_changes_title", lang))
    ax.legend(fontsize=8)
    return ax


@draws_in_language
def plot_loyalty_matrix(loyalty: pd.Series, ax: Axes | None = None, jitter: float = 0.15,
                        seed: int = 0, lang: str = "en") -> Axes:
    """Scatter of attitude vs behaviour coloured by loyalty type, with the threshold lines.

    ``loyalty``: :func:`~crm_models.segments.loyalty_matrix` output (its ``attrs`` carry the
    values and thresholds).  Survey scores are discrete, so points get a small seeded
    jitter (``jitter`` x the attitude's standard deviation) to show how many overlap.
    """
    for key in ("attitude", "behaviour", "attitude_threshold", "behaviour_threshold"):
        if key not in loyalty.attrs:
            raise CRMDataError(f"expected loyalty_matrix output (attrs[{key!r}] missing)",
                               source="plot_loyalty_matrix")
    ax = _ax(ax, (6, 5))
    a = loyalty.attrs["attitude"].reindex(loyalty.index).to_numpy(dtype=float)
    b = loyalty.attrs["behaviour"].reindex(loyalty.index).to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    a_j = a + rng.normal(0, jitter * (a.std() or 1), size=len(a)) if jitter else a
    counts = loyalty.value_counts()
    for cat in loyalty.cat.categories:
        m = (loyalty == cat).to_numpy()
        ax.scatter(a_j[m], b[m], s=12, alpha=0.6, color=_LOYALTY_COLOURS.get(cat),
                   label=f"{label('loyalty', cat, lang)} ({number(counts.get(cat, 0), 0, lang)})")
    ax.axvline(loyalty.attrs["attitude_threshold"], color="black", lw=0.8, ls="--")
    ax.axhline(loyalty.attrs["behaviour_threshold"], color="black", lw=0.8, ls="--")
    ax.set_xlabel(translate("seg_fig_attitude", lang))
    ax.set_ylabel(translate("seg_fig_behaviour", lang))
    ax.set_title(translate("seg_fig_loyalty_title", lang))
    ax.legend(fontsize=8, loc="upper left")
    return ax


@draws_in_language
def plot_rfm_heatmap(seg: pd.DataFrame, ax: Axes | None = None, value: str = "monetary",
                     agg: str = "mean", lang: str = "en") -> Axes:
    """R (rows, 5 = most recent at the top) x F (columns) grid of ``agg`` of ``value``.

    ``agg="count"`` shows how many customers sit in each cell; ``"mean"`` / ``"sum"`` the
    value.  Empty cells are blank.
    """
    for col in ("R", "F"):
        if col not in seg.columns:
            raise CRMDataError("expected rfm_segments output", source="plot_rfm_heatmap", column=col)
    ax = _ax(ax, (6, 4.5))
    n_bins = int(seg.attrs.get("n_bins", max(seg["R"].max(), seg["F"].max())))
    scores = range(1, n_bins + 1)
    if agg == "count":
        mat = pd.crosstab(seg["R"], seg["F"]).astype(float)
        what, fmt = translate("seg_fig_customers", lang), ".0f"
    else:
        if value not in seg.columns:
            raise CRMDataError("missing column", source="plot_rfm_heatmap", column=value)
        mat = seg.pivot_table(index="R", columns="F", values=value, aggfunc=agg, observed=False)
        what = translate("seg_fig_rfm_value", lang, agg=label("agg", agg, lang), value=_column(value, lang))
        fmt = ".0f"
    mat = mat.reindex(index=list(scores)[::-1], columns=list(scores))
    _annotated_heatmap(mat, ax, fmt, "YlGnBu", what)
    ax.set_xlabel(translate("seg_fig_f_score", lang))
    ax.set_ylabel(translate("seg_fig_r_score", lang))
    ax.set_title(translate("seg_fig_rfm_title", lang, label=what))
    return ax


@draws_in_language
def plot_cluster_profiles(model: KMeansSegmenter, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Heatmap of each cluster's mean features in standard deviations from the overall mean;
    row labels give the cluster's size."""
    ax = _ax(ax, (6, 0.6 * getattr(model, "k_", 4) + 2))
    z = model.standardized_profiles()
    prof = model.summary
    z.index = [translate("seg_fig_cluster_row", lang, i=i, n=prof.loc[i, "customers"],
                         share=100 * prof.loc[i, "share"]) for i in z.index]
    z.columns = [_column(c, lang) for c in z.columns]
    _annotated_heatmap(z, ax, ".2f", "RdBu_r", translate("seg_fig_sd_from_mean", lang), center=0)
    ax.set_title(translate("seg_fig_profiles_title", lang))
    return ax


@draws_in_language
def plot_silhouette(model: KMeansSegmenter, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Mean silhouette by number of clusters, the chosen k marked."""
    ax = _ax(ax, (5.5, 3.5))
    s = model.silhouette_
    ax.plot(s.index, s.to_numpy(), "o-", color="#4c72b0")
    ax.scatter([model.k_], [s[model.k_]], s=120, facecolors="none", edgecolors="#c44e52", zorder=3,
               label=translate("seg_fig_chosen_k", lang, k=model.k_))
    ax.set_xticks(list(s.index))
    ax.set_xlabel(translate("seg_fig_k", lang))
    ax.set_ylabel(translate("seg_fig_silhouette", lang))
    ax.set_title(translate("seg_fig_k_title", lang))
    ax.legend(fontsize=8)
    return ax
