"""The class report: its numbers counted by hand on a small class, every student value escaped."""

import base64
import re
import xml.etree.ElementTree as ET

import pytest

from crm_models import coursework
from crm_models.coursework.assignment import GradeResult
from crm_models.coursework.bank import BANK
from crm_models.coursework.config import AssignmentConfig
from crm_models.coursework.questions import Score
from crm_models.coursework.reporting import as_typed, class_summary
from crm_models.errors import CRMDataError

HOSTILE = '<script>alert("x")</script>'
CONFIG = AssignmentConfig.from_dict({"questions": ["sat_ratio", "kano"], "lang": "zh",
                                     "title": "作业 <b>1</b>"})


def _result(sid, name, status, sat, kano, answers=None, errors=None):
    """sat, kano: (points, outcome[, mistake])."""
    scores = {"sat_ratio": Score(*sat), "kano": Score(*kano)}
    return GradeResult(sid, {k: s.points for k, s in scores.items()}, answers or {}, {}, status, name,
                       scores, errors or {})


def _class():
    swapped = BANK["kano"].mistake("kano_swapped")
    missing = (0.0, "missing")
    return [
        _result("s1", "张三", "submitted", (1.0, "correct"), (2.0, "correct"),
                {"sat_ratio": 1.125, "kano": "M"}),
        _result("s2", "李四", "submitted", (0.0, "wrong"), (1.0, "partial", swapped),
                {"sat_ratio": 0.5, "kano": "Must-be"}),
        _result("s3", "王五", "submitted", (0.0, "wrong"), missing, {"sat_ratio": 0.5}),
        _result(f"s4{HOSTILE}", '"王小明"<b>', "not submitted", missing, missing),
        _result("s5", "赵六", "error: TimeoutError: <img src=x onerror=alert(1)>", missing, missing),
        _result("s6", "", "submitted", missing, (0.0, "wrong"), {"kano": f"Attractive{HOSTILE}"},
                {"sat_ratio": f"NameError: {HOSTILE}"}),
    ]


def test_numbers_are_those_counted_by_hand():
    s = class_summary(_class(), CONFIG)
    assert s.students == 6 and s.maximum == 3.0
    assert s.status_counts == {"submitted": 4, "not submitted": 1, "error": 1}
    handed = s.scores.loc["handed_in"]  # totals 3, 1, 0, 0 (error), 0
    assert (handed["students"], handed["mean"], handed["median"], handed["min"], handed["max"]) == (
        5, pytest.approx(0.8), 0.0, 0.0, 3.0)
    assert s.scores.loc["everyone", "mean"] == pytest.approx(4 / 6)
    assert s.histogram["students"].tolist() == [3, 0, 0, 1, 0, 0, 0, 0, 0, 1]  # bins of 0.3 from 0 to 3
    q = s.questions
    assert q.loc["sat_ratio", ["full", "partial", "wrong", "empty", "error", "not_submitted"]].tolist() == [
        1, 0, 2, 0, 2, 1]
    assert q.loc["kano", ["full", "partial", "wrong", "empty", "error", "not_submitted"]].tolist() == [
        1, 1, 1, 1, 1, 1]
    assert q.loc["sat_ratio", "success_rate"] == pytest.approx(1 / 6)
    assert q.loc["kano", "mean_points"] == pytest.approx(3 / 6)
    assert s.wrong_answers["sat_ratio"] == [("0.5", 2, None)]
    assert [(a, n) for a, n, _ in s.wrong_answers["kano"]] == [("Must-be", 1), (f"Attractive{HOSTILE}", 1)]
    assert s.wrong_answers["kano"][0][2].key == "kano_swapped"
    assert s.not_submitted == [(f"s4{HOSTILE}", '"王小明"<b>')]
    assert s.errors == [("s5", "赵六", "TimeoutError: <img src=x onerror=alert(1)>")]


def test_answers_are_listed_as_typed():
    assert [as_typed(v) for v in (12.0, 0.5639, 125519.6, "Must-be ", float("nan"))] == [
        "12", "0.5639", "125519.6", "Must-be ", "nan"]


@pytest.mark.parametrize("lang, words", [("zh", ["班级成绩报告", "成绩分布", "最常见的错误答案", "满分"]),
                                         ("en", ["Class report", "Score distribution", "Most common wrong"])])
def test_report_page_is_escaped_self_contained_and_translated(tmp_path, lang, words):
    path = coursework.class_report(_class(), tmp_path / "class_report.html", lang=lang, config=CONFIG)
    page = path.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page and all(w in page for w in words)
    assert "<script" not in page and "<img src=x" not in page and "<b>" not in page
    assert "Attractive&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # an answer, as text
    assert "作业 &lt;b&gt;1&lt;/b&gt;" in page  # the assignment title
    assert "s4&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (&quot;王小明&quot;&lt;b&gt;)" in page
    assert "赵六" in page and "<title>" + {"zh": "班级成绩报告", "en": "Class report"}[lang] in page
    assert "<code>0.5</code></td><td>2</td>" in page
    # the histogram: one embedded SVG image that parses, nothing loaded from elsewhere
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == 1 and sources[0].startswith("data:image/svg+xml;base64,")
    svg = ET.fromstring(base64.b64decode(sources[0].split(",", 1)[1]))
    assert svg.tag.endswith("svg") and len(svg.findall("{http://www.w3.org/2000/svg}rect")) == 11
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temporary file left


def test_empty_class_is_an_error(tmp_path):
    with pytest.raises(CRMDataError, match="no graded students"):
        coursework.class_report([], tmp_path / "r.html")


def test_grade_writes_the_class_report_in_the_workbooks_language(tmp_path):
    """`assignment new --lang zh` without an assignment file: the class report is Chinese too."""
    coursework.new_assignment("s001", tmp_path, lang="zh", name="张三")
    coursework.new_assignment("s001", tmp_path, solution=True)  # the answer key as README makes it (en)
    coursework.grade(tmp_path)
    page = (tmp_path / "class_report.html").read_text(encoding="utf-8")
    assert "<title>班级成绩报告" in page
    coursework.grade(tmp_path, report_lang="en")
    assert "<title>Class report" in (tmp_path / "class_report.html").read_text(encoding="utf-8")
