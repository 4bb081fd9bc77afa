"""Coursework: personalised data, workbook, grading with full and partial marks."""

import json

import pandas as pd
import pytest

from crm_models import cli, coursework
from crm_models.coursework.questions import QUESTIONS
from crm_models.errors import CRMDataError


def test_each_student_gets_different_reproducible_data():
    a1 = coursework.student_data("alice").transactions
    a2 = coursework.student_data("alice").transactions
    b = coursework.student_data("bob").transactions
    pd.testing.assert_frame_equal(a1, a2)
    assert not a1["amount"].equals(b["amount"])
    assert coursework.student_seed("alice") != coursework.student_seed("bob")


def test_reference_answers_are_computed_from_the_data():
    data = coursework.student_data("alice")
    ref = coursework.reference_answers(data)
    s = data.summary
    assert ref["q1"] == data.transactions["customer_id"].nunique() == len(s)
    assert ref["q3"] == pytest.approx((s["frequency"] > 0).mean())
    assert 0 < ref["q3"] < 1 and ref["q6"] >= 0


def test_bad_student_id():
    with pytest.raises(CRMDataError, match="student id"):
        coursework.new_assignment("../etc", "x")


@pytest.mark.slow  # over 3 s
def test_create_answer_and_grade(tmp_path):
    key = coursework.solution_answers()
    # full marks: the teacher's key, in Chinese
    assert cli.main(["assignment", "new", "--student", "s-key", "--out", str(tmp_path),
                     "--lang", "zh", "--solution"]) == 0
    # a student who gets q2 wrong, whose q4 cell raises, and who leaves q6 empty
    wrong = dict(key)
    wrong["q2"] = 'answers["q2"] = 12.5'
    wrong["q4"] = 'answers["q4"] = undefined_name + 1'
    del wrong["q6"]
    coursework.new_assignment("s-wrong", tmp_path, lang="en", answers=wrong)

    nb = json.loads((tmp_path / "s-key" / "exercise.ipynb").read_text())
    assert "客户关系管理作业" in "".join(nb["cells"][0]["source"])
    assert sum("answer" in c["metadata"].get("tags", []) for c in nb["cells"]) == len(QUESTIONS)

    assert cli.main(["assignment", "grade", str(tmp_path)]) == 0
    sheet = pd.read_csv(tmp_path / "grades.csv").set_index("student_id")
    maximum = sum(q.points for q in QUESTIONS)
    assert sheet.loc["s-key", "total"] == maximum
    lost = {"q2", "q4", "q6"}
    expected = maximum - sum(q.points for q in QUESTIONS if q.key in lost)
    assert sheet.loc["s-wrong", "total"] == expected
    assert sheet.loc["s-wrong", "q1"] == 1.0 and sheet.loc["s-wrong", "q2"] == 0.0

    feedback_zh = (tmp_path / "s-key" / "feedback.html").read_text()
    assert "作业反馈" in feedback_zh and f"{maximum:g} / {maximum:g}" in feedback_zh
    feedback_en = (tmp_path / "s-wrong" / "feedback.html").read_text()
    assert "Assignment feedback" in feedback_en and "wrong" in feedback_en


def test_feedback_page_escapes_everything_from_the_student_folder(tmp_path):
    from crm_models.coursework.assignment import GradeResult, _write_feedback

    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    keys = [q.key for q in QUESTIONS]
    result = GradeResult(
        student_id=f"s{hostile}", points={k: 0.0 for k in keys}, answers={k: hostile for k in keys},
        expected={k: 1.0 for k in keys}, status=f"error: ValueError: {hostile}")
    _write_feedback(tmp_path, result, '"><script>alert(2)</script>')  # a tampered assignment.json
    page = (tmp_path / "feedback.html").read_text()
    assert "<script" not in page and "<img" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == len(keys) + 2
    assert '<html lang="en">' in page and "Assignment feedback" in page
