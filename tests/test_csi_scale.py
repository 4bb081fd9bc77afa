"""The answer scale is checked against the answers; straight-liners are counted and can be left out."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crm_models import csi
from crm_models.data import datasets
from crm_models.errors import CRMDataError, CRMDataWarning
from crm_models.report.csi.text import data_check_lines


@pytest.fixture(scope="module")
def sample():
    return datasets.sample_survey()


@pytest.fixture(scope="module")
def items(sample):
    return csi.build_model("ecsi", sample).spec.items


@pytest.fixture(scope="module")
def likert7(sample, items):
    """The bundled 1-10 survey mapped onto 1-7 (answers 2..7: nobody chose above 7)."""
    out = sample.copy()
    out[items] = np.round(1 + (sample[items] - 1) * 6 / 9).astype(int)
    return out


@pytest.fixture(scope="module")
def model7(likert7):
    return csi.build_model("ecsi", likert7).fit(likert7)


def _by_hand(model, data, lv, lo, hi):
    w = csi.unstandardised_weights(model)
    block = list(model.spec.blocks[model.spec.lvs.index(lv)])
    wl = w[block] / w[block].sum()
    return float(((data[block] - lo) / (hi - lo) * 100).mean() @ wl)


def test_a_1_to_7_survey_with_the_stated_1_to_7_scale_gives_the_right_index(model7, likert7):
    assert likert7[model7.spec.items].to_numpy().max() == 7
    with warnings.catch_warnings():
        warnings.simplefilter("error", CRMDataWarning)  # the right scale: no warning
        idx = csi.csi_index(model7, scale_min=1, scale_max=7)
    assert idx.loc["SAT", "index"] == pytest.approx(_by_hand(model7, likert7, "SAT", 1, 7), abs=1e-9)
    assert idx.loc["SAT", "index"] == pytest.approx(66.46, abs=0.01)
    assert idx.attrs["scale"]["source"] == "stated" and idx.attrs["scale"]["observed_max"] == 7


def test_the_default_1_to_10_scale_on_a_1_to_7_survey_warns_with_the_fix(model7, likert7):
    with pytest.warns(CRMDataWarning) as rec:
        idx10 = csi.csi_index(model7)
    text = str(rec[0].message)
    assert "range from 2 to 7" in text and "stated scale is 1-10" in text
    assert "pass scale_max=7" in text and "imag1" in text and "66.7 instead of 100" in text
    idx7 = csi.csi_index(model7, scale_max=7)
    # (x - 1) / 9 instead of (x - 1) / 6: every index is 2/3 of the right one (44.3 instead of 66.5)
    np.testing.assert_allclose(idx10["index"], idx7["index"] * 6 / 9, rtol=1e-12)
    assert idx10.loc["SAT", "index"] == pytest.approx(44.31, abs=0.01)
    assert idx10.attrs["scale"]["warning"] == text
    with pytest.warns(CRMDataWarning, match="scale_max=7"):
        csi.ipma(model7, target="SAT")


def test_auto_infers_the_common_scale(model7, sample):
    idx = csi.csi_index(model7, scale_min="auto", scale_max="auto")
    np.testing.assert_allclose(idx["index"], csi.csi_index(model7, scale_max=7)["index"])
    assert idx.attrs["scale"] == {"scale_min": 1.0, "scale_max": 7.0, "source": "inferred",
                                  "observed_min": 2.0, "observed_max": 7.0, "warning": None}
    m10 = csi.build_model("ecsi", sample).fit(sample)
    assert csi.answer_scale(m10, "auto", "auto").label == "1-10"  # answers 2..10


def test_fitting_scale_and_no_false_alarm():
    assert csi.fitting_scale(1, 5) == (1, 5)
    assert csi.fitting_scale(2, 7) == (1, 7)
    assert csi.fitting_scale(3, 8) == (1, 10)
    assert csi.fitting_scale(0, 4) == (0, 10)
    assert csi.fitting_scale(1, 11) is None
    x = np.array([[2.0, 3.0], [10.0, 9.0], [5.0, 6.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CRMDataWarning)
        assert csi.resolve_scale(x, ["a", "b"], 1, 10).warning is None      # 2..10 on 1-10
        assert csi.resolve_scale(x, ["a", "b"], 0, 10).warning is None      # nobody chose 0: common
    with pytest.warns(CRMDataWarning, match=r"range from 2 to 10.*1-10 scale.*stated scale is 0-100"):
        csi.resolve_scale(x, ["a", "b"], 0, 100)


def test_infer_uses_the_narrower_scale_and_keeps_the_reason():
    x = np.array([[1.0, 4.0], [5.0, 3.0], [2.0, 2.0]])
    s = csi.resolve_scale(x, ["q1", "q2"], 1, 10, infer=True, warn=False)
    assert (s.scale_min, s.scale_max, s.source, s.observed) == (1.0, 5.0, "inferred", (1.0, 5.0))
    assert "pass scale_max=5" in s.warning and s.stated_label == "1-10"
    with pytest.raises(CRMDataError, match="fits none of the common scales"):
        csi.resolve_scale(x * 3, ["q1", "q2"], "auto", "auto")
    with pytest.raises(CRMDataError, match="scale_max='ten' is not a number"):
        csi.resolve_scale(x, ["q1", "q2"], 1, "ten")


def test_per_item_bounds_warn_for_the_group_that_does_not_fit():
    x = np.array([[1.0, 4.0, 6.0], [5.0, 3.0, 2.0], [2.0, 2.0, 7.0]])
    with pytest.warns(CRMDataWarning) as rec:
        s = csi.resolve_scale(x, ["q1", "q2", "q3"], 1, {"q1": 10, "q2": 10, "q3": 7})
    assert len(rec) == 1 and "answers of q1, q2 range from 1 to 5" in s.warning and "q3" not in s.warning
    assert s.scale_max == {"q1": 10.0, "q2": 10.0, "q3": 7.0} and s.label == "per item"


def test_answers_outside_the_stated_scale_remain_an_error(model7):
    with pytest.raises(CRMDataError, match="outside the stated scale 1-5"):
        csi.csi_index(model7, scale_max=5)


def test_report_lines_state_the_scale_and_warn_when_it_does_not_fit(model7, likert7):
    careless = csi.careless_responses(likert7, model7.spec.items, warn=False)
    with pytest.warns(CRMDataWarning):
        stated = csi.answer_scale(model7, 1, 10)
    lines = data_check_lines(stated, careless, False, "en")
    assert lines[0] == ("Answer scale: **1-10**, as stated (`scale_min` / `scale_max`); "
                        "the answers range from 2 to 7.")
    assert lines[1].startswith("⚠ **Check the answer scale.**") and "Then set `scale_max=7`." in lines[1]
    assert "counts as 66.7 instead of 100" in lines[1]
    assert lines[2] == "Straight-lining: no respondent gave the same answer to every item."
    inferred = csi.answer_scale(model7, 1, 10, infer=True, warn=False)
    en = data_check_lines(inferred, careless, False, "en")[0]
    assert en.startswith("Answer scale: **1-7**, inferred from the answers") and "infer_scale=False" in en
    zh = data_check_lines(inferred, careless, False, "zh")[0]
    assert zh.startswith("答题量表：**1-7**，由回答推断") and "66.7" in zh


# ------------------------------------------------------------------------------ straight-lining
@pytest.fixture(scope="module")
def with_straightliners(sample, items):
    out = sample.copy()
    rows = out.index[[3, 50, 51, 200, 333, 599]]
    for k, r in enumerate(rows):
        out.loc[r, items] = 1 + k  # answers 1..6, the same for every item
    out.loc[rows[0], items[4]] = np.nan  # a missing answer does not hide a straight-liner
    out.loc[out.index[10], items[3:]] = np.nan  # answered 3 of 22 items: too few to judge
    out.loc[out.index[10], items[:3]] = 5
    return out, list(rows)


def test_straightliners_are_counted_exactly(with_straightliners, items):
    survey, rows = with_straightliners
    before = survey.copy()
    with pytest.warns(CRMDataWarning, match=r"6 of 600 respondents gave the same answer to every item"):
        flags = csi.careless_responses(survey, items)
    pd.testing.assert_frame_equal(survey, before)  # not modified
    assert flags.attrs["straightliners"] == 6
    assert list(flags.index[flags["straightliner"]]) == rows
    assert flags.loc[rows[1], "reason"] == "same answer (2) to all 22 answered items"
    assert flags.loc[rows[0], "reason"] == "same answer (1) to all 21 answered items"
    assert flags.loc[rows[1], "longstring"] == 22 and flags.loc[rows[1], "within_sd"] == 0
    assert flags.loc[rows[0], "longstring"] == 17  # the missing 5th item ends the run: 4, then 17
    assert not flags.loc[survey.index[10], "straightliner"]
    other = flags.loc[~flags["straightliner"]]
    assert (other.loc[other["n_answered"] == 22, "within_sd"] > 0).all()
    row = survey.loc[survey.index[0], items].to_numpy(dtype=float)
    runs, best = 1, 1
    for a, b in zip(row[:-1], row[1:], strict=True):
        runs = runs + 1 if a == b else 1
        best = max(best, runs)
    assert flags.loc[survey.index[0], "longstring"] == best


def test_excluding_straightliners_changes_n_obs_by_six(with_straightliners, items):
    survey, rows = with_straightliners
    kept = csi.drop_straightliners(survey, items)
    assert kept.attrs["straightliners_dropped"] == 6 and len(kept) == len(survey) - 6
    assert not set(rows) & set(kept.index)
    m_all = csi.build_model("ecsi", survey).fit(survey)
    m_kept = csi.build_model("ecsi", kept).fit(kept)
    assert m_all.n_obs_ - m_kept.n_obs_ == 6
    path = m_all.path_coefficients_.loc["SAT", "VAL"]
    assert path != pytest.approx(m_kept.path_coefficients_.loc["SAT", "VAL"])
    flags = csi.careless_responses(survey, items, warn=False)
    lines = data_check_lines(csi.answer_scale(m_kept), flags, True)
    assert lines[-1] == ("Straight-lining: **6** of 600 respondents gave the same answer to every item "
                         "and were **left out** (`exclude_straightliners=True`).")


def test_careless_responses_refuses_bad_input(sample, items):
    with pytest.raises(CRMDataError, match=r"item column\(s\) \['nope'\] not found"):
        csi.careless_responses(sample, ["nope"])
    bad = sample.assign(imag1=sample["imag1"].astype(str).replace("5", "five"))
    with pytest.raises(CRMDataError, match="'imag1': is not numeric"):
        csi.careless_responses(bad, items)
