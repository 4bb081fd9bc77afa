"""The CSI report's optional sections: mediation, PLSpredict, moderation, multi-group.

Each table's numbers are checked against the model function the section calls (the report
must show those numbers, not a re-derivation), the words against the catalogue, and bad
report parameters against clear errors naming the parameter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.display import Markdown

import crm_models as crm
from crm_models.errors import CRMDataError
from crm_models.report.csi import advanced, sections
from crm_models.report.csi.messages import construct_labels
from crm_models.report.wording import code_tokens, visible_text


@pytest.fixture(scope="module")
def retention():
    survey = crm.report.csi.load_survey(None)
    pls, _ = sections.fit_survey(survey, "retention")
    return survey, pls, pls.bootstrap(n=200, seed=0)


@pytest.fixture(scope="module")
def ecsi():
    survey = crm.report.csi.load_survey(None)
    pls, _ = sections.fit_survey(survey, "ecsi")
    return survey, pls, pls.bootstrap(n=100, seed=0)


def _html(item) -> str:
    return item.data if isinstance(item, Markdown) else item.to_html()


def _no_codes(items) -> None:
    for item in items:
        text = visible_text(_html(item)) if not isinstance(item, Markdown) else item.data
        # parameter names the reader is told to set are code spans, not labels
        text = " ".join(part for i, part in enumerate(text.split("`")) if i % 2 == 0)
        assert code_tokens(text) == [], text


# --- mediation ----------------------------------------------------------------------------

def test_mediation_rows_are_the_largest_chains_of_mediation_table(ecsi):
    _, _, boot = ecsi
    table = crm.csi.mediation_table(boot)
    rows = advanced.mediation_rows(table, max_rows=12)
    assert len(table) == 49 and len(rows) == 12
    assert rows.index[0] == table["original"].abs().idxmax()
    pd.testing.assert_series_equal(rows["original"], table.loc[rows.index, "original"])
    assert rows["original"].abs().is_monotonic_decreasing
    assert rows["original"].abs().min() >= table.drop(index=rows.index)["original"].abs().max()
    # no direct path IMAG -> QUAL in ECSI: its direct effect is left blank, not shown as 0
    assert np.isnan(rows.loc["IMAG -> EXPE -> QUAL", "direct"])
    assert rows.loc["EXPE -> QUAL -> SAT", "direct"] == table.loc["EXPE -> QUAL -> SAT", "direct"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mediation_section_names_the_strongest_mediated_effect(retention, lang):
    _, pls, boot = retention
    out = advanced.mediation_section(boot, construct_labels(pls.spec.lvs, lang), lang)
    assert len(out) == 3
    row = crm.csi.mediation_table(boot).loc["VAL -> SAT -> LOY"]
    assert row["type"] == "indirect-only"
    html = out[1].to_html()
    assert f"{row['original']:.3f}" in html and f"{row['lower']:.3f}" in html
    if lang == "en":
        assert "Perceived value → Satisfaction → Loyalty" in html and "indirect-only (full mediation)" in html
        assert f"indirect effect {row['original']:.3f}" in out[2].data
    else:
        assert "感知价值 → 顾客满意 → 顾客忠诚" in html and "仅间接中介（完全中介）" in html
        assert out[2].data.startswith("最强的中介效应：感知价值 → 顾客满意")
    _no_codes(out)


def test_mediation_type_words_cover_every_type():
    for value in ("indirect-only", "complementary", "competitive", "direct-only", "no effect"):
        en, zh = advanced._mediation_type(value, "en"), advanced._mediation_type(value, "zh")
        assert en and zh and en != zh
    assert advanced._mediation_type("competitive", "zh") == "竞争型中介（部分中介）"


def test_no_mediation_section_without_a_mediated_chain():
    survey = crm.report.csi.load_survey(None)
    spec = {"paths": {"SAT": ["IMAG", "VAL"]}}
    pls, _ = sections.fit_survey(survey, spec)
    assert advanced.mediation_section(pls.bootstrap(n=20, seed=0), None, "en") == []


# --- PLSpredict ---------------------------------------------------------------------------

def test_prediction_table_equals_predict_pls(retention):
    _, pls, _ = retention
    result = crm.csi.predict_pls(pls, n_folds=10, technique="DA", seed=3)
    rows = advanced.prediction_rows(result)
    verdict = result.verdict()
    assert list(rows.index) == ["SAT", "LOY"]
    q2 = result.summary.groupby("construct")["Q²predict"]
    np.testing.assert_allclose(rows["q2_min"], q2.min()[rows.index], rtol=0, atol=0)
    np.testing.assert_allclose(rows["q2_max"], q2.max()[rows.index], rtol=0, atol=0)
    assert (rows["pls_better"] == verdict["pls_better"]).all()
    assert (rows["predictive_power"] == verdict["predictive_power"]).all()
    out = advanced.prediction_section(pls, seed=3, labels=construct_labels(pls.spec.lvs, "en"))
    html = out[1].to_html()
    for lo, hi in zip(rows["q2_min"], rows["q2_max"], strict=True):
        assert f"{lo:.3f} – {hi:.3f}" in html
    assert "3 of 3" in html and "high" in html
    assert out[2].data.startswith("Predictive power (10-fold cross-validation, seed 3): "
                                  "high for Satisfaction")
    _no_codes(out)


def test_prediction_section_off_and_in_chinese(retention):
    _, pls, _ = retention
    assert advanced.prediction_section(pls, run=False) == []
    out = advanced.prediction_section(pls, seed=0, labels=construct_labels(pls.spec.lvs, "zh"), lang="zh")
    assert "3 个中 3 个" in out[1].to_html()
    assert out[2].data.startswith("预测能力（10 折交叉验证，随机种子 0）")


# --- moderation ---------------------------------------------------------------------------

def test_moderation_model_adds_the_interaction_and_its_numbers_reach_the_tables(retention):
    survey, pls, _ = retention
    mod, name = advanced.moderation_model(pls, survey, "SWC", "SAT")
    assert name == "SAT*SWC"
    assert mod.get_params()["paths"]["LOY"] == ["SAT", "SWC", "VAL", "SAT*SWC"]
    # the same model written by hand
    paths = {"SAT": ["VAL"], "LOY": ["SAT", "SWC", "VAL", "SAT*SWC"]}
    direct = crm.csi.PLSPM(paths, pls.get_params()["blocks"],
                           interactions={"SAT*SWC": ("SAT", "SWC")}).fit(survey)
    np.testing.assert_allclose(mod.path_coefficients_.to_numpy(), direct.path_coefficients_.to_numpy(),
                               atol=1e-12)
    boot = mod.bootstrap(n=200, seed=1)
    out = advanced.moderation_section((mod, name), construct_labels(pls.spec.lvs, "en"), "en", boot=boot)
    path = boot.paths.loc["SAT*SWC -> LOY"]
    f2 = crm.csi.interaction_f2(mod).loc["SAT*SWC -> LOY", "f2"]
    html = out[1].to_html()
    assert f"{path['original']:.3f}" in html and f"{path['lower']:.3f}" in html and f"{f2:.3f}" in html
    assert "Satisfaction × Switching cost → Loyalty" in html
    slopes = crm.csi.simple_slopes(mod, name, boot=boot)
    slope_html = out[2].to_html()
    for value in (*slopes["slope"], *slopes["lower"], *slopes["upper"]):
        assert f"{value:.3f}" in slope_html
    assert f"{slopes['slope'].iloc[0]:.2f} when Switching cost is 1 SD below" in out[3].data
    _no_codes(out)


def test_moderation_skipped_with_a_note():
    (note,) = advanced.moderation_section(None, None, "zh")
    assert note.data.startswith("## 调节效应") and "`moderator=" in note.data


def test_moderation_target_defaults_and_choices(ecsi, retention):
    _, rpls, _ = retention
    assert advanced.check_moderation(rpls, None) is None
    assert advanced.check_moderation(rpls, "SWC", "SAT") == ("SAT", "SWC", "LOY")
    _, epls, _ = ecsi
    # IMAG predicts EXPE, SAT and LOY; EXPE predicts QUAL, VAL, SAT: SAT is the one both predict
    assert advanced.check_moderation(epls, "EXPE", "IMAG") == ("IMAG", "EXPE", "SAT")
    assert advanced.check_moderation(epls, "QUAL", "IMAG", "LOY") == ("IMAG", "QUAL", "LOY")


@pytest.mark.parametrize(("args", "match"), [
    (("SWITCH", "SAT", None), r"moderator='SWITCH' is not a construct.*VAL, SWC, SAT, LOY or None"),
    (("swc", "SAT", None), r"moderator='swc' is not a construct"),
    (("SWC", None, None), r"moderator='SWC' needs focal"),
    (("SWC", "SATISFACTION", None), r"focal='SATISFACTION' is not a construct"),
    (("SWC", "SWC", None), r"focal and moderator are both 'SWC'"),
    (("SWC", "SAT", "VAL"), r"moderation_target='VAL': 'SAT' does not predict it; set it to one of "
                            r"\['LOY'\]"),
    (("LOY", "SAT", None), r"moderator='LOY' is the moderated target itself"),
])
def test_bad_moderation_parameters_name_the_parameter(retention, args, match):
    survey, pls, _ = retention
    with pytest.raises(CRMDataError, match=match):
        advanced.moderation_model(pls, survey, *args)


def test_moderation_target_needed_when_ambiguous(ecsi):
    _, pls, _ = ecsi
    with pytest.raises(CRMDataError, match=r"moderation_target is needed: 'IMAG' predicts"):
        advanced.check_moderation(pls, "LOY", "IMAG")


# --- multi-group --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grouped():
    survey = crm.report.csi.load_survey(None)
    rng = np.random.default_rng(5)
    survey["channel"] = np.where(rng.random(len(survey)) < 0.45, "online", "store")
    survey["region"] = rng.choice(["north", "south", "east"], len(survey))
    survey["one"] = "all"
    survey["tiny"] = ["vip"] * 8 + ["regular"] * (len(survey) - 8)
    survey.loc[survey.index[3], "region"] = None
    pls, _ = sections.fit_survey(survey, "retention")
    return survey, pls


@pytest.mark.parametrize(("column", "match"), [
    ("gender", r"group_column='gender' is not a column of the survey"),
    ("one", r"group_column='one' has 1 group\(s\) \(all \(600\)\); a multi-group comparison needs "
            r"exactly two"),
    ("tiny", r"group_column='tiny': group vip has 8 respondents, the model \(12 items\) needs at least 12"),
    ("region", r"group_column='region': 1 respondents have no group"),
])
def test_bad_group_columns_name_the_parameter_and_the_fix(grouped, column, match):
    survey, pls = grouped
    with pytest.raises(CRMDataError, match=match):
        advanced.check_group_column(survey, pls, column)


def test_three_groups_are_refused(grouped):
    survey, pls = grouped
    three = survey.assign(region=survey["region"].fillna("east"))
    with pytest.raises(CRMDataError, match=r"has 3 group\(s\).*recode the column into two groups"):
        advanced.check_group_column(three, pls, "region")
    assert advanced.check_group_column(survey, pls, "channel") == ("online", "store")
    assert advanced.check_group_column(survey, pls, None) is None


def test_multigroup_section_shows_a_message_not_a_crash(grouped):
    survey, pls = grouped
    (message,) = advanced.multigroup_section(pls, survey, "one", n_boot=20, n_perm=20)
    assert message.data.startswith("## Multi-group comparison\n\n⚠ The groups of the column one cannot "
                                   "be compared")
    assert "exactly two" in message.data
    (message,) = advanced.multigroup_section(pls, survey, "tiny", lang="zh")
    assert message.data.endswith("vip组只有 8 位受访者，模型（12 个题项）每组至少需要 12 位："
                                 "请合并组、收集更多回答或换一列")
    _no_codes([message])
    assert advanced.multigroup_section(pls, survey, None) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_multigroup_tables_equal_mga(grouped, lang):
    survey, pls = grouped
    out = advanced.multigroup_section(pls, survey, "channel", n_boot=100, n_perm=100, seed=2,
                                      labels=construct_labels(pls.spec.lvs, lang), lang=lang)
    result = crm.csi.mga(pls, "channel", n_boot=100, n_perm=100, seed=2, data=survey)
    assert result.groups == ("online", "store")
    assert len(out) == 5
    micom_html, mga_html = out[1].to_html(), out[3].to_html()
    for value in result.micom()["c"]:
        assert f"{value:.3f}" in micom_html
    for column in ("group1", "group2", "difference", "permutation_p", "mga_p"):
        for value in result.summary[column]:
            assert f"{value:.3f}" in mga_html
    n1, n2 = result.n_obs
    assert f"online ({n1})" in out[0].data or f"online（{n1} 人）" in out[0].data
    assert ("online" in mga_html and "store" in mga_html)
    _no_codes(out)


def test_mga_verdicts_in_words():
    groups = ("online", "store")
    assert advanced.mga_verdict("group 2 larger (both tests)", groups) == "larger for store (both tests)"
    assert advanced.mga_verdict("group 1 larger (PLS-MGA only)", groups, "zh") == "online组更大（仅 PLS-MGA）"
    text = "no significant difference; not interpretable: no compositional invariance (MICOM)"
    assert advanced.mga_verdict(text, groups, "zh") == "无显著差异；不可解释（无构成不变性）"
    disagree = advanced.mga_verdict("tests disagree on the direction", groups)
    assert disagree == "the tests disagree on the direction"
