"""The question bank of the coursework assignment, with reference answers.

Each question has its text in the report catalogue (key ``cw_<question key>``, English and
Chinese, see :mod:`crm_models.report.i18n`), the points it is worth, how close an
answer must be (absolute and relative tolerance), and a function computing the reference
answer from the student's own data with crm_models itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_models.data.summary import rfm_summary
from crm_models.report.i18n import translate

__all__ = ["Question", "QUESTIONS", "reference_answers", "StudentData"]


@dataclass(frozen=True)
class StudentData:
    transactions: pd.DataFrame
    observation_end: str

    @property
    def summary(self) -> pd.DataFrame:
        return rfm_summary(self.transactions, self.observation_end, period="D", time_unit="W")


@dataclass(frozen=True)
class Question:
    key: str
    solution: str  # teacher's key: code that assigns the answer (uses tx, s, crm)
    points: float
    reference: Callable[[StudentData], float]
    atol: float = 0.0
    rtol: float = 0.0

    def text(self, lang: str = "en") -> str:
        """The question in ``lang`` (catalogue key ``cw_<key>``)."""
        return translate(f"cw_{self.key}", lang)

    def is_correct(self, answer: object, expected: float) -> bool:
        try:
            value = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return bool(np.isfinite(value) and np.isclose(value, expected, rtol=self.rtol, atol=self.atol))


def _champions(d: StudentData) -> float:
    from crm_models.segments import rfm_segments

    return float((rfm_segments(d.summary)["segment"] == "champions").sum())


QUESTIONS: list[Question] = [
    Question(
        "q1",
        "tx['customer_id'].nunique()",
        1.0, lambda d: float(d.transactions["customer_id"].nunique()),
    ),
    Question(
        "q2",
        "tx['amount'].sum()",
        1.0, lambda d: float(d.transactions["amount"].sum()), atol=0.01,
    ),
    Question(
        "q3",
        "(s['frequency'] > 0).mean()",
        2.0, lambda d: float((d.summary["frequency"] > 0).mean()), atol=1e-4,
    ),
    Question(
        "q4",
        "s['frequency'].mean()",
        2.0, lambda d: float(d.summary["frequency"].mean()), atol=1e-4,
    ),
    Question(
        "q5",
        "s['T'].mean()",
        2.0, lambda d: float(d.summary["T"].mean()), atol=1e-3,
    ),
    Question(
        "q6",
        "(crm.segments.rfm_segments(s)['segment'] == 'champions').sum()",
        2.0, _champions,
    ),
]


def reference_answers(data: StudentData) -> dict[str, float]:
    return {q.key: q.reference(data) for q in QUESTIONS}
