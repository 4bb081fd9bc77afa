"""Coursework: personalised data, workbook, grading with full and partial marks."""

import hashlib
import hmac
import json
import stat

import numpy as np
import pandas as pd
import pytest

from crm_models import cli, coursework
from crm_models.coursework.questions import QUESTIONS, StudentData
from crm_models.data.io import load_transactions
from crm_models.errors import CRMDataError

KEY = bytes(range(32))


def test_each_student_gets_different_reproducible_data():
    a1 = coursework.student_data("alice", KEY).transactions
    a2 = coursework.student_data("alice", KEY).transactions
    b = coursework.student_data("bob", KEY).transactions
    pd.testing.assert_frame_equal(a1, a2)
    assert not a1["amount"].equals(b["amount"])
    assert coursework.student_seed("alice", KEY) != coursework.student_seed("bob", KEY)


def test_seed_is_the_keyed_hmac_of_the_student_id():
    # independent check: the standard library's HMAC over the documented message
    message = b"crm_models.coursework/student-data/v1\x00" + "张三".encode()
    expected = int.from_bytes(hmac.new(KEY, message, hashlib.sha256).digest()[:8], "big")
    assert coursework.student_seed("张三", KEY) == expected
    other = bytes(31) + b"\x01"
    assert coursework.student_seed("张三", other) != expected
    with pytest.raises(CRMDataError, match="course key"):
        coursework.student_data("alice")


def test_key_file_is_private_and_never_overwritten(tmp_path):
    key = coursework.create_key(tmp_path / "course.key")
    assert len(key) == 32 and coursework.load_key(tmp_path / "course.key") == key
    assert stat.S_IMODE((tmp_path / "course.key").stat().st_mode) == 0o600
    with pytest.raises(CRMDataError, match="already exists"):
        coursework.create_key(tmp_path / "course.key")
    (tmp_path / "bad.key").write_text("abc")
    with pytest.raises(CRMDataError, match="32 hex-encoded bytes"):
        coursework.load_key(tmp_path / "bad.key")


def test_student_folder_alone_cannot_reproduce_the_answers_but_the_key_can(tmp_path):
    key_file = tmp_path / "course" / "course.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY.hex() + "\n")  # a fixed key: the comparisons below are deterministic
    folder = coursework.new_assignment("s001", tmp_path / "course")
    assert not any(p.name == "course.key" for p in folder.rglob("*"))
    student_files = b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())
    assert key_file.read_text().strip().encode() not in student_files
    key = coursework.load_key(key_file)
    graded = coursework.reference_answers(coursework.student_data("s001", key))
    # everything a student can try from the folder: the id, its public hash (the old seed),
    # any bytes found in the folder's metadata
    meta = json.loads((folder / "assignment.json").read_text())
    assert "seed" not in meta and not any(k in meta for k in ("answers", "expected", "reference"))
    guesses = [hashlib.sha256(b"s001").digest(), bytes(32), (b"s001" * 8)[:32],
               hashlib.sha256(json.dumps(meta).encode()).digest()]
    for guess in guesses:
        tried = coursework.reference_answers(coursework.student_data("s001", guess))
        assert all(not np.isclose(tried[q], graded[q]) for q in graded if graded[q] != 0)
    # the teacher's key regenerates exactly the data in the folder
    own = load_transactions(folder / "transactions.csv")
    assert len(own) == len(coursework.student_data("s001", key).transactions)
    assert coursework.reference_answers(StudentData(own, meta["observation_end"]))["q1"] == graded["q1"]


def test_reference_answers_are_computed_from_the_data():
    data = coursework.student_data("alice", KEY)
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
