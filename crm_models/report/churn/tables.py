"""The churn report's tables: one function per table, headers and labels in the report's language.

Each function returns a pandas ``Styler`` (see :func:`crm_models.report.tables.formatted`)
ready to ``display``; the frames passed in are not modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from crm_models.report.churn.messages import (
    column_labels,
    compared_model_name,
    covariate_labels,
    effect_name,
    family_name,
    model_name,
    t,
    tier_label,
)
from crm_models.report.i18n import money, unit_name
from crm_models.report.safe import markdown_translator
from crm_models.report.tables import formatted

__all__ = ["IMPROVEMENT_FORMATS", "retention_table", "median_table", "pairwise_table", "effects_table",
           "ph_table", "comparison_table", "at_risk_table", "tiers_table", "improvement_table",
           "family_table", "target_table"]

#: Formats of a :func:`~crm_models.churn.retention_improvement` table (money columns added per call).
IMPROVEMENT_FORMATS = {"improvement": "{:.0%}", "customers_targeted": "{:,}", "gain_pct": "{:.2f}%",
                       "churners_base": "{:,.1f}",
                       "churners_improved": "{:,.1f}", "churners_avoided": "{:,.1f}"}


def _money(currency: str):
    def m(value: float) -> str:
        return money(value, currency)
    return m


def retention_table(ret: pd.DataFrame, time_unit: str = "M", lang: str = "en") -> Styler:
    """Share of customers retained after each horizon (columns), per segment (rows).

    Parameters
    ----------
    ret : DataFrame
        :func:`~crm_models.churn.retention_table`: one column per horizon in time units.
    time_unit : str
        Time unit code; headers read e.g. "6 months".
    lang : str
        Report language.

    Returns
    -------
    Styler
    """
    unit = unit_name(time_unit, lang)
    return formatted(ret.rename_axis(columns=None), [f"{h:g} {unit}" for h in ret.columns], "{:.1%}",
                     na_rep="-")


def median_table(med: pd.DataFrame, lang: str = "en") -> Styler:
    """Median lifetime per segment with its interval; "not reached" where it is infinite or missing."""
    med = med.replace(np.inf, np.nan)
    return formatted(med, column_labels(med.columns, lang),
                     {"n": "{:,}", "churned": "{:,}", "median": "{:.1f}", "lower": "{:.1f}",
                      "upper": "{:.1f}"},
                     na_rep=markdown_translator(t, lang)("churn_not_reached"))


def pairwise_table(pairs: pd.DataFrame, lang: str = "en") -> Styler:
    """Log-rank tests of every pair of segments (:func:`~crm_models.churn.pairwise_logrank`)."""
    return formatted(pairs, column_labels(pairs.columns, lang),
                     {"test_statistic": "{:.2f}", "p": "{:.3g}", "p_adjusted": "{:.3g}"}, hide_index=True)


def effects_table(eff: pd.DataFrame, lang: str = "en") -> Styler:
    """The model's effects (``ChurnModel.effects_``), terms and effect kinds in words."""
    shown = (eff.drop(columns=["variable", "level", "reference"])
             .assign(effect=eff["effect"].map(lambda e: effect_name(e, lang)))
             .set_axis(covariate_labels(eff.index, eff, lang), axis=0))
    return formatted(shown, column_labels(shown.columns, lang),
                     {"ratio": "{:.3f}", "lower": "{:.3f}", "upper": "{:.3f}", "p": "{:.3g}"}, na_rep="",
                     index_name=markdown_translator(t, lang)("churn_col_term"))


def ph_table(ph: pd.DataFrame, eff: pd.DataFrame, lang: str = "en") -> Styler:
    """The proportional-hazards test per term, "violated" in words."""
    tr = markdown_translator(t, lang)
    shown = ph.assign(violated=ph["violated"].map({True: tr("churn_yes"), False: tr("churn_no")}))
    shown = shown.set_axis(covariate_labels(shown.index, eff, lang), axis=0)
    return formatted(shown, column_labels(shown.columns, lang),
                     {"test_statistic": "{:.2f}", "p": "{:.3g}", "-log2(p)": "{:.2f}"},
                     index_name=tr("churn_col_term"))


def comparison_table(comparison: pd.DataFrame, lang: str = "en") -> Styler:
    """The model kinds compared (:func:`~crm_models.churn.compare_models` without ``kind``)."""
    tr = markdown_translator(t, lang)
    shown = comparison.copy()
    shown["aic_type"] = shown["aic_type"].map(lambda a: tr(f"churn_aic_{a}"))
    shown.index = [model_name(k, lang) for k in shown.index]
    return formatted(shown, column_labels(shown.columns, lang),
                     {"n_obs": "{:,}", "log_likelihood": "{:,.1f}", "AIC": "{:,.1f}", "delta_AIC": "{:,.1f}",
                      "concordance": "{:.4f}"}, index_name=tr("churn_col_model"))


def at_risk_table(scored: pd.DataFrame, top_n: int, margin: object = None, currency: str = "",
                  time_unit: str = "M", lang: str = "en") -> Styler:
    """The ``top_n`` customers most likely to leave, with their value; risk tiers in words.

    Parameters
    ----------
    scored : DataFrame
        :func:`~crm_models.churn.score_customers`, riskiest first.
    top_n : int
        Rows shown.
    margin : str or float, optional
        The margin column (shown as money) or a number.
    currency : str
        Currency symbol of money.
    time_unit, lang : str
        Time unit code and report language.

    Returns
    -------
    Styler
    """
    m = _money(currency)
    at_risk = scored.head(top_n).assign(risk_tier=lambda s: s["risk_tier"].map(lambda r: tier_label(r, lang)))
    money_like = {c: "{:,.2f}" for c in at_risk.select_dtypes("float").columns}
    if isinstance(margin, str) and margin in at_risk:  # the margin column (e.g. the monthly fee) is money
        money_like[margin] = m
    formats = money_like | {"churn_probability": "{:.1%}", "expected_remaining_lifetime": "{:.1f}",
                            "value": m, "value_at_risk": m}
    return formatted(at_risk, column_labels(at_risk.columns, lang, unit=unit_name(time_unit, lang)), formats,
                     hide_index=True)


def tiers_table(tiers: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """Customers, expected churners and value per risk tier (:func:`~crm_models.churn.value_by_tier`)."""
    m = _money(currency)
    shown = tiers.rename(index=lambda r: tier_label(r, lang))
    return formatted(shown, column_labels(shown.columns, lang),
                     {"customers": "{:,.0f}", "mean_churn_probability": "{:.1%}",
                      "expected_churners": "{:,.1f}", "value": m, "value_at_risk": m,
                      "share_of_value_at_risk": "{:.1%}"},
                     index_name=markdown_translator(t, lang)("churn_col_risk_tier"))


def improvement_table(imp: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """The value of each hazard reduction (:func:`~crm_models.churn.retention_improvement`)."""
    m = _money(currency)
    formats = dict(IMPROVEMENT_FORMATS)
    formats.update({"value_base": m, "value_improved": m, "gain": m, "gain_per_targeted": m})
    return formatted(imp, column_labels(imp.columns, lang), formats, hide_index=True)




def family_table(metrics: pd.DataFrame, lang: str = "en") -> Styler:
    """Classifiers and the survival model on one horizon (``WhoResults.metrics``), models in words.

    Rows: the compared models (logistic regression, gradient boosting, the survival kind);
    columns: family, ROC-AUC, PR-AUC, Brier score, lift in the top 10 % (means over the scored
    cut-offs or folds).
    """
    shown = metrics[["family", "roc_auc", "pr_auc", "brier", "top_decile_lift"]].copy()
    shown["family"] = shown["family"].map(lambda f: family_name(f, lang))
    shown.index = [compared_model_name(m, lang) for m in shown.index]
    return formatted(shown, column_labels(shown.columns, lang),
                     {"roc_auc": "{:.3f}", "pr_auc": "{:.3f}", "brier": "{:.3f}",
                      "top_decile_lift": "{:.2f}"},
                     index_name=markdown_translator(t, lang)("churn_col_model"))


def target_table(targets: pd.DataFrame, currency: str = "", lang: str = "en") -> Styler:
    """The CLV-aware target list (``WhoResults.targets``): customers by expected profit of an offer.

    Customer ids come from the data: the report's safe output escapes them as text.
    """
    m = _money(currency)
    return formatted(targets, column_labels(targets.columns, lang),
                     {"rank": "{:,}", "churn_probability": "{:.1%}", "value": m, "expected_saved": m,
                      "expected_profit": m, "cum_profit": m}, hide_index=True)
