"""A term's flow: a roster of 30 (Chinese names, two ASCII ids) -> an assignment from YAML ->
simulated submissions (right, the named mistakes, plainly wrong, half done, untouched, a cell
raising, a workbook that cannot finish, missing) -> ``grade`` -> grades.csv, feedback pages and
the class report, which opens cleanly in headless Chromium and shows the counts made here.

Grading runs the 20 workbooks handed in one after another, as ``grade`` does; each starts a
kernel and imports crm_models (about 5 s of it on a busy 2-core machine), so the test takes
about 3 minutes there (setup 165 s) and far less on an idle one."""

import json
from collections import Counter

import nbformat
import pandas as pd
import pytest
from helpers import require
from helpers.browser import check_page, find_chromium

from crm_models import coursework
from crm_models.coursework.assignment import _resolve_all
from crm_models.coursework.bank import BANK
from crm_models.coursework.config import load_config

pytestmark = pytest.mark.slow

KEY = bytes(range(1, 33))
YAML = """title: 客户关系管理 期中作业
lang: zh
due: 2025-05-30
show_answers: after_due
questions:
  - sat_ratio
  - kano
  - {id: econ_saving, points: 2}
"""
HOSTILE_NAME = '<script>document.title="PWNED";console.error("PWNED")</script>"王二"'
NAMES = ["张三", "李四", "王小明", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈三", "褚四",
         "卫五", "蒋六", "沈七", "韩八", "杨九", "朱十", "秦一", "尤二", "许三", "何四", "吕五", "施六",
         "张小红", "孔八", "曹九", "严十"]
MISTAKES = {"sat_ratio": "sat_inverted", "kano": "kano_swapped", "econ_saving": "econ_acquire_total"}
PLAIN_WRONG = {"sat_ratio": "-1", "kano": '"not a category"', "econ_saving": "-1"}
# who does what, in roster order (30 students)
PLAN = (["right"] * 10 + ["mistake"] * 4 + ["plain_wrong"] * 2 + ["half_done"] + ["untouched"] * 6
        + ["cell_raises"] * 2 + ["cannot_finish"] + ["no_folder"] * 2 + ["no_workbook"] * 2)


def _roster():
    ids = NAMES + ["s029", "s030"]
    names = NAMES + ["Alice Wang", HOSTILE_NAME]
    return pd.DataFrame({"student_id": ids, "name": names})


def _answers(plan, resolved, seed_of):
    """Answer-cell code for a plan (None: leave the workbook untouched)."""
    right = {k: r.solution for k, r in resolved.items()}  # the teacher's key
    if plan in ("right", "cannot_finish"):
        return right
    if plan == "mistake":
        return {k: f'answers["{k}"] = {BANK[k].instance(seed_of).wrong(m)!r}' for k, m in MISTAKES.items()}
    if plan == "plain_wrong":
        return {k: f'answers["{k}"] = {v}' for k, v in PLAIN_WRONG.items()}
    if plan == "half_done":
        return {"sat_ratio": right["sat_ratio"]}  # the other cells keep their blank line
    if plan == "cell_raises":
        return {**right, "sat_ratio": 'answers["sat_ratio"] = 1 / 0'}
    return None


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    root = tmp_path_factory.mktemp("term")
    (root / "assignment.yml").write_text(YAML, encoding="utf-8")
    roster = _roster()
    roster.to_csv(root / "roster.csv", index=False)
    course, config = root / "course", load_config(root / "assignment.yml")
    read = coursework.read_roster(root / "roster.csv")
    assert len(read) == 30 and read["student_id"].tolist() == roster["student_id"].tolist()
    folders = {}
    for (sid, name), plan in zip(read.itertuples(index=False), PLAN, strict=True):
        answers = _answers(plan, _resolve_all(config, sid, KEY), coursework.student_seed(sid, KEY))
        folders[sid] = coursework.new_assignment(sid, course, key=KEY, name=name,
                                                 config=root / "assignment.yml", answers=answers)
        if plan == "cannot_finish":  # the last cell (saving answers.json) removed
            nb = nbformat.read(str(folders[sid] / "exercise.ipynb"), as_version=4)
            nb.cells = nb.cells[:-1]
            nbformat.write(nb, str(folders[sid] / "exercise.ipynb"))
        elif plan == "no_workbook":
            (folders[sid] / "exercise.ipynb").unlink()
        elif plan == "no_folder":
            import shutil

            shutil.rmtree(folders[sid])
    coursework.new_assignment(NAMES[0], course, key=KEY, solution=True)  # the teacher's key: not graded
    sheet = coursework.grade(course, timeout=120, key=KEY, today="2025-05-20")  # before the due date
    return {"course": course, "sheet": sheet, "folders": folders, "config": config, "roster": read}


def _points(plan):
    """Points per question by the stated rules: full, the named mistakes half, else 0."""
    full = {"sat_ratio": 1.0, "kano": 2.0, "econ_saving": 2.0}
    return {"right": full, "mistake": {k: v / 2 for k, v in full.items()},
            "half_done": {**dict.fromkeys(full, 0.0), "sat_ratio": 1.0},
            "cell_raises": {**full, "sat_ratio": 0.0}}.get(plan, dict.fromkeys(full, 0.0))


def test_every_row_of_grades_csv(term):
    sheet = pd.read_csv(term["course"] / "grades.csv", encoding="utf-8-sig", dtype={"student_id": str})
    assert list(sheet.columns) == ["student_id", "name", "status", *MISTAKES, "total"]
    assert sheet["student_id"].tolist() == term["roster"]["student_id"].tolist()  # roster order, no key
    assert sheet["name"].tolist() == term["roster"]["name"].tolist()
    status = {"untouched": "not submitted", "no_folder": "not submitted", "no_workbook": "not submitted",
              "cannot_finish": "error"}
    for row, plan in zip(sheet.itertuples(index=False), PLAN, strict=True):
        points = _points(plan)
        assert row.status == status.get(plan, "submitted"), (row.student_id, plan)
        assert [row.sat_ratio, row.kano, row.econ_saving] == list(points.values()), (row.student_id, plan)
        assert row.total == sum(points.values())


def test_feedback_pages_before_the_due_date_hide_the_references(term):
    folders, config = term["folders"], term["config"]
    sid = NAMES[PLAN.index("plain_wrong")]
    page = (folders[sid] / "feedback.html").read_text(encoding="utf-8")
    resolved = _resolve_all(config, sid, KEY)
    assert "not a category" in page and "错误" in page and "截止日期（2025-05-30）之后" in page
    assert all(f"<td>{r.shown}</td>" not in page for r in resolved.values())
    raised = (folders[NAMES[PLAN.index("cell_raises")]] / "feedback.html").read_text(encoding="utf-8")
    assert "ZeroDivisionError: division by zero" in raised
    failed = (folders[NAMES[PLAN.index("cannot_finish")]] / "feedback.html").read_text(encoding="utf-8")
    assert "did not save answers.json" in failed


def test_class_report_numbers(term):
    page = (term["course"] / "class_report.html").read_text(encoding="utf-8")
    plans = Counter(PLAN)
    n = len(PLAN)
    # success rate of sat_ratio: the right ones and the half-done one (its first answer is right)
    sat_full = plans["right"] + plans["half_done"]
    kano_full = plans["right"] + plans["cell_raises"]
    for count in (sat_full, kano_full):
        assert f'<td class="full">{count} ({count / n:.1%})</td>' in page
    not_submitted = plans["untouched"] + plans["no_folder"] + plans["no_workbook"]
    assert f"{not_submitted} 人未提交" in page and f"{plans['cannot_finish']} 人的作业笔记本无法运行" in page
    assert f'<td class="error">{plans["cell_raises"] + plans["cannot_finish"]} (' in page  # sat_ratio errors
    assert "<code>-1</code></td><td>2</td>" in page  # the plain wrong answer, given twice
    totals = [sum(_points(p).values()) for p in PLAN if p not in ("untouched", "no_folder", "no_workbook")]
    mean = sum(totals) / len(totals)
    assert f"<td>{len(totals)}</td><td>{f'{mean:.2f}'.rstrip('0').rstrip('.')}</td>" in page
    assert "&lt;script&gt;document.title=&quot;PWNED&quot;" in page  # the hostile name (not submitted)


def test_class_report_opens_cleanly_in_a_real_browser(term, tmp_path):
    require(None if find_chromium() else "Chromium is not installed (apt-get install chromium; "
            ".ci/run installs it)", "real-browser tests")
    page = term["course"] / "class_report.html"
    shot = tmp_path / "class_report.png"
    check = check_page(page, shot)
    assert check.problems == []  # no console error, no request, every image drawn
    assert check.title == "班级成绩报告: 客户关系管理 期中作业"  # the hostile name did not set it
    assert len(check.images) == 1 and check.images[0]["width"] > 0
    untouched, failed = NAMES[PLAN.index("untouched")], NAMES[PLAN.index("cannot_finish")]  # listed by name
    for text in ("成绩分布", "各题得分情况", "最常见的错误答案", untouched, "s030", failed):
        assert text in check.text
    assert HOSTILE_NAME in check.text  # shown as the text it is
    assert check.page_width <= 1200 and shot.stat().st_size > 10_000
    feedback = check_page(term["folders"][NAMES[0]] / "feedback.html")
    assert feedback.problems == [] and "作业反馈" in feedback.title and "张三" in feedback.text


def test_the_answer_key_folder_is_not_graded(term):
    key_folder = term["course"] / "answer-key" / coursework.folder_name(NAMES[0])
    assert (key_folder / "exercise.ipynb").exists() and not (key_folder / "feedback.html").exists()
    assert json.loads((key_folder / "assignment.json").read_text(encoding="utf-8"))["role"] == "key"
