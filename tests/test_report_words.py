"""Words, not codes: table headers, covariates, paths and models named for readers, one
glossary term per concept, and the checks that find codes in a report's text."""

from __future__ import annotations

import pandas as pd
import pytest

import crm_models as crm
from crm_models.report.churn.messages import covariate_label, model_name, readable, term_label
from crm_models.report.csi import tables
from crm_models.report.csi.messages import path_label, word
from crm_models.report.glossary import GLOSSARY, synonyms_in, term
from crm_models.report.i18n import catalogue, report_title, translate
from crm_models.report.tables import labelled
from crm_models.report.wording import code_tokens, english_words, visible_text

LANGS = ["en", "zh"]


# --- the scanners -------------------------------------------------------------------------

def test_visible_text_drops_markup_scripts_and_styles():
    html = ("<html><head><title>t_t</title><style>.a_b{}</style></head><body><h1>Key&nbsp;figures</h1>"
            "<table><tr><th>std_error</th><td>1.0</td></tr></table><script>var x_y = 1;</script>"
            "</body></html>")
    text = visible_text(html)
    assert "Key\xa0figures" in text and "std_error" in text
    assert "x_y" not in text and "a_b" not in text and "t_t" not in text
    # a parameter the reader is told to set is shown as code, not as a label to translate
    text = visible_text("<p>Then set <code>scale_max=7</code>; see table_b.</p>")
    assert "scale_max" not in text and code_tokens(text) == ["table_b"]


def test_code_tokens_finds_snake_case_and_path_codes():
    text = "cronbach_alpha 0.9, VAL -> SAT and IMAG <-> EXPE; ok. See transactions_2024.csv and rho_A."
    assert code_tokens(text) == ["IMAG <-> EXPE", "VAL -> SAT", "cronbach_alpha", "rho_A"]
    assert code_tokens("Perceived value → Satisfaction, standard error") == []


def test_english_words_in_chinese_text():
    assert english_words("风险比（cox）与 BG/NBD 模型；Cronbach's alpha") == ["cox"]
    assert english_words("感知价值 → 顾客满意", allowed=set()) == []


# --- table helper -------------------------------------------------------------------------

def test_labelled_requires_a_header_for_every_column():
    frame = pd.DataFrame({"std_error": [0.12345], "p_value": [0.0001234]}, index=["VAL -> SAT"])
    with pytest.raises(KeyError, match="p_value"):
        labelled(frame, {"std_error": "standard error"})
    html = labelled(frame, {"std_error": "standard error", "p_value": "p"}, index=["value → satisfaction"],
                    formats={"p_value": "{:.2g}"}).to_html()
    text = visible_text(html)
    assert "standard error" in text and "0.123" in text and "0.00012" in text
    assert code_tokens(text) == []
    assert list(frame.columns) == ["std_error", "p_value"]  # the input is not modified


# --- CSI ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def csi_fit():
    survey = crm.report.csi.load_survey(None)
    pls = crm.csi.build_model("ecsi", survey).fit(survey)
    return pls, pls.bootstrap(n=30, seed=0)


def test_path_labels_in_words():
    assert path_label("VAL -> SAT", "en") == "Perceived value → Satisfaction"
    assert path_label("VAL -> SAT", "zh") == "感知价值 → 顾客满意"
    assert path_label("IMAG <-> EXPE", "zh") == "企业形象 ↔ 顾客期望"
    assert path_label("A -> B", "en", {"A": "Alpha"}) == "Alpha → B"
    assert path_label("no path", "en") == "no path"


def test_cell_words():
    assert word("size", "medium", "zh") == "中"
    assert word("quadrant", "concentrate here", "zh") == "优先改进"
    assert word("missing", "mean", "zh") == "以题项均值替代"
    assert word("bool", True, "en") == "yes" and word("bool", float("nan"), "en") == ""


@pytest.mark.parametrize("lang", LANGS)
def test_csi_tables_show_words(csi_fit, lang):
    pls, boot = csi_fit
    index = crm.csi.csi_index(pls, skip_negative=True)
    imp = crm.csi.ipma(pls, target="SAT")
    stylers = [tables.quality_table(pls, lang), tables.paths_table(pls, boot, lang),
               tables.index_table(index, lang), tables.ipma_table(imp, lang)]
    for styler in stylers:
        text = visible_text(styler.to_html())
        assert code_tokens(text) == [], text
        if lang == "zh":
            assert english_words(text) == [], text
    paths = visible_text(stylers[1].to_html())
    assert ("感知价值 → 顾客满意" if lang == "zh" else "Perceived value → Satisfaction") in paths
    # the numbers are the model's
    assert f"{boot.paths.loc['VAL -> SAT', 'original']:.3f}" in paths


def test_quality_table_marks_the_failing_measure(csi_fit):
    pls, _ = csi_fit
    quality = crm.csi.measurement_quality(pls)
    quality.loc["EXPE", "ok_ave"] = False
    html = tables.quality_table(pls, "en", quality=quality).to_html()
    styled = tables.quality_table(pls, "en", quality=quality)
    styled._compute()
    row = list(quality.index).index("EXPE")
    col = ["items", "cronbach_alpha", "rho_a", "rho_c", "dillon_goldstein_rho", "ave"].index("ave")
    assert ("background-color", "#f4c7c3") in styled.ctx[(row, col)]
    assert sum(1 for cell in styled.ctx.values() if ("background-color", "#f4c7c3") in cell) == 1
    assert "ok_ave" not in html


def test_hypotheses_table_in_chinese():
    survey = crm.report.csi.load_survey(None)
    pls = crm.csi.build_model("retention", survey).fit(survey)
    hyp = crm.csi.hypothesis_table(pls, lang="zh")
    text = visible_text(tables.hypotheses_table(hyp, "zh").to_html())
    assert "感知价值 → 顾客满意" in text and code_tokens(text) == [] and english_words(text) == []


# --- churn -------------------------------------------------------------------------------

def test_covariate_labels():
    assert readable("monthly_fee") == "monthly fee"
    assert covariate_label("contract_type[T.two_year]") == "contract type: two year"
    assert covariate_label("contract_type[T.two_year]", lang="zh") == "contract type：two year"
    assert covariate_label("support_tickets") == "support tickets"
    row = pd.Series({"variable": "contract_type", "level": "two_year", "reference": "month_to_month"})
    assert term_label("contract_type_two_year", row, "en") == "contract type: two year (vs month to month)"
    effects = pd.DataFrame([row], index=["contract_type_two_year"])
    assert (covariate_label("contract_type_two_year", effects, "zh")
            == "contract type：two year（相对于 month to month）")


def test_model_names_are_consistent():
    assert model_name("cox", "en") == term("cox_model", "en") == "Cox proportional hazards"
    assert model_name("cox", "zh") == "Cox 比例风险模型"
    assert model_name("weibull", "zh") == "Weibull 加速失效时间模型"
    assert "（Cox 比例风险模型）" in translate("churn_fig_effects_title", "zh", kind="风险比",
                                                model=model_name("cox", "zh"))


# --- glossary and titles ------------------------------------------------------------------

#: catalogue entries that are nothing but a glossary term
TERM_KEYS = {"p_alive": ["clv_col_prob_alive", "clv_fig_p_alive"],
             "hazard_ratio": ["churn_effect_hazard_ratio"], "cox_model": ["churn_model_cox"],
             "concordance": ["churn_col_concordance"],
             "value_at_risk": ["churn_col_value_at_risk"]}


@pytest.mark.parametrize("lang", LANGS)
def test_messages_use_only_the_glossary_terms(lang):
    messages = catalogue(lang)
    found = {key: synonyms_in(text, lang) for key, text in messages.items() if synonyms_in(text, lang)}
    assert found == {}
    for concept, keys in TERM_KEYS.items():
        for key in keys:
            assert messages[key] == term(concept, lang), key


def test_glossary_catches_a_synonym():
    assert synonyms_in("热力图显示存活概率", "zh") == [("p_alive", "存活概率")]
    assert synonyms_in("重复购买次数与活跃概率", "zh") == []  # 复购 inside 重复购买 is the term itself
    assert all(entry.en and entry.zh for entry in GLOSSARY.values())


def test_index_titles_in_the_report_language():
    assert report_title("csi", "zh") == "顾客满意度指数（CSI）报告"
    assert report_title("overview", "zh") == "客户群概览"
    assert report_title("own_notebook", "zh", "My report") == "My report"


def test_batch_index_lists_chinese_titles(tmp_path):
    from crm_models.report.batch import BatchResult, write_index
    from crm_models.report.runner import ReportResult

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    result = ReportResult.__new__(ReportResult)
    fields = {"name": "csi", "status": "ok", "html_path": run_dir / "csi.html", "executed_path": None,
              "seconds": 1.0, "parameters": {}, "error": None,
              "extra": {"notebook": "csi", "title": "Customer satisfaction index (CSI) report"}}
    for key, value in fields.items():
        object.__setattr__(result, key, value)
    page = write_index(BatchResult(run_dir, [result], "s", "f"), "zh").read_text(encoding="utf-8")
    assert "顾客满意度指数（CSI）报告" in page and "Customer satisfaction index" not in page
