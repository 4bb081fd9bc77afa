"""The churn report's tables, sentences and key figures, called as the notebook calls them."""

from __future__ import annotations

import numpy as np
import pytest
from IPython.display import Markdown

import crm_models as crm
from crm_models.report.churn import sections, tables


@pytest.fixture(scope="module")
def res():
    d, info = crm.report.churn.load_churn_data(None, "contractual")
    return sections.analyse(d, info, reference_levels={"contract": "monthly"}, periods=12)


def test_analyse_takes_the_loaders_margin_and_picks_the_segment(res):
    assert res.margin == "monthly_fee" and res.picked and res.segment == "contract"
    assert len(res.data) == 2000 and len(res.active) == 735
    assert res.top_effect.name == "contract_annual"
    assert res.tiers.loc["total", "customers"] == 735


def test_beyond_longest_lifetime_counts_active_customers_past_the_cox_horizon(res):
    expected = int((res.active["duration"] + 12 > res.model.max_duration_).sum())
    assert sections.beyond_longest_lifetime(res, 12) == expected
    assert sections.beyond_longest_lifetime(res, 10_000) == len(res.active)
    d, info = crm.report.churn.load_churn_data(None, "contractual")
    weibull = sections.analyse(d, info, kind="weibull", periods=12)
    assert sections.beyond_longest_lifetime(weibull, 10_000) == 0  # parametric models extrapolate


def test_key_figures_and_value_sentences(res):
    kf = sections.key_figures_markdown(res, 6, 12, "", "en")
    assert "**2,000** customers, of whom **1,265** (63.2%) have churned" in kf
    value = sections.value_markdown(res, 6, 12, "€", "en")
    assert f"€{res.tiers.loc['total', 'value_at_risk']:,.2f}" in value
    strongest = sections.strongest_markdown(res, "en")
    assert "Strongest effect: **contract: annual (vs monthly)**" in strongest
    assert "Segments below: **contract**" in sections.data_markdown(res, "en")


def test_improvements_heading_lists_the_steps():
    text = sections.improvements_markdown([0.05, 0.1, 0.2], 12, "M", "en")
    assert "5%, 10% or 20%" in text
    assert "5%" in sections.improvements_markdown([0.05], 12, "M", "en")


def test_summary_record(res):
    c_test, ibs, cal = sections.holdout(res, {"contract": "monthly"}, seed=0, horizon=6)
    got = sections.summary_record(res, c_test, ibs)
    assert got["customers"] == 2000 and got["churned"] == 1265 and got["active"] == 735
    assert got["segment"] == "contract" and got["kind"] == "cox"
    assert got["concordance"] == pytest.approx(res.model.concordance_)
    assert got["value"] == pytest.approx(res.scored["value"].sum())
    assert got["gains"] == pytest.approx(list(res.improvements["gain"]))
    assert 0.5 < got["holdout_concordance"] < 1 and 0 < got["holdout_ibs"] < 0.25
    assert len(cal) > 0


def test_tables_show_words_and_the_models_numbers(res):
    eff = tables.effects_table(res.model.effects_, "en")
    assert "contract: annual (vs monthly)" in list(eff.data.index)
    assert "variable" not in eff.data.columns
    assert f"{res.model.effects_.loc['contract_annual', 'ratio']:.3f}" in eff.to_html()
    tiers = tables.tiers_table(res.tiers, "¥", "zh")
    assert f"¥{res.tiers.loc['total', 'value']:,.2f}" in tiers.to_html()
    at_risk = tables.at_risk_table(res.scored, 5, res.margin, "€", "M", "en")
    assert len(at_risk.data) == 5 and "risk_tier" not in at_risk.to_html()
    assert f"€{res.scored['monthly_fee'].iloc[0]:,.2f}" in at_risk.to_html()  # the margin column is money
    imp = tables.improvement_table(res.improvements, "", "en")
    assert list(imp.data["gain"]) == list(res.improvements["gain"])
    med = crm.churn.median_lifetime(res.data, "duration", "event", "contract")
    shown = tables.median_table(med, "en")
    assert not np.isinf(shown.data.select_dtypes("number").to_numpy()).any()
    ret = crm.churn.retention_table(res.data, [6, 12], "duration", "event", "contract")
    assert "6 months" in tables.retention_table(ret, "M", "en").to_html()
    comparison = tables.comparison_table(sections.compare(res, {"contract": "monthly"}), "en")
    assert "aic_type" not in comparison.to_html() and len(comparison.data) >= 2


def test_optional_sections(res):
    tests = sections.segment_tests(res, "en")
    assert isinstance(tests[0], Markdown) and len(tests[1].data) >= 1
    ph = sections.ph_check(res, "en")
    assert isinstance(ph[0], Markdown) and len(ph[1].data) == len(res.model.proportional_hazards_test())
    d, info = crm.report.churn.load_churn_data(None, "contractual")
    assert sections.ph_check(sections.analyse(d, info, kind="weibull"), "en") == []
    n_high, imp_high = sections.high_risk_improvement(res, 12, 0.01, [0.05, 0.1])
    assert n_high == int((res.scored["risk_tier"] == "high").sum())
    assert (imp_high["customers_targeted"] == n_high).all()
