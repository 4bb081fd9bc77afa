"""The CLV report's section "model choice": the contest of :func:`crm_models.clv.compare_models`.

:func:`run_contest` runs it on the report's calibration/holdout summary, :func:`choice_markdown`
writes why the winner won and whether the report's own model (its ``model`` parameter, which
the report keeps) was beaten, :func:`comparison_table` shows the table in the report's words
and :func:`choice_tracking` gives the tracking tables of the two best probability models for
:func:`crm_models.plotting.clv.plot_model_tracking`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from crm_models.clv.compare import ML_BASELINE, ModelComparison, compare_models
from crm_models.clv.validation import tracking
from crm_models.report.clv.messages import t
from crm_models.report.clv.tables import headers
from crm_models.report.safe import markdown_translator
from crm_models.report.tables import formatted

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.report.clv.data import ReportData

__all__ = ["run_contest", "candidate_name", "choice_markdown", "comparison_table", "choice_tracking",
           "TABLE_COLUMNS"]

#: The columns of the comparison shown in the report.
TABLE_COLUMNS = ["mae", "rmse", "total_error", "aic", "bic", "n_params", "fit_seconds"]


def _key(model: object) -> str:
    return str(model).lower().replace("/", "").replace("-", "").replace("_", "")


def run_contest(data: ReportData, seed: int = 0) -> ModelComparison | None:
    """:func:`~crm_models.clv.compare_models` on the report's calibration summary (default
    candidates and the ML baseline); None when the report has no holdout period or nobody buys
    in it (nothing to score the models on)."""
    cal = data.calibration
    if "frequency_holdout" not in cal.columns or not cal["frequency_holdout"].sum() > 0:
        return None
    return compare_models(data.calibration, seed=seed)


def candidate_name(comparison: ModelComparison, key: str, lang: str = "en") -> str:
    """A candidate's name for readers: the published model name, the ML baseline in ``lang``."""
    if key == ML_BASELINE:
        return t("clv_model_ml_baseline", lang)
    return str(comparison.table.loc[key, "model"])


def choice_markdown(comparison: ModelComparison, model: object, lang: str = "en") -> str:
    """The section heading, what the contest is, who won and why, and the report's own model.

    Parameters
    ----------
    comparison : ModelComparison
        From :func:`run_contest`.
    model : object
        The report's ``model`` parameter (kept, whoever wins).
    lang : str
        Report language.

    Returns
    -------
    str
        Markdown.
    """
    md = markdown_translator(t, lang)
    table = comparison.table
    ok = table[table["status"] == "ok"]
    best = comparison.best

    def name(key: str) -> str:
        return candidate_name(comparison, key, lang)

    sep = "" if lang == "zh" else " "  # Chinese sentences follow each other without a space

    parts = [f"## {md('clv_choice')}", md("clv_choice_text")]
    line = md("clv_choice_best", best=name(best), mae=ok.loc[best, "mae"])
    if len(ok) > 1:
        second = ok.index[1]
        line += sep + md("clv_choice_runner_up", second=name(second), mae=ok.loc[second, "mae"])
        se = ok.loc[second, "mae_diff_se"]
        if np.isfinite(se) and ok.loc[second, "mae"] - ok.loc[best, "mae"] < 2 * se:
            line += sep + md("clv_choice_tie")
    probability = comparison.probability_models
    aic = ok["aic"].astype(float)
    by_aic = aic.idxmin() if aic.notna().any() else None
    if best == ML_BASELINE and probability:
        line += sep + md("clv_choice_ml_best", model=name(probability[0]))
    top = best if best != ML_BASELINE else (probability[0] if probability else None)
    if by_aic is not None and top is not None:
        line += sep + (md("clv_choice_aic_agrees", model=name(top)) if by_aic == top
                       else md("clv_choice_aic_disagrees", model=name(by_aic)))
    parts.append(line)
    own = _key(model)
    if own in ok.index and top is not None:
        if own == top:
            parts.append(md("clv_choice_kept_same", model=name(own)))
        else:
            kept = md("clv_choice_kept_other", model=name(own), mae=ok.loc[own, "mae"], better=name(top),
                      better_mae=ok.loc[top, "mae"])
            from crm_models.report.clv.data import PURCHASE_MODELS

            if top in PURCHASE_MODELS:
                kept += sep + md("clv_choice_switch", code=top)
            parts.append(kept)
    failed = [name(k) for k in table.index[table["status"] != "ok"]]
    if failed:
        parts.append(md("clv_choice_failed", models=", ".join(failed)))
    spend = comparison.spend
    if spend is not None and len(spend) == 2:
        parts.append(md("clv_choice_spend", customers=int(spend["customers"].iloc[0]),
                        gg=spend.loc["gamma_gamma", "mae"], ml=spend.loc[ML_BASELINE, "mae"]))
    return "\n\n".join(parts)


def comparison_table(comparison: ModelComparison, lang: str = "en", time_unit: str = "W") -> Styler:
    """The comparison, best first: one row per candidate named in words, errors and fit criteria."""
    md = markdown_translator(t, lang)
    shown = comparison.table[TABLE_COLUMNS].copy()
    shown.index = pd.Index([candidate_name(comparison, k, lang) for k in shown.index])
    return formatted(shown, headers(TABLE_COLUMNS, lang, time_unit),
                     {"mae": "{:.3f}", "rmse": "{:.3f}", "total_error": "{:+.1%}", "aic": "{:,.1f}",
                      "bic": "{:,.1f}", "n_params": "{:.0f}", "fit_seconds": "{:.2f}"},
                     index_name=md("clv_col_model"), na_rep="–")


def choice_tracking(data: ReportData, comparison: ModelComparison, period: str = "D", time_unit: str = "W",
                    lang: str = "en", n: int = 2) -> dict[str, pd.DataFrame]:
    """Name -> :func:`~crm_models.clv.tracking` table of the ``n`` best probability models (the
    ML baseline predicts per customer only, not over calendar time)."""
    out = {}
    for key in comparison.probability_models[:n]:
        out[candidate_name(comparison, key, lang)] = tracking(
            comparison.fitted[key], data.tracking_counts, data.calibration, data.observation_end,
            period=period, time_unit=time_unit, calibration_end=data.calibration_end)
    return out
