"""English and Chinese text of the churn report and figures: label helpers over the report catalogue.

The phrases (keys ``churn_*``) live in the gettext catalogues read by
:mod:`crm_models.report.i18n`; this module keeps the helpers that build labels from them;
:func:`t` looks one up (``lang`` = ``"en"`` or ``"zh"``), :func:`column_label` names a
table column, :func:`describe_data` says in the report language how the survival data were
built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from crm_models.report.i18n import has_key, translate, unit_name

__all__ = ["t", "column_label", "column_labels", "describe_data", "effect_name", "term_label",
           "tier_label", "readable", "covariate_label", "covariate_labels", "model_name",
           "compared_model_name", "family_name"]


#: ``t(key, lang="en", **values)``: a churn phrase in ``lang`` (the shared
#: :func:`~crm_models.report.i18n.translate`, under the short name the report notebooks import)
t = translate


def readable(name: object) -> str:
    """A data column or level name as words: ``monthly_fee`` -> ``monthly fee``."""
    return " ".join(str(name).replace("_", " ").split())


def column_label(column: object, lang: str = "en", **values: object) -> str:
    """Header of a report table column; a data column without a phrase is shown in words."""
    key = f"churn_col_{column}"
    return translate(key, lang, **values) if has_key(key) else readable(column)


def model_name(kind: object, lang: str = "en") -> str:
    """A model kind as readers name it: ``cox`` -> Cox proportional hazards / Cox 比例风险模型."""
    key = f"churn_model_{kind}"
    return translate(key, lang) if has_key(key) else readable(kind)


def compared_model_name(code: object, lang: str = "en") -> str:
    """A model of the classifier comparison: ``logit`` -> logistic regression, a survival kind by name."""
    key = f"churn_clf_{code}"
    return translate(key, lang) if has_key(key) else model_name(code, lang)


def family_name(family: object, lang: str = "en") -> str:
    """``classifier`` / ``survival`` in the report language."""
    key = f"churn_family_{family}"
    return translate(key, lang) if has_key(key) else readable(family)


def column_labels(columns: Iterable[object], lang: str = "en", **values: object) -> list[str]:
    return [column_label(c, lang, **values) for c in columns]


def tier_label(tier: object, lang: str = "en") -> str:
    """low / medium / high / total in the report language (other labels unchanged)."""
    key = f"churn_tier_{tier}"
    return translate(key, lang) if has_key(key) else str(tier)


def effect_name(effect: str, lang: str = "en") -> str:
    """``"hazard ratio"`` / ``"time ratio"`` in the report language."""
    key = "churn_effect_" + str(effect).replace(" ", "_")
    return translate(key, lang) if has_key(key) else str(effect)


def term_label(term: object, row: pd.Series, lang: str = "en") -> str:
    """A model term as a reader names it: ``contract: monthly (vs annual)`` for a dummy, else the term."""
    level = row.get("level")
    if level is not None and not pd.isna(level):
        reference = row.get("reference")
        if reference is None or pd.isna(reference):
            return translate("churn_term_level", lang, variable=readable(row["variable"]),
                             level=readable(level))
        return translate("churn_term", lang, variable=readable(row["variable"]), level=readable(level),
                         reference=readable(reference))
    return readable(row.get("variable", term) if row.get("variable") is not None else term)


_PATSY_LEVEL = re.compile(r"^(?P<variable>.+?)\[(?:T\.)?(?P<level>.+)\]$")


def covariate_label(term: object, effects: pd.DataFrame | None = None, lang: str = "en") -> str:
    """A model term in words: the effects table's variable and level, else parsed from the name.

    ``contract_type[T.two_year]`` -> ``contract type: two year``; ``monthly_fee`` -> ``monthly fee``;
    with ``effects`` (a model's ``effects_``) dummies read ``contract: monthly (vs annual)``.
    """
    if effects is not None and term in effects.index:
        return term_label(term, effects.loc[term], lang)
    match = _PATSY_LEVEL.match(str(term))
    if match:
        return translate("churn_term_level", lang, variable=readable(match["variable"]),
                         level=readable(match["level"]))
    return readable(term)


def covariate_labels(terms: Iterable[object], effects: pd.DataFrame | None = None,
                     lang: str = "en") -> list[str]:
    """:func:`covariate_label` of each term."""
    return [covariate_label(term, effects, lang) for term in terms]


def describe_data(data: pd.DataFrame, info: dict[str, Any], lang: str = "en") -> str:
    """One sentence on how the survival data were built (``info`` from ``load_churn_data``)."""
    if lang == "en":
        return str(info["description"])
    meta = data.attrs.get("crm_churn", {})
    unit = unit_name(info["time_unit"], lang)
    end = info.get("observation_end") or ""
    if info["setting"] == "non-contractual":
        q = meta.get("window_quantile")
        rule = (translate("churn_rule_quantile", lang, q=q) if q is not None
                else translate("churn_rule_given", lang))
        return translate("churn_desc_transactions", lang, n=len(data),
                         days=meta.get("inactivity_window_days", 0.0), rule=rule, end=end, unit=unit)
    if "spell" in data.columns and "customer_id" in data.columns:
        return translate("churn_desc_subscriptions", lang, spells=len(data),
                         customers=data["customer_id"].nunique(), end=end, unit=unit)
    duration, event = info["duration_col"], info["event_col"]
    value = str(info["description"]).split(f"churn = '{event}'", 1)[-1]
    return translate("churn_desc_survival", lang, n=len(data), duration=duration, event=event, unit=unit,
                     value=value)
