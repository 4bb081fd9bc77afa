"""The CSI report's optional sections: mediation, PLSpredict, moderation and multi-group analysis.

Each section applies only when the model or the report's parameters call for it, and returns
what the notebook displays (``display(*section)``): nothing when it does not apply.

* :func:`mediation_section`: the specific indirect effects of the model's chains with their
  bootstrap intervals and the mediation type of Zhao, Lynch & Chen (2010), and the strongest
  mediated effect in one sentence (:func:`crm_models.csi.mediation_table`);
* :func:`prediction_section`: PLSpredict per endogenous construct (Shmueli et al. 2019:
  Q²predict, PLS against the linear benchmark, predictive power; :func:`crm_models.csi.predict_pls`);
* :func:`moderation_model` / :func:`moderation_section`: the report's model refitted with a
  two-stage interaction ``focal × moderator → target`` (Henseler & Chin 2010), its path,
  interval and f², and the simple slopes (:func:`crm_models.csi.simple_slopes`);
* :func:`multigroup_section`: MICOM and the group comparison of every path
  (:func:`crm_models.csi.mga`), or a message when the groups cannot be compared.

Bad parameters (a moderator that is not a construct, a group column that is not in the
survey or does not split it into two large enough groups) raise
:class:`~crm_models.errors.CRMDataError` naming the parameter and the fix
(:func:`check_moderation`, :func:`check_group_column`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from crm_models.csi import interaction_f2, mediation_table, mga, predict_pls, simple_slopes
from crm_models.errors import CRMDataError
from crm_models.report.csi.messages import construct_label, path_label, t, word
from crm_models.report.safe import markdown_translator
from crm_models.report.tables import labelled

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

    from crm_models.csi.bootstrap import BootstrapResult
    from crm_models.csi.multigroup import MGAResult
    from crm_models.csi.pls import PLSPM
    from crm_models.csi.predict import PLSPredictResult

__all__ = ["MEDIATION_ROWS", "chain_label", "mediation_rows", "mediation_section", "prediction_rows",
           "prediction_section", "check_moderation", "moderation_model", "moderation_section",
           "check_group_column", "multigroup_rows", "micom_rows", "multigroup_section"]

#: At most this many chains are shown (the largest indirect effects); ECSI has 49.
MEDIATION_ROWS = 12

_MEDIATION_TYPES = ("indirect-only", "complementary", "competitive", "direct-only", "no effect")


def _name(code: str, labels: Mapping[str, str] | None, lang: str) -> str:
    return (labels or {}).get(code) or construct_label(code, lang)


def chain_label(chain: str, lang: str = "en", labels: Mapping[str, str] | None = None) -> str:
    """A chain code as words: ``"IMAG -> SAT -> LOY"`` -> ``Image → Satisfaction → Loyalty``."""
    return " → ".join(_name(code.strip(), labels, lang) for code in str(chain).split(" -> "))


def _mediation_type(value: str, lang: str) -> str:
    return t("csi_mediation_type_" + value.replace("-", "_").replace(" ", "_"), lang)


# ----------------------------------------------------------------------------- mediation

def mediation_rows(table: pd.DataFrame, max_rows: int = MEDIATION_ROWS) -> pd.DataFrame:
    """The chains the report shows of a :func:`~crm_models.csi.mediation_table`, largest ``|indirect|`` first.

    Returns
    -------
    DataFrame
        At most ``max_rows`` rows (index: the chain), columns ``original, lower, upper, direct,
        direct_lower, direct_upper, type``; ``direct`` is missing where the model has no
        direct path (its effect is fixed at 0).
    """
    order = table["original"].abs().sort_values(ascending=False, kind="stable").index
    rows = table.loc[order[:max_rows], ["original", "lower", "upper", "direct", "direct_lower",
                                        "direct_upper", "type"]].copy()
    rows.loc[~table.loc[rows.index, "direct_path"].astype(bool), "direct"] = np.nan  # no path X -> Y
    return rows


def mediation_table_styler(rows: pd.DataFrame, lang: str = "en",
                           labels: Mapping[str, str] | None = None) -> Styler:
    """The mediation table in words: chain, indirect effect with its interval, direct effect, type."""
    shown = rows.copy()
    shown["type"] = shown["type"].map(lambda v: _mediation_type(v, lang))
    headers = {c: t(f"csi_col_{c}" if c not in ("original",) else "csi_col_indirect", lang) for c in shown}
    return labelled(shown, headers, index=[chain_label(k, lang, labels) for k in shown.index],
                    index_name=t("csi_col_chain", lang), na_rep="–")


def mediation_section(boot: BootstrapResult, labels: Mapping[str, str] | None = None, lang: str = "en",
                      max_rows: int = MEDIATION_ROWS) -> list[Any]:
    """Heading, the table of specific indirect effects and the strongest mediated effect.

    Returns
    -------
    list
        ``[Markdown, Styler, Markdown]``; empty when the model has no chain with a mediator.
    """
    md = markdown_translator(t, lang)
    table = mediation_table(boot)
    if table.empty:  # no chain with a mediator
        return []
    rows = mediation_rows(table, max_rows)
    n = len(table)
    intro = md("csi_mediation_text") + (" " + md("csi_mediation_shown", shown=len(rows), n=n) if n > len(rows)
                                        else "")
    significant = table[table["indirect_significant"]]
    if significant.empty:
        sentence = md("csi_mediation_none")
    else:
        top = significant.loc[significant["original"].abs().idxmax()]
        sentence = md("csi_mediation_strongest", chain=chain_label(top.name, lang, labels),
                      effect=top["original"], lower=top["lower"], upper=top["upper"],
                      type=_mediation_type(top["type"], lang))
    return [Markdown(f"## {md('csi_mediation')}\n\n{intro}"), mediation_table_styler(rows, lang, labels),
            Markdown(sentence)]


# ----------------------------------------------------------------------------- PLSpredict

def prediction_rows(result: PLSPredictResult) -> pd.DataFrame:
    """Per endogenous construct: indicators, Q²predict range, PLS wins over LM (RMSE), power."""
    verdict = result.verdict("rmse")
    q2 = result.metrics.groupby("construct", sort=False)["q2_predict"]
    out = pd.DataFrame({"indicators": verdict["indicators"],
                        "q2_min": q2.min().reindex(verdict.index), "q2_max": q2.max().reindex(verdict.index),
                        "pls_better": verdict["pls_better"], "predictive_power": verdict["predictive_power"]})
    return out


def prediction_section(pls: PLSPM, seed: int = 0, labels: Mapping[str, str] | None = None,
                       lang: str = "en", n_folds: int = 10, run: bool = True) -> list[Any]:
    """PLSpredict (``n_folds``-fold, seed ``seed``, direct antecedents): heading, table, sentence.

    Returns
    -------
    list
        ``[Markdown, Styler, Markdown]``, or ``[]`` when ``run`` is False (the ``predict``
        parameter).
    """
    if not run:
        return []
    md = markdown_translator(t, lang)
    result = predict_pls(pls, n_folds=n_folds, technique="DA", seed=seed)
    rows = prediction_rows(result)
    shown = pd.DataFrame({
        "indicators": rows["indicators"],
        "q2_range": [f"{lo:.3f} – {hi:.3f}" for lo, hi in zip(rows["q2_min"], rows["q2_max"], strict=True)],
        "pls_better": [t("csi_predict_wins", lang, k=k, n=n)
                       for k, n in zip(rows["pls_better"], rows["indicators"], strict=True)],
        "predictive_power": rows["predictive_power"].map(lambda v: t(f"csi_power_{v}", lang)),
    }, index=rows.index)
    styler = labelled(shown, {c: t(f"csi_col_{c}", lang) for c in shown},
                      index=[_name(k, labels, lang) for k in shown.index],
                      index_name=t("csi_col_construct", lang), formats={"indicators": "{:d}"})
    groups = []
    for level in ("high", "medium", "low", "none"):
        names = [_name(k, labels, lang) for k in rows.index[rows["predictive_power"] == level]]
        if names:
            groups.append(md("csi_predict_group", power=t(f"csi_power_{level}", lang),
                             names=t("csi_list_sep", lang).join(names)))
    sentence = md("csi_predict_sentence", folds=n_folds, seed=seed,
                  groups=t("csi_clause_sep", lang).join(groups))
    return [Markdown(f"## {md('csi_predict')}\n\n{md('csi_predict_text')}"), styler, Markdown(sentence)]


# ----------------------------------------------------------------------------- moderation

def check_moderation(pls: PLSPM, moderator: str | None, focal: str | None = None,
                     moderation_target: str | None = None) -> tuple[str, str, str] | None:
    """The report's moderation parameters, checked: ``(focal, moderator, target)`` or ``None``.

    ``moderation_target`` defaults to the construct that both ``focal`` and ``moderator``
    predict when there is exactly one, else to ``focal``'s only successor.

    Raises
    ------
    CRMDataError
        Naming the parameter: a moderator, focal construct or target that is not a construct of
        the model, a moderator without a focal construct, the moderator as its own focal
        construct, a target that the focal construct does not predict or that cannot be
        chosen alone.
    """
    if moderator is None:
        return None
    spec = pls.spec
    lvs = list(spec.lvs)
    names = ", ".join(lvs)
    given = (("moderator", moderator), ("focal", focal), ("moderation_target", moderation_target))
    for param, value in given:
        if value is not None and value not in lvs:
            raise CRMDataError(f"parameter {param}={value!r} is not a construct of the model; set it to one "
                               f"of {names}" + (" or None" if param == "moderator" else ""))
    if focal is None:
        raise CRMDataError(f"parameter moderator={moderator!r} needs focal: the construct whose effect it "
                           f"changes (one of {names})")
    if focal == moderator:
        raise CRMDataError(f"parameters focal and moderator are both {focal!r}: a construct cannot moderate "
                           "its own effect; choose another focal construct or moderator")
    paths = pls.get_params()["paths"]
    successors = {src: [tgt for tgt, preds in paths.items() if src in preds] for src in lvs}
    if moderation_target is None:
        common = [x for x in successors[focal] if x in successors[moderator]]
        choices = common if len(common) == 1 else successors[focal]
        if len(choices) != 1:
            raise CRMDataError(f"parameter moderation_target is needed: {focal!r} predicts "
                               f"{successors[focal] or 'no construct'}; set moderation_target to one of them")
        moderation_target = choices[0]
    if moderation_target not in successors[focal]:
        raise CRMDataError(f"parameter moderation_target={moderation_target!r}: {focal!r} does not predict "
                           f"it; set it to one of {successors[focal] or 'the constructs it predicts (none)'}")
    if moderation_target == moderator:
        raise CRMDataError(f"parameter moderator={moderator!r} is the moderated target itself; choose "
                           "another moderator")
    return focal, moderator, moderation_target


def moderation_model(pls: PLSPM, survey: pd.DataFrame, moderator: str | None, focal: str | None = None,
                     moderation_target: str | None = None) -> tuple[PLSPM, str] | None:
    """The report's model with the two-stage interaction ``focal*moderator`` on the target, fitted.

    The moderator's own path to the target is added when the model lacks it (a moderation model
    needs both main effects).  Items are standardised (``scaled=True``), which interactions need.

    Returns
    -------
    (PLSPM, str) or None
        The fitted model and the interaction's name, ``None`` without a moderator.
    """
    checked = check_moderation(pls, moderator, focal, moderation_target)
    if checked is None:
        return None
    focal, moderator, target = checked
    name = f"{focal}*{moderator}"
    params = pls.get_params()
    paths = {k: list(v) for k, v in params["paths"].items()}
    paths[target] = [*paths[target], *([moderator] if moderator not in paths[target] else []), name]
    params.update(paths=paths, scaled=True, interactions={name: (focal, moderator)},
                  interaction_method="two_stage")
    return type(pls)(**params).fit(survey), name


def moderation_section(model: tuple[PLSPM, str] | None, labels: Mapping[str, str] | None = None,
                       lang: str = "en", n_boot: int = 1000, seed: int = 0,
                       boot: BootstrapResult | None = None) -> list[Any]:
    """Heading, the interaction path (estimate, interval, p, f²), the simple slopes and a sentence.

    ``model`` is :func:`moderation_model`'s result; its bootstrap (``n_boot`` draws, ``seed``;
    every draw rebuilds the product term) gives the intervals unless ``boot`` is given.  Without
    a moderator (``model`` None) the heading and a note saying how to ask for it.
    """
    md = markdown_translator(t, lang)
    heading = f"## {md('csi_moderation')}\n\n"
    if model is None:
        return [Markdown(heading + md("csi_moderation_skipped"))]
    mod, name = model
    boot = mod.bootstrap(n=n_boot, seed=seed) if boot is None else boot
    slopes = simple_slopes(mod, name, moderator_values=(-1.0, 0.0, 1.0), boot=boot)
    first = slopes.iloc[0]
    focal, moderator, target = (str(first[k]) for k in ("focal", "moderator", "target"))
    names = {**{lv: _name(lv, labels, lang) for lv in (focal, moderator, target)}}
    names[name] = f"{names[focal]} × {names[moderator]}"
    key = f"{name} -> {target}"
    path = boot.paths.loc[[key], ["original", "lower", "upper", "p_value"]]
    f2 = interaction_f2(mod).loc[key]
    path["f2"] = f2["f2"]
    path["size"] = t(f"csi_size_{f2['size']}", lang)
    path_table = labelled(path, {c: t(f"csi_col_{c}", lang) for c in path},
                          index=[f"{names[name]} → {names[target]}"], index_name=t("csi_col_path", lang),
                          formats={"p_value": "{:.2g}"})
    levels = slopes[["slope", "lower", "upper"]].copy()
    level_names = [t("csi_level_mean", lang) if v == 0 else t("csi_level_sd", lang, value=v)
                   for v in slopes["moderator_value"]]
    slope_headers = {"slope": t("csi_col_slope", lang, focal=names[focal], target=names[target]),
                     "lower": t("csi_col_lower", lang), "upper": t("csi_col_upper", lang)}
    slope_table = labelled(levels, slope_headers, index=level_names,
                           index_name=t("csi_col_moderator_level", lang, moderator=names[moderator]))
    row = path.iloc[0]
    significant = row["lower"] > 0 or row["upper"] < 0
    sentence = md("csi_moderation_sentence", moderator=names[moderator], focal=names[focal],
                  target=names[target],
                  low=float(slopes["slope"].iloc[0]), mean=float(slopes["slope"].iloc[1]),
                  high=float(slopes["slope"].iloc[2]), effect=row["original"], lower=row["lower"],
                  upper=row["upper"],
                  verdict=t("csi_moderation_significant" if significant else "csi_moderation_not_significant",
                            lang))
    intro = md("csi_moderation_text", moderator=names[moderator], focal=names[focal], target=names[target])
    return [Markdown(heading + intro), path_table, slope_table, Markdown(sentence)]


# ----------------------------------------------------------------------------- multi-group

def _group_problem(survey: pd.DataFrame, pls: PLSPM, group_column: str) -> tuple[str, dict[str, Any]] | None:
    """What keeps ``group_column`` from splitting the model's respondents into two groups, or None."""
    if group_column not in survey.columns:
        return "missing", {}
    rows = pls.training_data_.index if getattr(pls, "training_data_", None) is not None else survey.index
    labels = survey[group_column].reindex(rows)
    if labels.isna().any():
        return "unlabelled", {"n": int(labels.isna().sum())}
    counts = labels.value_counts()
    if len(counts) != 2:
        shown = ", ".join(f"{k!s} ({v})" for k, v in list(counts.items())[:10])
        return "levels", {"k": len(counts), "groups": shown}
    n_min = max(len(pls.spec.items), len(pls.spec.lvs) + 2, 10)
    small = counts[counts < n_min]
    if len(small):
        return "small", {"group": str(small.index[0]), "n": int(small.iloc[0]), "items": len(pls.spec.items),
                         "n_min": n_min}
    return None


_GROUP_PROBLEMS = {
    "missing": "is not a column of the survey; set it to a column that splits the respondents into two "
               "groups (e.g. gender, region, channel) or None",
    "unlabelled": "{n} respondents have no group; give every respondent a group or leave them out of the "
                  "survey",
    "levels": "has {k} group(s) ({groups}); a multi-group comparison needs exactly two: recode the column "
              "into two groups (e.g. merge regions) or choose another column",
    "small": "group {group} has {n} respondents, the model ({items} items) needs at least {n_min} per group; "
             "merge groups, collect more answers or choose another column",
}


def check_group_column(survey: pd.DataFrame, pls: PLSPM, group_column: str | None) -> tuple[Any, Any] | None:
    """The two groups of ``group_column`` (group 1 first, as :func:`~crm_models.csi.mga` orders them).

    Raises
    ------
    CRMDataError
        Naming the parameter ``group_column``: not a column of the survey, missing labels for
        respondents of the model, not exactly two groups, or a group with fewer respondents
        than the model needs (``max(items, constructs + 2, 10)``, the rule of
        :func:`~crm_models.csi.mga`).
    """
    if group_column is None:
        return None
    problem = _group_problem(survey, pls, group_column)
    if problem is not None:
        kind, values = problem
        sep = " " if kind in ("missing", "levels") else ": "
        message = f"parameter group_column={group_column!r}{sep}" + _GROUP_PROBLEMS[kind].format(**values)
        raise CRMDataError(message, column=None if kind == "missing" else group_column,
                           source=survey.attrs.get("source"))
    levels = list(pd.unique(survey[group_column].reindex(pls.training_data_.index
                                                         if getattr(pls, "training_data_", None) is not None
                                                         else survey.index)))
    if set(levels) <= {True, False}:
        return True, False
    try:
        levels = sorted(levels)
    except TypeError:
        pass
    return levels[0], levels[1]


_VERDICTS = [
    (re.compile(r"no significant difference"), "csi_mga_no_difference"),
    (re.compile(r"group (\d) larger \(both tests\)"), "csi_mga_larger_both"),
    (re.compile(r"group (\d) larger \(permutation test only\)"), "csi_mga_larger_permutation"),
    (re.compile(r"group (\d) larger \(PLS-MGA only\)"), "csi_mga_larger_henseler"),
    (re.compile(r"tests disagree on the direction"), "csi_mga_disagree"),
]


def mga_verdict(text: str, groups: tuple[str, str], lang: str = "en") -> str:
    """A :func:`~crm_models.csi.mga` verdict in the report language, the groups by name."""
    base, _, rest = str(text).partition("; ")
    for pattern, key in _VERDICTS:
        found = pattern.fullmatch(base)
        if found:
            values = {"group": groups[int(found.group(1)) - 1]} if found.groups() else {}
            words = t(key, lang, **values)
            break
    else:  # pragma: no cover - a verdict of a newer mga
        words = base
    if rest:
        words += t("csi_clause_sep", lang) + t("csi_mga_not_interpretable", lang)
    return words


def multigroup_rows(result: MGAResult) -> pd.DataFrame:
    """The MGA table's numbers: group 1, group 2, difference, permutation p, Henseler p, verdict."""
    return result.summary[["group1", "group2", "difference", "permutation_p", "mga_p", "verdict"]].copy()


def micom_rows(result: MGAResult) -> pd.DataFrame:
    """The MICOM table's numbers: c, its 5 % quantile, the three checks and the invariance level."""
    return result.micom()[["c", "c_quantile", "compositional", "equal_means", "equal_variances",
                           "invariance"]].copy()


def multigroup_section(pls: PLSPM, survey: pd.DataFrame, group_column: str | None, n_boot: int = 1000,
                       n_perm: int = 1000, seed: int = 0, labels: Mapping[str, str] | None = None,
                       lang: str = "en") -> list[Any]:
    """MICOM and the comparison of every path between the two groups of ``group_column``.

    Returns
    -------
    list
        ``[]`` without a group column; a heading and a warning when the column cannot split the
        survey into two comparable groups (the reason of :func:`check_group_column`); else the
        heading, the MICOM table and sentence, and the MGA table.
    """
    if group_column is None:
        return []
    md = markdown_translator(t, lang)
    heading = f"## {md('csi_mga')}\n\n"
    problem = _group_problem(survey, pls, group_column)
    if problem is not None:
        kind, values = problem
        reason = t(f"csi_mga_problem_{kind}", lang, **values)
        return [Markdown(heading + "⚠ " + md("csi_mga_failed", column=group_column, reason=reason))]
    try:
        result = mga(pls, group_column, n_boot=n_boot, n_perm=n_perm, seed=seed, data=survey)
    except CRMDataError as exc:  # e.g. an item constant within a group: the model's own words
        return [Markdown(heading + "⚠ " + md("csi_mga_failed", column=group_column, reason=str(exc)))]
    g1, g2 = (str(g) for g in result.groups)
    n1, n2 = result.n_obs
    intro = md("csi_mga_text", column=group_column, group1=g1, n1=n1, group2=g2, n2=n2, n_perm=n_perm,
               n_boot=n_boot, seed=seed)
    micom = micom_rows(result)
    for c in ("compositional", "equal_means", "equal_variances"):
        micom[c] = micom[c].map(lambda v: word("bool", bool(v), lang))
    micom["invariance"] = micom["invariance"].map(lambda v: t(f"csi_invariance_{v}", lang))
    micom_table = labelled(micom, {c: t(f"csi_col_{c}", lang) for c in micom},
                           index=[_name(k, labels, lang) for k in micom.index],
                           index_name=t("csi_col_construct", lang))
    conclusion = md(f"csi_micom_{result.invariance}")
    rows = multigroup_rows(result)
    rows["verdict"] = rows["verdict"].map(lambda v: mga_verdict(v, (g1, g2), lang))
    headers = {c: t(f"csi_col_mga_{c}", lang, group1=g1, group2=g2) for c in rows}
    mga_table = labelled(rows, headers, index=[path_label(k, lang, dict(labels or {})) for k in rows.index],
                         index_name=t("csi_col_path", lang),
                         formats={"permutation_p": "{:.3f}", "mga_p": "{:.3f}"}, wrap=["verdict"])
    differing = [path_label(k, lang, dict(labels or {})) for k, v in result.summary["verdict"].items()
                 if not str(v).startswith("no significant")]
    sentence = (md("csi_mga_differ", paths=t("csi_list_sep", lang).join(differing))
                if differing else md("csi_mga_same"))
    return [Markdown(heading + intro), micom_table, Markdown(conclusion), mga_table, Markdown(sentence)]

