"""The questions of the coursework assignment, with reference answers and grading rules.

Each question has its text in the report catalogue (key ``cw_<question key>``, English and
Chinese, see :mod:`crm_models.report.i18n`), the points it is worth, a :class:`Rule` that the
text states and the grading applies (``Rule(3)``: "give the answer to 3 decimals"; an answer
counts as right when it rounds to the reference at that precision, i.e. lies within half a
unit of the last decimal, ``|answer - reference| <= 0.5 * 10**-decimals``), the typical
:class:`Mistake` s that earn partial credit, and a function computing the reference answer
from the student's own data with crm_models itself.

Partial credit (documented per question in ``QUESTIONS`` and shown in the feedback):

========  ===================================  =============================================
question  mistake                              credit
========  ===================================  =============================================
q2        revenue rounded to a whole number    half (the question asks for 2 decimals)
q3        a percentage (x100) for the share    half
q4        all purchases (frequency + 1)        half
q5        T in days (x7) instead of weeks      half
========  ===================================  =============================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from crm_models.data.summary import rfm_summary
from crm_models.report.i18n import translate

__all__ = ["Question", "QUESTIONS", "Rule", "Mistake", "Score", "reference_answers", "StudentData"]


@dataclass(frozen=True)
class StudentData:
    transactions: pd.DataFrame
    observation_end: str

    @property
    def summary(self) -> pd.DataFrame:
        return rfm_summary(self.transactions, self.observation_end, period="D", time_unit="W")


@dataclass(frozen=True)
class Rule:
    """Precision an answer must have: ``decimals`` places (0: the nearest whole number).

    An answer matches a target when both round to the same value at that precision, read as
    ``|answer - target| <= 0.5 * 10**-decimals`` (a hair of slack for binary floating point),
    so a fully precise answer, and one rounded as asked, both count.
    """

    decimals: int

    @property
    def tolerance(self) -> float:
        return 0.5 * 10.0 ** -self.decimals

    def matches(self, answer: float, target: float) -> bool:
        return math.isfinite(answer) and abs(answer - target) <= self.tolerance * (1 + 1e-9) + 1e-12

    def describe(self, lang: str = "en") -> str:
        """The rule as stated in the question: "to 3 decimals", "to the nearest whole number"."""
        if self.decimals == 0:
            return translate("cw_rule_whole", lang)
        return translate("cw_rule_decimals", lang, n=self.decimals)

    def show(self, value: float) -> str:
        """``value`` at the stated precision (the reference as the student was asked to give it)."""
        return f"{value:.{self.decimals}f}"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer that still earns ``credit`` (a share of the question's points).

    ``wrong(reference)`` is the value the mistake produces; the answer is compared with it
    under ``Rule(decimals)``.  ``key`` names the description ``cw_mistake_<key>``.
    """

    key: str
    credit: float
    wrong: Callable[[float], float]
    decimals: int

    def describe(self, lang: str = "en") -> str:
        return translate(f"cw_mistake_{self.key}", lang)


@dataclass(frozen=True)
class Score:
    """The outcome of one answer: points, and ``outcome`` correct / partial / wrong / missing."""

    points: float
    outcome: str
    mistake: Mistake | None = None


@dataclass(frozen=True)
class Question:
    key: str
    solution: str  # teacher's key: code that assigns the answer (uses tx, s, crm)
    points: float
    reference: Callable[[StudentData], float]
    rule: Rule
    mistakes: tuple[Mistake, ...] = field(default=())

    def text(self, lang: str = "en") -> str:
        """The question in ``lang`` (catalogue key ``cw_<key>``) followed by its precision rule."""
        return f"{translate(f'cw_{self.key}', lang)} ({self.rule.describe(lang)})"

    def score(self, answer: object, expected: float) -> Score:
        """Points for ``answer``: full when it matches under the rule, partial for a known mistake."""
        if answer is None:
            return Score(0.0, "missing")
        try:
            value = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Score(0.0, "wrong")
        if self.rule.matches(value, expected):
            return Score(self.points, "correct")
        for mistake in self.mistakes:
            if Rule(mistake.decimals).matches(value, mistake.wrong(expected)):
                return Score(self.points * mistake.credit, "partial", mistake)
        return Score(0.0, "wrong")

    def is_correct(self, answer: object, expected: float) -> bool:
        return self.score(answer, expected).outcome == "correct"


def _champions(d: StudentData) -> float:
    from crm_models.segments import rfm_segments

    return float((rfm_segments(d.summary)["segment"] == "champions").sum())


def _same(value: float) -> float:
    return value


QUESTIONS: list[Question] = [
    Question(
        "q1",
        "tx['customer_id'].nunique()",
        1.0, lambda d: float(d.transactions["customer_id"].nunique()), Rule(0),
    ),
    Question(
        "q2",
        "tx['amount'].sum()",
        1.0, lambda d: float(d.transactions["amount"].sum()), Rule(2),
        (Mistake("rounded_whole", 0.5, _same, 0),),
    ),
    Question(
        "q3",
        "(s['frequency'] > 0).mean()",
        2.0, lambda d: float((d.summary["frequency"] > 0).mean()), Rule(3),
        (Mistake("percent", 0.5, lambda v: 100 * v, 1),),
    ),
    Question(
        "q4",
        "s['frequency'].mean()",
        2.0, lambda d: float(d.summary["frequency"].mean()), Rule(3),
        (Mistake("all_purchases", 0.5, lambda v: v + 1, 3),),
    ),
    Question(
        "q5",
        "s['T'].mean()",
        2.0, lambda d: float(d.summary["T"].mean()), Rule(2),
        (Mistake("days", 0.5, lambda v: 7 * v, 1),),
    ),
    Question(
        "q6",
        "(crm.segments.rfm_segments(s)['segment'] == 'champions').sum()",
        2.0, _champions, Rule(0),
    ),
]


def reference_answers(data: StudentData) -> dict[str, float]:
    return {q.key: q.reference(data) for q in QUESTIONS}
