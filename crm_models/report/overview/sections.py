"""The overview report's sentences: its key figures and the key numbers of the other reports.

Each area's numbers are computed here as its own report computes them (same loaders, same
defaults), and linked to that report when it is in the run's folder.  Text values are
escaped for Markdown (:func:`~crm_models.report.safe.markdown_translator`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_models import churn, clv, csi, segments
from crm_models.report.churn.data import load_churn_data
from crm_models.report.clv.data import customer_table
from crm_models.report.csi.data import load_survey
from crm_models.report.csi.messages import construct_label
from crm_models.report.i18n import money, t, unit_name
from crm_models.report.overview.data import OverviewData
from crm_models.report.safe import markdown_translator
from crm_models.report.segments.messages import label

__all__ = ["SUMMARY_COLUMNS", "key_figures_markdown", "report_folder", "details_markdown", "clv_markdown",
           "churn_markdown", "csi_markdown", "segments_markdown", "areas_markdown", "distribution_panels"]

#: The RFM summary columns whose distributions the report shows.
SUMMARY_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def key_figures_markdown(data: OverviewData, currency: str = "", lang: str = "en") -> str:
    """The section "key figures": customers, revenue, repeat buyers, the top 20 %'s share, meaning.

    Returns
    -------
    str
        Markdown, starting with the section heading.
    """
    md = markdown_translator(t, lang)
    kf = data.key_figures

    def m(value: float) -> str:
        return money(value, currency)

    meaning = md("ov_meaning_repeat_low" if kf["repeat_buyer_share"] < 0.5 else "ov_meaning_repeat_high")
    return (
        f"## {md('ov_key_figures')}\n\n"
        f"- {md('ov_kf_customers', customers=kf['customers'], transactions=kf['transactions'], first_date=kf['first_date'], last_date=kf['last_date'])}\n"  # noqa: E501
        f"- {md('ov_kf_revenue', revenue=m(kf['revenue']), aov=m(kf['average_order_value']), per_customer=m(kf['revenue_per_customer']))}\n"  # noqa: E501
        f"- {md('ov_kf_repeat', share=kf['repeat_buyer_share'], mean=kf['mean_repeat_purchases'])}\n"
        f"- {md('ov_kf_top20', share=segments.top_share(data.spend, 0.2))}\n\n"
        f"{md('ov_kf_meaning', meaning=meaning)}")


def report_folder(report_dir: str | os.PathLike | None) -> Path | None:
    """The folder of this run's reports: ``report_dir`` as given when absolute; a relative one from
    where the run started (``$PWD``), the working directory, or its parent; ``None`` if not found."""
    if report_dir is None:
        return None
    if Path(report_dir).is_absolute():
        candidates = [Path(report_dir)]
    else:
        candidates = [Path(os.environ.get("PWD", ".")) / report_dir, Path.cwd() / report_dir,
                      Path.cwd().parent / report_dir]
    return next((c for c in candidates if c.is_dir()), None)


def details_markdown(name: str, report_dir: str | os.PathLike | None, folder: Path | None,
                     lang: str = "en") -> str:
    """The link to report ``name`` of this run, or a note that it is not there yet; ``""`` without
    a ``report_dir``."""
    if report_dir is None:
        return ""
    md = markdown_translator(t, lang)
    if folder is not None and (folder / f"{name}.html").exists():
        return "\n\n" + md("ov_open_report", file=f"{name}.html")
    return "\n\n" + md("ov_not_in_run", file=f"{name}.html")


def clv_markdown(summary: pd.DataFrame, horizon: float = 52, discount_rate: float = 0.0018,
                 margin: float = 0.3, time_unit: str = "W", currency: str = "", lang: str = "en") -> str:
    """The CLV report's key numbers: expected purchases, customer equity, customers still active.

    Parameters
    ----------
    summary : DataFrame
        The RFM summary (one row per customer) of the transactions.
    horizon, discount_rate, margin : float
        As in the CLV report: horizon in time units, discount rate per time unit, profit margin.
    time_unit : str
        Time unit code of the summary.
    currency, lang : str
        Currency symbol and report language.

    Returns
    -------
    str
    """
    md = markdown_translator(t, lang)
    bg = clv.BetaGeoModel().fit(summary)
    gg = clv.GammaGammaModel().fit(summary)
    value = customer_table(bg, gg, summary, horizon, discount_rate, margin)
    equity = float(value["clv"].sum())
    line = md("ov_clv_line", horizon=horizon, unit=unit_name(time_unit, lang),
             purchases=value["expected_purchases"].sum(), equity=money(equity, currency), margin=margin,
             per_customer=money(equity / len(value), currency))
    return (f"### {md('ov_clv')}\n\n- {line}\n"
            f"- {md('ov_clv_alive', alive=value['prob_alive'].sum(), share=value['prob_alive'].mean())}")


def churn_markdown(subscriptions_path: Any, observation_end: Any = None, horizon: float = 6,
                   engine: str = "duckdb", lang: str = "en") -> str:
    """The churn report's key numbers: median lifetime, churned share, expected churners ahead.

    Parameters
    ----------
    subscriptions_path : str, optional
        The subscription table; ``None``: the bundled one.
    observation_end : optional
        Extraction date of a given table.
    horizon : float
        Months ahead, as in the churn report.
    engine, lang : str
        Data engine and report language.

    Returns
    -------
    str
    """
    md = markdown_translator(t, lang)
    subs, _ = load_churn_data(subscriptions_path, "contractual",
                              observation_end=None if subscriptions_path is None else observation_end,
                              engine=engine)
    months = unit_name("M", lang)
    lifetime = churn.median_lifetime(subs).iloc[0]
    median = (f"{lifetime['median']:.1f} {months}" if np.isfinite(lifetime["median"])
              else md("ov_median_never", max=float(subs["duration"].max()), unit=months))
    current = subs[subs["event"] == 0]
    risk = churn.ChurnModel("cox").fit(subs).churn_probability(current, horizon)
    return (f"### {md('ov_churn')}\n\n"
            f"- {md('ov_churn_line', median=median, churned=subs['event'].mean(), customers=len(subs))}\n"
            f"- {md('ov_churn_risk', active=len(current), expected=risk.sum(), share=risk.mean(), horizon=horizon, unit=months)}")  # noqa: E501


def csi_markdown(survey_path: Any, engine: str = "duckdb", lang: str = "en") -> str:
    """The CSI report's key numbers with its defaults (ECSI, centroid, raw items, inferred scale):
    the satisfaction index and its strongest lever.

    Parameters
    ----------
    survey_path : str, optional
        The survey; ``None``: the bundled one.
    engine, lang : str
        Data engine and report language.

    Returns
    -------
    str
    """
    md = markdown_translator(t, lang)
    survey = load_survey(survey_path, engine=engine)
    pls = csi.build_model("ecsi", survey, scheme="centroid", scaled=False).fit(survey)
    # the CSI report's default: a common scale (1-5, 1-7) below 1-10 that holds every answer is used
    scale = csi.answer_scale(pls, 1, 10, infer=True, warn=False)
    index = csi.csi_index(pls, scale_min=scale.scale_min, scale_max=scale.scale_max, skip_negative=True)
    lever = csi.ipma(pls, target="SAT", scale_min=scale.scale_min, scale_max=scale.scale_max)
    scale_note = md(f"ov_csi_scale_{scale.source}", scale=scale.label)
    return (f"### {md('ov_csi')}\n\n"
            f"- {md('ov_csi_line', index=index.loc['SAT', 'index'], n=pls.n_obs_, model='ECSI', scale=scale_note)}\n"  # noqa: E501
            f"- {md('ov_csi_lever', driver=construct_label(lever.index[0], lang), importance=lever['importance'].iloc[0])}")  # noqa: E501


def segments_markdown(data: OverviewData, lang: str = "en") -> str:
    """The segments report's key numbers: champions, lapsing customers (no purchase for more than
    180 days), members per tier."""
    md = markdown_translator(t, lang)
    seg = segments.segment_summary(segments.rfm_segments(data.rfm))
    tiers = data.tiers.value_counts()
    customers = data.key_figures["customers"]
    champions = int(seg["customers"].get("champions", 0))
    lapsing = int(data.stages.isin(["at risk", "lost"]).sum())
    tier_list = (", " if lang == "en" else "、").join(
        f"{label('tier', k, lang)} {int(tiers.get(k, 0)):,}"
        for k in ["diamond", "platinum", "gold", "ordinary"])
    line = md("ov_segments_line", champions=champions, share=champions / customers,
             value=float(seg["value_share"].get("champions", 0.0)), lapsing=lapsing,
             lapsing_share=lapsing / customers, days=180)
    return f"### {md('ov_segments')}\n\n- {line}\n- {md('ov_segments_tiers', tiers=tier_list)}"


def areas_markdown(data: OverviewData, *, transactions_path: Any = None, subscriptions_path: Any = None,
                   survey_path: Any = None, report_dir: str | os.PathLike | None = None,
                   clv_horizon: float = 52, clv_discount_rate: float = 0.0018, clv_margin: float = 0.3,
                   churn_horizon: float = 6,
                   time_unit: str = "W", currency: str = "", engine: str = "duckdb", lang: str = "en") -> str:
    """The section "the reports at a glance": each report's key numbers and a link to it.

    The churn and CSI parts need their own data: shown for a given subscription table or
    survey, and with the bundled sample (``transactions_path`` ``None``).

    Returns
    -------
    str
        Markdown, starting with the section heading.
    """
    md = markdown_translator(t, lang)
    sample = transactions_path is None
    folder = report_folder(report_dir)
    parts = [f"## {md('ov_areas')}\n\n{md('ov_areas_text')}",
             clv_markdown(data.summary, clv_horizon, clv_discount_rate, clv_margin, time_unit, currency, lang)
             + details_markdown("clv", report_dir, folder, lang)]
    if subscriptions_path is not None or sample:
        parts.append(churn_markdown(subscriptions_path, data.observation_end, churn_horizon, engine, lang)
                     + details_markdown("churn", report_dir, folder, lang))
    if survey_path is not None or sample:
        parts.append(csi_markdown(survey_path, engine, lang)
                     + details_markdown("csi", report_dir, folder, lang))
    parts.append(segments_markdown(data, lang) + details_markdown("segments", report_dir, folder, lang))
    return "\n\n".join(parts)


def distribution_panels(plot: Callable[..., Any], summary: pd.DataFrame, time_unit: str = "W",
                        currency: str = "", lang: str = "en") -> Sequence[tuple]:
    """The panels of the RFM summary figure for :func:`crm_models.report.figures.show_row`: one
    ``plot(summary, column, unit=...)`` per column of :data:`SUMMARY_COLUMNS`.

    Parameters
    ----------
    plot : callable
        ``crm_models.plotting.overview.plot_summary_distribution``.
    summary : DataFrame
        The RFM summary.
    time_unit, currency, lang : str
        Recency and T are in time units, the monetary value in the currency.

    Returns
    -------
    list of tuple
    """
    unit = unit_name(time_unit, lang)
    units = {"recency": unit, "T": unit, "monetary_value": currency}
    return [(plot, summary, {"column": c, "unit": units.get(c, "")}) for c in SUMMARY_COLUMNS]
