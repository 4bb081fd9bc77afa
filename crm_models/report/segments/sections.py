"""The segments report's results and sentences: everything the notebook shows, computed here.

:func:`load_survey` reads the loyalty survey (through the CSI report's loader),
:func:`analyse` segments the customers, and the ``*_markdown`` functions write the
report's sentences (text values escaped for Markdown, see
:func:`~crm_models.report.safe.markdown_translator`); :func:`summary_record` gives the key
figures of a scheduled run.  The styled tables are in :mod:`crm_models.report.segments.tables`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from crm_models import segments
from crm_models.report.csi.data import load_survey as load_csi_survey
from crm_models.report.i18n import money
from crm_models.report.safe import markdown_translator
from crm_models.report.segments.data import SegmentInputs
from crm_models.report.segments.messages import label, t

__all__ = ["SegmentResults", "load_survey", "analyse", "tier_order", "key_figures_markdown", "value_markdown",
           "membership_markdown", "retention_markdown", "summary_record"]


def load_survey(transactions_path: object, survey_path: str | os.PathLike | None) -> pd.DataFrame | None:
    """The loyalty survey of the report, or ``None`` when there is none.

    The bundled survey belongs to the bundled transactions: it is used only when both paths
    are ``None``.  A ``survey_path`` is read with :func:`crm_models.report.csi.load_survey`.

    Parameters
    ----------
    transactions_path : object
        The report's transactions (``None``: the bundled sample shop).
    survey_path : str or PathLike, optional
        The survey file, one row per respondent with a ``customer_id`` column.

    Returns
    -------
    DataFrame or None
    """
    if survey_path is None and transactions_path is not None:
        return None
    return load_csi_survey(survey_path)


@dataclass
class SegmentResults:
    """The segments, tiers, stages, loyalty types, clusters and retention value of one report."""

    segments: pd.DataFrame  # segments.rfm_segments of the RFM table
    segment_summary: pd.DataFrame
    value_tiers: pd.Series
    tier_summary: pd.DataFrame  # value-tier summary, VIP first
    pareto: pd.Series  # segments.pareto_point of the spend
    stage_counts: pd.Series  # customers per lifecycle stage, in segments.STAGES order (NaN: none)
    loyalty: pd.Series | None  # loyalty type per surveyed customer; None without a survey
    tier_changes: pd.DataFrame  # membership tier changes per evaluation
    migration: pd.DataFrame | None  # tier migration between the last evaluations; None with one only
    clusters: segments.KMeansSegmenter
    retention_rate: float  # observed, else the fallback
    uplift: pd.Series  # segments.retention_uplift_value


def analyse(data: SegmentInputs, survey: pd.DataFrame | None = None, *,
            attitude_items: Sequence[str] = ("loy1", "loy2", "loy3"),
            value_shares: Sequence[float] = (0.2, 0.5),
            k_range: Sequence[int] = (2, 3, 4, 5, 6), seed: int = 0, margin_rate: float = 0.3,
            fallback_retention_rate: float = 0.6, retention_uplift: float = 0.05) -> SegmentResults:
    """Segment the customers of ``data`` for the report.

    Parameters
    ----------
    data : SegmentInputs
        From :func:`~crm_models.report.segments.load_segment_inputs`.
    survey : DataFrame, optional
        The loyalty survey (:func:`load_survey`); ``None``: no loyalty matrix.
    attitude_items : sequence of str
        Survey items measuring attitudinal loyalty.
    value_shares : sequence of float
        Cumulative customer shares of the value tiers (VIP, core).
    k_range : sequence of int
        Numbers of clusters to try.
    seed : int
        Seed of the clustering.
    margin_rate : float
        Profit margin on sales.
    fallback_retention_rate : float
        Retention rate used when the data hold less than two periods.
    retention_uplift : float
        Retention improvement to value.

    Returns
    -------
    SegmentResults
    """
    table = data.rfm_table
    seg = segments.rfm_segments(table)
    tiers = segments.value_tiers(table["monetary"], shares=list(value_shares))
    loyalty = None
    if survey is not None:
        loyalty = segments.loyalty_matrix(survey.set_index("customer_id")[list(attitude_items)],
                                          data.repeat_purchase_rate)
    history = data.membership_history
    km = segments.KMeansSegmenter(k_range=list(k_range), seed=seed).fit(
        table[["time_since_last", "frequency", "monetary"]])
    observed = data.observed_retention
    r = observed["retention_rate"] if observed is not None else fallback_retention_rate
    margin = margin_rate * data.recent_spend.mean()  # mean spend of last period's buyers
    return SegmentResults(
        segments=seg, segment_summary=segments.segment_summary(seg), value_tiers=tiers,
        tier_summary=segments.value_tier_summary(tiers), pareto=segments.pareto_point(table["monetary"]),
        stage_counts=data.lifecycle_stages["stage"].value_counts().reindex(segments.STAGES), loyalty=loyalty,
        tier_changes=segments.tier_changes(history),
        migration=segments.tier_migration(history) if history.shape[1] >= 2 else None, clusters=km,
        retention_rate=r,
        uplift=segments.retention_uplift_value(r, margin, uplift=retention_uplift,
                                               n_customers=data.customers))


def tier_order(thresholds: Mapping[str, float]) -> list[str]:
    """Membership tiers from the highest threshold down, then ``"ordinary"``."""
    return [*sorted(thresholds, key=thresholds.get, reverse=True), "ordinary"]


def _sep(lang: str) -> str:
    return ", " if lang == "en" else "、"


def key_figures_markdown(data: SegmentInputs, res: SegmentResults, *, thresholds: Mapping[str, float],
                         value_shares: Sequence[float], at_risk_after: int, lost_after: int,
                         retention_uplift: float, currency: str = "", lang: str = "en") -> str:
    """The section "key figures": customers, champions, 80/20, lifecycle, loyalty, tiers, retention.

    Returns
    -------
    str
        Markdown, starting with the section heading.
    """
    md = markdown_translator(t, lang)
    n_customers, summary, stage_counts = data.customers, res.segment_summary, res.stage_counts

    def count(name: str) -> int:
        return int(summary["customers"].get(name, 0))

    def m(value: float) -> str:
        return money(value, currency)

    tier_counts = data.membership_tiers["tier"].value_counts()
    pp = res.pareto
    lines = [
        md("seg_kf_base", customers=n_customers, purchases=data.transactions,
          first=f"{data.first_date:%Y-%m-%d}", end=f"{data.last_date or data.observation_end:%Y-%m-%d}"),
        md("seg_kf_champions", n=count("champions"), share=count("champions") / n_customers,
          value=float(summary["value_share"].get("champions", 0.0)),
          quiet=count("at risk") + count("can't lose them")),
        md("seg_kf_pareto", vip_share=value_shares[0], vip_value=res.tier_summary["value_share"].iloc[0],
          customer_share=pp["customer_share"], value_share=pp["value_share"]),
        md("seg_kf_lifecycle", lost=int(stage_counts["lost"]), lost_share=stage_counts["lost"] / n_customers,
          lost_after=lost_after, at_risk=int(stage_counts["at risk"]),
          at_risk_share=stage_counts["at risk"] / n_customers, at_risk_after=at_risk_after),
    ]
    if res.loyalty is not None:
        shares = res.loyalty.value_counts(normalize=True)
        lines.append(md("seg_kf_loyalty", n=len(res.loyalty), absolute=shares.get("absolute", 0.0),
                       latent=shares.get("latent", 0.0)))
    listed = _sep(lang).join(f"{label('tier', k, lang)} {int(tier_counts.get(k, 0)):,}"
                             for k in tier_order(thresholds))
    lines.append(md("seg_kf_tiers", tiers=listed))
    lines.append(md("seg_kf_retention", rate=res.retention_rate, uplift=retention_uplift,
                   gain=m(res.uplift["total_gain"]), per_customer=m(res.uplift["gain_per_customer"])))
    return (f"## {md('seg_key_figures')}\n\n" + "\n".join(f"- {line}" for line in lines)
            + f"\n\n{md('seg_kf_meaning')}")


def value_markdown(res: SegmentResults, value_shares: Sequence[float], lang: str = "en") -> str:
    """The section "value tiers": heading, text and the 80/20 point."""
    md = markdown_translator(t, lang)
    text = md("seg_value_text", vip=value_shares[0], core=value_shares[1] - value_shares[0])
    return (f"## {md('seg_value')}\n\n{text}\n\n"
            + md("seg_pareto_line", customer_share=res.pareto["customer_share"],
                value_share=res.pareto["value_share"]))


def membership_markdown(thresholds: Mapping[str, float], window_days: int, every_days: int,
                        lang: str = "en") -> str:
    """The section "membership": heading and the rules (points window, thresholds, re-evaluation)."""
    md = markdown_translator(t, lang)
    points = _sep(lang).join(md("seg_points_from", tier=label("tier", k, lang), points=v)
                             for k, v in sorted(thresholds.items(), key=lambda kv: -kv[1]))
    text = md("seg_membership_text", window=window_days, thresholds=points, every=every_days)
    return f"## {md('seg_membership')}\n\n{text}"


def retention_markdown(data: SegmentInputs, res: SegmentResults, retention_period_days: int,
                       retention_uplift: float, lang: str = "en") -> str:
    """The section "retention": heading, text and the retention rate used (observed or assumed)."""
    md = markdown_translator(t, lang)
    text = md("seg_retention_text", days=retention_period_days, uplift=retention_uplift)
    observed = data.observed_retention
    if observed is not None:
        note = md("seg_retention_observed", retained=observed["retained"],
                  before=observed["customers_before"], rate=res.retention_rate)
    else:
        note = md("seg_retention_fallback", days=retention_period_days, rate=res.retention_rate)
    return f"## {md('seg_retention')}\n\n{text}\n\n{note}"


def summary_record(data: SegmentInputs, res: SegmentResults) -> dict[str, object]:
    """The report's key figures, JSON-plain, for scheduled runs and the engine comparison tests.

    Returns
    -------
    dict
        ``customers``, ``transactions``, ``data_used``, ``segments``, ``pareto_customer_share``,
        ``vip_value_share``, ``stages``, ``loyalty``, ``tiers``, ``evaluations``, ``k``,
        ``retention_rate``.
    """
    loyalty = res.loyalty
    return {
        "customers": int(data.rfm_table.shape[0]),
        "transactions": int(data.transactions),
        "data_used": data.data_used.as_dict() if data.data_used is not None else None,
        "segments": {str(k): int(v) for k, v in res.segment_summary["customers"].items()},
        "pareto_customer_share": round(float(res.pareto["customer_share"]), 6),
        "vip_value_share": round(float(res.tier_summary.loc[res.tier_summary.index[0], "value_share"]), 6),
        "stages": {str(k): int(v) for k, v in res.stage_counts.items()},
        "loyalty": None if loyalty is None else {str(k): int(v) for k, v in loyalty.value_counts().items()},
        "tiers": {str(k): int(v) for k, v in data.membership_tiers["tier"].value_counts().items()},
        "evaluations": int(data.membership_history.shape[1]),
        "k": int(res.clusters.k_),
        "retention_rate": round(float(res.retention_rate), 6),
    }
