"""An assignment chosen from the bank in a YAML file: validation, workbook, grading, grades.csv."""

import json

import nbformat
import pandas as pd
import pytest

from crm_models import cli, coursework
from crm_models.coursework import student_seed
from crm_models.coursework.bank import BANK
from crm_models.coursework.config import DEFAULT, AssignmentConfig, load_config
from crm_models.errors import CRMDataError

KEY = bytes(range(32))
YAML = """title: CRM homework 2
lang: zh
due: 2025-05-30
questions:
  - sat_ratio
  - {id: loyalty, points: 3}
  - q1
"""


def test_yaml_config_is_read_and_validated(tmp_path):
    path = tmp_path / "assignment.yml"
    path.write_text(YAML, encoding="utf-8")
    config = load_config(path)
    assert config.keys == ["sat_ratio", "loyalty", "q1"]
    assert [i.points for i in config.items] == [BANK["sat_ratio"].points, 3.0, 1.0]
    assert (config.lang, config.due, config.title) == ("zh", "2025-05-30", "CRM homework 2")
    assert config.maximum == BANK["sat_ratio"].points + 3 + 1
    assert DEFAULT.keys == [q.key for q in coursework.QUESTIONS]
    for bad, match in [({"questions": ["nope"]}, "unknown id 'nope'"),
                       ({"questions": ["kano", "kano"]}, "listed twice"),
                       ({"questions": [{"id": "kano", "points": -1}]}, "positive number"),
                       ({"questions": ["kano"], "lang": "fr"}, "lang 'fr'"),
                       ({"questions": ["kano"], "due": "next week"}, "YYYY-MM-DD"),
                       ({"questions": []}, "non-empty"), ({"question": ["kano"]}, "unknown setting")]:
        with pytest.raises(CRMDataError, match=match):
            AssignmentConfig.from_dict(bad, "assignment.yml")


def test_course_keeps_one_assignment(tmp_path):
    (tmp_path / "a.yml").write_text(YAML, encoding="utf-8")
    (tmp_path / "b.yml").write_text("questions: [kano]\n", encoding="utf-8")
    coursework.new_assignment("s001", tmp_path / "course", key=KEY, config=tmp_path / "a.yml")
    # later students of the course get the same questions without naming the file again
    folder = coursework.new_assignment("s002", tmp_path / "course", key=KEY)
    assert json.loads((folder / "assignment.json").read_text(encoding="utf-8"))["questions"] == [
        "sat_ratio", "loyalty", "q1"]
    with pytest.raises(CRMDataError, match="already has another assignment"):
        coursework.new_assignment("s003", tmp_path / "course", key=KEY, config=tmp_path / "b.yml")
    coursework.new_assignment("s001", tmp_path / "plain", key=KEY)  # a course with the data questions
    with pytest.raises(CRMDataError, match="already has another assignment"):
        coursework.new_assignment("s002", tmp_path / "plain", key=KEY, config=tmp_path / "b.yml")


@pytest.mark.slow
def test_bank_assignment_from_yaml_is_graded_by_its_rules(tmp_path):
    (tmp_path / "assignment.yml").write_text(YAML, encoding="utf-8")
    out = tmp_path / "course"
    key_file = tmp_path / "course.key"
    assert cli.main(["assignment", "new", "--student", "s001", "--student", "张三", "--student", "s003",
                     "--out", str(out), "--key", str(key_file),
                     "--config", str(tmp_path / "assignment.yml")]) == 0
    key = coursework.load_key(key_file)
    folders = {sid: out / coursework.folder_name(sid) for sid in ("s001", "张三", "s003")}
    nb = nbformat.read(str(folders["s001"] / "exercise.ipynb"), as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    sat = BANK["sat_ratio"].instance(student_seed("s001", key))
    assert sat.text("zh") in text and "截止日期：2025-05-30" in text  # the student's numbers, in Chinese
    assert "answers.json" in text and str(round(sat.reference, 3)) not in text.split("answers[")[0]
    # s001: right answers (the ratio rounded as asked, the loyalty type in Chinese); 张三: the named mistakes
    inst = {sid: {q: BANK[q].instance(student_seed(sid, key)) for q in ("sat_ratio", "loyalty")}
            for sid in ("s001", "张三")}
    zh = {"latent": "潜在忠诚", "inertia": "惰性忠诚"}
    right = {"sat_ratio": f'answers["sat_ratio"] = {round(inst["s001"]["sat_ratio"].reference, 3)}',
             "loyalty": f'answers["loyalty"] = "{zh[inst["s001"]["loyalty"].reference]}"',
             "q1": 'answers["q1"] = tx["customer_id"].nunique()'}
    wrong = {"sat_ratio": f'answers["sat_ratio"] = {inst["张三"]["sat_ratio"].wrong("sat_inverted")!r}',
             "loyalty": f'answers["loyalty"] = "{inst["张三"]["loyalty"].wrong("loyalty_axes_swapped")}"',
             "q1": 'answers["q1"] = 1'}
    for sid, answers in (("s001", right), ("张三", wrong)):
        coursework.new_assignment(sid, out, key=key, answers=answers)
    coursework.new_assignment("s001", out, key=key, solution=True)
    sheet = coursework.grade(out, timeout=120, key=key)
    assert list(sheet.columns) == ["student_id", "name", "status", "sat_ratio", "loyalty", "q1", "total"]
    rows = sheet.set_index("student_id")
    assert rows.loc["s001", ["sat_ratio", "loyalty", "q1", "total"]].tolist() == [1.0, 3.0, 1.0, 5.0]
    assert rows.loc["张三", ["sat_ratio", "loyalty", "q1", "total"]].tolist() == [0.5, 1.5, 0.0, 2.0]
    assert rows.loc["s003", "status"] == "not submitted"
    assert "answer-key" not in "".join(sheet["student_id"])
    grades = pd.read_csv(out / "grades.csv", encoding="utf-8-sig")
    assert grades["total"].tolist() == [5.0, 2.0, 0.0]
    feedback = (folders["张三"] / "feedback.html").read_text(encoding="utf-8")
    assert "比值颠倒了" in feedback and "态度与行为对调" in feedback  # the named mistakes, in Chinese
    # the teacher's answer key scores full marks on its own data
    key_folder = out / "answer-key" / coursework.folder_name("s001")
    result = coursework.assignment.grade_student(key_folder, key, 120, config=load_config(
        tmp_path / "assignment.yml"))
    assert result.total == 5.0


def test_show_answers_setting_is_read_and_applied_by_date():
    base = {"questions": ["sat_ratio"]}
    assert AssignmentConfig.from_dict(base).show_answers == "after_due"  # the default
    with pytest.raises(CRMDataError, match="show_answers 'later'.*never, after_due, always"):
        AssignmentConfig.from_dict({**base, "show_answers": "later"}, "assignment.yml")
    due = {**base, "due": "2025-05-30"}
    after_due = AssignmentConfig.from_dict(due)
    assert not after_due.answers_shown("2025-05-29") and not after_due.answers_shown("2025-05-30")
    assert after_due.answers_shown("2025-05-31")  # the day after the due date
    assert not AssignmentConfig.from_dict(base).answers_shown("2030-01-01")  # no due date: never
    assert AssignmentConfig.from_dict({**due, "show_answers": "always"}).answers_shown("2025-01-01")
    assert not AssignmentConfig.from_dict({**due, "show_answers": "never"}).answers_shown("2099-01-01")
    assert AssignmentConfig.from_dict({**due, "show_answers": "never"}).to_dict()["show_answers"] == "never"


@pytest.mark.parametrize("show, today, shown", [
    ("always", "2025-05-01", True), ("never", "2026-01-01", False),
    ("after_due", "2025-05-30", False), ("after_due", "2025-05-31", True)])
def test_feedback_of_a_wrong_answer_shows_the_reference_only_when_allowed(tmp_path, show, today, shown):
    from crm_models.coursework.assignment import GradeResult, _resolve_all, _write_feedback

    config = AssignmentConfig.from_dict({"questions": ["sat_ratio", "econ_saving"], "due": "2025-05-30",
                                         "show_answers": show})
    resolved = _resolve_all(config, "张三", KEY)
    references = [resolved[k].shown for k in config.keys]  # e.g. "1.125", at the stated precision
    answers = {"sat_ratio": 123456.789, "econ_saving": 987654.321}  # both wrong
    scores = {k: resolved[k].score(answers[k]) for k in config.keys}
    assert {s.outcome for s in scores.values()} == {"wrong"}
    result = GradeResult("张三", {k: 0.0 for k in config.keys}, answers,
                         {k: resolved[k].reference for k in config.keys}, "submitted", "张三", scores)
    _write_feedback(tmp_path, result, "zh", config, resolved, show_answers=config.answers_shown(today))
    page = (tmp_path / "feedback.html").read_text(encoding="utf-8")
    assert "123456.789" in page and "987654.321" in page  # the student's own answers: always
    assert all((f"<td>{ref}</td>" in page) is shown for ref in references)
    assert ("参考答案</th>" in page) is shown
    if not shown:
        note = "截止日期（2025-05-30）之后" if show == "after_due" else "不显示参考答案"
        assert note in page
