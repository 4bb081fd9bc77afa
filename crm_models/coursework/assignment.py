"""Personalised coursework: a workbook per student, graded against a keyed reference.

``new_assignment(student_id, out)`` writes ``out/<folder>/`` (``folder``: a safe ASCII slug of
the id plus a short hash, see :func:`folder_name`, so ``张三`` works) with

* ``transactions.csv``: the student's own data, simulated (BG/NBD + Gamma-Gamma) with the
  seed ``HMAC-SHA256(course key, student id)`` (:mod:`crm_models.coursework.course_key`), and
  model parameters drawn from that seed too, so every student gets different numbers with a
  known truth, and only the key's holder can regenerate them;
* ``exercise.ipynb``: instructions and one answer cell per question
  (``answers["q1"] = ...``), each question stating its precision, in English or Chinese; the
  last cell saves ``answers.json``;
* ``assignment.json``: student id, name, language, observation end (no seed, no answers).

The teacher's course folder ``out/`` also holds the key file ``course.key`` (created on first
use, next to the student folders, never inside one) and the roster ``students.csv``
(student_id, name, folder).  The teacher's answer key (``solution=True``) goes to
``out/answer-key/<folder>/``, outside the roster: it is never graded as a student.

``grade(directory)`` grades every student of the roster: a missing folder or workbook, or an untouched
workbook is *not submitted* (not a 0 from a run); otherwise it executes the notebook (a
failing cell costs only its own question and its error message is shown in the feedback),
recomputes the reference answers from the key (not from the CSV, which a student could edit),
scores each answer by the rule its question states (:class:`~crm_models.coursework.questions.Rule`,
with partial credit for the mistakes named per question), and writes
``<folder>/feedback.html`` plus ``grades.csv``.

A workbook is student code and runs with the grader's rights.  It runs in a private
temporary copy of its folder, so ``../course.key`` does not reach the key, and the feedback
shows at most 80 characters of an answer; a student who hunts for the key by absolute path
can still find it, so grade under an account or in a container that holds only the course
folder, and never on a machine with other secrets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crm_models.coursework.config import CONFIG_FILE, DEFAULT, AssignmentConfig, Resolved, load_config
from crm_models.coursework.course_key import resolve_key, student_seed
from crm_models.coursework.questions import QUESTIONS, Score, StudentData
from crm_models.data import simulate
from crm_models.data.io import load_transactions
from crm_models.errors import CRMDataError
from crm_models.report.fonts import embed_cjk_font
from crm_models.report.i18n import LANGUAGES, translate
from crm_models.report.runner import atomic_write_text

__all__ = ["student_data", "new_assignment", "grade", "grade_results", "grade_student", "course_config",
           "save_answers", "GradeResult", "folder_name", "read_roster", "grades_table", "write_grades",
           "KEY_FOLDER", "ROSTER_FILE",
           "STATUSES", "GRADES_FILE", "GRADES_COLUMNS"]

OBSERVATION_END = "2024-12-31"
#: The teacher's answer-key folder inside the course folder (never graded).
KEY_FOLDER = "answer-key"
#: The course roster written by :func:`new_assignment`: student_id, name, folder.
ROSTER_FILE = "students.csv"
#: A student's status in ``grades.csv``.
STATUSES = ("submitted", "not submitted", "error")
#: The grade sheet written next to the student folders.
GRADES_FILE = "grades.csv"
#: Its columns: who, status, the points of each question, total.
GRADES_COLUMNS = ["student_id", "name", "status", *(q.key for q in QUESTIONS), "total"]


def _check_id(student_id: object) -> str:
    """Any printable text of 1-64 characters (Unicode welcome) without path separators."""
    text = student_id if isinstance(student_id, str) else ""
    bad = (not text or len(text) > 64 or text != text.strip() or "/" in text or "\\" in text
           or text in {".", ".."} or any(unicodedata.category(c)[0] == "C" for c in text))
    if bad:
        raise CRMDataError(f"student id {student_id!r} must be 1-64 printable characters without '/', '\\', "
                           "control characters or surrounding spaces")
    return text


def folder_name(student_id: str) -> str:
    """A safe folder name for ``student_id``: an ASCII slug plus 8 hex digits of its SHA-256.

    ``"s001"`` -> ``"s001-<hash>"``, ``"张三"`` -> ``"student-<hash>"`` (no ASCII letters to keep),
    ``"José Núñez"`` -> ``"jose-nunez-<hash>"``.  The hash keeps ids that share a slug apart; it
    is a public hash of the id (not a secret: the id is on the folder anyway).
    """
    _check_id(student_id)
    ascii_text = unicodedata.normalize("NFKD", student_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:32].strip("-") or "student"
    return f"{slug}-{hashlib.sha256(student_id.encode('utf-8')).hexdigest()[:8]}"


def read_roster(path: str | Path) -> pd.DataFrame:
    """The class list: a CSV with columns ``student_id, name`` (UTF-8, with or without BOM).

    Raises :class:`~crm_models.errors.CRMDataError` naming the file, the column and the lines
    (1 = header) of a missing column, an empty or invalid id, or a duplicated id.
    """
    path = Path(path)
    try:
        roster = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CRMDataError(f"roster {path}: cannot read it as a UTF-8 CSV ({exc})") from exc
    roster.columns = [str(c).strip() for c in roster.columns]
    missing = [c for c in ("student_id", "name") if c not in roster.columns]
    if missing:
        raise CRMDataError(f"roster {path}: missing column(s) {missing}; expected a header "
                           f"'student_id,name', found {list(roster.columns)}")
    roster = roster[["student_id", "name"]].apply(lambda c: c.str.strip())
    lines = roster.index + 2
    bad = []
    for line, sid in zip(lines, roster["student_id"], strict=True):
        try:
            _check_id(sid)
        except CRMDataError:
            bad.append(int(line))
    if bad:
        raise CRMDataError(f"roster {path}, column student_id: empty or invalid id on line(s) {bad[:10]}; "
                           "give each student 1-64 printable characters without '/' or '\\'")
    dup = roster["student_id"].duplicated(keep=False)
    if dup.any():
        ids = sorted(set(roster.loc[dup, "student_id"]))[:10]
        raise CRMDataError(f"roster {path}, column student_id: duplicated id(s) {ids} on lines "
                           f"{[int(n) for n in lines[dup]][:10]}; each student needs a unique id")
    return roster.reset_index(drop=True)


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


def _blank(key: str, lang: str) -> str:
    return f"answers[\"{key}\"] = None  # {translate('cw_your_answer', lang)}"


def _workbook(student_id: str, lang: str, answers: dict[str, str] | None = None, name: str = "",
              config: AssignmentConfig = DEFAULT, resolved: dict[str, Resolved] | None = None):
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    who = f"{student_id} ({name})" if name else student_id
    due = f"\n\n{translate('cw_due', lang, date=config.due)}" if config.due else ""
    cells = [
        md(f"# {config.title or translate('cw_title', lang)}\n\n"
           f"{translate('cw_intro', lang, student=who, end=OBSERVATION_END)}{due}"),
        code(f"student_id = {json.dumps(student_id, ensure_ascii=False)}\ndata_file = \"transactions.csv\"\n"
             f'observation_end = "{OBSERVATION_END}"\nlang = "{lang}"'),
        code("import crm_models as crm\n\n"
             "tx = crm.data.load_transactions(data_file)\n"
             "answers = {}"),
    ]
    cells[1].metadata["tags"] = ["parameters"]
    for item in config.items:
        text = resolved[item.key].text(lang) if resolved else item.question.text(lang)  # type: ignore[call-arg]
        cells.append(md(f"**{item.key}** ({translate('cw_points', lang, points=item.points)}) {text}"))
        cell = code((answers or {}).get(item.key, _blank(item.key, lang)))
        cell.metadata["tags"] = ["answer"]
        cell.metadata["question"] = item.key
        cells.append(cell)
    cells.append(code("crm.coursework.save_answers(answers, \"answers.json\")"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _roster_path(out: Path) -> Path:
    return out / ROSTER_FILE


def _load_course_roster(out: Path) -> pd.DataFrame:
    path = _roster_path(out)
    if not path.exists():
        return pd.DataFrame(columns=["student_id", "name", "folder"])
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _register(out: Path, student_id: str, name: str, folder: str) -> None:
    """Add the student to the course roster, or update them in place (the roster keeps its order)."""
    roster = _load_course_roster(out)
    same = roster["student_id"] == student_id
    if same.any():
        roster.loc[same, "folder"] = folder
        if name:
            roster.loc[same, "name"] = name
    else:
        row = pd.DataFrame([{"student_id": student_id, "name": name, "folder": folder}])
        roster = pd.concat([roster, row], ignore_index=True) if len(roster) else row
    atomic_write_text(_roster_path(out), roster.to_csv(index=False))


def course_config(out: str | Path, config: AssignmentConfig | str | Path | None = None) -> AssignmentConfig:
    """The course's assignment: ``config`` (an :class:`AssignmentConfig` or a YAML file), kept in
    ``out/course.json`` for grading; without it the one kept there, else :data:`DEFAULT`.

    A course keeps one assignment: a different configuration for a course folder that already
    has one is an error (the students made so far would be graded on other questions).
    """
    path = Path(out) / CONFIG_FILE
    kept = AssignmentConfig.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path)) \
        if path.exists() else None
    if kept is None and len(_load_course_roster(Path(out))):
        kept = DEFAULT  # students made before any file have the data questions
    if config is None:
        return kept or DEFAULT
    chosen = config if isinstance(config, AssignmentConfig) else load_config(config)
    if kept is not None and kept.to_dict() != chosen.to_dict():
        raise CRMDataError(f"the course folder already has another assignment ({path}); use a new course "
                           "folder for a new assignment", source=chosen.source)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(chosen.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return chosen


def _resolve_all(config: AssignmentConfig, student_id: str, secret: bytes) -> dict[str, Resolved]:
    cache: dict[str, StudentData] = {}

    def data() -> StudentData:
        if "d" not in cache:
            cache["d"] = student_data(student_id, secret)
        return cache["d"]

    return {item.key: item.resolve(student_id, secret, data) for item in config.items}


def new_assignment(student_id: str, out: str | Path = "assignments", lang: str | None = None,
                   answers: dict[str, str] | None = None, key: bytes | str | Path | None = None,
                   name: str = "", solution: bool = False,
                   config: AssignmentConfig | str | Path | None = None) -> Path:
    """Create the student's folder ``out/<folder_name(student_id)>/``; returns it.

    Parameters
    ----------
    student_id, name:
        The student (any printable id, Unicode welcome) and the name shown in the workbook.
    out:
        The teacher's course folder; the student is added to its roster ``students.csv``.
    answers:
        Pre-fills answer cells with code (tests; a simulated submission).
    key:
        The course key (bytes or a key file); by default ``out/course.key``, created if missing.
    solution:
        Write the teacher's answer key (:func:`solution_answers`) for this student's data to
        ``out/answer-key/<folder>/`` instead: not on the roster, never graded.
    config:
        The questions (:func:`~crm_models.coursework.config.load_config`, a YAML file or a
        config); by default the course's (``out/course.json``) or the six data questions.
    lang:
        The workbook language; by default the configuration's (``en`` without one).
    """
    import nbformat

    _check_id(student_id)
    chosen = course_config(out, config)
    lang = lang or chosen.lang
    if lang not in LANGUAGES:
        raise CRMDataError(f"assignment language {lang!r}: use one of {LANGUAGES}")
    out = Path(out)
    secret = resolve_key(key, out, create=True)
    slug = folder_name(student_id)
    folder = out / KEY_FOLDER / slug if solution else out / slug
    folder.mkdir(parents=True, exist_ok=True)
    data = student_data(student_id, secret)
    tx = data.transactions.copy()
    tx["date"] = tx["date"].dt.strftime("%Y-%m-%d")
    atomic_write_text(folder / "transactions.csv", tx.to_csv(index=False, float_format="%.2f"))
    resolved = _resolve_all(chosen, student_id, secret)
    prefill = {k: r.solution for k, r in resolved.items()} if solution else answers
    workbook = _workbook(student_id, lang, prefill, name, chosen, resolved)
    nbformat.write(workbook, str(folder / "exercise.ipynb"))
    meta = {"student_id": student_id, "name": name, "lang": lang, "role": "key" if solution else "student",
            "observation_end": OBSERVATION_END, "questions": chosen.keys, "due": chosen.due}
    atomic_write_text(folder / "assignment.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    if not solution:
        _register(out, student_id, name, slug)
    return folder


def solution_answers() -> dict[str, str]:
    """The teacher's key as answer-cell code (``s`` is the RFM summary)."""
    prefix = ('s = crm.data.rfm_summary(tx, observation_end, period="D", time_unit="W")\n')
    return {q.key: prefix + f"answers[\"{q.key}\"] = {q.solution}" for q in QUESTIONS}


@dataclass
class GradeResult:
    """One student's grading.

    ``status`` is "submitted", "not submitted" or "error: <why the notebook could not run>"
    (:attr:`state` without the reason); ``outcomes`` per question: "correct", "partial",
    "wrong", "missing" or "error" (the answer cell raised, message in ``errors``).
    """

    student_id: str
    points: dict[str, float]
    answers: dict[str, object]
    expected: dict[str, float]
    status: str
    name: str = ""
    scores: dict[str, Score] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(self.points.values()))

    @property
    def state(self) -> str:
        return self.status.split(":", 1)[0]

    def outcome(self, key: str) -> str:
        if key in self.errors:
            return "error"
        score = self.scores.get(key)
        return score.outcome if score else ("correct" if self.points.get(key, 0) > 0 else "wrong")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _answer_cells(nb, keys: list[str] | None = None) -> dict[str, object]:
    """Answer cells by question key (metadata ``question``; else the order of ``answer`` tags)."""
    keys = DEFAULT.keys if keys is None else keys
    tagged = [c for c in nb.cells if c.cell_type == "code" and "answer" in c.metadata.get("tags", [])]
    found = {}
    for i, cell in enumerate(tagged):
        key = cell.metadata.get("question") or (keys[i] if i < len(keys) else None)
        if key:
            found[key] = cell
    return found


def _untouched(nb, keys: list[str] | None = None) -> bool:
    """Every answer cell still holds its blank line (in either language): nothing was submitted."""
    keys = DEFAULT.keys if keys is None else keys
    cells = _answer_cells(nb, keys)
    return all(key in cells and cells[key].source.strip() in {_blank(key, lang) for lang in LANGUAGES}
               for key in keys)


def _cell_errors(nb, keys: list[str] | None = None) -> dict[str, str]:
    """``{question: "NameError: name 'x' is not defined"}`` for answer cells that raised."""
    errors = {}
    for key, cell in _answer_cells(nb, keys).items():
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors[key] = _ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    return errors


def _execute(folder: Path, timeout: int, keys: list[str] | None = None):
    """Run the workbook of ``folder``; returns (status, executed notebook, answers or None).

    The notebook runs in a private temporary copy of the folder, not next to the course key
    (student code cannot reach ``../course.key`` by a relative path), and ``answers.json`` is
    read from that copy (a stale or hand-made file in the student folder is never graded).
    """
    import shutil
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    from crm_models.report.execution import LocalKernelManager

    if not (folder / "exercise.ipynb").is_file():  # the folder is there, the workbook was not handed in
        return "not submitted", nbformat.v4.new_notebook(), None
    nb = nbformat.read(str(folder / "exercise.ipynb"), as_version=4)
    if _untouched(nb, keys):
        return "not submitted", nb, None
    with tempfile.TemporaryDirectory(prefix="crm-grading-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns(
            "answers.json", "exercise.graded.ipynb", "feedback.html", ".ipynb_checkpoints"))
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                kernel_manager_class=LocalKernelManager,
                                resources={"metadata": {"path": str(work)}})
        try:
            client.execute()
        except Exception as exc:  # kernel died or timed out: no answers
            return f"error: {type(exc).__name__}: {exc}", nb, None
        finally:
            nbformat.write(nb, str(folder / "exercise.graded.ipynb"))
        saved = work / "answers.json"
        if not saved.exists():
            return "error: the notebook did not save answers.json (was its last cell removed?)", nb, None
        try:
            answers = json.loads(saved.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return f"error: answers.json is not valid JSON ({exc})", nb, None
    if not isinstance(answers, dict):
        return "error: answers.json does not hold a mapping of answers", nb, None
    return "submitted", nb, answers


def grade_student(folder: Path, key: bytes, timeout: int = 300, student_id: str | None = None,
                  name: str = "", config: AssignmentConfig = DEFAULT,
                  today: dt.date | str | None = None) -> GradeResult:
    """Grade one folder (or, when it does not exist, record ``student_id`` as not submitted).

    ``today`` (default: the current date) decides, with the assignment's ``show_answers`` and
    due date, whether the feedback page shows the reference answers
    (:meth:`~crm_models.coursework.config.AssignmentConfig.answers_shown`).
    """
    folder = Path(folder)
    keys = config.keys
    if not (folder / "assignment.json").exists():
        sid = student_id or folder.name
        resolved = _resolve_all(config, sid, key)
        return GradeResult(sid, {k: 0.0 for k in keys}, {}, {k: r.reference for k, r in resolved.items()},
                           "not submitted", name, {k: Score(0.0, "missing") for k in keys})
    meta = json.loads((folder / "assignment.json").read_text(encoding="utf-8"))
    sid = student_id or meta["student_id"]  # the roster, not the student's file, says who this is
    name = name or str(meta.get("name", ""))
    status, nb, answers = _execute(folder, timeout, keys)
    answers = answers or {}
    errors = _cell_errors(nb, keys) if status != "not submitted" else {}
    resolved = _resolve_all(config, sid, key)
    scores = {k: Score(0.0, "missing") if k in errors else r.score(answers.get(k))
              for k, r in resolved.items()}
    result = GradeResult(sid, {k: sc.points for k, sc in scores.items()}, answers,
                         {k: r.reference for k, r in resolved.items()}, status, name, scores, errors)
    _write_feedback(folder, result, meta.get("lang", "en"), config, resolved,
                    show_answers=config.answers_shown(today))
    return result


def _write_feedback(folder: Path, r: GradeResult, lang: str, config: AssignmentConfig = DEFAULT,
                    resolved: dict[str, Resolved] | None = None, show_answers: bool = False) -> None:
    """``feedback.html``: every value from the student's folder (id, answers, errors) escaped.

    The reference answers appear only with ``show_answers`` (the assignment's setting, see
    :meth:`~crm_models.coursework.config.AssignmentConfig.answers_shown`); otherwise their
    column is left out and a line says when they will be shown.
    """
    lang = lang if lang in LANGUAGES else "en"  # assignment.json is in the student's hands
    e = html.escape  # quotes too

    def html_phrase(key: str, **values) -> str:
        return e(translate(key, lang, **values))

    rows = []
    for q in config.items:
        res = (resolved or {}).get(q.key)
        text = res.text(lang) if res else q.question.text(lang)  # type: ignore[call-arg]
        reference = res.shown if res else q.question.rule.show(r.expected[q.key])  # type: ignore[arg-type]
        outcome = r.outcome(q.key)
        score = r.scores.get(q.key)
        if outcome == "error":
            mark = f"{html_phrase('cw_outcome_error')}<br><code>{e(r.errors[q.key])}</code>"
        elif outcome == "partial" and score is not None and score.mistake is not None:
            mark = f"{html_phrase('cw_outcome_partial')}: {e(score.mistake.describe(lang))}"
        else:
            mark = html_phrase(f"cw_outcome_{outcome}")
        given = r.answers.get(q.key)
        shown = "" if given is None else str(given)
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        rows.append(
            f'<tr class="{e(outcome)}"><td>{e(q.key)}</td><td>{e(text)}</td>'
            f"<td>{e(shown)}</td>{f'<td>{e(reference)}</td>' if show_answers else ''}"
            f'<td class="mark">{mark}</td><td>{r.points[q.key]:g} / {q.points:g}</td></tr>')
    maximum = config.maximum
    status_line = html_phrase(f"cw_status_{r.state.replace(' ', '_')}") if r.state in STATUSES else ""
    reason = r.status.split(":", 1)[1].strip() if ":" in r.status else ""
    if show_answers:
        hidden, expected_th = "", f"<th>{html_phrase('cw_expected')}</th>"
    else:
        later = config.show_answers == "after_due" and config.due
        note = (html_phrase("cw_answers_after_due", date=config.due) if later
                else html_phrase("cw_answers_hidden"))
        hidden, expected_th = f'<p class="answers-hidden">{note}</p>\n', ""
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html_phrase("cw_feedback_title")}</title>
<style>body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 1000px; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #ddd; padding: 6px; }}
tr.correct td.mark {{ color: #1b5e20; }} tr.partial td.mark {{ color: #8a5a00; }}
tr.wrong td.mark, tr.error td.mark {{ color: #b00020; font-weight: bold; }}
pre, code {{ white-space: pre-wrap; }}
</style></head><body>
<h1>{html_phrase("cw_feedback_title")}: {e(r.student_id)}{" (" + e(r.name) + ")" if r.name else ""}</h1>
<p>{html_phrase("cw_status")}: <strong>{status_line}</strong></p>
<p>{html_phrase("cw_total")}: <strong>{r.total:g} / {maximum:g}</strong></p>
{"<pre>" + e(reason) + "</pre>" if reason else ""}
{hidden}<table><thead><tr><th>#</th><th>{html_phrase("cw_question")}</th><th>{html_phrase("cw_answer")}</th>
{expected_th}<th></th><th>{html_phrase("cw_points_col")}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></body></html>
"""
    atomic_write_text(folder / "feedback.html", embed_cjk_font(page))  # readable without a CJK font


def _students(directory: Path) -> list[tuple[str, str, Path]]:
    """(student id, name, folder) of every student to grade: the roster, never the answer key."""
    roster = _load_course_roster(directory)
    if len(roster):
        return [(r.student_id, r.name, directory / r.folder) for r in roster.itertuples()]
    found = []  # a course folder made before rosters: every student folder, the key excluded
    for meta_file in sorted(directory.glob("*/assignment.json")):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta_file.parent.name != KEY_FOLDER and meta.get("role", "student") == "student":
            found.append((meta["student_id"], str(meta.get("name", "")), meta_file.parent))
    return found


def grade_results(directory: str | Path, timeout: int = 300, log=None,
                  key: bytes | str | Path | None = None, today: dt.date | str | None = None
                  ) -> list[GradeResult]:
    """Grade every student on the roster of ``directory`` (writing their feedback pages); returns
    one :class:`GradeResult` per student in roster order (see :func:`grade` for the arguments).

    :func:`grade` calls it and also writes ``grades.csv`` and the class report.
    """
    directory = Path(directory)
    secret = resolve_key(key, directory)
    config = course_config(directory)
    students = _students(directory)
    if not students:
        raise CRMDataError(f"no students under {directory}: neither a roster ({ROSTER_FILE}) nor student "
                           "folders (with assignment.json); create them with `crm-report assignment new`")
    results = []
    for sid, name, folder in students:
        if log:
            log(f"grading {sid} ({folder.name}) ...")
        results.append(grade_student(folder, secret, timeout, student_id=sid, name=name, config=config,
                                     today=today))
    return results


def grade(directory: str | Path, timeout: int = 300, log=None,
          key: bytes | str | Path | None = None, today: dt.date | str | None = None,
          report_lang: str | None = None) -> pd.DataFrame:
    """Grade every student on the roster of ``directory``; writes ``grades.csv`` and the class report.

    ``key``: the course key (bytes or key file), by default ``directory/course.key``.  The
    roster is ``directory/students.csv`` (written by :func:`new_assignment`); the answer-key
    folder is not on it and is never graded.  ``today`` (default: the current date) is the
    grading date the ``show_answers: after_due`` setting compares with the due date.
    The class report (:func:`~crm_models.coursework.reporting.class_report`) goes to
    ``directory/class_report.html``, in ``report_lang`` (default: the language the workbooks were made
    in: the student folders').
    """
    from crm_models.coursework.reporting import CLASS_REPORT_FILE, class_report

    directory = Path(directory)
    results = grade_results(directory, timeout, log, key, today)
    config = course_config(directory)
    sheet = grades_table(results, config)
    write_grades(sheet, directory / GRADES_FILE)
    lang = report_lang or _workbook_lang(directory, config)
    class_report(results, directory / CLASS_REPORT_FILE, lang=lang, config=config)
    return sheet


def _workbook_lang(directory: Path, config: AssignmentConfig) -> str:
    """The language the students' workbooks were made in (``assignment new --lang``): the most common
    among the student folders (the answer key's when there are none yet), else the assignment's."""
    def langs(pattern: str) -> list[str]:
        found = []
        for meta_file in sorted(directory.glob(pattern)):
            try:
                lang = json.loads(meta_file.read_text(encoding="utf-8")).get("lang")
            except (OSError, ValueError, AttributeError):
                continue
            if lang in LANGUAGES:
                found.append(lang)
        return found

    found = langs("*/assignment.json") or langs(f"{KEY_FOLDER}/*/assignment.json")
    return max(sorted(set(found)), key=found.count) if found else config.lang


def grades_table(results: list[GradeResult], config: AssignmentConfig = DEFAULT) -> pd.DataFrame:
    """The grade sheet: one row per student in roster order, columns :data:`GRADES_COLUMNS`.

    ``student_id``, ``name``, ``status`` (one of :data:`STATUSES`), the points of each question
    (``q1`` ... , 0 for a student not submitted) and ``total``.
    """
    rows = [{"student_id": r.student_id, "name": r.name, "status": r.state,
             **{k: float(r.points.get(k, 0.0)) for k in config.keys}, "total": r.total}
            for r in results]
    return pd.DataFrame(rows, columns=["student_id", "name", "status", *config.keys, "total"])


def write_grades(sheet: pd.DataFrame, path: str | Path) -> Path:
    """Write ``grades.csv`` for the school's system: UTF-8 with a byte-order mark, comma separated.

    The BOM lets Excel (and the import dialogs of school systems built on it) read Chinese
    names correctly; pandas, Python's csv module with ``utf-8-sig`` and LibreOffice skip it.
    Points are plain decimals (``1.5``, ``10``), no thousands separators.
    """
    path = Path(path)
    text = sheet.to_csv(index=False, float_format="%g", lineterminator="\n")
    atomic_write_text(path, "\ufeff" + text)
    return path
