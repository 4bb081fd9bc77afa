"""The CSI report's sentences and key figures, called directly (the notebook only calls them)."""

from __future__ import annotations

import numpy as np
import pytest
from IPython.display import Markdown

import crm_models as crm
from crm_models.data import datasets
from crm_models.report.csi import sections
from crm_models.report.csi.messages import construct_labels


@pytest.fixture(scope="module")
def fitted():
    survey = crm.report.csi.load_survey(None)
    pls, careless = sections.fit_survey(survey, "ecsi")
    boot = pls.bootstrap(n=30, seed=0)
    return survey, pls, careless, boot, construct_labels(pls.spec.lvs, "en")


def _likert7_with_straightliners():
    survey = datasets.sample_survey()
    items = [c for c in survey.columns if c != "customer_id"]
    survey[items] = np.round(1 + (survey[items] - 1) * 6 / 9).astype(int)
    survey.loc[survey.index[:6], items] = 4
    return survey


def test_fit_survey_leaves_out_straightliners_only_when_asked():
    survey = _likert7_with_straightliners()
    kept, careless = sections.fit_survey(survey, "ecsi")
    assert kept.n_obs_ == 600 and int(careless["straightliner"].sum()) == 6
    dropped, careless = sections.fit_survey(survey, "ecsi", exclude_straightliners=True)
    assert dropped.n_obs_ == 594 and len(careless) == 600


def test_summary_record_of_a_1_to_7_survey_without_straightliners():
    """What the notebook's key-figures cell prints for a 1-7 survey with six straight-liners."""
    survey = _likert7_with_straightliners()
    pls, careless = sections.fit_survey(survey, "ecsi", exclude_straightliners=True)
    scale = crm.csi.answer_scale(pls, 1, 10, infer=True, warn=False)
    boot = pls.bootstrap(n=20, seed=0)
    index = crm.csi.csi_index(pls, scale_min=scale.scale_min, scale_max=scale.scale_max, skip_negative=True)
    imp = crm.csi.ipma(pls, target="SAT", scale_min=scale.scale_min, scale_max=scale.scale_max)
    summary = sections.summary_record(pls, careless, scale, boot, index, imp)
    assert summary["respondents"] == 594 and summary["straightliners"] == 6
    assert summary["scale"] == [1.0, 7.0] and summary["scale_source"] == "inferred"
    kept = survey.iloc[6:]
    model = crm.csi.build_model("ecsi", kept, scheme="centroid", scaled=False).fit(kept)
    expected = crm.csi.csi_index(model, scale_min=1, scale_max=7, skip_negative=True)["index"]
    assert summary["index"]["SAT"] == pytest.approx(expected["SAT"], abs=1e-9)
    assert 60 < summary["index"]["SAT"] < 75
    assert summary["items"] == len(pls.spec.items) and summary["boot_used"] == 20 - boot.n_failed
    assert summary["gof"] == pytest.approx(pls.gof_)
    assert summary["paths"]["VAL -> SAT"] == pytest.approx(boot.paths.loc["VAL -> SAT", "original"])


def test_numbers_markdown_states_sample_fit_and_scheme(fitted):
    _, pls, _, _, labels = fitted
    text = sections.numbers_markdown(pls, labels, "centroid", "en")
    assert text.startswith("## ")
    assert f"**{pls.n_obs_}** respondents" in text
    assert f"GoF = **{pls.gof_:.3f}**" in text
    assert f"Satisfaction {pls.r2_['SAT']:.2f}" in text
    zh = sections.numbers_markdown(pls, construct_labels(pls.spec.lvs, "zh"), "centroid", "zh")
    assert f"**{pls.n_obs_}** 位受访者" in zh


def test_weak_items_lever_and_bootstrap_sentences(fitted):
    _, pls, _, boot, labels = fitted
    loads = pls.outer_model_
    weak = loads[loads["loading"] < crm.csi.THRESHOLDS["loading"]]
    text = sections.weak_items_markdown(pls, labels, "en")
    for item, row in weak.iterrows():
        assert f"{item} ({labels[row.block]}, {row.loading:.2f})" in text
    imp = crm.csi.ipma(pls, target="SAT")
    lever = sections.lever_markdown(imp, "SAT", labels, "en")
    assert "The strongest lever for **Satisfaction**" in lever and labels[imp.index[0]] in lever
    used = sections.boot_used_markdown(boot, 0, "en")
    assert str(boot.n - boot.n_failed) in used and str(boot.n) in used


def test_hypotheses_only_for_the_retention_model(fitted):
    survey, pls, _, boot, labels = fitted
    assert sections.hypotheses(pls, boot, labels, "en") == []
    retention, _ = sections.fit_survey(survey, "retention")
    rboot = retention.bootstrap(n=20, seed=0)
    heading, table = sections.hypotheses(retention, rboot, construct_labels(retention.spec.lvs, "zh"), "zh")
    assert isinstance(heading, Markdown) and "顾客保持模型假设" in heading.data
    html = table.to_html()
    assert all(h in html for h in ("H1", "H2", "H3", "H4")) and "感知价值正向影响顾客满意" in html
    assert len(table.data) == 4


def test_index_notes_name_the_skipped_constructs(fitted):
    _, pls, _, _, labels = fitted
    index = crm.csi.csi_index(pls, skip_negative=True)
    index.attrs["skipped"] = []
    assert sections.index_notes(index, labels, "en") == []
    index.attrs["skipped"] = ["SAT"]
    (note,) = sections.index_notes(index, labels, "en")
    assert "Satisfaction" in note.data
