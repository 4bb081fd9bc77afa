"""The churn report's results and sentences: everything the notebook shows, computed here.

:func:`analyse` fits the churn model and scores the active customers; the functions below
write the report's sentences (text values escaped for Markdown, see
:func:`~crm_models.report.safe.markdown_translator`), compute the holdout check and the
programme targeting the high-risk tier, and :func:`summary_record` gives the key figures of a
scheduled run.  The styled tables are in :mod:`crm_models.report.churn.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from crm_models import churn
from crm_models.report.churn import tables
from crm_models.report.churn.messages import (
    covariate_labels,
    describe_data,
    effect_name,
    readable,
    t,
    term_label,
)
from crm_models.report.data_notes import data_used_markdown
from crm_models.report.i18n import money, unit_name
from crm_models.report.privacy import anonymize_frame
from crm_models.report.safe import markdown_translator

__all__ = ["ChurnResults", "analyse", "beyond_longest_lifetime", "key_figures_markdown", "data_markdown",
           "logrank_markdown", "strongest_markdown", "ph_markdown", "compare", "holdout", "holdout_markdown",
           "value_markdown", "improvements_markdown", "high_risk_improvement", "segment_tests", "ph_check",
           "summary_record"]


@dataclass
class ChurnResults:
    """The data, fitted model and customer scores of one churn report."""

    data: pd.DataFrame  # one row per customer, in survival form
    info: dict[str, Any]  # what load_churn_data found: columns, setting, margin, data used
    model: churn.ChurnModel
    segment: str | None  # column of the retention curves
    picked: bool  # True: the segment was chosen by pick_segment, not given
    margin: Any  # margin per time unit: a column name or a number
    active: pd.DataFrame  # the customers who have not churned
    scored: pd.DataFrame  # churn.score_customers of the active customers, riskiest first
    tiers: pd.DataFrame  # churn.value_by_tier of the scores, with a "total" row
    improvements: pd.DataFrame  # churn.retention_improvement for every active customer
    overall: pd.Series  # churn.median_lifetime of all customers
    time_unit: str = "M"

    @property
    def duration_col(self) -> str:
        return self.info["duration_col"]

    @property
    def event_col(self) -> str:
        return self.info["event_col"]

    @property
    def top_effect(self) -> pd.Series:
        """The effect with the smallest p-value (its name is the term)."""
        eff = self.model.effects_
        return eff.loc[eff["p"].idxmin()]


def analyse(d: pd.DataFrame, info: dict[str, Any], *, kind: str = "cox",
            covariates: Sequence[str] | None = None,
            reference_levels: dict[str, object] | None = None, segment: str | None = None, horizon: float = 6,
            margin: Any = None, periods: int = 24, discount_rate: float = 0.01,
            improvements: Sequence[float] = (0.05, 0.10, 0.20), anonymize: bool = False,
            time_unit: str = "M") -> ChurnResults:
    """Fit the report's churn model, score the active customers and value better retention.

    Parameters
    ----------
    d, info
        From :func:`~crm_models.report.churn.load_churn_data`.
    kind : str
        ``"cox"``, ``"weibull"``, ``"lognormal"`` or ``"loglogistic"``.
    covariates : sequence of str, optional
        Columns of the model; ``None``: every feature column.
    reference_levels : dict, optional
        Level each categorical covariate is compared with.
    segment : str, optional
        Column of the retention curves; ``None``: the covariate whose curves differ most.
    horizon : float
        Churn-risk horizon in time units.
    margin : str or float, optional
        Margin per time unit (a column or a number); ``None``: what the loader found.
    periods : int
        Value horizon in time units.
    discount_rate : float
        Discount rate per time unit.
    improvements : sequence of float
        Hazard reductions to value.
    anonymize : bool
        Replace the customer ids by stable pseudonyms.
    time_unit : str
        Time unit code of the durations.

    Returns
    -------
    ChurnResults
    """
    if anonymize and info["id_col"]:
        d = anonymize_frame(d, columns=[info["id_col"]])
    duration, event = info["duration_col"], info["event_col"]
    margin = info["margin"] if margin is None else margin
    cm = churn.ChurnModel(kind, covariates=covariates, reference_levels=reference_levels)
    cm = cm.fit(d, duration, event)
    picked = segment is None
    segment = segment or churn.pick_segment(d, list(cm.design_.levels), duration, event)
    active = d[d[event] == 0]
    keep = [c for c in [info["id_col"], *cm.design_.covariates[:4]] if c is not None and c in d.columns]
    scored = churn.score_customers(cm, active, horizon, margin=margin, periods=periods,
                                   discount_rate=discount_rate, keep=keep)
    return ChurnResults(
        data=d, info=info, model=cm, segment=segment, picked=picked, margin=margin, active=active,
        scored=scored, tiers=churn.value_by_tier(scored),
        improvements=churn.retention_improvement(cm, active, margin, periods, discount_rate,
                                                 list(improvements)),
        overall=churn.median_lifetime(d, duration, event).iloc[0], time_unit=time_unit)


def beyond_longest_lifetime(res: ChurnResults, periods: int) -> int:
    """Active customers whose value horizon reaches past the longest lifetime the Cox model saw.

    The Cox model's survival curve ends at the longest training duration; their value beyond
    it is not forecast.  Parametric models extrapolate, so the count is 0 for them.

    Parameters
    ----------
    res : ChurnResults
    periods : int
        Value horizon in time units.

    Returns
    -------
    int
    """
    if res.model.kind != "cox":
        return 0
    return int((res.active[res.duration_col] + periods > res.model.max_duration_).sum())


def key_figures_markdown(res: ChurnResults, horizon: float, periods: int, currency: str = "",
                         lang: str = "en") -> str:
    """The section "key figures": customers, median lifetime, risk, value, strongest driver, programme.

    Returns
    -------
    str
        Markdown, starting with the section heading.
    """
    tr = markdown_translator(t, lang)
    unit = unit_name(res.time_unit, lang)
    d, event, overall, top = res.data, res.event_col, res.overall, res.top_effect
    imp, total, scored = res.improvements, res.tiers.loc["total"], res.scored

    def m(value: float) -> str:
        return money(value, currency)

    finite = np.isfinite(overall["median"])
    median_line = (tr("churn_kf_median", median=overall["median"], unit=unit) if finite
                   else tr("churn_kf_median_never", max=float(d[res.duration_col].max()), unit=unit))
    driver_key = "churn_kf_driver_hazard" if top["effect"] == "hazard ratio" else "churn_kf_driver_time"
    middle = imp.iloc[len(imp) // 2]
    return (
        f"## {tr('churn_key_figures')}\n\n"
        f"- {tr('churn_kf_base', customers=len(d), churned=int(d[event].sum()), share=d[event].mean(), active=len(res.active))}\n"  # noqa: E501
        f"- {median_line}\n"
        f"- {tr('churn_kf_risk', active=len(res.active), expected=total['expected_churners'], share=total['mean_churn_probability'], horizon=horizon, unit=unit, high=int((scored['risk_tier'] == 'high').sum()))}\n"  # noqa: E501
        f"- {tr('churn_kf_value', periods=periods, unit=unit, value=m(total['value']), at_risk=m(total['value_at_risk']))}\n"  # noqa: E501
        f"- {tr(driver_key, term=term_label(top.name, top, lang), ratio=top['ratio'])}\n"
        f"- {tr('churn_kf_programme', improvement=middle['improvement'], gain=m(middle['gain']), per_customer=m(middle['gain_per_targeted']))}\n\n"  # noqa: E501
        f"{tr('churn_kf_meaning')}")


def data_markdown(res: ChurnResults, lang: str = "en") -> str:
    """The section "data": what the table holds, the covariates, the segment picked, the data used."""
    tr = markdown_translator(t, lang)
    names = tr("churn_list_sep").join(covariate_labels(res.model.design_.covariates, lang=lang))
    described = describe_data(res.data, res.info, lang)
    return (f"## {tr('churn_data')}\n\n{tr('churn_sentence', text=described)}\n\n"
            f"- {tr('churn_data_covariates', names=names)}"
            + (f"\n- {tr('churn_data_segment', segment=readable(res.segment))}" if res.picked and res.segment
               else "")
            + "\n\n" + data_used_markdown(res.info["data_used"], lang))


def logrank_markdown(res: ChurnResults, lang: str = "en") -> str | None:
    """Whether the segments' retention differs (log-rank test), or ``None`` without a segment."""
    if res.segment is None:
        return None
    tr = markdown_translator(t, lang)
    lr = churn.logrank(res.data, res.duration_col, res.event_col, res.segment)
    verdict = tr("churn_differ" if lr["p"] < 0.05 else "churn_not_differ")
    return tr("churn_logrank", k=int(lr["n_segments"]), verdict=verdict, stat=lr["test_statistic"],
              df=int(lr["degrees_of_freedom"]), p=lr["p"])


def strongest_markdown(res: ChurnResults, lang: str = "en") -> str:
    """The strongest effect (smallest p-value) with its interval, and the model's concordance."""
    top = res.top_effect
    return markdown_translator(t, lang)(
        "churn_strongest", term=term_label(top.name, top, lang), effect=effect_name(top["effect"], lang),
        ratio=top["ratio"], lower=top["lower"], upper=top["upper"], c=res.model.concordance_)


def ph_markdown(ph: pd.DataFrame, res: ChurnResults, lang: str = "en") -> str:
    """Whether the proportional-hazards assumption holds, naming the terms that violate it."""
    tr = markdown_translator(t, lang)
    bad = ph.index[ph["violated"]].tolist()
    if not bad:
        return tr("churn_ph_ok")
    terms = tr("churn_list_sep").join(covariate_labels(bad, res.model.effects_, lang))
    return tr("churn_ph_bad", terms=terms)


def compare(res: ChurnResults, reference_levels: dict[str, object] | None = None) -> pd.DataFrame:
    """Every model kind on the same covariates, compared (:func:`~crm_models.churn.compare_models`)."""
    models = churn.fit_models(res.data, res.duration_col, res.event_col,
                              covariates=res.model.design_.covariates, reference_levels=reference_levels,
                              errors="skip")
    return churn.compare_models(models).drop(columns="kind")


def holdout(res: ChurnResults, reference_levels: dict[str, object] | None = None, seed: int = 0,
            horizon: float = 6) -> tuple[float, dict[str, float], pd.DataFrame]:
    """The same model fitted on 70 % of the customers and checked on the other 30 %.

    Returns
    -------
    (float, dict, DataFrame)
        Concordance on the test customers, :func:`~crm_models.churn.integrated_brier_score`
        and :func:`~crm_models.churn.calibration_table` at ``horizon``.
    """
    event = res.event_col
    train, test = churn.train_test_split(res.data, 0.3, seed=seed, stratify=event)
    held = churn.ChurnModel(res.model.kind, covariates=res.model.design_.covariates,
                            reference_levels=reference_levels).fit(train, res.duration_col, event)
    return (churn.concordance_index(held, test), churn.integrated_brier_score(held, test),
            churn.calibration_table(held, test, horizon))


def holdout_markdown(c_test: float, ibs: dict[str, float], lang: str = "en") -> str:
    """The holdout concordance and integrated Brier score (with the Kaplan-Meier benchmark)."""
    return markdown_translator(t, lang)("churn_holdout_line", c=c_test, ibs=ibs["ibs"], km=ibs["ibs_km"])


def value_markdown(res: ChurnResults, horizon: float, periods: int, currency: str = "",
                   lang: str = "en") -> str:
    """Expected churners and the value at risk; a note when the horizon passes the longest lifetime."""
    tr = markdown_translator(t, lang)
    unit = unit_name(res.time_unit, lang)
    total = res.tiers.loc["total"]

    def m(value: float) -> str:
        return money(value, currency)

    beyond = beyond_longest_lifetime(res, periods)
    return (tr("churn_var_line", horizon=horizon, unit=unit, churners=total["expected_churners"],
               active=len(res.active), periods=periods, value=m(total["value"]),
               full=m(total["value"] + total["value_at_risk"]), at_risk=m(total["value_at_risk"]))
            + (f"\n\n{tr('churn_beyond_note', n=beyond, max=res.model.max_duration_, unit=unit)}" if beyond
               else ""))


def improvements_markdown(improvements: Sequence[float], periods: int, time_unit: str = "M",
                          lang: str = "en") -> str:
    """The heading and text of the section "better retention", listing the improvements valued."""
    tr = markdown_translator(t, lang)
    steps = [f"{v:.0%}" for v in improvements]
    listed = (tr("churn_list_sep").join(steps[:-1]) + f" {tr('churn_or')} {steps[-1]}" if len(steps) > 1
              else steps[0])
    unit = unit_name(time_unit, lang)
    return (f"## {tr('churn_improve')}\n\n"
            f"{tr('churn_improve_text', improvements=listed, periods=periods, unit=unit)}")


def high_risk_improvement(res: ChurnResults, periods: int, discount_rate: float, improvements: Sequence[float]
                          ) -> tuple[int, pd.DataFrame]:
    """The value of better retention when only the high-risk tier is targeted.

    Returns
    -------
    (int, DataFrame)
        Number of high-risk customers and :func:`~crm_models.churn.retention_improvement` for them.
    """
    high = (res.scored["risk_tier"] == "high").reindex(res.active.index).to_numpy()
    table = churn.retention_improvement(res.model, res.active, res.margin, periods, discount_rate,
                                        list(improvements), target=high)
    return int(high.sum()), table


def summary_record(res: ChurnResults, c_test: float, ibs: dict[str, float]) -> dict[str, object]:
    """The report's key figures, JSON-plain, for scheduled runs and the engine comparison tests.

    Returns
    -------
    dict
        ``customers``, ``churned``, ``active``, ``setting``, ``observation_end``, ``data_used``,
        ``inactivity_window_days``, ``segment``, ``kind``, ``params``, ``log_likelihood``,
        ``concordance``, ``median_lifetime``, ``expected_churners``, ``high_risk``, ``value``,
        ``value_at_risk``, ``gains``, ``holdout_concordance``, ``holdout_ibs``.
    """
    d, info, cm, event = res.data, res.info, res.model, res.event_col
    total, median = res.tiers.loc["total"], res.overall["median"]
    return {
        "customers": int(len(d)),
        "churned": int(d[event].sum()),
        "active": int(len(res.active)),
        "setting": info["setting"],
        "observation_end": info["observation_end"],
        "data_used": info["data_used"].as_dict() if info["data_used"] is not None else None,
        "inactivity_window_days": d.attrs.get("crm_churn", {}).get("inactivity_window_days"),
        "segment": res.segment,
        "kind": cm.kind,
        "params": {":".join(map(str, k)) if isinstance(k, tuple) else str(k): float(v)
                   for k, v in cm.params_.items()},
        "log_likelihood": cm.log_likelihood_,
        "concordance": float(cm.concordance_),
        "median_lifetime": float(median) if np.isfinite(median) else None,
        "expected_churners": float(total["expected_churners"]),
        "high_risk": int((res.scored["risk_tier"] == "high").sum()),
        "value": float(total["value"]),
        "value_at_risk": float(total["value_at_risk"]),
        "gains": [float(g) for g in res.improvements["gain"]],
        "holdout_concordance": float(c_test),
        "holdout_ibs": float(ibs["ibs"]),
    }


def segment_tests(res: ChurnResults, lang: str = "en") -> list[Any]:
    """Whether the segments' retention differs: the log-rank sentence and the pairwise tests.

    Returns
    -------
    list
        ``[Markdown, Styler]``, or ``[]`` without a segment (``display(*items)`` shows nothing).
    """
    text = logrank_markdown(res, lang)
    if text is None:
        return []
    pairs = churn.pairwise_logrank(res.data, res.duration_col, res.event_col, res.segment)
    return [Markdown(text), tables.pairwise_table(pairs, lang)]


def ph_check(res: ChurnResults, lang: str = "en") -> list[Any]:
    """The Cox model's proportional-hazards check: the verdict and the test per term.

    Returns
    -------
    list
        ``[Markdown, Styler]`` for a Cox model, ``[]`` for parametric models.
    """
    if res.model.kind != "cox":
        return []
    ph = res.model.proportional_hazards_test()
    return [Markdown(ph_markdown(ph, res, lang)), tables.ph_table(ph, res.model.effects_, lang)]
