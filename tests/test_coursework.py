"""Coursework: personalised data, workbook, grading with full and partial marks."""

import hashlib
import hmac
import json
import re
import shutil
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
    for bad in ("", " s1", "a/b", "tab\there", "x" * 65):
        with pytest.raises(CRMDataError, match="student id"):
            coursework.folder_name(bad)


def test_unicode_ids_get_safe_distinct_folder_names():
    names = {sid: coursework.folder_name(sid) for sid in ("张三", "张四", "s001", "José Núñez", "S001")}
    assert names["张三"].startswith("student-") and names["José Núñez"].startswith("jose-nunez-")
    assert names["s001"].startswith("s001-") and len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[a-z0-9-]{1,41}", n) for n in names.values())
    assert coursework.folder_name("张三") == names["张三"]  # stable


def test_roster_is_checked_with_lines_named(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("\ufeffstudent_id,name\n张三,张三\ns002, Bob \n", encoding="utf-8")
    roster = coursework.read_roster(good)
    assert list(roster["student_id"]) == ["张三", "s002"] and list(roster["name"]) == ["张三", "Bob"]
    cases = {"id,name\na,b\n": "missing column",
             "student_id,name\na,x\nb,y\na,z\n": r"duplicated .*lines \[2, 4\]",
             "student_id,name\na,x\n,y\n": r"line\(s\) \[3\]"}
    for i, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{i}.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CRMDataError, match=message):
            coursework.read_roster(path)


def test_grading_applies_the_rule_stated_in_the_question():
    q = {question.key: question for question in QUESTIONS}
    share = 0.563877
    assert "to 3 decimals" in q["q3"].text("en") and "保留 3 位小数" in q["q3"].text("zh")
    assert "nearest whole number" in q["q1"].text("en")
    assert q["q3"].score(round(share, 3), share).points == q["q3"].points  # the 0.564
    assert q["q3"].score(share, share).points == q["q3"].points
    assert q["q3"].score(0.563, share).outcome == "wrong"  # 0.000877 > half a unit of the 3rd decimal
    partial = q["q3"].score(56.39, share)  # a percentage: half, and the mistake is named
    assert partial.outcome == "partial" and partial.points == q["q3"].points / 2
    assert "percentage" in partial.mistake.describe("en")
    revenue = 125519.63
    assert q["q2"].score(125519.63, revenue).outcome == "correct"
    assert q["q2"].score(125520, revenue).points == q["q2"].points / 2  # rounded to a whole number
    assert q["q2"].rule.show(125519.6) == "125519.60"  # the reference at the stated precision
    assert q["q5"].score(7 * 40.123, 40.123).outcome == "partial"  # days instead of weeks
    assert q["q4"].score(1.5, 0.5).outcome == "partial"  # all purchases instead of repeats
    assert q["q1"].score(None, 500).outcome == "missing" and q["q1"].score("abc", 500).outcome == "wrong"
    assert q["q1"].score(500.4, 500).outcome == "correct" and q["q1"].score(501, 500).outcome == "wrong"


@pytest.mark.slow  # over 3 s
def test_create_answer_and_grade(tmp_path):
    key = coursework.solution_answers()
    course = tmp_path / "course"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns-key,张三\ns-wrong,Bob\n李四,李四\ns-missing,Carol\n",
                      encoding="utf-8")
    assert cli.main(["assignment", "new", "--roster", str(roster), "--out", str(course), "--lang", "zh"]) == 0
    # the teacher's key goes to answer-key/ and is never graded
    assert cli.main(["assignment", "new", "--student", "s-key", "--out", str(course), "--solution"]) == 0
    key_folder = course / "answer-key" / coursework.folder_name("s-key")
    assert (key_folder / "exercise.ipynb").exists()
    # full marks: the key's answers in a student's workbook, in Chinese
    full = coursework.new_assignment("s-key", course, lang="zh", answers=key, name="张三")
    # a student who gets q2 wrong, whose q4 and q6 cells raise, who gives q3 as a
    # percentage (half) and q5 rounded to the stated 2 decimals (full)
    wrong = dict(key)
    wrong["q2"] = 'answers["q2"] = 12.5'
    wrong["q3"] = key["q3"].replace('answers["q3"] = ', 'answers["q3"] = 100 * ')
    wrong["q4"] = 'answers["q4"] = undefined_name + 1'
    wrong["q5"] = key["q5"].replace('answers["q5"] = ', 'answers["q5"] = round(') + ", 2)"
    wrong["q6"] = 'answers["q6"] = len(open("../course.key").read())'  # the key is not next to the run
    coursework.new_assignment("s-wrong", course, lang="en", answers=wrong, name="Bob")
    shutil.rmtree(course / coursework.folder_name("s-missing"))

    nb = json.loads((full / "exercise.ipynb").read_text())
    assert "客户关系管理作业" in "".join(nb["cells"][0]["source"])
    assert sum("answer" in c["metadata"].get("tags", []) for c in nb["cells"]) == len(QUESTIONS)
    assert "保留 3 位小数" in "".join("".join(c["source"]) for c in nb["cells"])

    assert cli.main(["assignment", "grade", str(course)]) == 0
    points_of = [q.key for q in QUESTIONS]
    sheet = pd.read_csv(course / "grades.csv").set_index("student_id")
    assert list(sheet.columns) == ["name", "status", *points_of, "total"]
    assert list(sheet.index) == ["s-key", "s-wrong", "李四", "s-missing"]  # roster order, no answer key
    maximum = sum(q.points for q in QUESTIONS)
    points = {q.key: q.points for q in QUESTIONS}
    assert sheet.loc["s-key", "total"] == maximum and sheet.loc["s-key", "status"] == "submitted"
    assert sheet.loc["s-key", "name"] == "张三"
    expected = maximum - points["q2"] - points["q4"] - points["q6"] - points["q3"] / 2
    assert sheet.loc["s-wrong", "total"] == expected
    assert sheet.loc["s-wrong", "q1"] == 1.0 and sheet.loc["s-wrong", "q2"] == 0.0
    assert sheet.loc["s-wrong", "q3"] == points["q3"] / 2 and sheet.loc["s-wrong", "q5"] == points["q5"]
    assert sheet.loc["李四", "status"] == "not submitted" and sheet.loc["李四", "total"] == 0
    assert sheet.loc["s-missing", "status"] == "not submitted"
    assert not (course / coursework.folder_name("李四") / "exercise.graded.ipynb").exists()  # not run

    feedback_zh = (full / "feedback.html").read_text()
    assert "作业反馈" in feedback_zh and f"{maximum:g} / {maximum:g}" in feedback_zh
    assert "已提交" in feedback_zh
    assert '@font-face{font-family:"CRM CJK"' in feedback_zh  # readable without a Chinese system font
    feedback_en = (course / coursework.folder_name("s-wrong") / "feedback.html").read_text()
    assert "Assignment feedback" in feedback_en and "wrong" in feedback_en
    assert "NameError: name &#x27;undefined_name&#x27; is not defined" in feedback_en
    assert "a percentage (x100)" in feedback_en and "FileNotFoundError" in feedback_en
    assert "CRM CJK" not in feedback_en  # English pages: no font embedded
    untouched = (course / coursework.folder_name("李四") / "feedback.html").read_text()
    assert "未提交" in untouched


def test_grades_csv_for_the_school_system(tmp_path):
    course = tmp_path / "course"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n张三,张三\ns002,Li Si\n", encoding="utf-8")
    assert cli.main(["assignment", "new", "--roster", str(roster), "--out", str(course)]) == 0
    shutil.rmtree(course / coursework.folder_name("s002"))  # never handed in
    sheet = coursework.grade(course)  # 张三's workbook is untouched: not run, not submitted
    raw = (course / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese names
    header, first, second = raw.decode("utf-8-sig").splitlines()
    assert header.split(",") == ["student_id", "name", "status", *(q.key for q in QUESTIONS), "total"]
    assert first == "张三,张三,not submitted," + ",".join("0" for _ in QUESTIONS) + ",0"
    assert second.startswith("s002,Li Si,not submitted,")
    back = pd.read_csv(course / "grades.csv")
    assert list(back.columns) == list(sheet.columns) and back.loc[0, "student_id"] == "张三"


def test_grades_table_totals_points_and_partial_credit():
    from crm_models.coursework.assignment import GradeResult

    keys = [q.key for q in QUESTIONS]
    points = dict.fromkeys(keys, 0.0) | {"q1": 1.0, "q3": 1.0}
    expected = dict.fromkeys(keys, 1.0)
    rows = [GradeResult("s1", points, {}, expected, "submitted", "A"),
            GradeResult("s2", dict.fromkeys(keys, 0.0), {}, expected, "error: kernel died", "B")]
    sheet = coursework.grades_table(rows)
    assert sheet["total"].tolist() == [2.0, 0.0] and sheet["status"].tolist() == ["submitted", "error"]
    assert sheet.loc[0, "q3"] == 1.0 and list(sheet.columns)[:3] == ["student_id", "name", "status"]


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
