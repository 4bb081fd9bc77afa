"""The CSI report's sentences and key figures, computed from the fitted model.

The notebook only calls these: which model is fitted (with or without the straight-liners),
the numbers of the first section, the weak items, the strongest lever, how many bootstrap
resamples were used, and the machine-readable key figures of a scheduled run.  Markdown
text values are escaped as in the notebook (:func:`~crm_models.report.safe.markdown_translator`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from IPython.display import Markdown

from crm_models.csi import THRESHOLDS, build_model, careless_responses, drop_straightliners, hypothesis_table
from crm_models.report.csi import tables
from crm_models.report.csi.messages import t, word
from crm_models.report.safe import markdown_translator

if TYPE_CHECKING:  # pragma: no cover
    from crm_models.csi.bootstrap import BootstrapResult
    from crm_models.csi.pls import PLSPM
    from crm_models.csi.scale import AnswerScale

__all__ = ["fit_survey", "numbers_markdown", "weak_items_markdown", "index_notes", "hypotheses",
           "lever_markdown", "boot_used_markdown", "summary_record"]


def fit_survey(survey: pd.DataFrame, model: Any, *, scheme: str = "centroid", scaled: bool = False,
               exclude_straightliners: bool = False) -> tuple[PLSPM, pd.DataFrame]:
    """Fit the report's PLS path model, refitted without straight-liners when asked.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent.
    model : str or dict
        ``"ecsi"``, ``"acsi"``, ``"retention"`` or a ``{"paths": ..., "blocks": ...}`` spec.
    scheme : str
        Inner weighting scheme.
    scaled : bool
        Standardise the items.
    exclude_straightliners : bool
        Refit without the respondents who gave the same answer to every item (if any).

    Returns
    -------
    (PLSPM, DataFrame)
        The fitted model and :func:`~crm_models.csi.careless_responses` of the whole survey.
    """
    pls = build_model(model, survey, scheme=scheme, scaled=scaled).fit(survey)
    careless = careless_responses(survey, pls.spec.items, warn=False)
    if exclude_straightliners and careless["straightliner"].any():
        pls = pls.fit(drop_straightliners(survey, pls.spec.items))
    return pls, careless


def numbers_markdown(pls: PLSPM, labels: Mapping[str, str], scheme: str, lang: str = "en") -> str:
    """The bullet list of the section "the numbers": sample, missing values, convergence, fit.

    Parameters
    ----------
    pls : PLSPM
        The fitted model.
    labels : mapping
        Construct code -> name in the report's language.
    scheme : str
        The inner weighting scheme used.
    lang : str
        Report language.

    Returns
    -------
    str
        Markdown, starting with the section heading.
    """
    md = markdown_translator(t, lang)
    miss = pls.missing_
    r2 = ", ".join(f"{labels[k]} {v:.2f}" for k, v in pls.r2_.items())
    return (
        f"## {md('csi_numbers')}\n\n"
        f"- {md('csi_n_line', n=pls.n_obs_, items=len(pls.spec.items), k=len(pls.spec.lvs), names=', '.join(labels.values()))}\n"  # noqa: E501
        f"- {md('csi_missing_line', cells=miss['cells'], method=word('missing', miss['method'], lang), dropped=miss['rows_dropped'])}\n"  # noqa: E501
        f"- {md('csi_converged_line', iterations=pls.iterations_, scheme=word('scheme', scheme, lang))}\n"
        f"- {md('csi_gof_line', gof=pls.gof_, r2=r2)}"
    )


def weak_items_markdown(pls: PLSPM, labels: Mapping[str, str], lang: str = "en") -> str:
    """The sentence listing the items whose loading is below the rule of thumb (or none).

    Returns
    -------
    str
        Markdown, e.g. "Items loading below 0.7: sat3 (Satisfaction, 0.65)".
    """
    md = markdown_translator(t, lang)
    loads = pls.outer_model_
    weak = loads[loads["loading"] < THRESHOLDS["loading"]]
    listed = ", ".join(f"{i} ({labels[r.block]}, {r.loading:.2f})" for i, r in weak.iterrows())
    listed = listed or md("csi_none")
    return md("csi_weak_items", items=listed)


def index_notes(index: pd.DataFrame, labels: Mapping[str, str], lang: str = "en") -> list[Markdown]:
    """The note on constructs left out of the 0-100 index (negative weights): one or none.

    Returns
    -------
    list of Markdown
        Empty when every construct has an index; ``display(*notes)`` shows nothing then.
    """
    skipped = index.attrs.get("skipped") or []
    if not skipped:
        return []
    return [Markdown(markdown_translator(t, lang)("csi_index_skipped",
                                                  names=", ".join(labels[s] for s in skipped)))]


def hypotheses(pls: PLSPM, boot: BootstrapResult, labels: Mapping[str, str], lang: str = "en") -> list[Any]:
    """The retention model's hypotheses: a heading and the table, or nothing for other models.

    Returns
    -------
    list
        ``[Markdown, Styler]`` when the model has the constructs VAL, SAT, LOY and SWC, else ``[]``.
    """
    if not {"VAL", "SAT", "LOY", "SWC"} <= set(pls.spec.lvs):
        return []
    table = hypothesis_table(pls, boot, lang=lang)
    return [Markdown(markdown_translator(t, lang)("csi_hypotheses")),
            tables.hypotheses_table(table, lang, dict(labels))]


def lever_markdown(imp: pd.DataFrame, target: str, labels: Mapping[str, str], lang: str = "en") -> str:
    """The sentence naming the strongest lever of ``target``: the first row of the IPMA table."""
    top = imp.index[0]
    return markdown_translator(t, lang)("csi_lever", target=labels[target], driver=labels[top],
                                        importance=imp.loc[top, "importance"],
                                        performance=imp.loc[top, "performance"])


def boot_used_markdown(boot: BootstrapResult, seed: int, lang: str = "en") -> str:
    """How many bootstrap resamples were used, the seed, and the sign-change rule."""
    return markdown_translator(t, lang)("csi_boot_used", used=boot.n - boot.n_failed, n=boot.n, seed=seed,
                                        rule=word("sign_change", boot.sign_change, lang))


def summary_record(pls: PLSPM, careless: pd.DataFrame, scale: AnswerScale, boot: BootstrapResult,
                   index: pd.DataFrame, imp: pd.DataFrame) -> dict[str, object]:
    """The report's key figures, JSON-plain, for scheduled runs and the engine comparison tests.

    Parameters
    ----------
    pls : PLSPM
        The fitted model.
    careless : DataFrame
        :func:`~crm_models.csi.careless_responses` of the survey.
    scale : AnswerScale
        The answer scale used for the index.
    boot : BootstrapResult
        The bootstrap of the model.
    index : DataFrame
        :func:`~crm_models.csi.csi_index` of the model.
    imp : DataFrame
        :func:`~crm_models.csi.ipma` of the model.

    Returns
    -------
    dict
        ``respondents``, ``straightliners``, ``scale`` ([min, max] or ``"per item"``),
        ``scale_source``, ``items``, ``iterations``, ``gof``, ``r2``, ``paths``, ``loadings``,
        ``index``, ``ipma_importance``, ``boot_used``, ``boot_path_std_error``.
    """
    return {
        "respondents": int(pls.n_obs_),
        "straightliners": int(careless["straightliner"].sum()),
        "scale": [scale.scale_min, scale.scale_max] if scale.label != "per item" else "per item",
        "scale_source": scale.source,
        "items": len(pls.spec.items),
        "iterations": int(pls.iterations_),
        "gof": float(pls.gof_),
        "r2": {str(k): float(v) for k, v in pls.r2_.items()},
        "paths": {str(k): float(v) for k, v in boot.paths["original"].items()},
        "loadings": {str(k): float(v) for k, v in pls.outer_model_["loading"].items()},
        "index": {str(k): float(v) for k, v in index["index"].items()},
        "ipma_importance": {str(k): float(v) for k, v in imp["importance"].items()},
        "boot_used": int(boot.n - boot.n_failed),
        "boot_path_std_error": {str(k): float(v) for k, v in boot.paths["std_error"].items()},
    }
