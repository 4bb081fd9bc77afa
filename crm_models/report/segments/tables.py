"""The segments report's tables: one function per table, headers and names in the report's language.

Each function returns a pandas ``Styler`` (see :func:`crm_models.report.tables.formatted`)
ready to ``display``; the frames passed in are not modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from crm_models import segments
from crm_models.report.i18n import money
from crm_models.report.safe import markdown_translator
from crm_models.report.segments.messages import column_labels, label, labels, t
from crm_models.report.segments.sections import tier_order
from crm_models.report.tables import formatted

__all__ = ["counts_frame", "segments_table", "value_tiers_table", "stages_table", "loyalty_table",
           "membership_table", "tier_changes_table", "clusters_table", "uplift_table", "loyalty_or_note"]


def _money(currency: str):
    def m(value: float) -> str:
        return money(value, currency)
    return m


def counts_frame(counts: pd.Series, column: str = "customers", share: bool = True) -> pd.DataFrame:
    """Counts as a one-column frame (missing counts 0), with each row's share of the total.

    Parameters
    ----------
    counts : Series
        Count per group.
    column : str
        Name of the count column.
    share : bool
        Add a ``share`` column.

    Returns
    -------
    DataFrame
    """
    frame = counts.fillna(0).astype(int).to_frame(column)
    return frame.assign(share=lambda d: d[column] / d[column].sum()) if share else frame


def segments_table(summary: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """The RFM segments (:func:`~crm_models.segments.segment_summary`), names in words."""
    m = _money(currency)
    shown = summary.rename(index=lambda s: label("name", s, lang))
    return formatted(shown, column_labels(shown.columns, lang),
                     {"customers": "{:,}", "share": "{:.1%}", "time_since_last": "{:,.0f}",
                      "frequency": "{:,.1f}", "monetary": m, "value": m, "value_share": "{:.1%}"},
                     index_name=markdown_translator(t, lang)("seg_col_segment"), na_rep="-")


def value_tiers_table(tier_summary: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """Customers and value per value tier (:func:`~crm_models.segments.value_tier_summary`)."""
    m = _money(currency)
    shown = tier_summary.rename(index=lambda s: label("value", s, lang))
    return formatted(shown, column_labels(shown.columns, lang),
                     {"customers": "{:,}", "customer_share": "{:.1%}", "value": m, "value_share": "{:.1%}",
                      "mean_value": m}, index_name=markdown_translator(t, lang)("seg_col_tier"))


def _named(frame: pd.DataFrame, kind: str, title_key: str, lang: str) -> pd.DataFrame:
    shown = frame.copy()
    shown.index = pd.Index(labels(kind, shown.index, lang), name=markdown_translator(t, lang)(title_key))
    return shown


def stages_table(stage_counts: pd.Series, lang: str = "en") -> Styler:
    """Customers per lifecycle stage (in :data:`crm_models.segments.STAGES` order) and their share."""
    shown = _named(counts_frame(stage_counts), "stage", "seg_col_stage", lang)
    return formatted(shown, column_labels(shown.columns, lang), {"customers": "{:,}", "share": "{:.1%}"})


def loyalty_table(loyalty: pd.Series, lang: str = "en") -> Styler:
    """Customers per loyalty type (the loyalty matrix) and their share."""
    shown = _named(counts_frame(loyalty.value_counts()), "loyalty", "seg_col_loyalty", lang)
    return formatted(shown, column_labels(shown.columns, lang), {"customers": "{:,}", "share": "{:.1%}"})


def membership_table(members: pd.DataFrame, thresholds: Mapping[str, float], lang: str = "en") -> Styler:
    """Members per membership tier, highest tier first."""
    counts = members["tier"].value_counts().reindex(tier_order(thresholds))
    shown = _named(counts_frame(counts, "members", share=False), "tier", "seg_col_tier", lang)
    return formatted(shown, column_labels(shown.columns, lang), "{:,}")


def tier_changes_table(changes: pd.DataFrame, lang: str = "en") -> Styler:
    """Tier changes per evaluation date (:func:`~crm_models.segments.tier_changes`)."""
    shown = changes.copy()
    shown.index = pd.Index([f"{d:%Y-%m-%d}" for d in shown.index],
                           name=markdown_translator(t, lang)("seg_col_evaluation_date"))
    return formatted(shown, column_labels(shown.columns, lang), "{:,}")


def clusters_table(km: segments.KMeansSegmenter, currency: str = "", lang: str = "en") -> Styler:
    """The k-means clusters' profiles (``KMeansSegmenter.summary``)."""
    profiles = km.summary
    return formatted(profiles, column_labels(profiles.columns, lang),
                     {"customers": "{:,}", "share": "{:.1%}", "time_since_last": "{:,.0f}",
                      "frequency": "{:,.1f}", "monetary": _money(currency)},
                     index_name=markdown_translator(t, lang)("seg_col_cluster"))


def uplift_table(uplift: pd.Series, currency: str = "", lang: str = "en") -> Styler:
    """The value of better retention (:func:`~crm_models.segments.retention_uplift_value`), one row
    per figure: rates and percentages as such, the rest as money."""
    md = markdown_translator(t, lang)
    m = _money(currency)
    shown = pd.Series({md(f"seg_col_{k}"): f"{v:.1%}" if k.startswith("retention")
                       else f"{v:.1f}%" if k == "percent_gain" else m(v) for k, v in uplift.items()})
    return shown.to_frame().style.hide(axis="columns")


def loyalty_or_note(loyalty: pd.Series | None, lang: str = "en") -> list[Any]:
    """What the loyalty section shows under its figure: the table, or the note that there is no survey.

    Returns
    -------
    list
        ``[Styler]`` (:func:`loyalty_table`) or ``[Markdown]``; ``display(*items)`` shows it.
    """
    if loyalty is None:
        return [Markdown(markdown_translator(t, lang)("seg_no_survey"))]
    return [loyalty_table(loyalty, lang)]
