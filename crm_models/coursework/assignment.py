"""Personalised coursework: a workbook per student, graded against a seeded reference.

``new_assignment(student_id, out)`` writes ``out/<student_id>/`` with

* ``transactions.csv``: the student's own data, simulated (BG/NBD + Gamma-Gamma) with the
  seed ``HMAC-SHA256(course key, student id)`` (:mod:`crm_models.coursework.course_key`), and
  model parameters drawn from that seed too, so every student gets different numbers with a
  known truth, and only the key's holder can regenerate them;
* ``exercise.ipynb``: instructions and one answer cell per question
  (``answers["q1"] = ...``), in English or Chinese; the last cell saves ``answers.json``;
* ``assignment.json``: student id, language, observation end (no seed, no answers).

The teacher's key file ``out/course.key`` is created on first use, next to the student
folders, never inside one.  ``grade(directory)`` executes every student's notebook (a failing
cell costs only its own question), recomputes the reference answers from the key (not from
the CSV, which a student could edit), scores each answer within the question's tolerance, and writes
``grades.csv`` plus ``<student>/feedback.html``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.coursework.course_key import resolve_key, student_seed
from crm_models.coursework.questions import QUESTIONS, StudentData, reference_answers
from crm_models.data import simulate
from crm_models.data.io import load_transactions
from crm_models.errors import CRMDataError
from crm_models.report.i18n import LANGUAGES, translate
from crm_models.report.runner import atomic_write_text

__all__ = ["student_seed", "student_data", "new_assignment", "grade", "save_answers", "GradeResult"]

OBSERVATION_END = "2024-12-31"
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def _check_id(student_id: str) -> str:
    if not _ID_PATTERN.match(student_id):
        raise CRMDataError(f"student id {student_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return student_id


def student_data(student_id: str, key: bytes | None = None) -> StudentData:
    """The student's transactions, regenerated from ``HMAC-SHA256(key, student id)``.

    ``key`` is the teacher's course key (:func:`~crm_models.coursework.course_key.load_key`);
    without it the data (and so the reference answers) cannot be regenerated.
    """
    seed = student_seed(_check_id(student_id), key)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    tx, _ = simulate.transactions(
        int(rng.integers(400, 801)), r=float(rng.uniform(0.3, 0.9)), alpha=float(rng.uniform(3, 8)),
        a=float(rng.uniform(0.5, 1.2)), b=float(rng.uniform(2, 5)), p_spend=float(rng.uniform(3, 6)),
        q_spend=3.0, gamma_spend=float(rng.uniform(15, 40)), start="2023-01-01",
        acquisition_days=365, observation_end=OBSERVATION_END, seed=seed,
    )
    return StudentData(load_transactions(tx), OBSERVATION_END)


def save_answers(answers: dict, path: str | Path = "answers.json") -> None:
    """Called by the last cell of the workbook: record the answers as JSON."""
    clean = {}
    for key, value in answers.items():
        try:
            clean[key] = None if value is None else float(value)
        except (TypeError, ValueError):
            clean[key] = str(value)
    Path(path).write_text(json.dumps(clean, indent=2) + "\n", encoding="utf-8")


def _workbook(student_id: str, lang: str, answers: dict[str, str] | None = None):
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(f"# {translate('cw_title', lang)}\n\n"
           f"{translate('cw_intro', lang, student=student_id, end=OBSERVATION_END)}"),
        code(f'student_id = "{student_id}"\ndata_file = "transactions.csv"\n'
             f'observation_end = "{OBSERVATION_END}"\nlang = "{lang}"'),
        code("import crm_models as crm\n\n"
             "tx = crm.data.load_transactions(data_file)\n"
             "answers = {}"),
    ]
    cells[1].metadata["tags"] = ["parameters"]
    for q in QUESTIONS:
        cells.append(md(f"**{q.key}** ({translate('cw_points', lang, points=q.points)}) {q.text(lang)}"))
        blank = f"answers[\"{q.key}\"] = None  # {translate('cw_your_answer', lang)}"
        body = (answers or {}).get(q.key, blank)
        cell = code(body)
        cell.metadata["tags"] = ["answer"]
        cells.append(cell)
    cells.append(code("crm.coursework.save_answers(answers, \"answers.json\")"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def new_assignment(student_id: str, out: str | Path = "assignments", lang: str = "en",
                   answers: dict[str, str] | None = None, key: bytes | str | Path | None = None) -> Path:
    """Create ``out/<student_id>/`` (data, workbook, metadata); returns the folder.

    ``answers`` pre-fills answer cells with code (for the teacher's key or tests).  ``key`` is
    the course key (bytes or a key file); by default ``out/course.key``, created if missing.
    """
    import nbformat

    _check_id(student_id)
    secret = resolve_key(key, out, create=True)
    folder = Path(out) / student_id
    folder.mkdir(parents=True, exist_ok=True)
    data = student_data(student_id, secret)
    tx = data.transactions.copy()
    tx["date"] = tx["date"].dt.strftime("%Y-%m-%d")
    atomic_write_text(folder / "transactions.csv", tx.to_csv(index=False, float_format="%.2f"))
    nbformat.write(_workbook(student_id, lang, answers), str(folder / "exercise.ipynb"))
    meta = {"student_id": student_id, "lang": lang,
            "observation_end": OBSERVATION_END, "questions": [q.key for q in QUESTIONS]}
    atomic_write_text(folder / "assignment.json", json.dumps(meta, indent=2) + "\n")
    return folder


def solution_answers() -> dict[str, str]:
    """The teacher's key as answer-cell code (``s`` is the RFM summary)."""
    prefix = ('s = crm.data.rfm_summary(tx, observation_end, period="D", time_unit="W")\n')
    return {q.key: prefix + f"answers[\"{q.key}\"] = {q.solution}" for q in QUESTIONS}


@dataclass
class GradeResult:
    student_id: str
    points: dict[str, float]
    answers: dict[str, object]
    expected: dict[str, float]
    status: str

    @property
    def total(self) -> float:
        return float(sum(self.points.values()))


def _execute(folder: Path, timeout: int) -> str:
    import nbformat
    from nbclient import NotebookClient

    from crm_models.report.execution import LocalKernelManager

    nb = nbformat.read(str(folder / "exercise.ipynb"), as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            kernel_manager_class=LocalKernelManager,
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except Exception as exc:  # kernel died or timed out: no answers
        return f"error: {type(exc).__name__}: {exc}"
    finally:
        nbformat.write(nb, str(folder / "exercise.graded.ipynb"))
    return "graded"


def grade_student(folder: Path, key: bytes, timeout: int = 300) -> GradeResult:
    meta = json.loads((folder / "assignment.json").read_text(encoding="utf-8"))
    sid = meta["student_id"]
    answers_file = folder / "answers.json"
    answers_file.unlink(missing_ok=True)  # never grade a stale file
    status = _execute(folder, timeout)
    answers = json.loads(answers_file.read_text()) if answers_file.exists() else {}
    if not answers_file.exists() and status == "graded":
        status = "error: the notebook did not save answers.json"
    expected = reference_answers(student_data(sid, key))
    points = {q.key: (q.points if q.is_correct(answers.get(q.key), expected[q.key]) else 0.0)
              for q in QUESTIONS}
    result = GradeResult(sid, points, answers, expected, status)
    _write_feedback(folder, result, meta.get("lang", "en"))
    return result


def _write_feedback(folder: Path, r: GradeResult, lang: str) -> None:
    """``feedback.html``: every value from the student's folder (id, answers, errors) escaped."""
    lang = lang if lang in LANGUAGES else "en"  # assignment.json is in the student's hands
    e = html.escape  # quotes too

    def html_phrase(key: str) -> str:
        return e(translate(key, lang))

    rows = []
    for q in QUESTIONS:
        ok = r.points[q.key] > 0
        mark = html_phrase("cw_correct") if ok else html_phrase("cw_wrong")
        rows.append(
            f'<tr class="{"ok" if ok else "wrong"}"><td>{e(q.key)}</td><td>{e(q.text(lang))}</td>'
            f"<td>{e(str(r.answers.get(q.key)))}</td><td>{r.expected[q.key]:.6g}</td>"
            f"<td>{mark}</td><td>{r.points[q.key]:g} / {q.points:g}</td></tr>")
    maximum = sum(q.points for q in QUESTIONS)
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html_phrase("cw_feedback_title")}</title>
<style>body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 1000px; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #ddd; padding: 6px; }}
tr.ok td:nth-child(5) {{ color: #1b5e20; }} tr.wrong td:nth-child(5) {{ color: #b00020; font-weight: bold; }}
pre {{ white-space: pre-wrap; }}
</style></head><body>
<h1>{html_phrase("cw_feedback_title")}: {e(r.student_id)}</h1>
<p>{html_phrase("cw_total")}: <strong>{r.total:g} / {maximum:g}</strong></p>
{"" if r.status == "graded" else "<pre>" + e(r.status) + "</pre>"}
<table><thead><tr><th>#</th><th>{html_phrase("cw_question")}</th><th>{html_phrase("cw_answer")}</th>
<th>{html_phrase("cw_expected")}</th><th></th><th>{html_phrase("cw_points_col")}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></body></html>
"""
    atomic_write_text(folder / "feedback.html", page)


def grade(directory: str | Path, timeout: int = 300, log=None,
          key: bytes | str | Path | None = None) -> pd.DataFrame:
    """Grade every student folder under ``directory``; writes ``grades.csv``.

    ``key``: the course key (bytes or key file), by default ``directory/course.key``.
    """
    directory = Path(directory)
    secret = resolve_key(key, directory)
    folders = sorted(p.parent for p in directory.glob("*/assignment.json"))
    if not folders:
        raise CRMDataError(f"no student folders (with assignment.json) under {directory}")
    records = []
    for folder in folders:
        if log:
            log(f"grading {folder.name} ...")
        r = grade_student(folder, secret, timeout)
        records.append({"student_id": r.student_id, **r.points, "total": r.total,
                        "max": sum(q.points for q in QUESTIONS), "status": r.status})
    sheet = pd.DataFrame(records)
    atomic_write_text(directory / "grades.csv", sheet.to_csv(index=False))
    return sheet
