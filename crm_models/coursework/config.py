"""An assignment chosen from the question bank: a YAML file with the questions, points,
language and due date.

.. code-block:: yaml

    title: CRM analytics, homework 2
    lang: zh                 # en or zh (the workbook language; --lang overrides it)
    due: 2025-05-30          # shown in the workbook
    show_answers: after_due  # never | after_due (the default) | always: references in the feedback
    questions:               # bank ids (crm_models.coursework.bank.BANK) or the data questions q1-q6
      - kano                 # the question's own points
      - {id: clv, points: 4}
      - q3

Without a file an assignment has the six data questions ``q1`` ... ``q6`` (:data:`DEFAULT`).

``show_answers`` decides whether a student's feedback page shows the reference answers:
``always``; ``never``; or ``after_due`` (the default), only when grading runs after the due date
(the day after ``due`` or later), so that a student who has handed in early cannot pass the
answers to one who has not.  Without a due date ``after_due`` shows none: there is no date
after which every student is done.  Hiding is the default because a reference once seen cannot
be taken back, while grading again after the due date shows them.
Each question becomes an :class:`Item`; :func:`Item.resolve` gives one student's version of it
(text with their numbers, the reference, the score of an answer), from the course key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crm_models.coursework.bank import BANK, BankQuestion, Choice
from crm_models.coursework.course_key import student_seed
from crm_models.coursework.questions import QUESTIONS, Question, Score, StudentData
from crm_models.errors import CRMDataError
from crm_models.report.i18n import LANGUAGES

__all__ = ["AssignmentConfig", "Item", "Resolved", "load_config", "DEFAULT", "CONFIG_FILE", "SHOW_ANSWERS"]

#: The assignment's configuration as kept in the teacher's course folder (JSON).
CONFIG_FILE = "course.json"
_DATA_QUESTIONS = {q.key: q for q in QUESTIONS}
#: When the feedback pages show the reference answers.
SHOW_ANSWERS = ("never", "after_due", "always")


@dataclass(frozen=True)
class Resolved:
    """One student's version of a question: its text, reference and scoring."""

    text: Callable[[str], str]
    reference: float | str
    shown: str
    score: Callable[[object], Score]
    solution: str


@dataclass(frozen=True)
class Item:
    """A question of an assignment: ``key`` (its id), ``points`` and the bank or data question."""

    key: str
    points: float
    question: Question | BankQuestion

    def resolve(self, student_id: str, key: bytes, data: Callable[[], StudentData]) -> Resolved:
        """The student's version; ``data`` returns the student's transactions (data questions only)."""
        q = self.question
        if isinstance(q, BankQuestion):
            inst = q.instance(student_seed(student_id, key))
            ref = inst.reference
            literal = repr(ref) if isinstance(q.rule, Choice) else repr(float(ref))
            return Resolved(inst.text, ref, q.rule.show(ref),
                            lambda a: q.score(a, inst.params, ref, self.points),
                            f'answers["{self.key}"] = {literal}')
        ref = q.reference(data())
        factor = self.points / q.points

        def score(answer: object) -> Score:
            s = q.score(answer, ref)
            return Score(s.points * factor, s.outcome, s.mistake)

        solution = 's = crm.data.rfm_summary(tx, observation_end, period="D", time_unit="W")\n'
        return Resolved(q.text, ref, q.rule.show(ref), score,
                        solution + f'answers["{self.key}"] = {q.solution}')


@dataclass(frozen=True)
class AssignmentConfig:
    """The chosen questions (in order), the language, the due date, a title and when the
    feedback shows the reference answers (:data:`SHOW_ANSWERS`)."""

    items: tuple[Item, ...]
    lang: str = "en"
    due: str = ""
    title: str = ""
    source: str = field(default="default", compare=False)
    show_answers: str = "after_due"

    @property
    def keys(self) -> list[str]:
        return [i.key for i in self.items]

    @property
    def maximum(self) -> float:
        return float(sum(i.points for i in self.items))

    def answers_shown(self, today: dt.date | str | None = None) -> bool:
        """Whether feedback written on ``today`` (default: the current date) shows the references.

        ``always``: yes; ``never``: no; ``after_due``: only after the due date (``today > due``),
        never without one.
        """
        if self.show_answers == "always":
            return True
        if self.show_answers == "never" or not self.due:
            return False
        day = dt.date.today() if today is None else dt.date.fromisoformat(str(today))
        return day > dt.date.fromisoformat(self.due)

    def to_dict(self) -> dict:
        return {"title": self.title, "lang": self.lang, "due": self.due, "show_answers": self.show_answers,
                "questions": [{"id": i.key, "points": i.points} for i in self.items]}

    @classmethod
    def from_dict(cls, raw: object, source: str = "assignment") -> AssignmentConfig:
        """Validate a parsed configuration; errors name the source and the entry to fix."""
        if not isinstance(raw, dict):
            raise CRMDataError("the assignment file must be a mapping with a 'questions' list", source=source)
        unknown = set(raw) - {"title", "lang", "due", "show_answers", "questions"}
        if unknown:
            raise CRMDataError(f"unknown setting(s) {sorted(unknown)}; use title, lang, due, show_answers, "
                               "questions", source=source)
        entries = raw.get("questions")
        if not isinstance(entries, list) or not entries:
            raise CRMDataError("give a non-empty 'questions' list of question ids", source=source)
        items, seen = [], set()
        for n, entry in enumerate(entries, 1):
            qid, points = (entry, None) if isinstance(entry, str) else (
                (entry.get("id"), entry.get("points")) if isinstance(entry, dict) else (None, None))
            question = BANK.get(qid) or _DATA_QUESTIONS.get(qid)  # type: ignore[arg-type]
            if question is None:
                raise CRMDataError(f"question {n}: unknown id {qid!r}; choose from the bank "
                                   f"{sorted(BANK)} or the data questions {sorted(_DATA_QUESTIONS)}",
                                   source=source)
            if qid in seen:
                raise CRMDataError(f"question {n}: {qid!r} is listed twice", source=source)
            seen.add(qid)
            points = question.points if points is None else points
            if isinstance(points, bool) or not isinstance(points, int | float) or not points > 0:
                raise CRMDataError(f"question {n} ({qid}): points must be a positive number, not {points!r}",
                                   source=source)
            items.append(Item(str(qid), float(points), question))
        lang = raw.get("lang", "en")
        if lang not in LANGUAGES:
            raise CRMDataError(f"lang {lang!r}: use one of {LANGUAGES}", source=source)
        due = raw.get("due", "")
        if due not in ("", None):
            try:
                due = dt.date.fromisoformat(str(due)).isoformat()
            except ValueError:
                raise CRMDataError(f"due {due!r}: give a date as YYYY-MM-DD", source=source) from None
        show = raw.get("show_answers", "after_due")
        if show not in SHOW_ANSWERS:
            raise CRMDataError(f"show_answers {show!r}: use one of {', '.join(SHOW_ANSWERS)} (when the "
                               "feedback pages show the reference answers)", source=source)
        return cls(tuple(items), lang, due or "", str(raw.get("title") or ""), source, show)


#: The assignment without a file: the six data questions with their own points.
DEFAULT = AssignmentConfig(tuple(Item(q.key, q.points, q) for q in QUESTIONS))


def load_config(path: str | Path) -> AssignmentConfig:
    """Read an assignment YAML file (see the module notes)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CRMDataError(f"cannot read the assignment file ({exc})", source=str(path)) from exc
    return AssignmentConfig.from_dict(raw, str(path))
