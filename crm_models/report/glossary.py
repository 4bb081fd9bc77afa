"""One glossary per language: each concept has one term in English and one in Chinese.

Report messages name a concept with :func:`term` (``term("p_alive", "zh")`` -> 活跃概率)
instead of spelling it out, so a concept is called the same in every report.  Each entry
also lists the synonyms that must not appear in that language's messages (e.g. 存活概率
for P(active)); the test suite checks the whole catalogue against them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Term", "GLOSSARY", "term", "banned_synonyms", "synonyms_in"]


@dataclass(frozen=True)
class Term:
    """A concept's term in each language and the synonyms not to use instead."""

    en: str
    zh: str
    avoid_en: tuple[str, ...] = ()
    avoid_zh: tuple[str, ...] = ()
    meaning: str = ""


GLOSSARY: dict[str, Term] = {
    "p_alive": Term("P(active)", "活跃概率", ("P(alive)",), ("存活概率", "在世概率"),
                    "probability that a customer is still an active buyer (BG/NBD family)"),
    "customer_equity": Term("customer equity", "客户资产", (), ("客户权益", "顾客资产"),
                            "sum of the customers' lifetime values"),
    "clv": Term("customer lifetime value", "客户终身价值", ("lifetime customer value",),
                ("顾客终身价值", "客户生命周期价值"), "discounted future profit of a customer"),
    "hazard_ratio": Term("hazard ratio", "风险比", ("risk ratio",), ("危险比", "风险比率"),
                         "factor by which a covariate multiplies the churn hazard"),
    "cox_model": Term("Cox proportional hazards", "Cox 比例风险模型", ("Cox model",),
                      ("Cox 模型", "Cox模型", "考克斯"), "the semi-parametric survival regression"),
    "median_lifetime": Term("median lifetime", "中位生存时间", ("median survival time",),
                            ("中位寿命", "中位生命周期"), "time by which half of the customers have left"),
    "concordance": Term("concordance", "一致性指数", ("C-index",), ("C 指数", "一致性系数"),
                        "share of customer pairs whose churn order the model gets right"),
    "value_at_risk": Term("value at risk", "风险价值", (), ("在险价值",),
                          "value lost if the expected churners leave"),
    "bootstrap": Term("bootstrap", "自助法", (), ("自举",), "resampling respondents with replacement"),
    "construct": Term("construct", "潜变量", (), ("构念", "潜在变量"),
                      "an unobserved quantity measured by survey items"),
    "repeat_purchase": Term("repeat purchase", "重复购买", (), ("复购",),
                            "a purchase after the customer's first"),
}


def term(concept: str, lang: str = "en") -> str:
    """The glossary term for ``concept`` in ``lang`` (``"en"`` or ``"zh"``)."""
    entry = GLOSSARY[concept]
    if lang not in ("en", "zh"):
        raise ValueError(f"unsupported language {lang!r}; use 'en' or 'zh'")
    return entry.zh if lang == "zh" else entry.en


def banned_synonyms(lang: str = "en") -> dict[str, tuple[str, ...]]:
    """``{concept: synonyms}`` that messages in ``lang`` must not use."""
    return {c: (e.avoid_zh if lang == "zh" else e.avoid_en) for c, e in GLOSSARY.items()}


def synonyms_in(text: str, lang: str = "en") -> list[tuple[str, str]]:
    """``(concept, synonym)`` pairs of banned synonyms that ``text`` uses instead of the term.

    The proper term is removed first, so a synonym that is part of it (复购 in 重复购买) does
    not count.
    """
    found = []
    for concept, entry in GLOSSARY.items():
        rest = text.replace(term(concept, lang), " ")
        found += [(concept, s) for s in (entry.avoid_zh if lang == "zh" else entry.avoid_en) if s in rest]
    return found
