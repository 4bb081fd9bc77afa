"""The CLV report's section "model choice": the contest in the report's words, en and zh."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import crm_models as crm  # noqa: E402
from crm_models.plotting import clv as clvplot  # noqa: E402
from crm_models.report.clv import choice  # noqa: E402
from crm_models.report.wording import code_tokens, english_words, visible_text  # noqa: E402


@pytest.fixture(scope="module")
def sample_contest():
    data = crm.report.clv.load_report_data()
    return data, choice.run_contest(data, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_choice_section_in_words(sample_contest, lang):
    data, contest = sample_contest
    assert "litt" in data.calibration.columns and "mbgcnbd" in contest.table.index
    text = choice.choice_markdown(contest, "bgnbd", lang)
    html = choice.comparison_table(contest, lang, data.time_unit).to_html()
    shown = visible_text(html) + "\n" + text.replace("`model=\"paretonbd\"`", "")
    assert code_tokens(shown) == []
    best = contest.table.loc[contest.best, "model"]
    if lang == "en":
        assert text.startswith("## Which model fits this data best?")
        assert f"**{best}** predicted the holdout purchases best" in text
        assert "Gradient boosting (ML baseline)" in shown and "Error of the total" in shown
    else:
        assert english_words(shown) == [] and "梯度提升（机器学习基线）" in shown
    if contest.best != "bgnbd" and contest.best in ("paretonbd", "mbgnbd"):  # the user's model is kept
        kept = "keeps the model you chose, BG/NBD" if lang == "en" else "保留您选择的模型 BG/NBD"
        assert kept in text
        assert f'`model="{contest.best}"`' in text
    tables = choice.choice_tracking(data, contest, data.period, data.time_unit, lang)
    assert list(tables) == [contest.table.loc[k, "model"] for k in contest.probability_models[:2]]
    ax = clvplot.plot_model_tracking(tables, lang=lang)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[1:] == list(tables) and len(ax.lines) == 4  # actual, two models, end of calibration
    plt.close("all")
