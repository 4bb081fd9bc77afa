"""The class report: how the class did on an assignment, for the teacher (HTML, English or Chinese).

:func:`class_summary` counts, from the :class:`~crm_models.coursework.assignment.GradeResult` s
of a grading (one per student on the roster):

* the score distribution: mean, median, minimum and maximum of the totals, for the workbooks
  handed in (status submitted or error) and for everyone (0 when not submitted, as in
  ``grades.csv``), and a histogram of the handed-in totals in ten equal bins from 0 to the
  maximum points;
* per question, how many of the students on the roster got full marks (the success rate),
  partial credit, a wrong answer, left it empty, had it fail (the answer cell raised, or the
  whole workbook could not run) or did not submit;
* per question the three most common wrong answers (partial credit included, with the mistake
  it was matched to), as the students gave them: text as written, numbers as saved
  (``0.5639``, ``12``), never rounded to the reference;
* the students not submitted and those whose workbook failed, with the reason.

:func:`class_report` writes it as one self-contained HTML page (the histogram an embedded SVG
image, no script, nothing loaded from elsewhere) via an atomic rename; every value that comes
from a student (ids, names, answers, error messages) is escaped.  ``grade`` writes it as
``class_report.html`` next to ``grades.csv``.  The page is for the teacher: it sits in the
course folder, never in a student folder.
"""

from __future__ import annotations

import base64
import html
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from crm_models.coursework.config import DEFAULT, AssignmentConfig
from crm_models.errors import CRMDataError
from crm_models.report.fonts import embed_cjk_font, embed_cjk_font_svg
from crm_models.report.i18n import LANGUAGES, percent, translate
from crm_models.report.runner import atomic_write_text

__all__ = ["CLASS_REPORT_FILE", "OUTCOMES", "ClassSummary", "class_summary", "class_report", "as_typed"]

#: The class report written by ``grade`` next to ``grades.csv``.
CLASS_REPORT_FILE = "class_report.html"
#: The outcome of a question for one student, as counted per question (columns of ``questions``).
OUTCOMES = ("full", "partial", "wrong", "empty", "error", "not_submitted")
#: Number of bins of the histogram of totals.
BINS = 10
#: Wrong answers listed per question.
TOP_WRONG = 3


class GradeResult(Protocol):
    """What the report reads of a grading (:class:`crm_models.coursework.assignment.GradeResult`)."""

    student_id: str
    name: str
    status: str
    points: dict[str, float]
    answers: dict[str, object]
    scores: dict

    @property
    def state(self) -> str: ...

    @property
    def total(self) -> float: ...

    def outcome(self, key: str) -> str: ...


def as_typed(value: object) -> str:
    """An answer as the student gave it: text unchanged, a whole number without ``.0``, other
    numbers in full (``repr``: ``0.5639``, ``125519.6``), never rounded to a precision."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | np.number):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    return str(value)


def _outcome(result: GradeResult, key: str) -> str:
    """One of :data:`OUTCOMES` for ``result``'s answer to ``key``."""
    if result.state == "not submitted":
        return "not_submitted"
    if result.state == "error":
        return "error"  # the workbook did not run to the end: no answer of it was saved
    outcome = result.outcome(key)
    return {"correct": "full", "missing": "empty"}.get(outcome, outcome)


@dataclass(frozen=True)
class ClassSummary:
    """The numbers of the class report.

    ``scores``: one row per group (``handed_in``, ``everyone``) with ``students``, ``mean``,
    ``median``, ``min``, ``max`` (NaN for an empty group); ``histogram``: ``left``, ``right``,
    ``students`` per bin of the handed-in totals; ``questions``: one row per question (its key)
    with ``points``, the counts of :data:`OUTCOMES`, ``success_rate`` (full / students) and
    ``mean_points``; ``wrong_answers``: per question a list of ``(answer as typed, count,
    mistake or None)``, most common first; ``not_submitted`` and ``errors``: ``(student id,
    name)`` and ``(student id, name, reason)`` in roster order.
    """

    students: int
    maximum: float
    status_counts: dict[str, int]
    scores: pd.DataFrame
    histogram: pd.DataFrame
    questions: pd.DataFrame
    wrong_answers: dict[str, list[tuple[str, int, object]]]
    not_submitted: list[tuple[str, str]]
    errors: list[tuple[str, str, str]]


def _describe(totals: list[float]) -> dict[str, float]:
    if not totals:
        return {"students": 0, "mean": math.nan, "median": math.nan, "min": math.nan, "max": math.nan}
    values = np.asarray(totals, dtype=float)
    return {"students": len(values), "mean": float(values.mean()), "median": float(np.median(values)),
            "min": float(values.min()), "max": float(values.max())}


def class_summary(results: Sequence[GradeResult], config: AssignmentConfig = DEFAULT) -> ClassSummary:
    """Count the class's results (see the module notes); ``config``: the graded assignment."""
    results = list(results)
    if not results:
        raise CRMDataError("class report: no graded students; grade the course first (its roster is empty)")
    maximum = config.maximum
    handed_in = [r.total for r in results if r.state != "not submitted"]
    scores = pd.DataFrame([_describe(handed_in), _describe([r.total for r in results])],
                          index=pd.Index(["handed_in", "everyone"], name="group"))
    counts, edges = np.histogram(handed_in, bins=BINS, range=(0.0, maximum))
    histogram = pd.DataFrame({"left": edges[:-1], "right": edges[1:], "students": counts.astype(int)})
    rows, wrong = [], {}
    for item in config.items:
        outcomes = Counter(_outcome(r, item.key) for r in results)
        rows.append({"question": item.key, "points": item.points, **{o: outcomes.get(o, 0) for o in OUTCOMES},
                     "success_rate": outcomes.get("full", 0) / len(results),
                     "mean_points": float(np.mean([r.points.get(item.key, 0.0) for r in results]))})
        given: Counter[str] = Counter()
        mistakes: dict[str, object] = {}
        for r in results:
            outcome = _outcome(r, item.key)
            if outcome in ("wrong", "partial") and r.answers.get(item.key) is not None:
                text = as_typed(r.answers[item.key])
                given[text] += 1
                score = r.scores.get(item.key)
                mistakes.setdefault(text, score.mistake if outcome == "partial" and score else None)
        # most common first; ties in the order the answers first appear (roster order)
        wrong[item.key] = [(text, n, mistakes[text]) for text, n in given.most_common(TOP_WRONG)]
    questions = pd.DataFrame(rows).set_index("question")
    status_counts = {s: sum(r.state == s for r in results) for s in ("submitted", "not submitted", "error")}
    return ClassSummary(
        len(results), maximum, status_counts, scores, histogram, questions, wrong,
        [(r.student_id, r.name) for r in results if r.state == "not submitted"],
        [(r.student_id, r.name, r.status.split(":", 1)[1].strip() if ":" in r.status else "")
         for r in results if r.state == "error"])


# --- presentation --------------------------------------------------------------------------------


def _histogram_svg(summary: ClassSummary, lang: str) -> str:
    """The histogram of handed-in totals as a standalone SVG document (bars, counts, mean and median)."""
    e = html.escape
    width, height, left, right, top, bottom = 640, 300, 50, 20, 36, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    hist = summary.histogram
    tallest = max(int(hist["students"].max()), 1)
    x = (lambda v: left + plot_w * v / summary.maximum) if summary.maximum > 0 else (lambda v: left)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for tick in range(tallest + 1) if tallest <= 10 else np.linspace(0, tallest, 6).round().astype(int):
        y = top + plot_h * (1 - tick / tallest)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{int(tick)}</text>')
    for row in hist.itertuples():
        x0, x1 = x(row.left), x(row.right)
        h = plot_h * row.students / tallest
        parts.append(f'<rect x="{x0 + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(x1 - x0 - 2, 1):.1f}" '
                     f'height="{h:.1f}" fill="#4c72b0"/>')
        if row.students:
            parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{top + plot_h - h - 4:.1f}" '
                         f'text-anchor="middle">{row.students}</text>')
    for edge in [*hist["left"], hist["right"].iloc[-1]]:
        parts.append(f'<text x="{x(edge):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{edge:g}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
                 'stroke="#333"/>')
    stats = summary.scores.loc["handed_in"]
    for n, (name, colour, dash) in enumerate((("mean", "#c44e52", "6 3"), ("median", "#55a868", "2 2"))):
        value = stats[name]
        if not math.isnan(value):
            parts.append(f'<line x1="{x(value):.1f}" y1="{top}" x2="{x(value):.1f}" y2="{top + plot_h}" '
                         f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')
        label = e(f"{translate(f'cwr_{name}', lang)} {value:.2f}" if not math.isnan(value) else "")
        parts.append(f'<line x1="{left + 10 + 170 * n}" y1="14" x2="{left + 34 + 170 * n}" y2="14" '
                     f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
                     f'<text x="{left + 40 + 170 * n}" y="18">{label}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 10}" text-anchor="middle">'
                 f'{e(translate("cwr_axis_score", lang, maximum=f"{summary.maximum:g}"))}</text>')
    parts.append(f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 f'{e(translate("cwr_axis_students", lang))}</text></svg>')
    return "".join(parts)


def _fmt(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}".rstrip("0").rstrip(".")


def _who(student_id: str, name: str) -> str:
    e = html.escape
    return e(student_id) + (f" ({e(name)})" if name and name != student_id else "")


def class_report_html(summary: ClassSummary, lang: str = "en", title: str = "") -> str:
    """The class report page for ``summary`` in ``lang`` (every student value escaped)."""
    if lang not in LANGUAGES:
        raise CRMDataError(f"class report: lang {lang!r}; use one of {LANGUAGES}")
    e = html.escape

    def t(key: str, **values) -> str:
        return e(translate(key, lang, **values))

    heading = t("cwr_title") + (f": {e(title)}" if title else "")
    counts = summary.status_counts
    # an SVG shown as an image cannot use the page's fonts: it carries its own CJK glyphs
    svg = base64.b64encode(embed_cjk_font_svg(_histogram_svg(summary, lang)).encode("utf-8")).decode("ascii")
    score_rows = "".join(
        f"<tr><th>{t(f'cwr_group_{group}')}</th><td>{int(row.students)}</td><td>{_fmt(row.mean)}</td>"
        f"<td>{_fmt(row.median)}</td><td>{_fmt(row.min)}</td><td>{_fmt(row.max)}</td></tr>"
        for group, row in zip(summary.scores.index, summary.scores.itertuples(), strict=True))
    n = summary.students

    def share(count: int) -> str:
        return f"{count} ({e(percent(count / n, 1, lang))})"

    question_rows = "".join(
        f"<tr><td>{e(key)}</td><td>{row.points:g}</td>"
        + "".join(f'<td class="{o}">{share(int(getattr(row, o)))}</td>' for o in OUTCOMES)
        + f"<td>{_fmt(row.mean_points)}</td></tr>"
        for key, row in zip(summary.questions.index, summary.questions.itertuples(), strict=True))
    wrong_rows = []
    for key, answers in summary.wrong_answers.items():
        if not answers:
            wrong_rows.append(f"<tr><td>{e(key)}</td><td colspan=\"3\">{t('cwr_no_wrong')}</td></tr>")
        for i, (text, count, mistake) in enumerate(answers):
            note = e(translate("cw_outcome_partial", lang) + ": " + mistake.describe(lang)) if mistake else ""
            wrong_rows.append(f"<tr><td>{e(key) if i == 0 else ''}</td><td><code>{e(text)}</code></td>"
                              f"<td>{count}</td><td>{note}</td></tr>")
    missing = ("<ul>" + "".join(f"<li>{_who(sid, name)}</li>" for sid, name in summary.not_submitted)
               + "</ul>") if summary.not_submitted else f"<p>{t('cwr_none')}</p>"
    errors = (f"<table><thead><tr><th>{t('cwr_student')}</th><th>{t('cwr_reason')}</th></tr></thead><tbody>"
              + "".join(f"<tr><td>{_who(sid, name)}</td><td><code>{e(reason)}</code></td></tr>"
                                  for sid, name, reason in summary.errors) + "</tbody></table>"
              ) if summary.errors else f"<p>{t('cwr_none')}</p>"
    cell_errors = int(summary.questions["error"].sum()) - len(summary.errors) * len(summary.questions)
    outcome_heads = "".join(f"<th>{t(f'cwr_outcome_{o}')}</th>" for o in OUTCOMES)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{heading}</title>
<style>body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 1100px; margin: 2em auto;
padding: 0 1em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }} td, th {{ border-bottom: 1px solid #ddd;
padding: 4px 8px; text-align: left; }}
td.full {{ color: #1b5e20; }} td.error, td.wrong {{ color: #b00020; }} code {{ white-space: pre-wrap; }}
img {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>{heading}</h1>
<p>{t("cwr_overview", students=n, submitted=counts["submitted"], not_submitted=counts["not submitted"],
       error=counts["error"])}</p>
<h2>{t("cwr_scores")}</h2>
<p>{t("cwr_scores_note", maximum=f"{summary.maximum:g}")}</p>
<img src="data:image/svg+xml;base64,{svg}" width="640" height="300" alt="{t("cwr_histogram_alt")}">
<table><thead><tr><th></th><th>{t("cwr_students")}</th><th>{t("cwr_mean")}</th><th>{t("cwr_median")}</th>
<th>{t("cwr_min")}</th><th>{t("cwr_max")}</th></tr></thead><tbody>{score_rows}</tbody></table>
<h2>{t("cwr_questions")}</h2>
<p>{t("cwr_questions_note", students=n)}</p>
<table><thead><tr><th>#</th><th>{t("cw_points_col")}</th>{outcome_heads}<th>{t("cwr_mean_points")}</th></tr>
</thead><tbody>{question_rows}</tbody></table>
<h2>{t("cwr_wrong_answers")}</h2>
<p>{t("cwr_wrong_answers_note", top=TOP_WRONG)}</p>
<table><thead><tr><th>#</th><th>{t("cw_answer")}</th><th>{t("cwr_students")}</th><th></th></tr></thead>
<tbody>{"".join(wrong_rows)}</tbody></table>
<h2>{t("cwr_not_submitted_title")} ({len(summary.not_submitted)})</h2>
{missing}
<h2>{t("cwr_errors_title")} ({len(summary.errors)})</h2>
<p>{t("cwr_errors_note", workbooks=len(summary.errors), cells=cell_errors)}</p>
{errors}
</body></html>
"""


def class_report(results: Sequence[GradeResult], path: str | Path, lang: str | None = None,
                 config: AssignmentConfig = DEFAULT) -> Path:
    """Write the class report of ``results`` (one per student on the roster) to ``path``.

    Parameters
    ----------
    results:
        The gradings, e.g. of :func:`~crm_models.coursework.assignment.grade_results`
        (:class:`~crm_models.coursework.assignment.GradeResult`).
    path:
        The HTML file to write (atomically: a reader never sees half a page).
    lang:
        ``en`` or ``zh``; by default the assignment's language.
    config:
        The graded assignment (questions and points); by default the six data questions.

    Returns
    -------
    Path
        ``path``.
    """
    summary = class_summary(results, config)
    path = Path(path)
    # Chinese text readable without a system CJK font (a subset of Noto Sans CJK SC embedded)
    atomic_write_text(path, embed_cjk_font(class_report_html(summary, lang or config.lang, config.title)))
    return path
